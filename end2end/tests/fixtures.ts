// The suite's `test` and `expect`: Playwright's, plus two automatic checks of every page the test
// visits, in every context it opens: accessibility (axe), and no uncaught error in the browser.
// Specs import from here, not from @playwright/test. See a11y.ts for how pages are checked and
// README.md for what fails.
import { test as base, expect, type BrowserContext, type Page } from "@playwright/test";
import { A11yChecker } from "./a11y";

export const test = base.extend<{ a11y: A11yChecker; browserErrors: string[] }>({
  // A panic in the WASM app (a failed hydration, say) is an uncaught error in the page; the
  // server's HTML stays on screen, so a test that only reads the page would not notice.
  browserErrors: [
    async ({ browser, context }, use) => {
      const errors: string[] = [];
      const watchPage = (page: Page) =>
        page.on("pageerror", (error) => errors.push(`${page.url()}: ${error.message}`));
      const watchContext = (ctx: BrowserContext) => {
        ctx.pages().forEach(watchPage);
        ctx.on("page", watchPage);
      };
      watchContext(context);
      browser.on("context", watchContext);
      try {
        await use(errors);
      } finally {
        browser.off("context", watchContext);
      }
      expect(errors, "uncaught errors in the browser").toEqual([]);
    },
    { auto: true, title: "no uncaught errors in the browser" },
  ],
  a11y: [
    async ({ browser, context }, use, testInfo) => {
      const checker = new A11yChecker(browser, testInfo, testInfo.project.use.javaScriptEnabled !== false);
      // The default context (and its `page`), and any context the test creates itself.
      checker.watchContext(context);
      browser.on("context", checker.onContext);
      try {
        await use(checker);
      } finally {
        browser.off("context", checker.onContext);
      }
      await checker.finish();
    },
    // Teardown checks where each page ended up; give it its own budget, not the test's.
    { auto: true, timeout: 120_000, title: "accessibility check (axe)" },
  ],
});

export { expect };
export { checkA11y } from "./a11y";
