#!/usr/bin/env bash
# The run command: installs what is missing, builds the release site and serves it at
# http://127.0.0.1:3000 on an embedded SQLite database (./data/peerloop.db) with demo data.
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
"$here/bootstrap.sh"
"$here/build-release.sh"
exec "$here/serve.sh"
