// Journey: CDET → SBOK → the session page → SDSH, TDSH and the local mailbox. A student books a
// slot shown in their own zone, a second student racing for the same slot gets the 409 message,
// the S-T sees the session, and both confirmation emails arrive with a valid .ics attached.
// Hydrated and with JavaScript off; each project books with different people, so the two can run
// side by side on one database.
import type { Browser, Page, TestInfo } from "@playwright/test";
import { expect, test } from "./fixtures";
import { jsDisabled, logIn, open, screenshot } from "./support";


interface Cast {
  booker: { email: string; zone: string };
  racer: { email: string };
  teacher: { name: string; email: string };
}

// Hydrated: Sam (Chicago) and Jordan book Priya. No JS: Alex (London) and Emily book Jonas.
function cast(testInfo: TestInfo): Cast {
  return jsDisabled(testInfo)
    ? {
        booker: { email: "alex.kim@example.com", zone: "Europe/London" },
        racer: { email: "emily.carter@example.com" },
        teacher: { name: "Jonas Weber", email: "jonas.weber@example.com" },
      }
    : {
        booker: { email: "sam.rivera@example.com", zone: "America/Chicago" },
        racer: { email: "jordan.lee@example.com" },
        teacher: { name: "Priya Raman", email: "priya.raman@example.com" },
      };
}

async function newPage(browser: Browser, testInfo: TestInfo): Promise<Page> {
  const context = await browser.newContext({
    javaScriptEnabled: !jsDisabled(testInfo),
    baseURL: testInfo.project.use.baseURL,
  });
  return context.newPage();
}

/** From the course page to the confirm step of the teacher's first free slot; returns its start. */
async function chooseFirstSlot(page: Page, testInfo: TestInfo, teacher: string): Promise<string> {
  await open(page, "/", testInfo);
  await page.getByRole("link", { name: "Rust Foundations" }).first().click();
  await page.getByRole("link", { name: "Book a Session" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Book a session" })).toBeVisible();
  await page.getByTestId("st-choice").filter({ hasText: teacher }).click();
  const calendar = page.getByTestId("calendar");
  await expect(calendar).toBeVisible();
  if ((await page.getByTestId("free-day").count()) === 0) {
    await page.getByRole("link", { name: "Next ›" }).click();
  }
  await page.getByTestId("free-day").first().click();
  const slot = page.getByTestId("slot").first();
  await expect(slot).toBeVisible();
  const start = (await slot.getAttribute("data-start")) ?? "";
  await slot.click();
  await expect(page.getByTestId("confirm-step")).toBeVisible();
  return start;
}

function clock(start: string, zone: string): string {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone: zone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(new Date(start));
}

test("a student books a slot in their zone; a racer for it gets the 409 message; both are emailed", async ({
  page,
  browser,
}, testInfo) => {
  test.setTimeout(120_000);
  const { booker, racer, teacher } = cast(testInfo);

  await logIn(page, testInfo, booker.email);
  const start = await chooseFirstSlot(page, testInfo, teacher.name);
  await expect(page.getByTestId("viewer-zone")).toContainText(booker.zone);
  // The slot reads in the student's own zone, with the S-T's time beside it.
  const chosen = page.locator(`[data-testid="slot"][data-start="${start}"]`).first();
  await expect(chosen).toContainText(clock(start, booker.zone));
  await expect(chosen).toContainText(" in ");
  await expect(page.getByTestId("confirm-step")).toContainText("Free to cancel or reschedule until 24 hours");
  await screenshot(page, testInfo, "booking-confirm");

  // The racer reaches the same confirm step and books first.
  const rival = await newPage(browser, testInfo);
  await logIn(rival, testInfo, racer.email);
  const rivalStart = await chooseFirstSlot(rival, testInfo, teacher.name);
  expect(rivalStart).toBe(start);
  await rival.getByTestId("confirm").click();
  await expect(rival.getByTestId("booked")).toBeVisible();

  // The first student confirms too late and is told so.
  await page.getByTestId("confirm").click();
  await expect(page.getByText("This time is no longer available. Select another.").first()).toBeVisible();
  await screenshot(page, testInfo, "booking-taken");

  // They pick the next free time and book it.
  const next = await chooseFirstSlot(page, testInfo, teacher.name);
  expect(next).not.toBe(start);
  await page.getByTestId("confirm").click();
  await expect(page.getByTestId("booked")).toBeVisible();
  await expect(page.getByTestId("when")).toContainText(clock(next, booker.zone));
  await expect(page.getByTestId("when")).toContainText(booker.zone);
  const calendarLink = page.getByTestId("add-to-calendar");
  await expect(calendarLink).toBeVisible();
  const ics = await page.request.get((await calendarLink.getAttribute("href")) ?? "");
  expect(ics.headers()["content-type"]).toContain("text/calendar");
  const icsText = await ics.text();
  expect(icsText).toContain("BEGIN:VCALENDAR");
  expect(icsText).toContain(`DTSTART:${next.replace(/[-:]/g, "")}`);
  await screenshot(page, testInfo, "booking-success");

  // Its room page (SROM) says when the room opens, in the student's zone.
  const sessionPath = new URL(page.url()).pathname;
  await open(page, `${sessionPath}/room`, testInfo);
  await expect(page.getByRole("heading", { level: 1, name: "Rust Foundations" })).toBeVisible();
  // (The demo teachers take bookings 12 hours ahead at the soonest.)
  await expect(page.getByTestId("join-opens")).toContainText(booker.zone);
  await screenshot(page, testInfo, "session-room");

  // SDSH shows it.
  await open(page, "/dashboard", testInfo);
  const upcoming = page.getByTestId("upcoming-sessions");
  await expect(upcoming).toContainText(`Rust Foundations with ${teacher.name}`);
  await expect(upcoming).toContainText(clock(next, booker.zone));
  await screenshot(page, testInfo, "student-dashboard-sessions");

  // Both emails are in the mailbox, each with its calendar file.
  // A plain server page (no app to hydrate).
  await page.goto("/dev/mailbox");
  for (const to of [booker.email, teacher.email]) {
    const message = page
      .getByTestId("message")
      .filter({ has: page.getByTestId("to").getByText(to, { exact: true }) })
      .filter({ hasText: "Session booked: Rust Foundations" });
    await expect(message.first()).toBeVisible({ timeout: 15_000 });
    const href = (await message.first().getByTestId("attachment").getAttribute("href")) ?? "";
    const attachment = await (await page.request.get(href)).text();
    expect(attachment).toMatch(/^BEGIN:VCALENDAR\r\n/);
    expect(attachment).toContain("UID:");
    expect(attachment).toMatch(/END:VCALENDAR\r\n$/);
  }
  await screenshot(page, testInfo, "mailbox");

  // The S-T sees the sessions on TDSH.
  const teacherPage = await newPage(browser, testInfo);
  await logIn(teacherPage, testInfo, teacher.email);
  await open(teacherPage, "/teach", testInfo);
  await expect(teacherPage.getByTestId("upcoming-sessions").getByTestId("session-row")).toHaveCount(2);
  await screenshot(teacherPage, testInfo, "teacher-dashboard-sessions");
});

test("schedule later shows a card on the dashboard that leads back to booking", async ({ page }, testInfo) => {
  const email = jsDisabled(testInfo) ? "liam.obrien@example.com" : "priya.raman@example.com";
  await logIn(page, testInfo, email);
  await open(page, "/", testInfo);
  await page.getByRole("link", { name: "Rust Foundations" }).first().click();
  await page.getByRole("link", { name: "Book a Session" }).click();
  await page.getByTestId("schedule-later").click();
  await expect(page.getByRole("heading", { level: 1, name: "Your learning" })).toBeVisible();
  const card = page.getByTestId("schedule-when-ready");
  await expect(card).toContainText("1 session of Rust Foundations waiting to be booked.");
  await card.getByRole("link", { name: "Book a session" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Book a session" })).toBeVisible();
});
