// Accessibility check with axe-core, run on every page a test visits (see fixtures.ts and the
// README). A test fails when any page it visited has a violation of impact "serious" or
// "critical" under the WCAG 2.0/2.1 A and AA rules.
//
// Hydrated (JavaScript on): axe runs in the page itself. @axe-core/playwright injects axe with
// `page.evaluate`, which goes over CDP and is not subject to the page's Content-Security-Policy,
// so the strict nonce policy stays on for the whole suite (no `bypassCSP`).
//
// JavaScript off: `page.evaluate` still works, but timers never fire in a page whose scripts are
// disabled and axe waits on `setTimeout`, so it would hang. Instead the page's HTML is captured
// (without scripts that DOM is exactly what the server sent) and analysed in a separate,
// JavaScript-enabled "checker" context: the copy is served at the same URL with the page's own
// CSP plus `script-src 'none'`, so none of its scripts run, while its stylesheets, images and
// fonts load from the server. The page under test is never touched.
import { AxeBuilder } from "@axe-core/playwright";
import { test, type Browser, type BrowserContext, type Page, type TestInfo } from "@playwright/test";
import { createHash } from "node:crypto";

/** The axe rule sets that run: WCAG 2.0 and 2.1, levels A and AA. */
export const A11Y_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
/** Violations of these impacts fail the test; others are only listed in the attachment. */
export const FAILING_IMPACTS: readonly string[] = ["serious", "critical"];

const LOAD_TIMEOUT = 15_000;
const SHOWN_TARGETS = 3;
// Subresources the checker context may load for a captured page; everything else is aborted so
// the copy never runs code or calls the server.
const SNAPSHOT_RESOURCES = new Set(["stylesheet", "image", "font", "media"]);
// The page went away while it was being checked: the state is gone, not a broken check.
const TRANSIENT =
  /Execution context was destroyed|most likely because of a navigation|Target page, context or browser has been closed|Frame was detached|Cannot find context with specified id/i;

type Impact = "minor" | "moderate" | "serious" | "critical";

interface Violation {
  url: string;
  state: string;
  id: string;
  impact: Impact | "unknown";
  help: string;
  helpUrl: string;
  targets: string[];
  nodes: number;
}

interface CheckedState {
  url: string;
  state: string;
  how: "in page" | "HTML copy";
  violations: number;
}

interface Snapshot {
  url: string;
  html: string;
  csp: string | undefined;
  cookies: Awaited<ReturnType<BrowserContext["cookies"]>>;
  viewport: { width: number; height: number } | null;
}

type AxeResults = Awaited<ReturnType<AxeBuilder["analyze"]>>;

const checkers = new WeakMap<Page, A11yChecker>();

/**
 * Checks the page as it is now, if the accessibility fixture watches it (it watches every page
 * of every context a test opens). Repeated states of one URL are checked once per test.
 */
export async function checkA11y(page: Page, state = "explicit check"): Promise<void> {
  await checkers.get(page)?.check(page, state);
}

function withoutHash(url: string): string {
  const hash = url.indexOf("#");
  return hash < 0 ? url : url.slice(0, hash);
}

function isWebPage(url: string): boolean {
  return url.startsWith("http://") || url.startsWith("https://");
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What stays the same between two loads of one page state: no scripts, nonces or values. */
function fingerprint(html: string): string {
  const stable = html
    .replace(/<script\b[\s\S]*?<\/script>/gi, "")
    .replace(/\s(?:nonce|value)="[^"]*"/gi, "");
  return createHash("sha1").update(stable).digest("hex");
}

export class A11yChecker {
  private readonly watchedContexts = new Set<BrowserContext>();
  private readonly watchedPages = new Set<Page>();
  private readonly documentCsp = new WeakMap<Page, { url: string; csp: Promise<string | null> }>();
  private readonly checkedKeys = new Set<string>();
  private readonly checked: CheckedState[] = [];
  private readonly violations = new Map<string, Violation>();
  private readonly errors: string[] = [];
  private readonly skipped: string[] = [];
  private readonly background = new Set<Promise<void>>();
  private queue: Promise<void> = Promise.resolve();
  private checker: Promise<{ context: BrowserContext; page: Page }> | undefined;
  private checkerContext: BrowserContext | undefined;
  private servedSnapshot: Snapshot | undefined;
  private finishing = false;

  constructor(
    private readonly browser: Browser,
    private readonly testInfo: TestInfo,
    /** False in the no-js project: pages cannot run axe and are checked as HTML copies. */
    private readonly jsEnabled: boolean,
  ) {}

  /** For `browser.on("context")`: contexts the test creates itself are watched too. */
  readonly onContext = (context: BrowserContext): void => {
    this.watchContext(context);
  };

  watchContext(context: BrowserContext): void {
    if (this.watchedContexts.has(context)) {
      return;
    }
    this.watchedContexts.add(context);
    context.on("page", (page) => this.watchPage(page));
    for (const page of context.pages()) {
      this.watchPage(page);
    }
  }

  private watchPage(page: Page): void {
    if (this.watchedPages.has(page) || this.isChecker(page)) {
      return;
    }
    this.watchedPages.add(page);
    checkers.set(page, this);

    // Check the state the test leaves behind, and the page it arrives at. Navigations by clicks
    // and form posts are covered by the next goto, by screenshot() and by the end of the test.
    const goto = page.goto.bind(page);
    page.goto = async (url, options) => {
      if (this.isChecker(page)) {
        return goto(url, options);
      }
      await this.check(page, "before page.goto");
      const response = await goto(url, options);
      await this.check(page, "after page.goto");
      return response;
    };

    if (!this.jsEnabled) {
      page.on("response", (response) => {
        try {
          if (response.request().isNavigationRequest() && response.frame() === page.mainFrame()) {
            this.documentCsp.set(page, {
              url: withoutHash(response.url()),
              csp: response.headerValue("content-security-policy").catch(() => null),
            });
          }
        } catch {
          // Not a frame's response (e.g. a service worker's): nothing to record.
        }
      });
      // Without JavaScript the DOM is complete and final once parsed, so every document the page
      // loads — also by a click or a form post — is captured as it arrives.
      page.on("domcontentloaded", () => {
        if (this.finishing) {
          return; // The end-of-test check sees the final state.
        }
        const task = this.captureAndAnalyse(page, "page loaded", false).catch(() => {});
        this.background.add(task);
        void task.finally(() => this.background.delete(task));
      });
    }
  }

  /** Checks the page's current state (deduplicated by URL and content within the test). */
  async check(page: Page, state: string): Promise<void> {
    const started = Date.now();
    await this.captureAndAnalyse(page, state, true);
    // Time spent checking is added to the test's own budget, so checks never cause a timeout.
    if (!this.finishing && this.testInfo.timeout > 0) {
      this.testInfo.setTimeout(this.testInfo.timeout + (Date.now() - started));
    }
  }

  /** The checker context's own page, which a context listener may have seen being created. */
  private isChecker(page: Page): boolean {
    return this.checkerContext !== undefined && page.context() === this.checkerContext;
  }

  private async captureAndAnalyse(page: Page, state: string, settle: boolean): Promise<void> {
    if (page.isClosed() || !isWebPage(page.url()) || this.isChecker(page)) {
      return;
    }
    const keys: string[] = [];
    try {
      if (this.jsEnabled) {
        await this.serialised(() => this.analyseLive(page, state, keys));
      } else {
        const snapshot = await this.capture(page, settle, keys);
        if (snapshot) {
          await this.serialised(() => this.analyseSnapshot(snapshot, state));
        }
      }
    } catch (error) {
      // Not checked after all: let a later check of the same state try again.
      for (const key of keys) {
        this.checkedKeys.delete(key);
      }
      this.noteError(page, state, error);
    }
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  /** Hydrated pages: waits for load and hydration, then runs axe in the page. */
  private async analyseLive(page: Page, state: string, keys: string[]): Promise<void> {
    if (page.isClosed() || !isWebPage(page.url())) {
      return;
    }
    const title = `axe: ${new URL(page.url()).pathname} (${state})`;
    await test.step(
      title,
      async () => {
        await page.waitForLoadState("load", { timeout: LOAD_TIMEOUT });
        // Only app pages carry the hydration script; plain server pages (the mailbox) never do.
        if ((await page.locator('script[type="module"]').count()) > 0) {
          await page
            .locator('html[data-hydrated="true"]')
            .waitFor({ state: "attached", timeout: LOAD_TIMEOUT })
            .catch(() => {}); // If hydration mattered the test fails on its own; check what is there.
        }
        const url = page.url();
        if (!isWebPage(url) || !this.firstTime(url, await page.content(), page.viewportSize(), keys)) {
          return;
        }
        const results = await new AxeBuilder({ page }).withTags(A11Y_TAGS).setLegacyMode().analyze();
        this.record(url, state, "in page", results);
      },
      { box: true },
    );
  }

  /** JavaScript off: the page's HTML as parsed, with what it needs to be rendered elsewhere. */
  private async capture(page: Page, settle: boolean, keys: string[]): Promise<Snapshot | undefined> {
    if (settle) {
      await page.waitForLoadState("domcontentloaded", { timeout: LOAD_TIMEOUT });
    }
    const html = await page.content();
    const url = withoutHash(page.url());
    if (!isWebPage(url) || !this.firstTime(url, html, page.viewportSize(), keys)) {
      return undefined;
    }
    const document = this.documentCsp.get(page);
    const csp = document && document.url === url ? ((await document.csp) ?? undefined) : undefined;
    return { url, html, csp, cookies: await page.context().cookies(), viewport: page.viewportSize() };
  }

  private async analyseSnapshot(snapshot: Snapshot, state: string): Promise<void> {
    const { page } = await this.checkerPage();
    await page.context().clearCookies();
    if (snapshot.cookies.length > 0) {
      await page.context().addCookies(snapshot.cookies);
    }
    if (snapshot.viewport) {
      await page.setViewportSize(snapshot.viewport);
    }
    const results = await test.step(
      `axe: ${new URL(snapshot.url).pathname} (${state}, HTML without JavaScript)`,
      async () => {
        this.servedSnapshot = snapshot;
        // No fragment: a URL differing from the last one only by its hash would not reload.
        await page.goto(snapshot.url, { waitUntil: "load" });
        return new AxeBuilder({ page }).withTags(A11Y_TAGS).setLegacyMode().analyze();
      },
      { box: true },
    );
    this.record(snapshot.url, state, "HTML copy", results);
  }

  /** A JavaScript-enabled context that serves captured HTML in place of the real document. */
  private checkerPage(): Promise<{ context: BrowserContext; page: Page }> {
    this.checker ??= (async () => {
      // javaScriptEnabled explicitly: Playwright Test applies the project's options (false in the
      // no-js project) to every context created during a test.
      const context = await this.browser.newContext({ javaScriptEnabled: true, serviceWorkers: "block" });
      this.checkerContext = context;
      const page = await context.newPage();
      await context.route("**/*", async (route) => {
        const request = route.request();
        const snapshot = this.servedSnapshot;
        if (request.isNavigationRequest() && request.frame() === page.mainFrame() && snapshot) {
          const inert = "script-src 'none'";
          await route.fulfill({
            status: 200,
            headers: {
              "content-type": "text/html; charset=utf-8",
              // Two policies, both enforced: the page's own and one that runs no script at all.
              "content-security-policy": snapshot.csp ? `${snapshot.csp}, ${inert}` : inert,
            },
            body: snapshot.html,
          });
        } else if (SNAPSHOT_RESOURCES.has(request.resourceType())) {
          await route.continue();
        } else {
          await route.abort();
        }
      });
      return { context, page };
    })();
    return this.checker;
  }

  /** Whether this state (URL, viewport width, content) is new in this test; remembers it. */
  private firstTime(url: string, html: string, viewport: { width: number } | null, keys: string[]): boolean {
    const key = `${withoutHash(url)} ${viewport?.width ?? ""} ${fingerprint(html)}`;
    if (this.checkedKeys.has(key)) {
      return false;
    }
    this.checkedKeys.add(key);
    keys.push(key);
    return true;
  }

  private record(url: string, state: string, how: CheckedState["how"], results: AxeResults): void {
    this.checked.push({ url, state, how, violations: results.violations.length });
    for (const violation of results.violations) {
      const targets = violation.nodes.map((node) =>
        node.target.map((part) => (Array.isArray(part) ? part.join(" >>> ") : String(part))).join(" "),
      );
      const key = `${withoutHash(url)}\n${violation.id}\n${targets.join("\n")}`;
      if (!this.violations.has(key)) {
        this.violations.set(key, {
          url,
          state,
          id: violation.id,
          impact: violation.impact ?? "unknown",
          help: violation.help,
          helpUrl: violation.helpUrl,
          targets,
          nodes: violation.nodes.length,
        });
      }
    }
  }

  private noteError(page: Page, state: string, error: unknown): void {
    const where = page.isClosed() ? "(closed page)" : page.url();
    const message = `${where} (${state}): ${errorText(error)}`;
    if (page.isClosed() || TRANSIENT.test(errorText(error))) {
      this.skipped.push(message);
    } else {
      this.errors.push(message);
    }
  }

  /** Fixture teardown: checks where each page ended up, then reports. */
  async finish(): Promise<void> {
    this.finishing = true;
    await Promise.allSettled([...this.background]);
    // The test body itself passed (also under test.fail(), whose expected failure may be this one).
    const passed = this.testInfo.status === "passed";
    if (passed) {
      for (const page of this.watchedPages) {
        await this.captureAndAnalyse(page, "end of test", true);
      }
    }
    await this.queue;
    if (this.checker) {
      await (await this.checker).context.close().catch(() => {});
    }

    const violations = [...this.violations.values()];
    const failing = violations.filter((v) => FAILING_IMPACTS.includes(v.impact));
    await this.testInfo.attach("accessibility.json", {
      contentType: "application/json",
      body: JSON.stringify(
        { tags: A11Y_TAGS, failingImpacts: FAILING_IMPACTS, checked: this.checked, violations, skipped: this.skipped, errors: this.errors },
        null,
        2,
      ),
    });
    for (const skipped of this.skipped) {
      this.testInfo.annotations.push({ type: "a11y-skipped", description: skipped });
    }
    if (failing.length === 0 && this.errors.length === 0) {
      return;
    }
    const message = report(failing, this.errors, this.testInfo);
    if (passed) {
      throw new Error(message);
    }
    // The test already failed for another reason: keep the findings without a second error.
    this.testInfo.annotations.push({ type: "a11y", description: message });
  }
}

const IMPACT_ORDER = ["critical", "serious", "moderate", "minor", "unknown"];

function report(failing: Violation[], errors: string[], testInfo: TestInfo): string {
  const lines: string[] = [];
  if (failing.length > 0) {
    lines.push(
      `Accessibility: ${failing.length} ${FAILING_IMPACTS.join("/")} axe violation(s) ` +
        `(${A11Y_TAGS.join(", ")}) on pages this test visited [${testInfo.project.name}]:`,
    );
    const sorted = [...failing].sort(
      (a, b) => IMPACT_ORDER.indexOf(a.impact) - IMPACT_ORDER.indexOf(b.impact) || a.id.localeCompare(b.id),
    );
    for (const v of sorted) {
      const more = v.nodes > SHOWN_TARGETS ? `, … ${v.nodes - SHOWN_TARGETS} more` : "";
      lines.push(
        "",
        `  [${v.impact}] ${v.id}: ${v.help}`,
        `    page: ${v.url} (${v.state})`,
        `    elements: ${v.targets.slice(0, SHOWN_TARGETS).join("  |  ")}${more}`,
        `    ${v.helpUrl}`,
      );
    }
  }
  if (errors.length > 0) {
    lines.push("", "Accessibility checks that could not run:", ...errors.map((e) => `  ${e}`));
  }
  lines.push("", "Every check is listed in the accessibility.json attachment.");
  return lines.join("\n");
}
