import { expect, type Page, type TestInfo } from "@playwright/test";
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
