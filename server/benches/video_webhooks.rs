//! PlugNmeet webhook ingest benchmark: latency (p50/p99) and events per second of
//! `POST /api/webhooks/plugnmeet` against a real app server on SQLite and, when reachable, on
//! PostgreSQL. Each session held gets what its room reports: the student and the Student-Teacher
//! joining, the student leaving, the room finishing (which decides the session, completing it)
//! and a redelivery of that, each JWT-signed as PlugNmeet signs them. Sessions are spread over
//! concurrent clients; one session's events go in order through one client. Run with
//! `scripts/cargo bench -p server --bench video_webhooks`. `PEERLOOP_BENCH_SESSIONS` (default
//! 500), `PEERLOOP_BENCH_CLIENTS` (default 16) and `PEERLOOP_BENCH_DATABASES` (default
//! "sqlite,postgres") tune it.

#[path = "../tests/journeys/common/mod.rs"]
mod common;
#[path = "support/figures.rs"]
mod figures;
#[path = "support/webhook_load.rs"]
mod webhook_load;

use base64::Engine;
use common::TestApp;
use figures::{Figures, setting};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use webhook_load::{Signer, deliver_concurrently};

/// `sessions` scheduled sessions with the demo Student-Teacher, each with its own new student
/// and an open room, an hour apart in the past; returns (room id, student id, start) of each.
async fn held_sessions(app: &TestApp, sessions: usize) -> Vec<(String, String, i64)> {
    let teacher = common::priya();
    let course = common::rust_course();
    let first = common::now() - (sessions as i64 + 1) * 7_200;
    let mut held = Vec::new();
    for i in 0..sessions {
        let (student, enrollment, booking) = (
            format!("attendee-{i}"),
            format!("enrollment-{i}"),
            format!("booking-{i}"),
        );
        let start = first + i as i64 * 7_200;
        sqlx::query(
            "INSERT INTO users (id, name, email, email_normalized, time_zone, created_at)
             VALUES ($1, $2, $3, $3, 'UTC', 0)",
        )
        .bind(&student)
        .bind(format!("Attendee {i}"))
        .bind(format!("attendee{i}@example.com"))
        .execute(app.db.pool())
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO enrollments (id, student_id, course_id, status, enrolled_at, session_credits)
             VALUES ($1, $2, $3, 'active', 0, 0)",
        )
        .bind(&enrollment)
        .bind(&student)
        .bind(&course)
        .execute(app.db.pool())
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO bookings (id, st_id, student_id, course_id, enrollment_id, start_at,
                                   end_at, blocked_start, blocked_end, status, created_at,
                                   updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6 + 3600, $6, $6 + 3600, 'scheduled', 0, 0)",
        )
        .bind(&booking)
        .bind(&teacher)
        .bind(&student)
        .bind(&course)
        .bind(&enrollment)
        .bind(start)
        .execute(app.db.pool())
        .await
        .unwrap();
        let room = format!("session-{booking}");
        sqlx::query(
            "INSERT INTO session_rooms (booking_id, room_id, opened_at) VALUES ($1, $2, $3)",
        )
        .bind(&booking)
        .bind(&room)
        .bind(start)
        .execute(app.db.pool())
        .await
        .unwrap();
        held.push((room, student, start));
    }
    held
}

/// A session's events in the order its room reports them, the last one delivered twice.
fn events_for(room: &str, student: &str, teacher: &str, start: i64) -> Vec<String> {
    let event = |id: String, kind: &str, identity: Option<&str>, at: i64| {
        let mut event = json!({
            "event": kind, "id": id, "created_at": at.to_string(),
            "room": {"sid": "RM_bench", "room_id": room},
        });
        if let Some(identity) = identity {
            event["participant"] = json!({"sid": "PA_bench", "identity": identity});
        }
        event.to_string()
    };
    let finished = event(format!("{room}-end"), "room_finished", None, start + 3600);
    vec![
        event(
            format!("{room}-s1"),
            "participant_joined",
            Some(student),
            start,
        ),
        event(
            format!("{room}-t1"),
            "participant_joined",
            Some(teacher),
            start,
        ),
        event(
            format!("{room}-s2"),
            "participant_left",
            Some(student),
            start + 3000,
        ),
        finished.clone(),
        finished,
    ]
}

/// PlugNmeet's webhook token for a body.
fn token(body: &str, key: &str, secret: &str, now: i64) -> String {
    let claims = json!({
        "iss": key, "nbf": now, "exp": now + 300,
        "sha256": base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body.as_bytes())),
    });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

async fn run(app: &TestApp, sessions: usize, concurrency: usize) -> Figures {
    let held = held_sessions(app, sessions).await;
    let teacher = common::priya();
    let key = app.state.video_webhook_key.clone();
    // Sender w holds every concurrency-th session, its events in the order the room sends them.
    let senders = (0..concurrency)
        .map(|sender| {
            held.iter()
                .skip(sender)
                .step_by(concurrency)
                .flat_map(|(room, student, start)| events_for(room, student, &teacher, *start))
                .collect()
        })
        .collect();
    let sign: Signer = Arc::new(move |body: &str| {
        (
            "authorization",
            token(body, &key.api_key, &key.api_secret, common::now()),
        )
    });
    let (latencies, elapsed) = deliver_concurrently(
        &app.client,
        &app.url("/api/webhooks/plugnmeet"),
        senders,
        sign,
    )
    .await;
    let figures = Figures::of(latencies, elapsed);
    // The work was done, once each: every session completed, with its three reports kept.
    assert_eq!(
        common::count(
            app,
            "SELECT COUNT(*) FROM bookings WHERE id LIKE 'booking-%' AND status = 'completed'"
        )
        .await,
        sessions as i64
    );
    assert_eq!(
        common::count(app, "SELECT COUNT(*) FROM session_attendance").await,
        3 * sessions as i64
    );
    figures
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let sessions = setting("PEERLOOP_BENCH_SESSIONS", 500);
    let clients = setting("PEERLOOP_BENCH_CLIENTS", 16);
    let databases =
        std::env::var("PEERLOOP_BENCH_DATABASES").unwrap_or_else(|_| "sqlite,postgres".into());
    runtime.block_on(async {
        println!("| database | clients | events | p50 ms | p99 ms | events/s |");
        println!("|---|---:|---:|---:|---:|---:|");
        for backend in ["sqlite", "postgres"] {
            if !databases.split(',').any(|name| name.trim() == backend) {
                continue;
            }
            // The outbox worker stays off: the figures are the ingest's own.
            let app = common::spawn_app_on_backend(
                backend,
                &[
                    ("PEERLOOP_DB_MAX_CONNECTIONS", "20"),
                    ("PEERLOOP_RUN_JOBS", "false"),
                ],
            )
            .await;
            let Some(app) = app else {
                println!("| {backend} | {clients} | not reachable, skipped | | | |");
                continue;
            };
            let figures = run(&app, sessions, clients).await;
            println!(
                "| {backend:<8} | {clients:>7} | {:>6} | {:>6.2} | {:>6.2} | {:>8.1} |",
                figures.count, figures.p50_ms, figures.p99_ms, figures.per_second
            );
        }
    });
}
