// Journey: a Student-Teacher's earnings (TDSH → /payments). The demo data has, for each project, a
// student who paid for Rust Foundations ($49.00: $34.30 for its four sessions' teachers) and took
// three sessions: one taught four days ago (available), one taught yesterday (held while the
// student may dispute it) and one waiting to be marked. The teacher marks it taught and it is held
// too; an admin refunds the payment in full and, once Stripe confirms, the teacher's earnings show
// the refund as a line of its own that takes it all back. Hydrated: Omar with Priya; JavaScript
// off: Rosa with Jonas.
import type { TestInfo } from "@playwright/test";
import { expect, test } from "./fixtures";
import { jsDisabled, logIn, open, screenshot } from "./support";

function cast(testInfo: TestInfo): { teacher: string; student: string } {
  return jsDisabled(testInfo)
    ? { teacher: "jonas.weber@example.com", student: "Rosa Martinez" }
    : { teacher: "priya.raman@example.com", student: "Omar Farouk" };
}

test("a taught session's earning is held, then a refund takes it back as a line of its own", async ({
  page,
  browser,
}, testInfo) => {
  test.setTimeout(90_000);
  const { teacher, student } = cast(testInfo);
  await logIn(page, testInfo, teacher);
  await open(page, "/teach", testInfo);
  await page.getByRole("link", { name: "Earnings, and sessions to mark taught" }).click();
  const earnings = page.getByTestId("teaching-earnings");
  // $34.30 ÷ 4 sessions, rounded down: $8.57 each, the last of the four takes the remainder.
  await expect(earnings.getByTestId("teaching-held")).toHaveText("$8.57");
  await expect(earnings.getByTestId("teaching-available")).toHaveText("$8.57");
  const lines = earnings.getByTestId("teaching-earning");
  await expect(lines).toHaveCount(2);
  await expect(lines.nth(0).getByTestId("earning-standing")).toContainText(/^Held until /);
  await expect(lines.nth(1).getByTestId("earning-standing")).toHaveText("Available");
  await screenshot(page, testInfo, "earnings");

  // The session that ended and waits: marked taught, its share is held as well.
  const waiting = earnings.getByTestId("to-mark").filter({ hasText: student });
  await expect(waiting).toHaveCount(1);
  await waiting.getByRole("button", { name: "Mark taught" }).click();
  await expect(earnings.getByTestId("to-mark")).toHaveCount(0);
  await expect(earnings.getByTestId("teaching-held")).toHaveText("$17.15");
  await expect(lines).toHaveCount(3);

  // An admin refunds the student's payment in full.
  const adminContext = await browser.newContext({
    javaScriptEnabled: !jsDisabled(testInfo),
    baseURL: testInfo.project.use.baseURL,
  });
  const admin = await adminContext.newPage();
  await logIn(admin, testInfo, "admin@example.com");
  await open(admin, "/payments", testInfo);
  const payment = admin.getByTestId("payment").filter({ hasText: `${student} paid $49.00` });
  await payment.getByRole("button", { name: "Refund" }).click();
  await expect(async () => {
    await open(admin, "/payments", testInfo);
    await expect(payment).toContainText("$49.00 refunded", { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await adminContext.close();

  // The teacher's earnings: the refund is a line of its own, and nothing is left.
  await open(page, "/payments", testInfo);
  await expect(lines).toHaveCount(4);
  const refund = lines.nth(0);
  await expect(refund).toContainText(`${student}'s payment`);
  await expect(refund).toContainText("−$25.72");
  await expect(refund.getByTestId("earning-standing")).toHaveText("Refunded to the student");
  // The sessions' own lines no longer say held or available: their money went back too.
  await expect(
    lines.getByTestId("earning-standing").filter({ hasText: "Refunded to the student" }),
  ).toHaveCount(4);
  await expect(earnings.getByTestId("teaching-held")).toHaveText("$0.00");
  await expect(earnings.getByTestId("teaching-available")).toHaveText("$0.00");
  await screenshot(page, testInfo, "earnings-refunded");
  const csv = await (await page.request.get("/earnings.csv")).text();
  expect(csv).toContain(`,Rust Foundations,${student},,refund,usd,-25.72,Refunded to the student`);
});
