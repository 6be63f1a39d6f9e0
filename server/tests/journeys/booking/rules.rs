//! Booking and its integrity rules: who sees a session, refused slots with reasons, idempotency,
//! a failure midway, one session at a time per student.

use super::*;

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
