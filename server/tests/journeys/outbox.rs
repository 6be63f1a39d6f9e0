//! The outbox delivers each email once: a job is finished only by the worker holding its lease,
//! a retry sends the bytes of the first attempt, and an email whose booking changed after it was
//! queued is dropped. These tests drive the outbox themselves: their apps run no worker.

use crate::common;

use backend::store::outbox::{self, LEASE_SECS};
use backend::store::unix_now;
use common::{count, demo_id, log_in_as, priya, spawn_app_with};
use serde_json::json;

async fn app_without_worker() -> common::TestApp {
    spawn_app_with(&[("PEERLOOP_RUN_JOBS", "false")]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booked_email_still_queued_at_cancel_time_is_not_sent() {
    let app = app_without_worker().await;
    let sam = log_in_as(&app, "sam.rivera@example.com").await;
    let slot = app
        .free_slots_of(&priya(), 14)
        .await
        .into_iter()
        .rfind(|slot| slot["duration_minutes"] == 60)
        .unwrap();
    let session = app
        .book_with_priya(&sam, slot["start_at"].as_str().unwrap(), 60)
        .await;
    let id = session["id"].as_str().unwrap();
    let (status, _) = app
        .post_json(&sam, &format!("/api/sessions/{id}/cancel"), json!({}))
        .await;
    assert_eq!(status, 200);

    server::jobs::drain_due(&app.state, unix_now).await.unwrap();
    let subjects: Vec<String> =
        sqlx::query_scalar("SELECT subject FROM dev_mailbox ORDER BY sent_to")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert!(
        subjects.iter().all(|s| s.starts_with("Session cancelled")),
        "{subjects:?}"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND payload LIKE '%confirmed%'"
        )
        .await,
        0,
        "the superseded confirmations are finished, not retried"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_worker_holding_the_lease_finishes_a_job() {
    let app = app_without_worker().await;
    let mut conn = app.db.pool().acquire().await.unwrap();
    let now = unix_now();
    outbox::enqueue(&mut conn, "test", &json!({}), now, now)
        .await
        .unwrap();
    let backend = app.db.backend();
    let first = outbox::claim_next(&mut conn, backend, now, LEASE_SECS, "worker-a")
        .await
        .unwrap()
        .expect("the job is due");
    assert!(
        outbox::claim_next(
            &mut conn,
            backend,
            now + LEASE_SECS - 1,
            LEASE_SECS,
            "worker-b"
        )
        .await
        .unwrap()
        .is_none(),
        "leased to worker a"
    );
    // Worker a stalls past its lease; worker b takes the job over and finishes it.
    let second = outbox::claim_next(&mut conn, backend, now + LEASE_SECS, LEASE_SECS, "worker-b")
        .await
        .unwrap()
        .expect("the lease expired");
    assert_eq!(second.id, first.id);
    // Worker a wakes up while b still works on the job: it can neither finish it nor reopen it.
    assert!(!outbox::mark_done(&mut conn, &first, now).await.unwrap());
    assert!(
        !outbox::mark_failed(&mut conn, &first, "timeout", now)
            .await
            .unwrap()
    );
    assert!(
        outbox::mark_done(&mut conn, &second, now + LEASE_SECS)
            .await
            .unwrap()
    );
    // Nor, once b finished it, undo b's outcome.
    assert!(
        !outbox::mark_failed(&mut conn, &first, "timeout", now)
            .await
            .unwrap()
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM outbox WHERE status = 'done' AND attempts = 2"
        )
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hourly_sweep_forgets_what_is_past_its_time() {
    let app = app_without_worker().await;
    let now = unix_now();
    let mut conn = app.db.pool().acquire().await.unwrap();
    let old = outbox::enqueue(&mut conn, "test", &json!({}), 0, 0)
        .await
        .unwrap();
    let recent = outbox::enqueue(&mut conn, "test", &json!({}), now, now)
        .await
        .unwrap();
    for (id, done_at) in [(&old, now - 31 * 86_400), (&recent, now - 3600)] {
        sqlx::query("UPDATE outbox SET status = 'done', done_at = $2 WHERE id = $1")
            .bind(id)
            .bind(done_at)
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    for (subject, at) in [("account:old", now - 3600), ("account:new", now - 60)] {
        sqlx::query("INSERT INTO login_failures (subject, failed_at) VALUES ($1, $2)")
            .bind(subject)
            .bind(at)
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    drop(conn);
    server::jobs::housekeeping(&app.state, now).await.unwrap();
    assert_eq!(count(&app, "SELECT COUNT(*) FROM outbox").await, 1);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM login_failures WHERE subject = 'account:new'"
        )
        .await,
        1
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM login_failures").await, 1);
}

/// A Resend stand-in that answers like Resend: a key seen before with the same body is
/// answered again without a second delivery; with another body it is refused (409).
#[derive(Clone, Default)]
struct FakeResend {
    /// Idempotency key → (body, requests with that key).
    seen: std::sync::Arc<
        std::sync::Mutex<std::collections::HashMap<String, (serde_json::Value, usize)>>,
    >,
    conflicts: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl FakeResend {
    async fn serve(&self) -> String {
        let fake = self.clone();
        let router = axum::Router::new().route(
            "/emails",
            axum::routing::post(
                move |headers: axum::http::HeaderMap, axum::Json(body): axum::Json<serde_json::Value>| {
                    let fake = fake.clone();
                    async move {
                        use axum::http::StatusCode;
                        // Each send takes a moment, as over the internet: a kill lands mid-send.
                        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
                        let key = headers["idempotency-key"].to_str().unwrap().to_owned();
                        let mut seen = fake.seen.lock().unwrap();
                        let entry = seen.entry(key.clone()).or_insert_with(|| (body.clone(), 0));
                        entry.1 += 1;
                        if entry.0 != body {
                            fake.conflicts.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            return (StatusCode::CONFLICT, axum::Json(json!({"statusCode": 409, "name": "invalid_idempotent_request", "message": "changed payload"})));
                        }
                        (StatusCode::OK, axum::Json(json!({ "id": key })))
                    }
                },
            ),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        url
    }

    fn delivered(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

/// An app server process (the release binary's code, built for this test run) working the
/// outbox of `database_url`, sending through `resend_url`.
fn server_process(database_url: &str, resend_url: &str) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_peerloop"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("PEERLOOP_DEMO_DATA", "false")
        .env("RESEND_API_KEY", "re_test")
        .env("RESEND_BASE_URL", resend_url)
        .env("PEERLOOP_JOB_POLL_MS", "20")
        .env("PEERLOOP_JOB_LEASE_SECS", "2")
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the peerloop binary starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_a_server_mid_send_delivers_every_email_exactly_once() {
    const QUEUED: usize = 500;
    let app = app_without_worker().await;
    let fake = FakeResend::default();
    let resend_url = fake.serve().await;
    // One booking; 500 emails about it, each its own job (and idempotency key).
    let sam = log_in_as(&app, "sam.rivera@example.com").await;
    let slot = app.free_slots_of(&priya(), 14).await[0].clone();
    let session = app
        .book_with_priya(
            &sam,
            slot["start_at"].as_str().unwrap(),
            slot["duration_minutes"].as_i64().unwrap(),
        )
        .await;
    let from = unix_now();
    sqlx::query("DELETE FROM outbox")
        .execute(app.db.pool())
        .await
        .unwrap();
    let mut conn = app.db.pool().acquire().await.unwrap();
    for i in 0..QUEUED {
        let recipient = if i % 2 == 0 {
            "student"
        } else {
            "student_teacher"
        };
        let job = json!({ "booking_id": session["id"], "recipient": recipient,
                          "kind": "confirmed", "sequence": 0 });
        outbox::enqueue(&mut conn, "session_email", &job, from, from)
            .await
            .unwrap();
    }
    drop(conn);

    let mut first = server_process(&app.database_url, &resend_url);
    let mut second = server_process(&app.database_url, &resend_url);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while fake.delivered() < QUEUED / 4 {
        assert!(std::time::Instant::now() < deadline, "no progress");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    first.kill().expect("kill -9 the first server");
    first.wait().unwrap();
    let delivered_at_kill = fake.delivered();
    let mut restarted = server_process(&app.database_url, &resend_url);
    let done = || async {
        count(&app, "SELECT COUNT(*) FROM outbox WHERE status = 'done'").await as usize
    };
    while done().await < QUEUED {
        assert!(
            std::time::Instant::now() < deadline,
            "only {} of {QUEUED} finished",
            done().await
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    for server in [&mut second, &mut restarted] {
        server.kill().unwrap();
        server.wait().unwrap();
    }
    let seen = fake.seen.lock().unwrap().clone();
    let repeated = seen.values().filter(|(_, requests)| *requests > 1).count();
    let conflicts = fake.conflicts.load(std::sync::atomic::Ordering::SeqCst);
    println!(
        "kill -9 outbox test ({}): queued {QUEUED}, delivered {} (distinct keys), \
         {delivered_at_kill} before the kill, {repeated} keys sent again after the kill \
         (answered from the first delivery), {conflicts} changed payloads",
        app.backend,
        seen.len()
    );
    assert_eq!(seen.len(), QUEUED, "every email delivered");
    assert_eq!(conflicts, 0, "no retry changed its payload");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM outbox WHERE status <> 'done'").await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_send_in_flight_finish_before_the_server_exits() {
    let app = app_without_worker().await;
    // Resend answers slowly: the SIGTERM lands while a send is in flight.
    let slow = axum::Router::new().route(
        "/emails",
        axum::routing::post(|headers: axum::http::HeaderMap| async move {
            tokio::time::sleep(std::time::Duration::from_millis(700)).await;
            axum::Json(json!({ "id": headers["idempotency-key"].to_str().unwrap() }))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let resend_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, slow).await.unwrap() });
    let now = unix_now();
    let mut conn = app.db.pool().acquire().await.unwrap();
    outbox::enqueue(
        &mut conn,
        "account_email",
        &json!({ "kind": "sign_up_attempt", "user_id": demo_id("user", "sam") }),
        now,
        now,
    )
    .await
    .unwrap();
    drop(conn);

    let server = server_process(&app.database_url, &resend_url);
    let claimed = "SELECT COUNT(*) FROM outbox WHERE lease_token IS NOT NULL";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while count(&app, claimed).await == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the job was never claimed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let terminated = std::process::Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(terminated.success());
    let output = server.wait_with_output().unwrap();
    assert!(output.status.success(), "exit {:?}", output.status);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM outbox WHERE status = 'done' AND lease_token IS NULL"
        )
        .await,
        1,
        "the send in flight finished and was recorded before the exit"
    );
}

/// The local mailbox's write (like every write of the outbox worker) queues with the requests'
/// writers. On SQLite it used to wait in SQLite's busy handler, which sleeps in growing steps, so
/// a writer that came later took the lock first and a booking could wait behind the mail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mailbox_write_is_not_overtaken_by_a_later_writer() {
    let app = app_without_worker().await;
    let holder = app.db.begin_write().await.unwrap();
    let mailer = app.state.mailer.clone();
    let mail = tokio::spawn(async move {
        let email = backend::mail::Email {
            idempotency_key: "in-turn".into(),
            to: "sam.rivera@example.com".into(),
            subject: "First in line".into(),
            html: "<p>First</p>".into(),
            text: "First".into(),
            attachment: None,
        };
        mailer.send(&email).await.unwrap();
    });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let db = app.db.clone();
    let later = tokio::spawn(async move {
        let mut tx = db.begin_write().await.unwrap();
        let mails: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM dev_mailbox WHERE idempotency_key = 'in-turn'",
        )
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        mails
    });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    holder.commit().await.unwrap();
    mail.await.unwrap();
    assert_eq!(
        later.await.unwrap(),
        1,
        "the mail, which was waiting first, is written before the later writer's turn"
    );
}

/// An app server whose background work is dropped without being stopped (a test's app going out
/// of scope) stops its outbox worker after the job in flight, instead of draining every job
/// still due into a database nobody uses any more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_worker_stops_after_the_job_in_flight() {
    let mut app = common::spawn_app().await;
    let jobs: Vec<outbox::NewJob> = (0..1_000)
        .map(|n| outbox::NewJob {
            kind: "no_such_kind",
            payload: json!({ "n": n }).to_string(),
            run_at: unix_now(),
        })
        .collect();
    let mut conn = app.db.pool().acquire().await.unwrap();
    outbox::enqueue_all(&mut conn, &jobs, unix_now())
        .await
        .unwrap();
    drop(conn);
    let pending = "SELECT COUNT(*) FROM outbox WHERE kind = 'no_such_kind' AND status = 'pending'";
    // Dropped while it drains them.
    while count(&app, pending).await == 1_000 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    drop(app.background.take());
    let left_at_drop = count(&app, pending).await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let left = count(&app, pending).await;
    assert!(
        left > 0 && left + 2 >= left_at_drop,
        "the worker went on after it was dropped: {left_at_drop} jobs left then, {left} now"
    );
}
