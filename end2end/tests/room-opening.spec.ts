// Journey: getting into a session's room (SROM) when it is not simply open. Before the room opens,
// the dashboard, the session page and SROM say when, and a hydrated page counts down to it, then
// offers "Join session". And on a server whose video service (PlugNmeet) is down, joining shows
// the seed's "Video service unavailable. Try again." with a Retry, and writes nothing: the API
// answers 503, no room is recorded, and the session stays scheduled.
import { expect, test } from "./fixtures";
import { bookHourStartingIn, jsDisabled, open, screenshot, signedIn, sql } from "./support";

const VIDEO_DOWN_URL = process.env.PEERLOOP_E2E_VIDEO_DOWN_URL!;
const VIDEO_DOWN_DATABASE = process.env.PEERLOOP_E2E_VIDEO_DOWN_DATABASE_DIR!;

test("joining while the video service is down says so, offers a retry and writes nothing", async ({
  browser,
}, testInfo) => {
  test.setTimeout(60_000);
  // The two projects run side by side on the second server's database: a pair each.
  const [studentEmail, teacherEmail] = jsDisabled(testInfo)
    ? ["sam.rivera@example.com", "priya.raman@example.com"]
    : ["alex.kim@example.com", "emily.carter@example.com"];
  const student = await signedIn(browser, testInfo, studentEmail, [], VIDEO_DOWN_URL);
  const id = await bookHourStartingIn(student.page, teacherEmail, 300, VIDEO_DOWN_DATABASE);
  const inDatabase = (statement: string) => sql(statement, VIDEO_DOWN_DATABASE);

  // The REST answer, as the seed words it.
  const token = await student.page.request.post("/api/video/token", {
    headers: { origin: VIDEO_DOWN_URL },
    data: { session_id: id },
  });
  expect(token.status()).toBe(503);
  expect((await token.json()).message).toBe("Video service unavailable. Try again.");

  // The page: joining comes back with the message and a Retry, which fails the same way.
  await open(student.page, `/sessions/${id}/room`, testInfo);
  await student.page.getByTestId("join").click();
  await expect(student.page.getByTestId("join-error")).toHaveText("Video service unavailable. Try again.");
  await expect(student.page.getByTestId("join")).toHaveText("Retry");
  await screenshot(student.page, testInfo, "room-video-unavailable");
  await student.page.setViewportSize({ width: 375, height: 740 });
  await screenshot(student.page, testInfo, "room-video-unavailable-phone");
  await student.page.getByTestId("join").click();
  await expect(student.page.getByTestId("join-error")).toHaveText("Video service unavailable. Try again.");

  // Nothing was half-written.
  expect(inDatabase(`SELECT COUNT(*) FROM session_rooms WHERE booking_id = '${id}'`)).toBe("0");
  expect(inDatabase(`SELECT COUNT(*) FROM session_attendance WHERE booking_id = '${id}'`)).toBe("0");
  expect(inDatabase(`SELECT status FROM bookings WHERE id = '${id}'`)).toBe("scheduled");
  await student.context.close();
});

test("before the room opens, the pages say when; hydrated, they count down to it", async ({
  browser,
}, testInfo) => {
  test.setTimeout(120_000);
  // Not the teachers whose dashboards the booking journey counts (Jonas, Priya).
  const [studentEmail, teacherEmail, otherTeacherEmail] = jsDisabled(testInfo)
    ? ["sam.rivera@example.com", "liam.obrien@example.com", ""]
    : ["jordan.lee@example.com", "liam.obrien@example.com", "emily.carter@example.com"];
  const student = await signedIn(browser, testInfo, studentEmail, []);
  const page = student.page;
  // The room opens 15 minutes before the start: here, 40 seconds from now.
  const id = await bookHourStartingIn(page, teacherEmail, 15 * 60 + 40);
  const room = `/sessions/${id}/room`;

  await open(page, room, testInfo);
  await expect(page.getByTestId("join-opens")).toContainText("The room opens at");
  await expect(page.getByTestId("join")).toHaveCount(0);

  await open(page, "/dashboard", testInfo);
  const row = page.getByTestId("session-row").filter({ has: page.locator(`a[href="/sessions/${id}"]`) });
  await expect(row.getByTestId("room-opens")).toContainText("Room opens");
  if (jsDisabled(testInfo)) {
    // The time is all a page without JavaScript can say; a reload once it has come lets in.
    await screenshot(page, testInfo, "dashboard-room-opens");
    await expect(row.getByTestId("join-countdown")).toHaveText("");
    return;
  }
  const countdown = row.getByTestId("join-countdown");
  await expect(countdown).toHaveText(/^Opens in \d+ s$/);
  const shown = async () => Number(/(\d+) s$/.exec((await countdown.textContent()) ?? "")?.[1]);
  const first = await shown();
  await expect.poll(shown, { message: "the countdown ticks" }).toBeLessThan(first);
  await expect(countdown).toHaveAttribute("role", "timer");
  await screenshot(page, testInfo, "dashboard-countdown");
  await page.setViewportSize({ width: 375, height: 740 });
  await screenshot(page, testInfo, "dashboard-countdown-phone");
  await page.setViewportSize({ width: 1280, height: 720 });

  // On SROM the countdown ends in the join form: the page reloads when the room opens.
  await open(page, room, testInfo);
  await expect(page.getByTestId("join-countdown")).toHaveText(/^Opens in \d+ s$/);
  await expect(page.getByTestId("join")).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId("join-opens")).toHaveCount(0);

  // On the dashboard it ends in a "Join session" link into the room.
  const later = await bookHourStartingIn(page, otherTeacherEmail, 15 * 60 + 4);
  await open(page, "/dashboard", testInfo);
  const next = page.getByTestId("session-row").filter({ has: page.locator(`a[href="/sessions/${later}"]`) });
  await expect(next.getByTestId("join-now")).toHaveAttribute("href", `/sessions/${later}/room`, {
    timeout: 15_000,
  });
  await student.context.close();
});
