// Journey: CDET → Checkout (the local Stripe) → SDSH, the welcome email and the creator's feed.
// A declined card first: the course page says so when the student comes back. Then a test card
// that pays: SDSH confirms the payment once Stripe's signed webhook has landed. Hydrated and with
// JavaScript off; each project enrolls a different student.
import type { Page, TestInfo } from "@playwright/test";
import { expect, test } from "./fixtures";
import { jsDisabled, logIn, open, screenshot } from "./support";

const COURSE = "SQL for Application Developers";

async function fillCard(page: Page, card: string) {
  await page.getByLabel("Card number").fill(card);
  await page.getByLabel("Expiry (MM / YY)").fill("12 / 34");
  await page.getByLabel("CVC").fill("123");
  await page.getByRole("button", { name: /^Pay / }).click();
}

/** Waits until the local Stripe has delivered its latest event of `type` to the webhook. */
async function delivered(page: Page, type: string) {
  await expect(async () => {
    const events = await (await page.request.get("/dev/stripe/events")).text();
    const first = events.indexOf(`<h2>${type}</h2>`);
    expect(first).toBeGreaterThan(-1);
    expect(events.slice(first, events.indexOf("</li>", first))).toContain("last delivery 200");
  }).toPass({ timeout: 15_000 });
}

test("a student enrolls through Checkout after a declined card, is welcomed, and is partly refunded", async ({
  page,
  browser,
}, testInfo) => {
  test.setTimeout(120_000);
  const email = jsDisabled(testInfo) ? "alex.kim@example.com" : "sam.rivera@example.com";
  await logIn(page, testInfo, email);
  await open(page, "/", testInfo);
  await page.getByRole("link", { name: COURSE }).first().click();
  const enroll = page.getByRole("button", { name: "Enroll — $59.00" });
  await expect(enroll).toBeVisible();
  await screenshot(page, testInfo, "course-enroll");

  // A declined card: Checkout says so; back on the course page, so does PeerLoop.
  await enroll.click();
  await expect(page.getByTestId("checkout-amount")).toHaveText("$59.00");
  await screenshot(page, testInfo, "checkout");
  await fillCard(page, "4000 0000 0000 0002");
  await expect(page.getByTestId("card-error")).toContainText("Your card was declined.");
  await screenshot(page, testInfo, "checkout-declined");
  await delivered(page, "payment_intent.payment_failed");
  await page.getByRole("link", { name: "← Back to PeerLoop" }).click();
  await expect(page.getByTestId("checkout-notice")).toHaveText("Payment failed. Please try again.");
  await screenshot(page, testInfo, "course-payment-failed");

  // A card that pays: back on SDSH, the enrollment shows once the webhook has landed.
  await page.getByRole("button", { name: "Enroll — $59.00" }).click();
  await fillCard(page, "4242 4242 4242 4242");
  await expect(page).toHaveURL(/\/dashboard\?checkout=cs_test_/);
  await expect(page.getByRole("heading", { level: 1, name: "Your learning" })).toBeVisible();
  const status = page.getByTestId("checkout-status");
  if (jsDisabled(testInfo)) {
    // Without JavaScript the page offers a refresh until the payment is confirmed.
    await expect(async () => {
      await page.reload();
      await expect(status).toContainText("you're enrolled in " + COURSE, { timeout: 1_000 });
    }).toPass({ timeout: 15_000 });
  } else {
    await expect(status).toContainText("you're enrolled in " + COURSE, { timeout: 15_000 });
  }
  await expect(page.getByTestId("enrolled-course").filter({ hasText: COURSE })).toBeVisible();
  await screenshot(page, testInfo, "dashboard-enrolled");

  // The course page now leads to the course instead of selling it.
  await page.getByRole("link", { name: COURSE }).first().click();
  await expect(page.getByTestId("enrolled")).toHaveText("You're enrolled.");

  // The welcome email, and the creator's feed opened to the student.
  await page.goto("/dev/mailbox");
  const welcome = page
    .getByTestId("message")
    .filter({ has: page.getByTestId("to").getByText(email, { exact: true }) })
    .filter({ hasText: `You're enrolled in ${COURSE}` });
  await expect(async () => {
    await page.reload();
    await expect(welcome).toHaveCount(1, { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  const catalog = await page.request.get("/api/courses").then((r) => r.json());
  const course = catalog.courses.find((c: { title: string }) => c.title === COURSE);
  const access = await page.request.get(`/api/instructors/${course.creator.id}/feed/access`);
  expect(access.status()).toBe(200);

  // The creator refunds $10.00 of it; once Stripe confirms, her share shows the reversal.
  const student = jsDisabled(testInfo) ? "Alex Kim" : "Sam Rivera";
  const creator = await browser.newContext({
    javaScriptEnabled: !jsDisabled(testInfo),
    baseURL: testInfo.project.use.baseURL,
  });
  const maya = await creator.newPage();
  await logIn(maya, testInfo, "maya.chen@example.com");
  await open(maya, "/creator", testInfo);
  await maya.getByRole("link", { name: "Payments and earnings" }).click();
  const payment = maya.getByTestId("payment").filter({ hasText: `${student} paid $59.00` });
  await expect(payment.getByTestId("creator-share")).toHaveText("Creator's share: $8.85");
  await screenshot(maya, testInfo, "payments");
  await payment.getByLabel("Refund amount").fill("10.00");
  await payment.getByRole("button", { name: "Refund" }).click();
  await expect(async () => {
    await open(maya, "/payments", testInfo);
    await expect(payment).toContainText("$10.00 refunded", { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await expect(payment.getByTestId("creator-share")).toHaveText("Creator's share: $7.35");
  await screenshot(maya, testInfo, "payments-refunded");
  const csv = await (await maya.request.get("/payments.csv")).text();
  expect(csv).toContain(`${student},usd,59.00,10.00,7.35`);
});

test("leaving Checkout without paying says nothing was charged", async ({ page }, testInfo) => {
  const email = jsDisabled(testInfo) ? "jordan.lee@example.com" : "emily.carter@example.com";
  await logIn(page, testInfo, email);
  await open(page, "/", testInfo);
  await page.getByRole("link", { name: "UX Design for Engineers" }).first().click();
  await page.getByRole("button", { name: /^Enroll — / }).click();
  await page.getByRole("link", { name: "← Back to PeerLoop" }).click();
  await expect(page.getByTestId("checkout-notice")).toHaveText(
    "Checkout cancelled — you have not been charged.",
  );
});
