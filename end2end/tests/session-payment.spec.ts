// Journey: pay per session (SBOK → the session page → Checkout → the session page). A student who
// used every session of Rust Foundations books one more: SBOK says what it costs, confirming holds
// the slot, the session page says until when and its "Pay now" opens the local Checkout; once
// Stripe's signed webhook lands the session is booked. A second hold whose checkout expires frees
// its slot for everyone again. Hydrated and with JavaScript off, each with its own student and
// Student-Teacher (not the booking journey's), so the two run side by side on one database.
import type { Page, TestInfo } from "@playwright/test";
import { expect, test } from "./fixtures";
import { jsDisabled, logIn, open, screenshot } from "./support";

function cast(testInfo: TestInfo): { email: string; teacher: string } {
  return jsDisabled(testInfo)
    ? { email: "kai.nakamura@example.com", teacher: "Emily Carter" }
    : { email: "noor.haddad@example.com", teacher: "Liam O'Brien" };
}

/** Chooses the teacher's first free slot on SBOK and holds it; returns its start. */
async function holdFirstSlot(page: Page, testInfo: TestInfo, teacher: string): Promise<string> {
  await open(page, "/", testInfo);
  await page.getByRole("link", { name: "Rust Foundations" }).first().click();
  await page.getByRole("link", { name: "Book a Session" }).click();
  await expect(page.getByTestId("credits")).toContainText("Another session is $15.00");
  await page.getByTestId("st-choice").filter({ hasText: teacher }).click();
  await expect(page.getByTestId("calendar")).toBeVisible();
  if ((await page.getByTestId("free-day").count()) === 0) {
    await page.getByRole("link", { name: "Next ›" }).click();
  }
  await page.getByTestId("free-day").first().click();
  const slot = page.getByTestId("slot").first();
  const start = (await slot.getAttribute("data-start")) ?? "";
  await slot.click();
  const confirm = page.getByTestId("confirm");
  await expect(confirm).toHaveText("Hold this time and pay $15.00");
  await confirm.click();
  await expect(page.getByTestId("status")).toHaveText("Awaiting payment");
  await expect(page.getByTestId("payment-due")).toContainText("Pay $15.00 by");
  return start;
}

test("a student without credits holds a slot and pays for it; an expired checkout frees its slot", async ({
  page,
}, testInfo) => {
  test.setTimeout(120_000);
  const { email, teacher } = cast(testInfo);
  await logIn(page, testInfo, email);

  const start = await holdFirstSlot(page, testInfo, teacher);
  await screenshot(page, testInfo, "session-held");
  await page.getByTestId("pay").click();
  await expect(page.getByTestId("checkout-amount")).toHaveText("$15.00");
  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByLabel("Expiry (MM / YY)").fill("12 / 34");
  await page.getByLabel("CVC").fill("123");
  await page.getByRole("button", { name: /^Pay / }).click();
  await expect(page).toHaveURL(/\/sessions\/[^?]+\?checkout=cs_test_/);
  const status = page.getByTestId("checkout-status");
  if (jsDisabled(testInfo)) {
    // Without JavaScript the page offers a refresh until the payment is confirmed.
    await expect(async () => {
      await page.reload();
      await expect(status).toContainText("Payment received: you're booked!", { timeout: 1_000 });
    }).toPass({ timeout: 15_000 });
  } else {
    await expect(status).toContainText("Payment received: you're booked!", { timeout: 15_000 });
  }
  await expect(page.getByTestId("status")).toHaveText("Scheduled");
  await expect(page.getByTestId("payment-due")).toHaveCount(0);
  await screenshot(page, testInfo, "session-paid");

  // A second hold, left to expire at Checkout: the slot is released and offered again.
  const second = await holdFirstSlot(page, testInfo, teacher);
  expect(second).not.toBe(start);
  const sessionPage = new URL(page.url()).pathname;
  await page.getByTestId("pay").click();
  await page.getByText("Test cards and tools").click();
  await page.getByRole("button", { name: "Expire now" }).click();
  await expect(async () => {
    await open(page, sessionPage, testInfo);
    await expect(page.getByTestId("status")).toHaveText("Cancelled", { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await expect(page.getByTestId("payment-due")).toHaveCount(0);
  await expect(page.getByTestId("status-note")).toHaveText(
    "This time was released: it was not paid for in time. Nothing was charged.",
  );
  await screenshot(page, testInfo, "session-hold-released");
  const again = await page.request.get(
    `/api/sts/${await teacherId(page, teacher)}/availability?from=${encodeURIComponent(second)}&to=${encodeURIComponent(
      new Date(Date.parse(second) + 3_600_000).toISOString(),
    )}`,
  );
  const slots: { start_at: string }[] = (await again.json()).slots;
  expect(slots.map((slot) => Date.parse(slot.start_at))).toContain(Date.parse(second));
});

async function teacherId(page: Page, name: string): Promise<string> {
  const catalog = await (await page.request.get("/api/courses")).json();
  const course = catalog.courses.find((c: { title: string }) => c.title === "Rust Foundations");
  const teachers = await (await page.request.get(`/api/courses/${course.id}/sts`)).json();
  return teachers.sts.find((st: { name: string }) => st.name === name).id;
}
