#!/usr/bin/env bash
# Records the checksum of every migration in migrations/released.sha384, which a backend test
# holds the migrations to. Run it once, when a new migration is added: a migration that has been
# released must never change (every database that ran it would refuse to start), so a changed
# line for an old file means the change belongs in a new migration instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
{
  echo "# A migration, once released, is never edited: a database that ran it would refuse to start"
  echo "# (sqlx compares these SHA-384 checksums). Change the schema with a new migration, and record"
  echo "# it with scripts/record-migrations.sh."
  for backend in sqlite postgres; do
    for file in migrations/"$backend"/*.sql; do
      echo "$backend/$(basename "$file") $(sha384sum "$file" | cut -d' ' -f1)"
    done
  done
} > migrations/released.sha384
