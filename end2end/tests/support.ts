import { expect, type Browser, type BrowserContext, type Page, type TestInfo } from "@playwright/test";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { checkA11y } from "./a11y";

/** True in the project that runs with JavaScript disabled. */
export function jsDisabled(testInfo: TestInfo): boolean {
  return testInfo.project.use.javaScriptEnabled === false;
}

/** Waits until the WASM app has hydrated the server-rendered page. */
export async function waitForHydration(page: Page): Promise<void> {
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
}

/** Opens a page and, when JavaScript runs, waits for hydration so clicks reach the WASM app. */
export async function open(page: Page, url: string, testInfo: TestInfo): Promise<void> {
  await page.goto(url);
  if (!jsDisabled(testInfo)) {
    await waitForHydration(page);
  }
}

/**
 * Saves a full-page screenshot as a test artifact, named for the page and the project. The state
 * worth a screenshot is worth an accessibility check too (also for pages reached by a click).
 */
export async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await checkA11y(page, `screenshot "${name}"`);
  const file = path.join("artifacts", "screenshots", `${name}-${testInfo.project.name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  await testInfo.attach(name, { path: file, contentType: "image/png" });
}

/** Every demo account's password. */
export const DEMO_PASSWORD = "peerloop-demo-2026";

/** Logs in through the log-in page (a demo account unless `password` is given). */
export async function logIn(
  page: Page,
  testInfo: TestInfo,
  email: string,
  password: string = DEMO_PASSWORD,
): Promise<void> {
  await open(page, "/login", testInfo);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Your learning" })).toBeVisible();
}

/** Runs one statement on an e2e server's SQLite file (see playwright.config.ts): the main server's
 * unless another server's database directory is given. */
export function sql(statement: string, databaseDir = process.env.PEERLOOP_E2E_DATABASE_DIR): string {
  return execFileSync("sqlite3", ["-cmd", ".timeout 10000", `${databaseDir}/peerloop.db`, statement], {
    encoding: "utf8",
  }).trim();
}

/** A browser context of its own, at `baseURL` (the main server's by default), granted
 * `permissions` (e.g. the camera), with `email` logged in. */
export async function signedIn(
  browser: Browser,
  testInfo: TestInfo,
  email: string,
  permissions: string[],
  baseURL = testInfo.project.use.baseURL,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL, permissions });
  const page = await context.newPage();
  await logIn(page, testInfo, email);
  return { context, page };
}

/**
 * Books the Student-Teacher `teacherEmail`'s last free hour in the coming fortnight of Rust Foundations for the student
 * signed in on `student` through the API, then moves it to start `seconds` from now. Returns the
 * session's id. `databaseDir` is that of the server `student` talks to.
 */
export async function bookHourStartingIn(
  student: Page,
  teacherEmail: string,
  seconds: number,
  databaseDir = process.env.PEERLOOP_E2E_DATABASE_DIR,
): Promise<string> {
  const teacher = sql(`SELECT id FROM users WHERE email = '${teacherEmail}'`, databaseDir);
  const course = sql("SELECT id FROM courses WHERE title = 'Rust Foundations'", databaseDir);
  const from = new Date().toISOString();
  const to = new Date(Date.now() + 14 * 86_400_000).toISOString();
  const availability = await student.request.get(
    `/api/sts/${teacher}/availability?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
  );
  expect(availability.status()).toBe(200);
  const slots: { start_at: string; duration_minutes: number }[] = (await availability.json()).slots;
  // The last free hour of the fortnight: the journeys that book through SBOK take a first one,
  // so the two never reach for the same slot at once.
  const hour = slots.filter((slot) => slot.duration_minutes === 60).at(-1);
  expect(hour, `${teacherEmail} has a free hour`).toBeTruthy();
  const origin = new URL(student.url()).origin;
  const booked = await student.request.post("/api/sessions", {
    headers: { origin },
    data: { st_id: teacher, course_id: course, start_at: hour!.start_at, duration_minutes: 60 },
  });
  expect(booked.status(), await booked.text()).toBe(201);
  const id: string = (await booked.json()).id;
  const start = Math.floor(Date.now() / 1000) + seconds;
  sql(
    `UPDATE bookings SET start_at = ${start}, end_at = ${start + 3600}, blocked_start = ${start},
       blocked_end = ${start + 3600} WHERE id = '${id}'`,
    databaseDir,
  );
  return id;
}
