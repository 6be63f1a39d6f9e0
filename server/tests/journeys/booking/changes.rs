//! Cancel, reschedule, "schedule later" and expired payment holds.

use super::*;

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
