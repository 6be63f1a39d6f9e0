// Journey: browse the catalog (home) and open a course (CDET), hydrated and with JavaScript off.
import { expect, test } from "./fixtures";
import { open, screenshot } from "./support";

test("the catalog is server-rendered with every demo course", async ({ page }, testInfo) => {
  await open(page, "/", testInfo);
  await expect(page).toHaveTitle("Courses · PeerLoop");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Learn it. Then teach it.");
  await expect(page.getByTestId("course-card")).toHaveCount(4);
  await expect(page.getByRole("status")).toHaveText("4 courses");
  await screenshot(page, testInfo, "catalog");
});

test("typing filters the catalog instantly once hydrated @js-only", async ({ page }, testInfo) => {
  await open(page, "/", testInfo);
  // No submit: only the hydrated app reacts to input events.
  await page.getByLabel("Search courses").pressSequentially("rust");
  await expect(page.getByTestId("course-card")).toHaveCount(2);
  await expect(page).toHaveURL(/\?q=rust$/);
  await page.getByLabel("Search courses").fill("");
  await expect(page.getByTestId("course-card")).toHaveCount(4);
});

test("the search form works as a plain form", async ({ page }, testInfo) => {
  await open(page, "/", testInfo);
  await page.getByLabel("Search courses").fill("design");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/\?q=design$/);
  await expect(page.getByTestId("course-card")).toHaveCount(1);
  await expect(page.getByTestId("course-card")).toContainText("UX Design for Engineers");

  await page.getByLabel("Search courses").fill("no such course");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByText("No courses match “no such course”.")).toBeVisible();
  await screenshot(page, testInfo, "catalog-empty");
  await page.getByRole("link", { name: "Show all courses" }).click();
  await expect(page.getByTestId("course-card")).toHaveCount(4);
});

test("without JavaScript the page is fully server-rendered and not hydrated @no-js-only", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByTestId("course-card").first()).toBeVisible();
  await expect(page.locator("html")).not.toHaveAttribute("data-hydrated", "true");
});

test("a course page (CDET) shows modules, price, creator and calls to action", async ({ page }, testInfo) => {
  await open(page, "/", testInfo);
  await page.getByRole("link", { name: "Rust Foundations" }).click();
  await expect(page).toHaveURL(/\/courses\/[0-9a-f-]{36}$/);
  await expect(page).toHaveTitle("Rust Foundations · PeerLoop");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Rust Foundations");
  await expect(page.getByTestId("course-price")).toHaveText("$49.00");
  await expect(page.locator(".module")).toHaveCount(5);
  await expect(page.locator(".module").first()).toContainText("Getting set up");
  await expect(page.getByText("Maya Chen")).toBeVisible();
  await screenshot(page, testInfo, "course-detail");

  // Booking needs an account: a visitor is asked to log in first.
  const courseUrl = page.url();
  await page.getByRole("link", { name: "Book a Session" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Log in");
  await expect(page).toHaveURL(/\/login\?next=.*book/);
  // So does enrolling: after logging in they come back to the course to pay.
  await open(page, courseUrl, testInfo);
  await page.getByRole("link", { name: "Enroll — $49.00" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Log in");
  await expect(page).toHaveURL(/\/login\?next=\/courses\/[0-9a-f-]{36}$/);
});

test("unknown pages show the 404 page with status 404", async ({ page }, testInfo) => {
  const response = await page.goto("/courses/0190a000-0000-7000-8000-000000000000");
  expect(response?.status()).toBe(404);
  await expect(page.getByTestId("not-found")).toBeVisible();
  await screenshot(page, testInfo, "not-found");
  await page.getByRole("link", { name: "Browse all courses" }).click();
  await expect(page.getByTestId("course-card")).toHaveCount(4);
});

test("the layout fits a phone screen", async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 375, height: 740 });
  await open(page, "/", testInfo);
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBe(0);
  await screenshot(page, testInfo, "catalog-mobile");
});
