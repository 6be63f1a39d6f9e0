//! Stripe webhook ingest benchmark: latency (p50/p99) and events per second of
//! `POST /api/webhooks/stripe` against a real app server on SQLite and, when reachable, on
//! PostgreSQL. Each checkout gets its signed `checkout.session.completed` (which enrolls, splits
//! the payment into the ledger, opens the creator's feed and queues the welcome email, in one
//! transaction), a redelivery of it, and a partial `charge.refunded`, all sent by concurrent
//! clients. Run with `scripts/cargo bench -p server --bench webhooks`.
//! `PEERLOOP_BENCH_CHECKOUTS` (default 1,000), `PEERLOOP_BENCH_CLIENTS` (default "16") and
//! `PEERLOOP_BENCH_DATABASES` (default "sqlite,postgres") tune it.

#[path = "../tests/journeys/common/mod.rs"]
mod common;
#[path = "support/figures.rs"]
mod figures;
#[path = "support/webhook_load.rs"]
mod webhook_load;

use common::TestApp;
use figures::{Figures, setting};
use serde_json::json;
use server::adapters::stripe::signature::sign;
use std::sync::Arc;
use webhook_load::{Signer, deliver_concurrently};

/// `checkouts` open checkouts of as many new students for one course, as `POST
/// /api/checkout/session` leaves them; returns (Stripe session id, checkout id) pairs.
async fn open_checkouts(app: &TestApp, checkouts: usize, course_id: &str) -> Vec<(String, String)> {
    let (price, currency): (i64, String) =
        sqlx::query_as("SELECT price_cents, currency FROM courses WHERE id = $1")
            .bind(course_id)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let now = common::now();
    let mut opened = Vec::new();
    for i in 0..checkouts {
        let (student, checkout, session) = (
            format!("buyer-{i}"),
            format!("checkout-{i}"),
            format!("cs_bench_{i}"),
        );
        sqlx::query(
            "INSERT INTO users (id, name, email, email_normalized, time_zone, created_at)
             VALUES ($1, $2, $3, $3, 'UTC', 0)",
        )
        .bind(&student)
        .bind(format!("Buyer {i}"))
        .bind(format!("buyer{i}@example.com"))
        .execute(app.db.pool())
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO checkouts (id, stripe_session_id, purpose, user_id, course_id,
                                    amount_cents, currency, status, url, expires_at, created_at,
                                    updated_at)
             VALUES ($1, $2, 'enrollment', $3, $4, $5, $6, 'open', 'http://local', $7, $8, $8)",
        )
        .bind(&checkout)
        .bind(&session)
        .bind(&student)
        .bind(course_id)
        .bind(price)
        .bind(&currency)
        .bind(now + 1800)
        .bind(now)
        .execute(app.db.pool())
        .await
        .unwrap();
        opened.push((session, checkout));
    }
    opened
}

/// The events Stripe would send for each checkout: paid, paid again (a redelivery), and a
/// partial refund.
fn events_for(opened: &[(String, String)], price: i64) -> Vec<String> {
    let mut events = Vec::new();
    for (i, (session, checkout)) in opened.iter().enumerate() {
        let intent = format!("pi_bench_{i}");
        let completed = json!({
            "id": format!("evt_paid_{i}"), "object": "event", "api_version": "2026-09-30.endive",
            "created": common::now(), "livemode": false, "pending_webhooks": 1,
            "type": "checkout.session.completed",
            "data": {"object": {"id": session, "object": "checkout.session",
                "client_reference_id": checkout, "amount_total": price, "currency": "usd",
                "payment_status": "paid", "status": "complete", "payment_intent": intent}}
        })
        .to_string();
        let refunded = json!({
            "id": format!("evt_refund_{i}"), "object": "event", "api_version": "2026-09-30.endive",
            "created": common::now(), "livemode": false, "pending_webhooks": 1,
            "type": "charge.refunded",
            "data": {"object": {"id": format!("ch_bench_{i}"), "object": "charge",
                "amount": price, "amount_refunded": price / 4, "currency": "usd",
                "payment_intent": intent, "refunded": false}}
        })
        .to_string();
        events.extend([completed.clone(), completed, refunded]);
    }
    events
}

async fn run(app: &TestApp, checkouts: usize, concurrency: usize) -> Figures {
    let course_id = common::rust_course();
    let price: i64 = sqlx::query_scalar("SELECT price_cents FROM courses WHERE id = $1")
        .bind(&course_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let opened = open_checkouts(app, checkouts, &course_id).await;
    let events = events_for(&opened, price);
    let secret = app.state.stripe_webhook_secrets[0].clone();
    // Sender w takes every concurrency-th event: a checkout's three events go to different
    // senders, so redeliveries and refunds race their payment as they do from Stripe.
    let senders = (0..concurrency)
        .map(|sender| {
            events
                .iter()
                .skip(sender)
                .step_by(concurrency)
                .cloned()
                .collect()
        })
        .collect();
    let sign: Signer = Arc::new(move |body: &str| {
        (
            "stripe-signature",
            sign(body.as_bytes(), &secret, common::now()),
        )
    });
    let (latencies, elapsed) =
        deliver_concurrently(&app.client, &app.url("/api/webhooks/stripe"), senders, sign).await;
    let figures = Figures::of(latencies, elapsed);
    // The work was done, once each: every checkout enrolled, and refunded by a quarter.
    assert_eq!(
        common::count(
            app,
            &format!(
                "SELECT COUNT(*) FROM payments WHERE refunded_cents = {}",
                price / 4
            )
        )
        .await,
        checkouts as i64
    );
    let breaches = backend::services::payments::ledger_check(&app.db)
        .await
        .unwrap();
    assert!(breaches.is_sound(), "{breaches:?}");
    figures
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let checkouts = setting("PEERLOOP_BENCH_CHECKOUTS", 1_000);
    let clients: Vec<usize> = std::env::var("PEERLOOP_BENCH_CLIENTS")
        .unwrap_or_else(|_| "16".into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    let databases =
        std::env::var("PEERLOOP_BENCH_DATABASES").unwrap_or_else(|_| "sqlite,postgres".into());
    runtime.block_on(async {
        println!("| database | clients | events | p50 ms | p99 ms | events/s |");
        println!("|---|---:|---:|---:|---:|---:|");
        for backend in ["sqlite", "postgres"] {
            if !databases.split(',').any(|name| name.trim() == backend) {
                continue;
            }
            for &concurrency in &clients {
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
                    println!("| {backend} | {concurrency} | not reachable, skipped | | | |");
                    continue;
                };
                let figures = run(&app, checkouts, concurrency).await;
                println!(
                    "| {backend:<8} | {concurrency:>7} | {:>6} | {:>6.2} | {:>6.2} | {:>8.1} |",
                    figures.count, figures.p50_ms, figures.p99_ms, figures.per_second
                );
            }
        }
    });
}
