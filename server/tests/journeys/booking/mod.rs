//! Journey: booking a 1-on-1 session (SBOK) over the seed's REST API: free slots, booking with
//! its error flows, idempotency, cancel and reschedule, "schedule later", the emails with their
//! calendar files, and many racers for one slot on one or two app servers.

use crate::common;

use common::{
    TestApp, count, demo_id, enrolled_students, log_in_as, now, open_around_the_clock, priya,
    rfc3339, rust_course, seconds, spawn_app, spawn_app_with,
};
use serde_json::{Value, json};

const TAKEN: &str = "This time is no longer available. Select another.";

mod changes;
mod emails;
mod races;
mod rules;
mod slots;

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

/// Priya's free slots that start two hours or more after her soonest one. A test that spends
/// a while setting up after choosing (enrolling hundreds of racers) would otherwise see a slot
/// near the minimum notice become too soon to book before it is booked.
async fn later_free_slots(app: &TestApp, minutes: i64, days: i64) -> Vec<Value> {
    let slots = free_slots(app, minutes, days).await;
    let start = |slot: &Value| seconds(slot["start_at"].as_str().unwrap());
    let soonest = slots.iter().map(start).min().expect("Priya has free slots");
    slots
        .into_iter()
        .filter(|slot| start(slot) >= soonest + 2 * 3600)
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

/// The local mailbox, by recipient and subject.
async fn mailbox(app: &TestApp) -> Vec<(String, String, String, Option<String>)> {
    sqlx::query_as(
        "SELECT sent_to, subject, text_body, attachment FROM dev_mailbox ORDER BY sent_to, subject",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap()
}
