// Journey: SROM and the built-in room. Alex books Emily, the session is moved into its join
// window, and each opens the room page in a browser of their own with Chromium's fake camera and
// microphone: both pass the device check and see that the other has, join the built-in room, see
// each other's video playing (frames advancing), and the attendance is recorded through the
// signed webhook endpoint. Emily ends the session; both get the feedback form, and Alex's stars
// show on Emily's card when booking. Also: someone else sees the 403 message, and a browser whose
// camera is blocked is told what to do. Hydrated only: the room is WebRTC.
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { bookHourStartingIn, logIn, open, screenshot, signedIn, sql } from "./support";

const STUDENT = { email: "alex.kim@example.com", name: "Alex Kim" };
const TEACHER = { email: "emily.carter@example.com", name: "Emily Carter" };

/** The video is showing someone's camera: it has a picture, and its frames keep coming. */
async function expectPlaying(page: Page, testId: string): Promise<void> {
  const video = page.getByTestId(testId);
  await expect
    .poll(() => video.evaluate((element: HTMLVideoElement) => element.videoWidth), {
      message: `${testId} has a picture`,
    })
    .toBeGreaterThan(0);
  const frames = () =>
    video.evaluate((element: HTMLVideoElement) => element.getVideoPlaybackQuality().totalVideoFrames);
  const before = await frames();
  await expect.poll(frames, { message: `${testId}'s frames advance` }).toBeGreaterThan(before + 5);
}

test("two people hold a session in the built-in room, then rate it and play its recording @js-only", async ({
  browser,
  page,
}, testInfo) => {
  test.setTimeout(120_000);
  const student = await signedIn(browser, testInfo, STUDENT.email, ["camera", "microphone"]);
  const id = await bookHourStartingIn(student.page, TEACHER.email, 300);
  const room = `/sessions/${id}/room`;

  // Someone else is turned away with the seed's message.
  await logIn(page, testInfo, "jordan.lee@example.com");
  await open(page, room, testInfo);
  await expect(page.getByText("You're not part of this session.")).toBeVisible();

  // A browser whose camera is blocked says how to allow it.
  const blocked = await signedIn(browser, testInfo, STUDENT.email, []);
  await open(blocked.page, room, testInfo);
  await expect(blocked.page.getByTestId("device-problem")).toContainText("blocked the camera");
  await screenshot(blocked.page, testInfo, "room-camera-blocked");
  await blocked.context.close();

  // The device check passes in both browsers, and each sees the other's readiness.
  await open(student.page, room, testInfo);
  await expect(student.page.getByTestId("device-ready")).toBeVisible();
  await expectPlaying(student.page, "preview");
  await expect(student.page.getByLabel("Camera", { exact: true })).toBeVisible();
  const teacher = await signedIn(browser, testInfo, TEACHER.email, ["camera", "microphone"]);
  await open(teacher.page, room, testInfo);
  await expect(teacher.page.getByTestId("device-ready")).toBeVisible();
  await expect(student.page.getByTestId("peer-status")).toContainText(
    `${TEACHER.name} has checked their camera and microphone and is ready.`,
  );
  await expect(teacher.page.getByTestId("peer-status")).toContainText(`${STUDENT.name} has checked`);
  await screenshot(student.page, testInfo, "room-device-check");

  // Emily joins first and waits; Alex sees her waiting, joins, and each sees the other.
  await teacher.page.getByTestId("join").click();
  await expect(teacher.page.getByTestId("room-status")).toContainText(`Waiting for ${STUDENT.name}`);
  await expect(student.page.getByTestId("peer-status")).toContainText(
    `${TEACHER.name} is in the room, waiting for you.`,
  );
  await student.page.getByTestId("join").click();
  for (const [who, other] of [
    [student.page, TEACHER.name],
    [teacher.page, STUDENT.name],
  ] as const) {
    await expect(who.getByTestId("room-status")).toContainText(`You're in the room with ${other}.`);
    await expectPlaying(who, "remote-video");
  }
  // Both joins came through the signed webhook; the session started.
  await expect
    .poll(() =>
      sql(`SELECT COUNT(*) FROM session_attendance WHERE booking_id = '${id}' AND presence = 'joined'`),
    )
    .toBe("2");
  expect(sql(`SELECT status FROM bookings WHERE id = '${id}'`)).toBe("in_progress");
  await student.page.getByTestId("mute").click();
  await expect(student.page.getByTestId("mute")).toHaveText("Unmute");
  await screenshot(student.page, testInfo, "room-student");
  await screenshot(teacher.page, testInfo, "room-teacher");

  // Emily ends the session once its hour is over (an earlier end only closes the room): both
  // were there, so it is completed, and both are asked for feedback in a modal dialog (the page
  // behind it is inert).
  const hourAgo = Math.floor(Date.now() / 1000) - 3660;
  sql(
    `UPDATE bookings SET start_at = ${hourAgo}, end_at = ${hourAgo + 3600},
       blocked_start = ${hourAgo}, blocked_end = ${hourAgo + 3600} WHERE id = '${id}'`,
  );
  await teacher.page.getByTestId("end").click();
  for (const who of [student.page, teacher.page]) {
    const dialog = who.getByTestId("feedback-dialog");
    await expect(dialog).toBeVisible({ timeout: 20_000 });
    await expect.poll(() => dialog.evaluate((element) => element.matches(":modal"))).toBe(true);
    await expect(who.getByRole("dialog", { name: "Your feedback" })).toBeVisible();
  }
  expect(sql(`SELECT status FROM bookings WHERE id = '${id}'`)).toBe("completed");
  await screenshot(student.page, testInfo, "room-feedback");
  await student.page.setViewportSize({ width: 375, height: 740 });
  await screenshot(student.page, testInfo, "room-feedback-phone");
  await student.page.setViewportSize({ width: 1280, height: 720 });
  await student.page.getByLabel("5 stars").check();
  await student.page.getByLabel("Anything to add? (optional)").fill("Clear and patient.");
  await student.page.getByTestId("feedback-submit").click();
  await expect(student.page.getByTestId("feedback-sent")).toBeVisible();
  await teacher.page.getByLabel("4 stars").check();
  await teacher.page.getByTestId("feedback-submit").click();
  await expect(teacher.page.getByTestId("feedback-sent")).toBeVisible();

  // Emily's browser recorded the call and uploaded it when she ended it: after the copy into
  // the blob store, Alex can play it back through its signed link.
  let recordings: { url: string; content_type: string; size_bytes: number }[] = [];
  await expect
    .poll(
      async () => {
        const listed = await student.page.request.get(`/api/sessions/${id}/recordings`);
        recordings = (await listed.json()).recordings ?? [];
        return recordings.length;
      },
      { message: "the recording is kept", timeout: 20_000 },
    )
    .toBe(1);
  expect(recordings[0].content_type).toBe("video/webm");
  const played = await student.page.request.get(recordings[0].url);
  expect(played.status()).toBe(200);
  expect(played.headers()["content-type"]).toBe("video/webm");
  expect((await played.body()).length).toBe(recordings[0].size_bytes);
  expect(recordings[0].size_bytes).toBeGreaterThan(10_000);
  // The room page links it, and the link plays in the browser's player.
  await open(student.page, room, testInfo);
  const link = student.page.getByTestId("recording");
  await expect(link).toHaveText(/^Watch the recording \(\d+\.\d MB\)$/);
  await screenshot(student.page, testInfo, "room-recording");
  const href = (await link.getAttribute("href"))!;
  const linked = await student.page.request.get(href);
  expect(linked.status()).toBe(200);
  expect(linked.headers()["content-type"]).toBe("video/webm");
  // What the browser's player gets: a video it can decode (tried in a detached element, as
  // the browser's own media page is not one of ours to check).
  await expect
    .poll(
      () =>
        student.page.evaluate(
          (url) =>
            new Promise<number>((resolve) => {
              const video = document.createElement("video");
              video.muted = true;
              video.onloadeddata = () => resolve(video.videoWidth);
              video.onerror = () => resolve(-1);
              video.src = url;
            }),
          href,
        ),
      { message: "the browser decodes the recording" },
    )
    .toBeGreaterThan(0);

  // Alex's stars are Emily's rating on her card when booking (Emily's about Alex are not).
  const course = sql("SELECT id FROM courses WHERE title = 'Rust Foundations'");
  await open(student.page, `/courses/${course}/book`, testInfo);
  await expect(
    student.page.getByTestId("st-choice").filter({ hasText: TEACHER.name }).getByTestId("st-rating"),
  ).toHaveText("Rated 5.0 of 5 (1 rating)");
});
