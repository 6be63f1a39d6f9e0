import { defineConfig } from "@playwright/test";
import * as os from "node:os";
import * as path from "node:path";

// Debian's Chromium: these machines cannot download Playwright's own browser build.
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const port = Number(process.env.PEERLOOP_E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
// A fresh SQLite database for every run, seeded with the demo data. Kept in the environment, which
// the test workers inherit, so a test can move a session into its join window (room.spec.ts).
const databaseDir = (process.env.PEERLOOP_E2E_DATABASE_DIR ??= path.join(
  os.tmpdir(),
  `peerloop-e2e-${process.pid}-${Date.now()}`,
));

// A second server whose video service (PlugNmeet) is configured at a closed port, with its own
// database: the room journey's "Video service unavailable" path (room-opening.spec.ts).
const videoDownPort = port + 1;
process.env.PEERLOOP_E2E_VIDEO_DOWN_URL ??= `http://127.0.0.1:${videoDownPort}`;
process.env.PEERLOOP_E2E_VIDEO_DOWN_DATABASE_DIR ??= `${databaseDir}-video-down`;

/** The e2e server at `address`, on a fresh demo database in `directory`. */
function demoServer(address: string, directory: string, extra: Record<string, string> = {}) {
  return {
    command: "bash ../scripts/serve.sh",
    url: `${address}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe" as const,
    stderr: "pipe" as const,
    env: {
      LEPTOS_SITE_ADDR: address.replace("http://", ""),
      DATABASE_URL: `sqlite://${directory}/peerloop.db`,
      PEERLOOP_BLOB_DIR: `${directory}/blobs`,
      PEERLOOP_PUBLIC_URL: address,
      PEERLOOP_DEMO_DATA: "true",
      RUST_LOG: "warn",
      ...extra,
    },
  };
}

export default defineConfig({
  testDir: "./tests",
  outputDir: "./test-results",
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [["list"], ["html", { outputFolder: "playwright-report", open: "never" }]],
  timeout: 30_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        // A camera and a microphone that play a test pattern and a beep; a page gets them only in
        // a context granted the permissions (room.spec.ts), as a person would allow them.
        "--use-fake-device-for-media-stream",
        "--autoplay-policy=no-user-gesture-required",
      ],
    },
  },
  projects: [
    // A test tagged @js-only proves something only the WASM app can do; @no-js-only checks the
    // plain server-rendered page. Untagged tests run in both projects.
    { name: "hydrated", use: { javaScriptEnabled: true }, grepInvert: /@no-js-only/ },
    { name: "no-js", use: { javaScriptEnabled: false }, grepInvert: /@js-only/ },
  ],
  webServer: [
    demoServer(baseURL, databaseDir),
    // Port 9 (discard) has no listener on these machines: every call to the video service is
    // refused, as when PlugNmeet is down.
    demoServer(process.env.PEERLOOP_E2E_VIDEO_DOWN_URL, process.env.PEERLOOP_E2E_VIDEO_DOWN_DATABASE_DIR, {
      PLUGNMEET_SERVER_URL: "http://127.0.0.1:9",
      PLUGNMEET_API_KEY: "e2e_key",
      PLUGNMEET_API_SECRET: "e2e_secret",
    }),
  ],
});
