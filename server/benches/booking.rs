//! Booking benchmark: latency (p50/p99) of `GET /api/sts/:id/availability` and of
//! `POST /api/sessions`, and requests per second, against a real app server on SQLite and, when
//! reachable, on PostgreSQL, at 16 and at 64 concurrent clients (a fresh database each), printed
//! as one table. Run with `scripts/cargo bench -p server --bench booking`.
//! `PEERLOOP_BENCH_BOOKINGS` (default 2,000), `PEERLOOP_BENCH_CLIENTS` (default "16,64") and
//! `PEERLOOP_BENCH_DATABASES` (default "sqlite,postgres") tune it.

#[path = "../tests/journeys/common/mod.rs"]
mod common;
#[path = "support/figures.rs"]
mod figures;

use common::TestApp;
use figures::{Figures, setting};
use serde_json::json;
use std::time::{Duration, Instant};

fn print_row(backend: &str, clients: usize, what: &str, figures: &Figures) {
    println!(
        "| {backend:<8} | {clients:>7} | {what:<28} | {:>5} | {:>8.2} | {:>8.2} | {:>8.1} |",
        figures.count, figures.p50_ms, figures.p99_ms, figures.per_second
    );
}

/// Every S-T is open around the clock, so there are plenty of slots to book.
async fn open_all_week(app: &TestApp) -> Vec<String> {
    let teachers: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT user_id FROM st_certifications ORDER BY user_id")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    for st in &teachers {
        common::open_around_the_clock(app, st).await;
    }
    teachers
}

/// (availability, booking) figures of one app at `concurrency` clients.
async fn run(app: &TestApp, concurrency: usize) -> (Figures, Figures) {
    // Enough requests per row that the p99 rests on a few dozen samples, not eight.
    let bookings = setting("PEERLOOP_BENCH_BOOKINGS", 2_000);
    let course_id: String =
        sqlx::query_scalar("SELECT id FROM courses WHERE title = 'Rust Foundations'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let teachers = open_all_week(app).await;
    let browsers = common::enrolled_students(app, concurrency, &course_id, 1000).await;
    let now = backend::store::unix_now();
    let from = jiff::Timestamp::from_second(now).unwrap();
    let to = jiff::Timestamp::from_second(now + 14 * 86_400).unwrap();

    // Availability: each worker asks for two weeks of one S-T's slots, over and over.
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for (worker, browser) in browsers.iter().cloned().enumerate() {
        let url = app.url(&format!(
            "/api/sts/{}/availability?from={from}&to={to}",
            teachers[worker % teachers.len()]
        ));
        workers.spawn(async move {
            let mut latencies = Vec::new();
            for _ in 0..(bookings / concurrency).max(1) {
                let sent = Instant::now();
                let response = browser.get(&url).send().await.unwrap();
                assert_eq!(response.status(), 200);
                response.bytes().await.unwrap();
                latencies.push(sent.elapsed());
            }
            latencies
        });
    }
    let latencies: Vec<Duration> = workers.join_all().await.into_iter().flatten().collect();
    let availability = Figures::of(latencies, started.elapsed());

    // Bookings: distinct free slots, spread over the S-Ts, booked by all workers at once. They
    // are taken from eight weeks (the demo S-Ts book 60 days ahead), so there are enough.
    let slots_to = jiff::Timestamp::from_second(now + 56 * 86_400).unwrap();
    let mut slots = Vec::new();
    for st in &teachers {
        let (_, body) = app
            .get_json(&format!(
                "/api/sts/{st}/availability?from={from}&to={slots_to}"
            ))
            .await;
        let mut taken_until = 0;
        for slot in body["slots"].as_array().unwrap() {
            let start = slot["start_at"].as_str().unwrap().to_owned();
            let at = start.parse::<jiff::Timestamp>().unwrap().as_second();
            // 30-minute sessions, an hour apart: their 15-minute buffers never touch.
            if slot["duration_minutes"] == 30 && at >= taken_until {
                slots.push((st.clone(), start));
                taken_until = at + 3600;
            }
        }
    }
    slots.truncate(bookings);
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for (worker, browser) in browsers.into_iter().enumerate() {
        let mine: Vec<(String, String)> = slots
            .iter()
            .skip(worker)
            .step_by(concurrency)
            .cloned()
            .collect();
        let url = app.url("/api/sessions");
        let origin = app.base_url.clone();
        let course_id = course_id.clone();
        workers.spawn(async move {
            let mut latencies = Vec::new();
            for (st, start) in mine {
                let sent = Instant::now();
                let response = browser
                    .post(&url)
                    .header("origin", &origin)
                    .json(&json!({"st_id": st, "course_id": course_id, "start_at": start, "duration_minutes": 30}))
                    .send()
                    .await
                    .unwrap();
                let status = response.status();
                let body = response.text().await.unwrap();
                assert_eq!(status, 201, "{body}");
                latencies.push(sent.elapsed());
            }
            latencies
        });
    }
    let latencies: Vec<Duration> = workers.join_all().await.into_iter().flatten().collect();
    (availability, Figures::of(latencies, started.elapsed()))
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let clients: Vec<usize> = std::env::var("PEERLOOP_BENCH_CLIENTS")
        .unwrap_or_else(|_| "16,64".into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    runtime.block_on(async {
        println!(
            "| database | clients | request                      |     n |  p50 ms  |  p99 ms  |   per s  |"
        );
        println!("|---|---:|---|---:|---:|---:|---:|");
        let databases = std::env::var("PEERLOOP_BENCH_DATABASES")
            .unwrap_or_else(|_| "sqlite,postgres".into());
        for backend in ["sqlite", "postgres"] {
            if !databases.split(',').any(|name| name.trim() == backend) {
                continue;
            }
            for &concurrency in &clients {
                let app = common::spawn_app_on_backend(
                    backend,
                    &[("PEERLOOP_DB_MAX_CONNECTIONS", "20")],
                )
                .await;
                let Some(app) = app else {
                    println!("| {backend} | {concurrency} | not reachable, skipped | | | | |");
                    continue;
                };
                let (availability, booking) = run(&app, concurrency).await;
                print_row(backend, concurrency, "GET availability (14 days)", &availability);
                print_row(backend, concurrency, "POST /api/sessions", &booking);
                drop(app);
            }
        }
    });
}
