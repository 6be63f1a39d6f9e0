// Journey: sign up → (admin enrolls) → complete a course → apply to teach → the creator approves
// → the new Student-Teacher appears on the course page. Hydrated and with JavaScript off.
import type { Page, TestInfo } from "@playwright/test";
import { expect, test } from "./fixtures";
import { DEMO_PASSWORD, jsDisabled, logIn, open, screenshot } from "./support";

const PASSWORD = "a long enough passphrase";

test.use({ timezoneId: "Asia/Tokyo" });

async function logOut(page: Page) {
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page.getByRole("link", { name: "Log in" })).toBeVisible();
}

test("a student completes a course, applies to teach and becomes a Student-Teacher", async ({ page }, testInfo) => {
  test.setTimeout(90_000);
  const tag = `${testInfo.project.name}-${Date.now()}`;
  const name = `Casey ${testInfo.project.name === "no-js" ? "Nojs" : "Hydrated"}`;
  const email = `casey-${tag}@example.com`;

  // Sign up; hydrated, the time zone comes from the browser.
  await open(page, "/signup", testInfo);
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  const zone = page.getByLabel("Time zone");
  if (jsDisabled(testInfo)) {
    await expect(zone).toHaveValue("UTC");
    await zone.fill("Asia/Tokyo");
  } else {
    await expect(zone).toHaveValue("Asia/Tokyo");
  }
  await screenshot(page, testInfo, "sign-up");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Check your email" })).toBeVisible();
  await screenshot(page, testInfo, "sign-up-sent");

  // The confirmation email (in the local mailbox) links to the page that finishes the sign-up.
  await page.goto("/dev/mailbox");
  const confirmation = page
    .getByTestId("message")
    .filter({ has: page.getByTestId("to").getByText(email, { exact: true }) })
    .filter({ hasText: "Confirm your email to finish signing up" });
  await expect(async () => {
    await page.reload();
    await expect(confirmation).toHaveCount(1);
  }).toPass({ timeout: 15_000 });
  const link = (await confirmation.locator("pre").textContent())?.match(/\/signup\/confirm\?token=[0-9a-f]+/)?.[0];
  expect(link).toBeTruthy();
  await open(page, link!, testInfo);
  await screenshot(page, testInfo, "sign-up-confirm");
  await page.getByRole("button", { name: "Finish signing up" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Your learning" })).toBeVisible();
  await expect(page.getByText("You haven't enrolled in a course yet.")).toBeVisible();
  await expect(page.getByTestId("account-link")).toHaveText(name);
  await logOut(page);

  // Until payments exist, an admin enrolls the student.
  await logIn(page, testInfo, "admin@example.com", DEMO_PASSWORD);
  await open(page, "/admin", testInfo);
  await page.getByLabel("Student's email").fill(email);
  await page.getByLabel("Course").selectOption({ label: "UX Design for Engineers" });
  await page.getByRole("button", { name: "Enroll" }).click();
  if (!jsDisabled(testInfo)) {
    await expect(page.getByText(`${name} is enrolled in UX Design for Engineers.`)).toBeVisible();
  }
  await logOut(page);

  // The student works through every module.
  await logIn(page, testInfo, email, PASSWORD);
  await expect(page.getByTestId("enrolled-course")).toContainText("0 of 4 modules");
  await page.getByRole("link", { name: "UX Design for Engineers" }).click();
  const progress = page.getByTestId("your-progress");
  for (let done = 1; done <= 4; done++) {
    await progress.getByRole("button", { name: /^Mark .* complete$/ }).first().click();
    await expect(progress).toContainText(`${done} of 4 modules complete`);
  }
  await screenshot(page, testInfo, "course-completed");

  // Apply to teach.
  await page.getByLabel("Why do you want to teach it?").fill("I finally understand forms and want to help.");
  await page.getByRole("button", { name: "Apply to teach" }).click();
  await expect(page.getByTestId("teaching-status")).toHaveText(
    "Your application to teach is waiting for the creator.",
  );
  await logOut(page);

  // The creator approves from the creator dashboard (CDSH).
  await logIn(page, testInfo, "lars.becker@example.com", DEMO_PASSWORD);
  await open(page, "/creator", testInfo);
  const application = page.getByTestId("pending-application").filter({ hasText: name });
  await expect(application).toContainText("I finally understand forms and want to help.");
  await screenshot(page, testInfo, "creator-dashboard");
  await application.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByTestId("pending-application").filter({ hasText: name })).toHaveCount(0);

  // The new Student-Teacher is listed on the course page.
  await open(page, "/", testInfo);
  await page.getByRole("link", { name: "UX Design for Engineers" }).click();
  await expect(page.getByTestId("student-teacher").filter({ hasText: name })).toContainText("Asia/Tokyo");
  await screenshot(page, testInfo, "course-with-student-teacher");
});

test("log in errors keep the email and say what went wrong", async ({ page }, testInfo) => {
  await open(page, "/login", testInfo);
  await page.getByLabel("Email").fill("maya.chen@example.com");
  await page.getByLabel("Password").fill("definitely not it");
  await page.getByRole("button", { name: "Log in", exact: true }).click();
  await expect(page.getByRole("alert")).toHaveText("That email and password don't match an account.");
  await expect(page.getByLabel("Email")).toHaveValue("maya.chen@example.com");
});

test("sign-up problems are shown beside each field", async ({ page }, testInfo) => {
  await open(page, "/signup", testInfo);
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText("Enter your name.")).toBeVisible();
  await expect(page.getByText("Enter an email address like name@example.com.")).toBeVisible();
  await expect(page.getByText("Use at least 12 characters.")).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
  await screenshot(page, testInfo, "sign-up-errors");
});

test("pages that need an account send visitors to log in and back", async ({ page }, testInfo) => {
  await page.goto("/settings");
  await expect(page).toHaveURL(/\/login\?next=%2Fsettings$/);
  await page.getByLabel("Email").fill("emily.carter@example.com");
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Log in", exact: true }).click();
  await expect(page).toHaveURL(/\/settings$/);
  await expect(page.getByTestId("account-email")).toHaveText("emily.carter@example.com");
  await expect(page.getByTestId("email-status")).toHaveText("Delivering");
  await screenshot(page, testInfo, "settings");
});

test("local mode offers one-click demo log-ins", async ({ page }, testInfo) => {
  await open(page, "/login", testInfo);
  await page.getByRole("button", { name: "Log in as Jonas Weber" }).click();
  await expect(page.getByTestId("account-link")).toHaveText("Jonas Weber");
  await expect(page.getByRole("link", { name: "Teaching" })).toBeVisible();
});

test("the browser checks fields as you leave them, with the server's messages @js-only", async ({ page }, testInfo) => {
  await open(page, "/signup", testInfo);
  await page.getByLabel("Password").fill("too short");
  await page.getByLabel("Password").blur();
  await expect(page.getByText("Use at least 12 characters.")).toBeVisible();
  await page.getByLabel("Email").fill("no-at-sign");
  await page.getByLabel("Email").blur();
  await expect(page.getByText("Enter an email address like name@example.com.")).toBeVisible();
  await page.getByLabel("Password").fill("long enough now, really");
  await page.getByLabel("Password").blur();
  await expect(page.getByText("Use at least 12 characters.")).toHaveCount(0);
});
