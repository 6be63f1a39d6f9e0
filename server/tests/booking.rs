//! Journey: booking a 1-on-1 session (SBOK) over the seed's REST API: free slots, booking with
//! its error flows, idempotency, cancel and reschedule, "schedule later", the emails with their
//! calendar files, and many racers for one slot on one or two app servers.

mod common;

use common::{
    TestApp, count, demo_id, enrolled_students, log_in_as, now, open_around_the_clock, priya,
    rfc3339, rust_course, seconds, spawn_app, spawn_app_with,
};
use serde_json::{Value, json};

const TAKEN: &str = "This time is no longer available. Select another.";

async fn credits(app: &TestApp, email: &str) -> i64 {
    count(
        app,
        &format!(
            "SELECT e.session_credits FROM enrollments e JOIN users u ON u.id = e.student_id
              WHERE u.email = '{email}' AND e.course_id = '{}'",
            rust_course()
        ),
    )
    .await
}

/// Priya's free slots of `minutes` in the next `days` days.
async fn free_slots(app: &TestApp, minutes: i64, days: i64) -> Vec<Value> {
    let from = now();
    let (status, body) = app
        .get_json(&format!(
            "/api/sts/{}/availability?from={}&to={}",
            priya(),
            rfc3339(from),
            rfc3339(from + days * 86_400)
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    body["slots"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|slot| slot["duration_minutes"] == minutes)
        .cloned()
        .collect()
}

async fn book(
    app: &TestApp,
    browser: &reqwest::Client,
    start_at: &str,
    minutes: i64,
    key: Option<&str>,
) -> (u16, Value, bool) {
    let mut request = browser
        .post(app.url("/api/sessions"))
        .header("origin", &app.base_url)
        .json(&json!({
            "st_id": priya(), "course_id": rust_course(),
            "start_at": start_at, "duration_minutes": minutes
        }));
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    let response = request.send().await.expect("request failed");
    let status = response.status().as_u16();
    let replayed = response.headers().contains_key("idempotent-replayed");
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body, replayed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_course_lists_its_student_teachers_with_zone_and_next_free_slot() {
    let app = spawn_app().await;
    let (status, body) = app
        .get_json(&format!("/api/courses/{}/sts", rust_course()))
        .await;
    assert_eq!(status, 200, "{body}");
    let sts = body["sts"].as_array().unwrap();
    let names: Vec<&str> = sts.iter().map(|st| st["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["Emily Carter", "Jonas Weber", "Liam O'Brien", "Priya Raman"]
    );
    for st in sts {
        assert!(st["time_zone"].as_str().unwrap().contains('/'), "{st}");
        let next = &st["next_free_slot"];
        assert!(
            seconds(next["start_at"].as_str().unwrap()) >= now() + 12 * 3600,
            "the next slot respects 12 hours' notice: {st}"
        );
        assert_eq!(st["sessions_taught"], 0);
    }
    let (status, _) = app.get_json("/api/courses/nope/sts").await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn availability_lists_slots_in_utc_inside_the_sts_local_hours() {
    let app = spawn_app().await;
    let slots = free_slots(&app, 60, 14).await;
    assert!(slots.len() > 20, "two weeks of weekday hours: {slots:?}");
    let kolkata = jiff::tz::TimeZone::get("Asia/Kolkata").unwrap();
    for slot in &slots {
        let start = slot["start_at"].as_str().unwrap();
        assert!(start.ends_with('Z'), "UTC on the wire: {start}");
        let local = start
            .parse::<jiff::Timestamp>()
            .unwrap()
            .to_zoned_datetime(kolkata.clone());
        assert!(
            (9..=16).contains(&local.hour()),
            "within 09:00-17:00 Kolkata: {local}"
        );
        assert!(
            local.weekday().to_monday_one_offset() <= 5,
            "a weekday: {local}"
        );
        assert_eq!(
            seconds(slot["end_at"].as_str().unwrap()) - seconds(start),
            3600
        );
    }
    let st = priya();
    for (query, why) in [
        ("from=yesterday", "malformed from"),
        (
            "from=2026-12-10T00:00:00Z&to=2026-12-01T00:00:00Z",
            "to before from",
        ),
        (
            "from=2026-12-01T00:00:00Z&to=2027-03-01T00:00:00Z",
            "over 62 days",
        ),
    ] {
        let (status, body) = app
            .get_json(&format!("/api/sts/{st}/availability?{query}"))
            .await;
        assert_eq!(status, 400, "{why}: {body}");
        assert!(body["message"].as_str().unwrap().len() > 10, "{body}");
    }
    let (status, _) = app
        .get_json(&format!("/api/sts/{}/availability", demo_id("user", "sam")))
        .await;
    assert_eq!(status, 404, "Sam is not a Student-Teacher");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_student_books_a_free_slot_and_only_the_participants_see_it() {
    let app = spawn_app().await;
    let slot = free_slots(&app, 60, 14).await[0].clone();
    let start_at = slot["start_at"].as_str().unwrap();
    let sam = log_in_as(&app, "sam.rivera@example.com").await;

    let (status, session, _) = book(&app, &sam, start_at, 60, None).await;
    assert_eq!(status, 201, "{session}");
    assert_eq!(session["st_id"], priya());
    assert_eq!(session["student_id"], demo_id("user", "sam"));
    assert_eq!(session["course_id"], rust_course());
    assert_eq!(session["start_at"], start_at);
    assert_eq!(session["end_at"], slot["end_at"]);
    assert_eq!(session["status"], "scheduled");
    assert_eq!(credits(&app, "sam.rivera@example.com").await, 3);
    let id = session["id"].as_str().unwrap();

    // The slot is gone from the list, and busy times show it with the 15-minute buffer only.
    let after = free_slots(&app, 60, 14).await;
    assert!(!after.iter().any(|s| s["start_at"] == start_at));
    let (status, busy) = app
        .get_json(&format!(
            "/api/sts/{}/bookings?from={}&to={}",
            priya(),
            rfc3339(now()),
            rfc3339(now() + 14 * 86_400)
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        busy["busy"],
        json!([{ "start_at": start_at, "end_at": rfc3339(seconds(start_at) + 3600 + 900) }])
    );
    assert!(!busy.to_string().contains("sam"), "no student details");

    // A second student racing for the same slot gets the seed's 409.
    let alex = log_in_as(&app, "alex.kim@example.com").await;
    let (status, refused, _) = book(&app, &alex, start_at, 60, None).await;
    assert_eq!((status, refused["message"].as_str()), (409, Some(TAKEN)));
    assert_eq!(credits(&app, "alex.kim@example.com").await, 4);

    // Participants only.
    let path = format!("/api/sessions/{id}");
    assert_eq!(app.get_json_as(&sam, &path).await.0, 200);
    let teacher = log_in_as(&app, "priya.raman@example.com").await;
    assert_eq!(app.get_json_as(&teacher, &path).await.1["id"], id);
    let (status, body) = app.get_json_as(&alex, &path).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (403, Some("You're not part of this session."))
    );
    assert_eq!(app.get_json(&path).await.0, 401);
    assert_eq!(app.get_json_as(&sam, "/api/sessions/nope").await.0, 404);

    // The calendar file.
    let response = sam
        .get(app.url(&format!("{path}/calendar-export")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let ics = response.text().await.unwrap();
    let compact_start = start_at.replace(['-', ':'], "");
    for line in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        &format!("UID:{id}@peerloop"),
        "SEQUENCE:0",
        &format!("DTSTART:{compact_start}"),
        "STATUS:CONFIRMED",
        "END:VCALENDAR",
    ] {
        assert!(
            ics.lines().any(|l| l.trim_end() == line),
            "{line} in\n{ics}"
        );
    }
    assert_eq!(
        alex.get(app.url(&format!("{path}/calendar-export")))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slots_the_rules_do_not_allow_are_refused_with_a_reason() {
    let app = spawn_app().await;
    let sam = log_in_as(&app, "sam.rivera@example.com").await;
    let slot = free_slots(&app, 60, 14).await[0].clone();
    let start = seconds(slot["start_at"].as_str().unwrap());
    let cases: Vec<(String, i64, u16, &str)> = vec![
        (rfc3339(now() - 3600), 60, 409, "That time has passed."),
        (rfc3339(now() + 3600), 60, 409, "too soon"),
        (rfc3339(start + 90 * 86_400), 60, 409, "too far ahead"),
        (
            rfc3339(start + 15 * 60),
            60,
            409,
            "isn't available at that time",
        ),
        (
            rfc3339(start),
            45,
            400,
            "doesn't offer sessions of that length",
        ),
        ("next tuesday".into(), 60, 400, "RFC 3339"),
        (rfc3339(start), 0, 400, "1 to 240 minutes"),
    ];
    for (start_at, minutes, status, message) in cases {
        let (got, body, _) = book(&app, &sam, &start_at, minutes, None).await;
        assert_eq!(got, status, "{start_at} {minutes}: {body}");
        assert!(
            body.to_string().contains(message),
            "{start_at} {minutes}: expected {message:?} in {body}"
        );
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bookings").await, 0);
    assert_eq!(credits(&app, "sam.rivera@example.com").await, 4);

    // Not enrolled: 403. Booking yourself: 400. Signed out: 401.
    let stranger = app.new_browser();
    app.sign_up(&stranger, "Casey", "casey@example.com").await;
    let (status, body, _) = book(&app, &stranger, &rfc3339(start), 60, None).await;
    assert_eq!(status, 403, "{body}");
    let teacher = log_in_as(&app, "priya.raman@example.com").await;
    assert_eq!(book(&app, &teacher, &rfc3339(start), 60, None).await.0, 400);
    assert_eq!(
        book(&app, &app.new_browser(), &rfc3339(start), 60, None)
            .await
            .0,
        401
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_request_with_the_same_idempotency_key_gets_the_same_session() {
    let app = spawn_app().await;
    let sam = log_in_as(&app, "sam.rivera@example.com").await;
    let slots = free_slots(&app, 60, 14).await;
    let start_at = slots[0]["start_at"].as_str().unwrap();
    let (first_status, first, first_replayed) =
        book(&app, &sam, start_at, 60, Some("retry-1")).await;
    let (again_status, again, again_replayed) =
        book(&app, &sam, start_at, 60, Some("retry-1")).await;
    assert_eq!((first_status, again_status), (201, 201), "{first} {again}");
    assert_eq!(first["id"], again["id"]);
    assert_eq!((first_replayed, again_replayed), (false, true));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bookings").await, 1);
    assert_eq!(credits(&app, "sam.rivera@example.com").await, 3);

    let other = slots[3]["start_at"].as_str().unwrap();
    let (status, body, _) = book(&app, &sam, other, 60, Some("retry-1")).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Idempotency-Key")
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bookings").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_frees_the_slot_and_rescheduling_keeps_the_session() {
    let app = spawn_app().await;
    let sam = log_in_as(&app, "sam.rivera@example.com").await;
    let slots = free_slots(&app, 60, 14).await;
    let far: Vec<&Value> = slots
        .iter()
        .filter(|s| seconds(s["start_at"].as_str().unwrap()) > now() + 2 * 86_400)
        .collect();
    let (first, second) = (
        far[0]["start_at"].as_str().unwrap(),
        far[4]["start_at"].as_str().unwrap(),
    );
    let (_, session, _) = book(&app, &sam, first, 60, None).await;
    let id = session["id"].as_str().unwrap().to_owned();

    let (status, moved) = app
        .post_json(
            &sam,
            &format!("/api/sessions/{id}/reschedule"),
            json!({ "start_at": second }),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(
        (moved["id"].as_str(), moved["start_at"].as_str()),
        (Some(id.as_str()), Some(second))
    );
    let ics = sam
        .get(app.url(&format!("/api/sessions/{id}/calendar-export")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(ics.contains("SEQUENCE:1"), "{ics}");
    assert!(
        free_slots(&app, 60, 14)
            .await
            .iter()
            .any(|s| s["start_at"] == first)
    );

    let (status, cancelled) = app
        .post_json(&sam, &format!("/api/sessions/{id}/cancel"), json!({}))
        .await;
    assert_eq!(
        (status, cancelled["status"].as_str()),
        (200, Some("cancelled"))
    );
    assert_eq!(credits(&app, "sam.rivera@example.com").await, 4);
    assert!(
        free_slots(&app, 60, 14)
            .await
            .iter()
            .any(|s| s["start_at"] == second)
    );
    let (status, _) = app
        .post_json(&sam, &format!("/api/sessions/{id}/cancel"), json!({}))
        .await;
    assert_eq!(status, 409, "a cancelled session cannot change again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inside_the_policy_window_only_the_student_teacher_may_cancel() {
    let app = spawn_app().await;
    open_around_the_clock(&app, &priya()).await;
    let sam = log_in_as(&app, "sam.rivera@example.com").await;
    let soon = free_slots(&app, 60, 3)
        .await
        .into_iter()
        .find(|s| seconds(s["start_at"].as_str().unwrap()) < now() + 24 * 3600)
        .expect("with every hour open, a slot starts between 12 and 24 hours from now");
    let (_, session, _) = book(&app, &sam, soon["start_at"].as_str().unwrap(), 60, None).await;
    let id = session["id"].as_str().unwrap().to_owned();
    let (status, body) = app
        .post_json(&sam, &format!("/api/sessions/{id}/cancel"), json!({}))
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(body["message"].as_str().unwrap().contains("24 hours"));
    let teacher = log_in_as(&app, "priya.raman@example.com").await;
    let (status, body) = app
        .post_json(&teacher, &format!("/api/sessions/{id}/cancel"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM bookings WHERE late_cancellation = TRUE AND status = 'cancelled'"
        )
        .await,
        1,
        "the late cancellation is recorded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedule_later_defers_a_credit_of_the_students_own_enrollment() {
    let app = spawn_app().await;
    let sam = log_in_as(&app, "sam.rivera@example.com").await;
    let enrollment = demo_id("enrollment", "sam:rust-foundations");
    let path = format!("/api/enrollments/{enrollment}/deferred");
    let (status, body) = app.post_json(&sam, &path, json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"enrollment_id": enrollment, "course_id": rust_course(),
               "session_credits": 4, "deferred_credits": 1})
    );
    let alex = log_in_as(&app, "alex.kim@example.com").await;
    assert_eq!(app.post_json(&alex, &path, json!({})).await.0, 403);
    for _ in 0..3 {
        assert_eq!(app.post_json(&sam, &path, json!({})).await.0, 200);
    }
    assert_eq!(app.post_json(&sam, &path, json!({})).await.0, 409);

    // Booking spends a deferred credit first.
    let slot = free_slots(&app, 30, 14).await[0].clone();
    let (status, ..) = book(&app, &sam, slot["start_at"].as_str().unwrap(), 30, None).await;
    assert_eq!(status, 201);
    assert_eq!(
        count(
            &app,
            &format!("SELECT deferred_credits FROM enrollments WHERE id = '{enrollment}'")
        )
        .await,
        3
    );
}

/// The local mailbox, by recipient and subject.
async fn mailbox(app: &TestApp) -> Vec<(String, String, String, Option<String>)> {
    sqlx::query_as(
        "SELECT sent_to, subject, text_body, attachment FROM dev_mailbox ORDER BY sent_to, subject",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_participants_get_a_confirmation_with_the_calendar_file_and_reminders_follow() {
    // This test drives the outbox itself, so the app runs no worker of its own.
    let app = spawn_app_with(&[("PEERLOOP_RUN_JOBS", "false")]).await;
    let sam = log_in_as(&app, "sam.rivera@example.com").await;
    let slot = free_slots(&app, 60, 14).await[0].clone();
    let start_at = slot["start_at"].as_str().unwrap();
    let (_, session, _) = book(&app, &sam, start_at, 60, None).await;
    let id = session["id"].as_str().unwrap();

    server::jobs::drain_due(&app.state, now).await.unwrap();
    let messages = mailbox(&app).await;
    assert_eq!(messages.len(), 2, "{messages:?}");
    let recipients: Vec<&str> = messages.iter().map(|m| m.0.as_str()).collect();
    assert_eq!(
        recipients,
        ["priya.raman@example.com", "sam.rivera@example.com"]
    );
    for (_, subject, text, attachment) in &messages {
        assert!(
            subject.starts_with("Session booked: Rust Foundations"),
            "{subject}"
        );
        let ics = attachment.as_ref().expect("the .ics is attached");
        assert!(ics.contains(&format!("UID:{id}@peerloop")), "{ics}");
        assert!(text.contains(&format!("/sessions/{id}")), "{text}");
    }
    // The student sees the time in their own zone, the S-T in theirs.
    let sam_zone: String =
        sqlx::query_scalar("SELECT time_zone FROM users WHERE email = 'sam.rivera@example.com'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let sam_text = &messages[1].2;
    assert!(sam_text.contains(&format!("({sam_zone})")), "{sam_text}");
    assert!(
        messages[0].2.contains("(Asia/Kolkata)"),
        "{}",
        messages[0].2
    );

    // Reminders wait in the outbox; they go out when due, once.
    let start = seconds(start_at);
    let reminders = count(
        &app,
        "SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND payload LIKE '%reminder%'",
    )
    .await;
    assert!(reminders >= 2, "at least the 1-hour reminders are queued");
    server::jobs::drain_due(&app.state, || start - 3600 + 1)
        .await
        .unwrap();
    server::jobs::drain_due(&app.state, || start - 3600 + 1)
        .await
        .unwrap();
    let all = mailbox(&app).await;
    assert_eq!(all.len() as i64, 2 + reminders);
    assert!(all.iter().filter(|m| m.1.starts_with("Reminder:")).count() as i64 == reminders);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_payment_hold_is_released_when_it_expires() {
    let app = spawn_app().await;
    let slot = free_slots(&app, 60, 14).await[0].clone();
    let (start, end) = (
        seconds(slot["start_at"].as_str().unwrap()),
        seconds(slot["end_at"].as_str().unwrap()),
    );
    sqlx::query(
        "INSERT INTO bookings (id, st_id, student_id, course_id, enrollment_id, start_at, end_at,
                               blocked_start, blocked_end, status, hold_expires_at, created_at,
                               updated_at)
         VALUES ('hold', $1, $2, $3, $4, $5, $6, $5, $7, 'pending_payment', $8, $9, $9)",
    )
    .bind(priya())
    .bind(demo_id("user", "alex"))
    .bind(rust_course())
    .bind(demo_id("enrollment", "alex:rust-foundations"))
    .bind(start)
    .bind(end)
    .bind(end + 900)
    .bind(now() + 600)
    .bind(now())
    .execute(app.db.pool())
    .await
    .unwrap();
    assert!(
        !free_slots(&app, 60, 14)
            .await
            .iter()
            .any(|s| s["start_at"] == slot["start_at"])
    );
    let released = backend::services::booking::release_expired_holds(&app.db, now()).await;
    assert_eq!(released, Ok(0), "the hold has not expired yet");
    let released = backend::services::booking::release_expired_holds(&app.db, now() + 601).await;
    assert_eq!(released, Ok(1));
    assert!(
        free_slots(&app, 60, 14)
            .await
            .iter()
            .any(|s| s["start_at"] == slot["start_at"])
    );
}

/// Fires every racer at once (spread over `apps`), each asking for one of `wanted`
/// (start, minutes) in turn; returns the statuses and 409 messages.
async fn race(
    apps: &[&TestApp],
    racers: Vec<reqwest::Client>,
    wanted: &[(String, i64)],
) -> Vec<(u16, String)> {
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(racers.len()));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, browser) in racers.into_iter().enumerate() {
        let app = apps[i % apps.len()];
        let (start_at, minutes) = wanted[i % wanted.len()].clone();
        let url = app.url("/api/sessions");
        let origin = app.base_url.clone();
        let barrier = barrier.clone();
        tasks.spawn(async move {
            barrier.wait().await;
            let response = browser
                .post(url)
                .header("origin", origin)
                .json(&json!({
                    "st_id": priya(), "course_id": rust_course(),
                    "start_at": start_at, "duration_minutes": minutes
                }))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap();
            (
                status,
                body["message"].as_str().unwrap_or_default().to_owned(),
            )
        });
    }
    tasks.join_all().await
}

fn assert_exactly_one_winner(results: &[(u16, String)]) {
    let created = results.iter().filter(|(status, _)| *status == 201).count();
    let conflicts: Vec<&String> = results
        .iter()
        .filter(|(status, _)| *status == 409)
        .map(|(_, message)| message)
        .collect();
    assert_eq!(created, 1, "exactly one booking wins: {results:?}");
    assert_eq!(conflicts.len(), results.len() - 1, "{results:?}");
    assert!(
        conflicts.iter().all(|message| *message == TAKEN),
        "{conflicts:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_racers_for_one_slot_give_one_booking_and_199_conflicts() {
    let app = spawn_app_with(&[("PEERLOOP_DB_MAX_CONNECTIONS", "20")]).await;
    // With Postgres, a second app server shares the database, as behind a load balancer.
    let second = match app.backend {
        "postgres" => Some(app.second_instance().await),
        _ => None,
    };
    let apps: Vec<&TestApp> = std::iter::once(&app).chain(second.as_ref()).collect();
    let slot = free_slots(&app, 60, 14).await[0].clone();
    let racers = enrolled_students(&app, 200, &rust_course(), 4).await;
    let wanted = [(slot["start_at"].as_str().unwrap().to_owned(), 60)];
    let results = race(&apps, racers, &wanted).await;
    assert_exactly_one_winner(&results);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bookings").await, 1);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM enrollments WHERE session_credits = 3"
        )
        .await,
        1,
        "only the winner spent a credit"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racers_for_overlapping_slots_of_different_lengths_get_one_booking() {
    let app = spawn_app_with(&[("PEERLOOP_DB_MAX_CONNECTIONS", "20")]).await;
    let second = match app.backend {
        "postgres" => Some(app.second_instance().await),
        _ => None,
    };
    let apps: Vec<&TestApp> = std::iter::once(&app).chain(second.as_ref()).collect();
    // A 60-minute slot and the 30-minute slots inside it and just after it (the 15-minute
    // buffer makes the one after it overlap too).
    let hours = free_slots(&app, 60, 14).await;
    let listed = |at: i64| {
        hours
            .iter()
            .any(|s| seconds(s["start_at"].as_str().unwrap()) == at)
    };
    let start = hours
        .iter()
        .map(|s| seconds(s["start_at"].as_str().unwrap()))
        .find(|&at| listed(at + 1800))
        .expect("two overlapping hour slots");
    let wanted = [
        (rfc3339(start), 60),
        (rfc3339(start), 30),
        (rfc3339(start + 1800), 30),
        (rfc3339(start + 1800), 60),
    ];
    let racers = enrolled_students(&app, 80, &rust_course(), 4).await;
    let results = race(&apps, racers, &wanted).await;
    assert_exactly_one_winner(&results);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bookings").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booking_that_fails_midway_leaves_nothing_behind_and_says_unable_to_book() {
    let app = spawn_app().await;
    let sam = log_in_as(&app, "sam.rivera@example.com").await;
    let slot = free_slots(&app, 60, 14).await[0].clone();
    // The booking's last write (queueing its emails) fails: the whole booking must roll back.
    sqlx::query("DROP TABLE outbox")
        .execute(app.db.pool())
        .await
        .unwrap();
    let (status, body, _) = book(&app, &sam, slot["start_at"].as_str().unwrap(), 60, None).await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["message"], "Unable to book. Please try again.");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bookings").await, 0);
    assert_eq!(credits(&app, "sam.rivera@example.com").await, 4);
}

/// A stand-in for Resend's API at the wire: records each request, and answers the first with
/// 503 so the retry path runs.
#[derive(Clone, Default)]
struct FakeResend {
    requests: std::sync::Arc<std::sync::Mutex<Vec<(axum::http::HeaderMap, Value)>>>,
}

async fn fake_resend() -> (String, FakeResend) {
    use axum::http::StatusCode;
    let fake = FakeResend::default();
    let recorded = fake.clone();
    let router = axum::Router::new().route(
        "/emails",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, axum::Json(body): axum::Json<Value>| {
                let recorded = recorded.clone();
                async move {
                    let mut requests = recorded.requests.lock().unwrap();
                    requests.push((headers.clone(), body.clone()));
                    // Like Resend: a key seen before with another body is refused; with the
                    // same body the first answer's message is the answer.
                    let key = headers["idempotency-key"].to_str().unwrap().to_owned();
                    let earlier = requests[..requests.len() - 1]
                        .iter()
                        .find(|(h, _)| h["idempotency-key"] == key.as_str());
                    if let Some((_, earlier_body)) = earlier {
                        if *earlier_body != body {
                            return (StatusCode::CONFLICT, axum::Json(json!({"statusCode": 409, "name": "invalid_idempotent_request", "message": "Same idempotency key used with a different request payload."})));
                        }
                        return (StatusCode::OK, axum::Json(json!({"id": key})));
                    }
                    if requests.len() == 1 {
                        // Accepted, but the answer is lost: the sender sees a 503.
                        (StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({"statusCode": 503, "name": "internal_server_error", "message": "try later"})))
                    } else {
                        (StatusCode::OK, axum::Json(json!({"id": key})))
                    }
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, fake)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_resend_key_emails_go_to_resend_with_an_idempotency_key_and_are_retried() {
    use base64::Engine;
    let (resend_url, fake) = fake_resend().await;
    let app = spawn_app_with(&[
        ("RESEND_API_KEY", "re_test_key"),
        ("RESEND_BASE_URL", &resend_url),
        ("PEERLOOP_MAIL_FROM", "PeerLoop <sessions@example.com>"),
        // The test drives the outbox itself.
        ("PEERLOOP_RUN_JOBS", "false"),
    ])
    .await;
    let sam = log_in_as(&app, "sam.rivera@example.com").await;
    let slot = free_slots(&app, 60, 14).await[0].clone();
    let (status, ..) = book(&app, &sam, slot["start_at"].as_str().unwrap(), 60, None).await;
    assert_eq!(status, 201);
    server::jobs::drain_due(&app.state, now).await.unwrap();
    assert_eq!(fake.requests.lock().unwrap().len(), 2, "both sent once");
    // Meanwhile a participant renames themselves: a message rebuilt now would differ, and
    // Resend refuses a changed payload under a key it has seen.
    sqlx::query("UPDATE users SET name = 'Sam R.' WHERE email = 'sam.rivera@example.com'")
        .execute(app.db.pool())
        .await
        .unwrap();
    // The first attempt got a 503 and waits for its retry (30 s); run the worker as if then.
    server::jobs::drain_due(&app.state, || now() + 31)
        .await
        .unwrap();
    let requests = fake.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 3, "two emails, one of them sent twice");
    assert_eq!(
        requests[0].0["idempotency-key"], requests[2].0["idempotency-key"],
        "the retry carries the first attempt's key"
    );
    assert_eq!(
        requests[0].1, requests[2].1,
        "the retry sends the same bytes (Resend refuses a changed payload under one key)"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM outbox WHERE status = 'done'").await,
        2,
        "both delivered, neither parked as dead"
    );
    assert_ne!(
        requests[1].0["idempotency-key"],
        requests[0].0["idempotency-key"]
    );
    let mut recipients = Vec::new();
    for (headers, body) in &requests {
        assert_eq!(headers["authorization"], "Bearer re_test_key");
        assert_eq!(body["from"], "PeerLoop <sessions@example.com>");
        assert!(
            body["subject"]
                .as_str()
                .unwrap()
                .starts_with("Session booked")
        );
        assert!(body["html"].as_str().unwrap().contains("<p>"));
        assert!(body["text"].as_str().unwrap().contains("/sessions/"));
        let attachment = &body["attachments"][0];
        assert_eq!(
            attachment["content_type"],
            "text/calendar; charset=utf-8; method=REQUEST"
        );
        let ics = base64::engine::general_purpose::STANDARD
            .decode(attachment["content"].as_str().unwrap())
            .unwrap();
        assert!(
            String::from_utf8(ics)
                .unwrap()
                .starts_with("BEGIN:VCALENDAR")
        );
        recipients.push(body["to"][0].as_str().unwrap().to_owned());
    }
    recipients.sort();
    recipients.dedup();
    assert_eq!(
        recipients,
        ["priya.raman@example.com", "sam.rivera@example.com"]
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM dev_mailbox").await,
        0,
        "nothing goes to the local mailbox when Resend is configured"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_student_cannot_hold_two_sessions_at_once() {
    let app = spawn_app().await;
    let jonas = demo_id("user", "jonas");
    let from = now();
    let (_, theirs) = app
        .get_json(&format!(
            "/api/sts/{jonas}/availability?from={}&to={}",
            rfc3339(from),
            rfc3339(from + 14 * 86_400)
        ))
        .await;
    let jonas_starts: Vec<&str> = theirs["slots"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["duration_minutes"] == 60)
        .map(|s| s["start_at"].as_str().unwrap())
        .collect();
    let priya_slots = free_slots(&app, 60, 14).await;
    let shared = priya_slots
        .iter()
        .map(|s| s["start_at"].as_str().unwrap())
        .find(|start| jonas_starts.contains(start))
        .expect("Priya (Kolkata) and Jonas (Berlin) share a free hour");
    let sam = log_in_as(&app, "sam.rivera@example.com").await;
    assert_eq!(book(&app, &sam, shared, 60, None).await.0, 201);
    let response = sam
        .post(app.url("/api/sessions"))
        .header("origin", &app.base_url)
        .json(&json!({
            "st_id": jonas, "course_id": rust_course(), "start_at": shared, "duration_minutes": 60
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 409);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["message"],
        "You already have a session at this time. Select another."
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bookings").await, 1);
}
