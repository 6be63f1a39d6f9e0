// The suite's `test` and `expect`: Playwright's, plus an automatic accessibility check (axe) of
// every page the test visits, in every context it opens. Specs import from here, not from
// @playwright/test. See a11y.ts for how pages are checked and README.md for what fails.
import { test as base, expect } from "@playwright/test";
import { A11yChecker } from "./a11y";

export const test = base.extend<{ a11y: A11yChecker }>({
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
