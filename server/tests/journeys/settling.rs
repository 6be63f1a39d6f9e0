//! What settles a session held in its room, and when: the room's end only once the session's
//! scheduled time is over (an earlier end only closes the room), a sweep for sessions whose room
//! saw someone but never ended, and marking taught only for a Student-Teacher the room saw.

use crate::common::*;
use crate::payments::{balance, eventually, ledger_is_sound, paid_enrollment};
use crate::video::{credits_of, deliver, event, join, session_starting_soon, student_id_of};
use backend::services::booking::{TEACHER_NOT_SEEN, settle_unfinished_rooms};
use serde_json::json;

async fn start_of(app: &TestApp, id: &str) -> i64 {
    sqlx::query_scalar("SELECT start_at FROM bookings WHERE id = $1")
        .bind(id)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

/// A session with Priya starting in five minutes whose room she has opened.
async fn session_with_open_room(
    app: &TestApp,
    teacher: &reqwest::Client,
    student: Option<reqwest::Client>,
) -> String {
    let (_, id) = session_starting_soon(app, student).await;
    assert_eq!(join(app, teacher, &id).await.0, 200);
    id
}

/// Delivers a signed PlugNmeet event about the session's room, `offset` seconds from its start.
async fn report(app: &TestApp, id: &str, kind: &str, who: Option<&str>, offset: i64) {
    let at = start_of(app, id).await + offset;
    let (status, body) = deliver(app, &event(kind, &format!("session-{id}"), who, at)).await;
    assert_eq!(status, 200, "{body}");
}

async fn attendance_rows(app: &TestApp, id: &str) -> i64 {
    count(
        app,
        &format!("SELECT COUNT(*) FROM session_attendance WHERE booking_id = '{id}'"),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rooms_end_before_the_sessions_time_is_over_only_closes_the_room() {
    let app = spawn_app().await;
    let teacher = log_in_as(&app, "priya.raman@example.com").await;

    // Priya looks in 14 minutes early, leaves, and the room is ended: the student, who has not
    // come yet, is no no-show, and their credit is not spent.
    let (student, early_end) = session_starting_soon(&app, None).await;
    assert_eq!(join(&app, &teacher, &early_end).await.0, 200);
    let credits = credits_of(&app, &early_end).await;
    report(&app, &early_end, "participant_joined", Some(&priya()), -840).await;
    report(&app, &early_end, "participant_left", Some(&priya()), -780).await;
    report(&app, &early_end, "room_finished", None, -770).await;
    assert_eq!(status_of(&app, &early_end).await, "in_progress");
    assert_eq!(credits_of(&app, &early_end).await, credits);

    // The room is opened again and both hold the session; its end after the scheduled time
    // settles it, and a leave reported after that is still recorded.
    assert_eq!(join(&app, &student, &early_end).await.0, 200);
    let student_id = student_id_of(&app, &early_end).await;
    report(&app, &early_end, "participant_joined", Some(&priya()), 0).await;
    report(
        &app,
        &early_end,
        "participant_joined",
        Some(&student_id),
        30,
    )
    .await;
    report(&app, &early_end, "participant_left", Some(&priya()), 3600).await;
    report(&app, &early_end, "room_finished", None, 3610).await;
    assert_eq!(status_of(&app, &early_end).await, "completed");
    report(
        &app,
        &early_end,
        "participant_left",
        Some(&student_id),
        3620,
    )
    .await;
    assert_eq!(attendance_rows(&app, &early_end).await, 6);

    // PlugNmeet closes a room nobody is in ten minutes before the start: nothing is cancelled,
    // nothing given back.
    let (paying, _) = paid_enrollment(&app, "closed.early@example.com").await;
    let (_, empty) = session_starting_soon(&app, Some(paying)).await;
    assert_eq!(join(&app, &teacher, &empty).await.0, 200);
    let credits = credits_of(&app, &empty).await;
    report(&app, &empty, "room_finished", None, -600).await;
    assert_eq!(status_of(&app, &empty).await, "scheduled");
    assert_eq!(credits_of(&app, &empty).await, credits);
    ledger_is_sound(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_whose_room_never_ended_is_settled_from_presence_once_its_window_closes() {
    let app = spawn_app().await;
    let teacher = log_in_as(&app, "priya.raman@example.com").await;

    // The student waited alone and the room never reported its end: once the join window is
    // over the session goes back to them, credit and all, and both are told.
    let alone = session_with_open_room(&app, &teacher, None).await;
    let student_id = student_id_of(&app, &alone).await;
    let credits = credits_of(&app, &alone).await;
    // An hour and 14 minutes ago: its join window is still open. (Each session is moved once
    // its room is open: Priya teaches one at a time.)
    move_session(&app, &alone, now() - 3600 - 14 * 60).await;
    // Both came and nobody ended the room: completed, and Priya's share is released.
    let (paying, _) = paid_enrollment(&app, "both.came@example.com").await;
    let both = session_with_open_room(&app, &teacher, Some(paying)).await;
    let both_student = student_id_of(&app, &both).await;
    move_session(&app, &both, now() - 3 * 3600).await;
    // Nobody came to this one: the room never saw anyone, so it is left to the people.
    let nobody = session_with_open_room(&app, &teacher, None).await;
    move_session(&app, &nobody, now() - 5 * 3600).await;

    let teacher_account = format!("st:{}", priya());
    let before = balance(&app, &teacher_account).await;
    report(&app, &alone, "participant_joined", Some(&student_id), 0).await;
    assert_eq!(status_of(&app, &alone).await, "in_progress");
    report(&app, &both, "participant_joined", Some(&priya()), 0).await;
    report(&app, &both, "participant_joined", Some(&both_student), 60).await;
    settle_unfinished_rooms(&app.db, now()).await.unwrap();
    assert_eq!(status_of(&app, &alone).await, "in_progress", "not yet");

    // Two minutes later its window has closed.
    move_session(&app, &alone, now() - 3600 - 16 * 60).await;
    // The worker sweeps each minute too; whichever settles them, they are settled once.
    settle_unfinished_rooms(&app.db, now()).await.unwrap();
    settle_unfinished_rooms(&app.db, now()).await.unwrap();
    assert_eq!(status_of(&app, &alone).await, "cancelled");
    assert_eq!(credits_of(&app, &alone).await, credits + 1);
    eventually(
        &app,
        "SELECT COUNT(*) FROM dev_mailbox WHERE subject LIKE 'Session missed%'",
        2,
    )
    .await;
    assert_eq!(status_of(&app, &both).await, "completed");
    assert!(balance(&app, &teacher_account).await > before, "released");
    assert_eq!(status_of(&app, &nobody).await, "scheduled");
    ledger_is_sound(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_student_teacher_the_room_never_saw_cannot_mark_the_session_taught() {
    let app = spawn_app().await;
    let teacher = log_in_as(&app, "priya.raman@example.com").await;
    let teacher_account = format!("st:{}", priya());
    let (student, _) = paid_enrollment(&app, "waited.alone@example.com").await;
    let unseen = session_with_open_room(&app, &teacher, Some(student)).await;
    let student_id = student_id_of(&app, &unseen).await;
    report(&app, &unseen, "participant_joined", Some(&student_id), 0).await;
    // Over, inside the join window's grace (the sweep leaves it be until that is over).
    move_session(&app, &unseen, now() - 3600 - 60).await;
    let before = balance(&app, &teacher_account).await;
    let taught = format!("/api/sessions/{unseen}/taught");
    let (status, body) = app.post_json(&teacher, &taught, json!({})).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (409, Some(TEACHER_NOT_SEEN))
    );
    assert_eq!(status_of(&app, &unseen).await, "in_progress");
    assert_eq!(
        balance(&app, &teacher_account).await,
        before,
        "nothing released"
    );

    // Seen only before the start (looked in early): still not seen during the session.
    report(&app, &unseen, "participant_joined", Some(&priya()), -600).await;
    report(&app, &unseen, "participant_left", Some(&priya()), -540).await;
    assert_eq!(app.post_json(&teacher, &taught, json!({})).await.0, 409);

    // Once the room saw Priya during the session, she may mark it.
    report(&app, &unseen, "participant_joined", Some(&priya()), 120).await;
    let (status, body) = app.post_json(&teacher, &taught, json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(status_of(&app, &unseen).await, "completed");
    assert!(balance(&app, &teacher_account).await > before, "released");
    ledger_is_sound(&app).await;
}
