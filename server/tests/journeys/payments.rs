//! Money in: enrolling through Checkout (the local Stripe, whose signed events reach the same
//! webhook endpoint Stripe's do), the webhook's signature and idempotency rules, and the ledger
//! each payment writes.

use crate::common::*;
use serde_json::{Value, json};
use server::adapters::stripe::signature::sign;

/// A new student, signed in, and the demo course's price.
pub(crate) async fn new_student(app: &TestApp, email: &str) -> reqwest::Client {
    let browser = app.new_browser();
    app.sign_up(&browser, "Nia Okafor", email).await;
    browser
}

pub(crate) async fn course_price(app: &TestApp, course_id: &str) -> (i64, String) {
    sqlx::query_as("SELECT price_cents, currency FROM courses WHERE id = $1")
        .bind(course_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

/// Waits (at most 10 s) until `sql` counts `expected` rows: the local Stripe's deliveries go
/// through the outbox worker.
pub(crate) async fn eventually(app: &TestApp, sql: &str, expected: i64) {
    for _ in 0..100 {
        if count(app, sql).await == expected {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "{sql} never counted {expected} (now {})",
        count(app, sql).await
    );
}

/// Submits a form of `page` as a browser without JavaScript does: with the CSRF token the page
/// was served with, from our origin, `page` as the referer.
pub(crate) async fn submit_form(
    app: &TestApp,
    browser: &reqwest::Client,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let token = app.form_token(browser, page).await;
    let mut form = vec![("csrf_token", token.as_str())];
    form.extend_from_slice(fields);
    browser
        .post(app.url(action))
        .header("origin", &app.base_url)
        .header("accept", "text/html")
        .header("referer", app.url(page))
        .form(&form)
        .send()
        .await
        .unwrap()
}

/// Pays the local Checkout page at `url` with `card`, as a browser without JavaScript would;
/// returns where it sends the browser.
pub(crate) async fn pay(app: &TestApp, browser: &reqwest::Client, url: &str, card: &str) -> String {
    let path = url
        .strip_prefix(&app.base_url)
        .expect("a local checkout URL");
    let response = submit_form(
        app,
        browser,
        path,
        &format!("{path}/pay"),
        &[("card_number", card)],
    )
    .await;
    assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
    response.headers()["location"].to_str().unwrap().to_owned()
}

pub(crate) async fn start_checkout(
    app: &TestApp,
    browser: &reqwest::Client,
    course_id: &str,
) -> Value {
    let (status, started) = app
        .post_json(
            browser,
            "/api/checkout/session",
            json!({ "course_id": course_id }),
        )
        .await;
    assert_eq!(status, 200, "{started}");
    started
}

pub(crate) async fn checkout_id_of(app: &TestApp, stripe_session_id: &str) -> String {
    sqlx::query_scalar("SELECT id FROM checkouts WHERE stripe_session_id = $1")
        .bind(stripe_session_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

/// `checkout.session.completed` for a checkout, shaped as Stripe sends it.
pub(crate) fn completed_event(
    event_id: &str,
    session_id: &str,
    checkout_id: &str,
    amount: i64,
) -> String {
    json!({
        "id": event_id,
        "object": "event",
        "api_version": "2026-06-24.dahlia",
        "created": now(),
        "livemode": false,
        "pending_webhooks": 1,
        "request": { "id": null, "idempotency_key": null },
        "type": "checkout.session.completed",
        "data": { "object": {
            "id": session_id,
            "object": "checkout.session",
            "client_reference_id": checkout_id,
            "amount_total": amount,
            "currency": "usd",
            "payment_status": "paid",
            "status": "complete",
            "payment_intent": format!("pi_{event_id}"),
        }}
    })
    .to_string()
}

async fn post_webhook(app: &TestApp, body: &str, signature: Option<&str>) -> (u16, Value) {
    let mut request = app
        .client
        .post(app.url("/api/webhooks/stripe"))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(signature) = signature {
        request = request.header("stripe-signature", signature);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Posts every (server, event) signed, all at once, and expects each to be received (200).
async fn deliver_at_once<'a>(
    deliveries: impl Iterator<Item = (&'a TestApp, String)>,
    secret: &str,
) {
    let mut sent = tokio::task::JoinSet::new();
    for (target, body) in deliveries {
        let (client, url) = (target.client.clone(), target.url("/api/webhooks/stripe"));
        let header = sign(body.as_bytes(), secret, now());
        sent.spawn(async move {
            client
                .post(url)
                .header("stripe-signature", header)
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
    }
    let statuses = sent.join_all().await;
    assert!(statuses.iter().all(|status| *status == 200), "{statuses:?}");
}

/// Posts `body` to the webhook signed now with `secret`, as Stripe would.
pub(crate) async fn post_signed(app: &TestApp, body: &str, secret: &str) -> (u16, Value) {
    post_webhook(app, body, Some(&sign(body.as_bytes(), secret, now()))).await
}

pub(crate) fn local_secret(app: &TestApp) -> String {
    app.state.stripe_webhook_secrets[0].clone()
}

pub(crate) async fn ledger_is_sound(app: &TestApp) {
    let breaches = backend::services::payments::ledger_check(&app.db)
        .await
        .unwrap();
    assert!(breaches.is_sound(), "{breaches:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrolling_through_checkout_enrolls_once_splits_the_payment_and_welcomes() {
    let app = spawn_app().await;
    let course = rust_course();
    let (price, _) = course_price(&app, &course).await;
    let browser = new_student(&app, "nia@example.com").await;

    let started = start_checkout(&app, &browser, &course).await;
    let url = started["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/dev/stripe/checkout/cs_test_", app.base_url)));
    let again = start_checkout(&app, &browser, &course).await;
    assert_eq!(
        again["id"], started["id"],
        "a second click reopens the same session"
    );

    let session_id = started["id"].as_str().unwrap();
    let back_to = pay(&app, &browser, url, "4242 4242 4242 4242").await;
    assert_eq!(
        back_to,
        format!(
            "{}/dashboard?checkout={session_id}&course={course}",
            app.base_url
        )
    );
    eventually(&app, "SELECT COUNT(*) FROM payments", 1).await;

    let student: String =
        sqlx::query_scalar("SELECT id FROM users WHERE email_normalized = 'nia@example.com'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let enrollment: (String, String, i64) = sqlx::query_as(
        "SELECT course_id, status, session_credits FROM enrollments WHERE student_id = $1",
    )
    .bind(&student)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(enrollment, (course.clone(), "active".into(), 4));
    let (amount, paid_by): (i64, String) =
        sqlx::query_as("SELECT amount_cents, user_id FROM payments")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!((amount, paid_by), (price, student.clone()));
    let platform: i64 = sqlx::query_scalar(
        "SELECT amount_cents FROM ledger_entries WHERE account = 'platform' AND kind = 'payment'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(platform, price * 15 / 100);
    ledger_is_sound(&app).await;
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM instructor_followers WHERE follower_id = '{student}'")
        )
        .await,
        1,
        "the creator's feed is open to the student"
    );
    eventually(
        &app,
        "SELECT COUNT(*) FROM dev_mailbox WHERE sent_to = 'nia@example.com'
            AND subject LIKE 'You''re enrolled in %'",
        1,
    )
    .await;
    let creator: String = sqlx::query_scalar("SELECT creator_id FROM courses WHERE id = $1")
        .bind(&course)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let access = format!("/api/instructors/{creator}/feed/access");
    let (status, _) = app.get_json_as(&browser, &access).await;
    assert_eq!(status, 200, "the creator's feed is open to the new student");
    let outsider = new_student(&app, "outsider@example.com").await;
    let (status, body) = app.get_json_as(&outsider, &access).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (403, Some("Enroll in a course to access"))
    );

    let (status, body) = app
        .post_json(
            &browser,
            "/api/checkout/session",
            json!({ "course_id": course }),
        )
        .await;
    assert_eq!((status, body["error"].as_str()), (409, Some("conflict")));

    // Stripe may deliver an event again: resent from the local Stripe's event log, it
    // changes nothing.
    let event_id: String = sqlx::query_scalar(
        "SELECT id FROM dev_stripe_events WHERE type = 'checkout.session.completed'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    let response = submit_form(
        &app,
        &browser,
        "/dev/stripe/events",
        &format!("/dev/stripe/events/{event_id}/resend"),
        &[],
    )
    .await;
    assert_eq!(response.status(), 303);
    eventually(
        &app,
        "SELECT COUNT(*) FROM outbox WHERE kind = 'local_stripe_delivery' AND status = 'done'",
        2,
    )
    .await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM payments").await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM enrollments WHERE student_id IN (SELECT id FROM users WHERE email_normalized = 'nia@example.com')").await, 1);
    ledger_is_sound(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_webhook_verifies_signatures_and_applies_each_event_once() {
    let app = spawn_app_with(&[("PEERLOOP_RUN_JOBS", "false")]).await;
    let course = rust_course();
    let (price, _) = course_price(&app, &course).await;
    let browser = new_student(&app, "ola@example.com").await;
    let started = start_checkout(&app, &browser, &course).await;
    let session_id = started["id"].as_str().unwrap();
    let checkout_id = checkout_id_of(&app, session_id).await;
    let body = completed_event("evt_test_1", session_id, &checkout_id, price);
    let secret = local_secret(&app);
    let payments = "SELECT COUNT(*) FROM payments";

    let tampered = body.replace(&price.to_string(), "1");
    for (body, signature, why) in [
        (
            tampered.as_str(),
            Some(sign(body.as_bytes(), &secret, now())),
            "a tampered body",
        ),
        (
            body.as_str(),
            Some(sign(body.as_bytes(), &secret, now() - 301)),
            "a stale signature",
        ),
        (
            body.as_str(),
            Some(sign(body.as_bytes(), "whsec_someone_else", now())),
            "another endpoint's secret",
        ),
        (body.as_str(), None, "no signature"),
        (
            body.as_str(),
            Some(format!("t={},v1=zz", now())),
            "an unreadable signature",
        ),
    ] {
        let (status, answer) = post_webhook(&app, body, signature.as_deref()).await;
        assert_eq!(status, 400, "{why}: {answer}");
        assert_eq!(answer["error"], "bad_request", "{why}");
    }
    assert_eq!(count(&app, payments).await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM stripe_events").await, 0);

    // While a secret is rolled Stripe signs with both; the one this endpoint knows may be
    // either v1.
    let t = now();
    let ours = sign(body.as_bytes(), &secret, t);
    let theirs = sign(body.as_bytes(), "whsec_old", t);
    let header = format!(
        "t={t},v1={},v1={}",
        theirs.split_once("v1=").unwrap().1,
        ours.split_once("v1=").unwrap().1
    );
    let (status, answer) = post_webhook(&app, &body, Some(&header)).await;
    assert_eq!((status, answer["duplicate"].as_bool()), (200, Some(false)));
    for _ in 0..2 {
        let (status, answer) = post_signed(&app, &body, &secret).await;
        assert_eq!((status, answer["duplicate"].as_bool()), (200, Some(true)));
    }
    assert_eq!(count(&app, payments).await, 1);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM outbox WHERE kind = 'payment_email'"
        )
        .await,
        1,
        "one welcome email"
    );

    // Types PeerLoop does not act on are stored and acknowledged.
    let other = json!({"id": "evt_other", "object": "event", "type": "customer.created",
        "created": now(), "livemode": false, "pending_webhooks": 1,
        "data": {"object": {"id": "cus_1", "object": "customer"}}})
    .to_string();
    let (status, _) = post_signed(&app, &other, &secret).await;
    assert_eq!(status, 200);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM stripe_events WHERE id = 'evt_other'"
        )
        .await,
        1
    );
    ledger_is_sound(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_that_differs_from_the_price_grants_nothing_and_is_flagged() {
    let app = spawn_app_with(&[("PEERLOOP_RUN_JOBS", "false")]).await;
    let course = rust_course();
    let (price, _) = course_price(&app, &course).await;
    let browser = new_student(&app, "ade@example.com").await;
    let started = start_checkout(&app, &browser, &course).await;
    let session_id = started["id"].as_str().unwrap();
    let checkout_id = checkout_id_of(&app, session_id).await;
    let body = completed_event("evt_short", session_id, &checkout_id, price - 100);
    let secret = local_secret(&app);
    let (status, _) = post_signed(&app, &body, &secret).await;
    assert_eq!(status, 200, "Stripe must not retry it: it was received");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM payments").await, 0);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM enrollments WHERE student_id IN (SELECT id FROM users WHERE email_normalized = 'ade@example.com')").await,
        0
    );
    let (status, reason): (String, Option<String>) =
        sqlx::query_as("SELECT status, flag_reason FROM checkouts WHERE id = $1")
            .bind(&checkout_id)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(status, "flagged");
    assert!(reason.unwrap().contains(&format!("priced {price}")));
    // Admins see it on the payments page.
    let admin = log_in_as(&app, "admin@example.com").await;
    let html = page_as(&app, &admin, "/payments").await;
    assert!(html.contains("Paid, but nothing granted"), "{html}");
    assert!(html.contains("ade@example.com"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_event_at_two_servers_at_once_makes_one_enrollment() {
    let app = spawn_app_with(&[("PEERLOOP_RUN_JOBS", "false")]).await;
    // With Postgres, a second app server shares the database, as behind a load balancer.
    let second = match app.backend {
        "postgres" => Some(app.second_instance().await),
        _ => None,
    };
    let apps: Vec<&TestApp> = std::iter::once(&app).chain(second.as_ref()).collect();
    let course = rust_course();
    let (price, _) = course_price(&app, &course).await;
    let browser = new_student(&app, "kofi@example.com").await;
    let started = start_checkout(&app, &browser, &course).await;
    let session_id = started["id"].as_str().unwrap();
    let checkout_id = checkout_id_of(&app, session_id).await;
    let body = completed_event("evt_race", session_id, &checkout_id, price);
    let secret = local_secret(&app);
    let deliveries = (0..8).map(|i| (apps[i % apps.len()], body.clone()));
    deliver_at_once(deliveries, &secret).await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM payments").await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM stripe_events").await, 1);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM enrollments WHERE student_id IN (SELECT id FROM users WHERE email_normalized = 'kofi@example.com')").await,
        1
    );
    ledger_is_sound(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_card_or_a_cancel_is_told_on_the_course_page_and_charges_nothing() {
    let app = spawn_app().await;
    let course = rust_course();
    let browser = new_student(&app, "ines@example.com").await;
    let started = start_checkout(&app, &browser, &course).await;
    let session_id = started["id"].as_str().unwrap();
    let url = started["url"].as_str().unwrap();
    let checkout_id = checkout_id_of(&app, session_id).await;

    // Leaving Checkout without trying a card.
    let response = browser
        .get(app.url(&format!("/checkout/{checkout_id}/cancelled")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["location"],
        format!("/courses/{course}?checkout=cancelled").as_str()
    );

    let back_to = pay(&app, &browser, url, "4000 0000 0000 0002").await;
    assert!(back_to.ends_with("?declined=1"), "{back_to}");
    eventually(
        &app,
        "SELECT COUNT(*) FROM checkouts WHERE payment_failed_at IS NOT NULL",
        1,
    )
    .await;
    let response = browser
        .get(app.url(&format!("/checkout/{checkout_id}/cancelled")))
        .send()
        .await
        .unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, format!("/courses/{course}?checkout=failed"));
    let (status, html) = app.get_html(&location).await;
    assert_eq!(status, 200);
    assert!(html.contains("Payment failed. Please try again."), "{html}");
    let (_, html) = app
        .get_html(&format!("/courses/{course}?checkout=cancelled"))
        .await;
    assert!(html.contains("Checkout cancelled — you have not been charged."));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM payments").await, 0);

    // Someone else's checkout tells them nothing.
    let stranger = new_student(&app, "stranger@example.com").await;
    let response = stranger
        .get(app.url(&format!("/checkout/{checkout_id}/cancelled")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["location"], "/");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_checkout_can_no_longer_be_paid() {
    let app = spawn_app().await;
    let browser = new_student(&app, "tomas@example.com").await;
    let started = start_checkout(&app, &browser, &rust_course()).await;
    let session_id = started["id"].as_str().unwrap();
    let path = format!("/dev/stripe/checkout/{session_id}");
    let response = submit_form(&app, &browser, &path, &format!("{path}/expire"), &[]).await;
    assert_eq!(response.status(), 303);
    eventually(
        &app,
        "SELECT COUNT(*) FROM checkouts WHERE status = 'expired'",
        1,
    )
    .await;
    // A new click opens a new session rather than the expired one.
    let again = start_checkout(&app, &browser, &rust_course()).await;
    assert_ne!(again["id"], started["id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkout_requests_are_checked_before_anything_is_written() {
    let app = spawn_app().await;
    let (status, body) = app
        .post_json(
            &app.new_browser(),
            "/api/checkout/session",
            json!({ "course_id": rust_course() }),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("unauthorized"))
    );
    let browser = new_student(&app, "lea@example.com").await;
    let (status, _) = app
        .post_json(
            &browser,
            "/api/checkout/session",
            json!({ "course_id": "no-such-course" }),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .post_json(&browser, "/api/checkout/session", json!({ "course": 1 }))
        .await;
    assert_eq!(status, 400);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM checkouts").await, 0);
}

/// A stand-in for api.stripe.com: records each request and answers with `status` and `body`.
struct FakeStripe {
    base_url: String,
    requests: std::sync::Arc<std::sync::Mutex<Vec<(axum::http::HeaderMap, String)>>>,
    /// The refunds asked of it.
    refunds: std::sync::Arc<std::sync::Mutex<Vec<(axum::http::HeaderMap, String)>>>,
}

async fn fake_stripe(status: u16, body: Value) -> FakeStripe {
    fake_stripe_answering_after(status, body, std::time::Duration::ZERO).await
}

/// A fake Stripe that takes `delay` to answer each Checkout Session (the real one takes
/// 300-800 ms); with a delay, each session it opens has an id of its own (`<id>_<n>`).
async fn fake_stripe_answering_after(
    status: u16,
    body: Value,
    delay: std::time::Duration,
) -> FakeStripe {
    use axum::routing::post;
    let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let recorded = requests.clone();
    let refunds = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let refunds_recorded = refunds.clone();
    let app = axum::Router::new()
        .route(
            "/v1/checkout/sessions",
            post(move |headers: axum::http::HeaderMap, form: String| {
                let recorded = recorded.clone();
                let mut body = body.clone();
                async move {
                    let opened = {
                        let mut recorded = recorded.lock().unwrap();
                        recorded.push((headers, form));
                        recorded.len()
                    };
                    if !delay.is_zero() {
                        for field in ["id", "url"] {
                            if let Some(text) = body[field].as_str() {
                                body[field] = json!(format!("{text}_{opened}"));
                            }
                        }
                    }
                    tokio::time::sleep(delay).await;
                    (
                        axum::http::StatusCode::from_u16(status).unwrap(),
                        axum::Json(body),
                    )
                }
            }),
        )
        // Refunds are recorded and refused, as a Stripe having a bad moment would.
        .route(
            "/v1/refunds",
            post(move |headers: axum::http::HeaderMap, form: String| {
                let recorded = refunds_recorded.clone();
                async move {
                    recorded.lock().unwrap().push((headers, form));
                    (
                        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                        axum::Json(
                            json!({"error": {"type": "api_error", "message": "Try again."}}),
                        ),
                    )
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    FakeStripe {
        base_url,
        requests,
        refunds,
    }
}

fn stripe_keys(base_url: &str) -> [(&'static str, String); 3] {
    [
        ("STRIPE_SECRET_KEY", "sk_test_peerloop".to_owned()),
        ("STRIPE_WEBHOOK_SECRET", "whsec_endpoint".to_owned()),
        ("STRIPE_API_BASE", base_url.to_owned()),
    ]
}

async fn spawn_with_stripe_at(base_url: &str) -> TestApp {
    let keys = stripe_keys(base_url);
    let vars: Vec<(&str, &str)> = keys.iter().map(|(k, v)| (*k, v.as_str())).collect();
    spawn_app_with(&vars).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clicks_on_pay_while_stripe_is_answering_open_one_checkout_session() {
    let session = json!({
        "id": "cs_test_slow", "object": "checkout.session",
        "url": "https://checkout.stripe.com/c/pay/cs_test_slow",
        "automatic_tax": {"enabled": false}, "created": now(), "custom_fields": [],
        "custom_text": {}, "expires_at": now() + 1800, "livemode": false, "mode": "payment",
        "payment_method_types": ["card"], "payment_status": "unpaid", "shipping_options": []
    });
    let delay = std::time::Duration::from_millis(600);
    let stripe = fake_stripe_answering_after(200, session, delay).await;
    let app = spawn_with_stripe_at(&stripe.base_url).await;
    let opened_at_stripe = || stripe.requests.lock().unwrap().len();

    // Six clicks on Enroll at once: one Checkout Session, and every click is sent to it.
    let browser = new_student(&app, "six.clicks@example.com").await;
    let course = rust_course();
    let clicks = (0..6).map(|_| start_checkout(&app, &browser, &course));
    let started = futures_util::future::join_all(clicks).await;
    assert!(
        started.iter().all(|each| *each == started[0]),
        "{started:?}"
    );
    assert_eq!(opened_at_stripe(), 1);

    // Six clicks on Pay for a held session at once: the same.
    let email = "six.session.clicks@example.com";
    let student = new_student(&app, email).await;
    sqlx::query(
        "INSERT INTO enrollments (id, student_id, course_id, status, enrolled_at, session_credits)
         SELECT $1, id, $2, 'active', 0, 0 FROM users WHERE email_normalized = $3",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(&course)
    .bind(email)
    .execute(app.db.pool())
    .await
    .unwrap();
    open_around_the_clock(&app, &priya()).await;
    let slots = app.free_slots_of(&priya(), 7).await;
    let slot = slots
        .iter()
        .find(|slot| slot["duration_minutes"] == 60)
        .expect("Priya has a free hour");
    let held = app
        .book_with_priya(&student, slot["start_at"].as_str().unwrap(), 60)
        .await;
    assert_eq!(held["status"], "pending_payment", "{held}");
    let id = held["id"].as_str().unwrap();
    let clicks = (0..6).map(|_| {
        app.post_json(
            &student,
            "/api/checkout/session",
            json!({ "session_id": id }),
        )
    });
    let started = futures_util::future::join_all(clicks).await;
    assert!(
        started
            .iter()
            .all(|each| each.0 == 200 && each.1 == started[0].1),
        "{started:?}"
    );
    assert_eq!(opened_at_stripe(), 2);
    let checkouts = format!("SELECT COUNT(*) FROM checkouts WHERE booking_id = '{id}'");
    assert_eq!(count(&app, &checkouts).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_keys_checkout_sessions_are_opened_at_stripe_with_its_exact_parameters() {
    let session = json!({
        "id": "cs_test_real", "object": "checkout.session",
        "url": "https://checkout.stripe.com/c/pay/cs_test_real",
        "automatic_tax": {"enabled": false}, "created": now(), "custom_fields": [],
        "custom_text": {}, "expires_at": now() + 1800, "livemode": false, "mode": "payment",
        "payment_method_types": ["card"], "payment_status": "unpaid", "shipping_options": []
    });
    let stripe = fake_stripe(200, session).await;
    let app = spawn_with_stripe_at(&stripe.base_url).await;
    let course = rust_course();
    let (price, currency) = course_price(&app, &course).await;
    let title: String = sqlx::query_scalar("SELECT title FROM courses WHERE id = $1")
        .bind(&course)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let browser = new_student(&app, "real@example.com").await;
    let started = start_checkout(&app, &browser, &course).await;
    assert_eq!(
        started,
        json!({"id": "cs_test_real", "url": "https://checkout.stripe.com/c/pay/cs_test_real"})
    );
    let checkout_id = checkout_id_of(&app, "cs_test_real").await;
    let student: String =
        sqlx::query_scalar("SELECT id FROM users WHERE email_normalized = 'real@example.com'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();

    let requests = stripe.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 1);
    let (headers, body) = &requests[0];
    assert_eq!(headers["authorization"], "Bearer sk_test_peerloop");
    assert_eq!(headers["idempotency-key"], checkout_id.as_str());
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/x-www-form-urlencoded")
    );
    let form: std::collections::BTreeMap<String, String> =
        url::form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
    let expires_at: i64 = form["expires_at"].parse().unwrap();
    assert!((expires_at - (now() + 1800)).abs() <= 5, "{expires_at}");
    let expected: std::collections::BTreeMap<String, String> = [
        ("mode", "payment".to_owned()),
        ("line_items[0][quantity]", "1".to_owned()),
        ("line_items[0][price_data][currency]", currency),
        ("line_items[0][price_data][unit_amount]", price.to_string()),
        ("line_items[0][price_data][product_data][name]", title),
        (
            "success_url",
            format!(
                "{}/dashboard?checkout={{CHECKOUT_SESSION_ID}}&course={course}",
                app.base_url
            ),
        ),
        (
            "cancel_url",
            format!("{}/checkout/{checkout_id}/cancelled", app.base_url),
        ),
        ("client_reference_id", checkout_id.clone()),
        ("customer_email", "real@example.com".to_owned()),
        ("expires_at", expires_at.to_string()),
        ("metadata[checkout_id]", checkout_id.clone()),
        ("metadata[course_id]", course.clone()),
        ("metadata[user_id]", student.clone()),
        (
            "payment_intent_data[transfer_group]",
            format!("enrollment_{checkout_id}"),
        ),
        (
            "payment_intent_data[metadata][checkout_id]",
            checkout_id.clone(),
        ),
        ("payment_intent_data[metadata][course_id]", course.clone()),
        ("payment_intent_data[metadata][user_id]", student.clone()),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect();
    assert_eq!(form, expected);

    // The webhook takes the endpoint's configured secret, not the local Stripe's.
    let body = completed_event("evt_real", "cs_test_real", &checkout_id, price);
    let (status, _) = post_signed(&app, &body, "whsec_endpoint").await;
    assert_eq!(status, 200);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM payments").await, 1);
    assert_eq!(
        app.get("/dev/stripe/events").await.status(),
        404,
        "no local Stripe when Stripe is configured"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_stripe_fails_or_is_unreachable_the_student_hears_503_and_nothing_is_open() {
    let failing = fake_stripe(
        500,
        json!({"error": {"type": "api_error", "message": "Something went wrong"}}),
    )
    .await;
    let closed = closed_port_url();
    for base_url in [failing.base_url.as_str(), closed.as_str()] {
        let app = spawn_with_stripe_at(base_url).await;
        let browser = new_student(&app, "wait@example.com").await;
        let (status, body) = app
            .post_json(
                &browser,
                "/api/checkout/session",
                json!({ "course_id": rust_course() }),
            )
            .await;
        assert_eq!(status, 503, "{base_url}: {body}");
        assert_eq!(
            body["message"],
            "Payments are unavailable right now. Please try again."
        );
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM checkouts WHERE status <> 'failed'"
            )
            .await,
            0
        );
    }
    assert_eq!(failing.requests.lock().unwrap().len(), 1, "one attempt");
}

/// `charge.refunded` for a PaymentIntent, with Stripe's cumulative `amount_refunded`.
fn refunded_event(event_id: &str, payment_intent: &str, amount: i64, refunded: i64) -> String {
    json!({
        "id": event_id,
        "object": "event",
        "api_version": "2026-09-30.endive",
        "created": now(),
        "livemode": false,
        "pending_webhooks": 1,
        "type": "charge.refunded",
        "data": { "object": {
            "id": format!("ch_{payment_intent}"),
            "object": "charge",
            "amount": amount,
            "amount_refunded": refunded,
            "currency": "usd",
            "payment_intent": payment_intent,
            "refunded": refunded == amount,
        }}
    })
    .to_string()
}

/// What one payment left in the ledger: (account kind, sum) for each kind, and its refunds.
async fn ledger_of(app: &TestApp, payment_intent: &str) -> (Vec<(String, i64)>, i64) {
    let (payment_id, refunded): (String, i64) =
        sqlx::query_as("SELECT id, refunded_cents FROM payments WHERE payment_intent_id = $1")
            .bind(payment_intent)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT account, CAST(SUM(amount_cents) AS BIGINT) FROM ledger_entries
          WHERE payment_id = $1 GROUP BY account ORDER BY account",
    )
    .bind(&payment_id)
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    let by_kind = rows
        .into_iter()
        .map(|(account, sum)| (account.split(':').next().unwrap().to_owned(), sum))
        .collect();
    (by_kind, refunded)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refunds_reverse_the_splits_whatever_the_order_and_a_full_refund_ends_the_enrollment() {
    let app = spawn_app_with(&[("PEERLOOP_RUN_JOBS", "false")]).await;
    let course = rust_course();
    let (price, _) = course_price(&app, &course).await;
    let secret = local_secret(&app);
    let partial = 1_000;
    let orders: [[usize; 3]; 6] = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    let mut outcomes = Vec::new();
    for (n, order) in orders.iter().enumerate() {
        let email = format!("refund{n}@example.com");
        let browser = new_student(&app, &email).await;
        let started = start_checkout(&app, &browser, &course).await;
        let session_id = started["id"].as_str().unwrap();
        let checkout_id = checkout_id_of(&app, session_id).await;
        let intent = format!("pi_order{n}");
        let mut completed: Value = serde_json::from_str(&completed_event(
            &format!("evt_done{n}"),
            session_id,
            &checkout_id,
            price,
        ))
        .unwrap();
        completed["data"]["object"]["payment_intent"] = json!(intent);
        let events = [
            completed.to_string(),
            refunded_event(&format!("evt_part{n}"), &intent, price, partial),
            refunded_event(&format!("evt_full{n}"), &intent, price, price),
        ];
        // Each event three times, in this order, with redeliveries mixed in.
        for round in 0..3 {
            for &i in order {
                let body = &events[(i + round) % 3];
                let (status, answer) = post_signed(&app, body, &secret).await;
                assert_eq!(status, 200, "{answer}");
            }
        }
        let (ledger, refunded) = ledger_of(&app, &intent).await;
        assert_eq!(refunded, price, "order {order:?}");
        outcomes.push(ledger);
        let student: String =
            sqlx::query_scalar("SELECT id FROM users WHERE email_normalized = $1")
                .bind(&email)
                .fetch_one(app.db.pool())
                .await
                .unwrap();
        let (ended, credits): (Option<i64>, i64) = sqlx::query_as(
            "SELECT ended_at, session_credits FROM enrollments WHERE student_id = $1",
        )
        .bind(&student)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
        assert!(
            ended.is_some() && credits == 0,
            "order {order:?}: the enrollment ended"
        );
        assert_eq!(
            count(
                &app,
                &format!(
                    "SELECT COUNT(*) FROM instructor_followers WHERE follower_id = '{student}'"
                )
            )
            .await,
            0,
            "order {order:?}: the creator's feed is closed again"
        );
    }
    // Every order ends in the same ledger: each share back to zero.
    let expected: Vec<(String, i64)> = ["creator", "platform", "pool", "stripe_clearing"]
        .iter()
        .map(|kind| (kind.to_string(), 0))
        .collect();
    for ledger in &outcomes {
        assert_eq!(ledger, &expected);
    }
    ledger_is_sound(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_refund_reverses_its_share_of_each_split_and_keeps_the_enrollment() {
    let app = spawn_app_with(&[("PEERLOOP_RUN_JOBS", "false")]).await;
    let course = rust_course();
    let (price, _) = course_price(&app, &course).await;
    let secret = local_secret(&app);
    let browser = new_student(&app, "part@example.com").await;
    let started = start_checkout(&app, &browser, &course).await;
    let session_id = started["id"].as_str().unwrap();
    let checkout_id = checkout_id_of(&app, session_id).await;
    let completed = completed_event("evt_p", session_id, &checkout_id, price);
    let intent = "pi_evt_p";
    for body in [
        completed,
        refunded_event("evt_p1", intent, price, 1_000),
        refunded_event("evt_p2", intent, price, 1_500),
        // An older event arriving late changes nothing: the total only rises.
        refunded_event("evt_p0", intent, price, 400),
    ] {
        let (status, _) = post_signed(&app, &body, &secret).await;
        assert_eq!(status, 200);
    }
    let (ledger, refunded) = ledger_of(&app, intent).await;
    assert_eq!(refunded, 1_500);
    let left = price - 1_500;
    let shares = |amount: i64| (amount * 15 / 100, amount * 15 / 100);
    let (platform_paid, creator_paid) = shares(price);
    let (platform_back, creator_back) = shares(1_500);
    assert_eq!(
        ledger,
        vec![
            ("creator".to_owned(), creator_paid - creator_back),
            ("platform".to_owned(), platform_paid - platform_back),
            (
                "pool".to_owned(),
                left - (platform_paid - platform_back) - (creator_paid - creator_back)
            ),
            ("stripe_clearing".to_owned(), -left),
        ]
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM enrollments e JOIN users u ON u.id = e.student_id WHERE u.email_normalized = 'part@example.com' AND e.ended_at IS NULL").await,
        1,
        "a partial refund keeps the enrollment"
    );
    ledger_is_sound(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_refund_cancels_the_sessions_still_to_come_and_enrolling_again_starts_afresh() {
    let app = spawn_app_with(&[("PEERLOOP_RUN_JOBS", "false")]).await;
    open_around_the_clock(&app, &priya()).await;
    let course = rust_course();
    let (price, _) = course_price(&app, &course).await;
    let secret = local_secret(&app);
    let browser = new_student(&app, "again@example.com").await;
    let started = start_checkout(&app, &browser, &course).await;
    let session_id = started["id"].as_str().unwrap().to_owned();
    let checkout_id = checkout_id_of(&app, &session_id).await;
    let completed = completed_event("evt_a", &session_id, &checkout_id, price);
    let (status, _) = post_signed(&app, &completed, &secret).await;
    assert_eq!(status, 200);
    let slot = app.free_slots_of(&priya(), 7).await[3].clone();
    let booked = app
        .book_with_priya(&browser, slot["start_at"].as_str().unwrap(), 60)
        .await;
    let cancelled_emails =
        "SELECT COUNT(*) FROM outbox WHERE kind = 'session_email' AND payload LIKE '%cancelled%'";
    assert_eq!(count(&app, cancelled_emails).await, 0);

    let refund = refunded_event("evt_a_full", "pi_evt_a", price, price);
    let (status, _) = post_signed(&app, &refund, &secret).await;
    assert_eq!(status, 200);
    let status: String = sqlx::query_scalar("SELECT status FROM bookings WHERE id = $1")
        .bind(booked["id"].as_str().unwrap())
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(status, "cancelled");
    assert_eq!(count(&app, cancelled_emails).await, 2, "both are told");
    // The session's page says why.
    let html = page_as(
        &app,
        &browser,
        &format!("/sessions/{}", booked["id"].as_str().unwrap()),
    )
    .await;
    assert!(
        html.contains("This session was cancelled because your payment was refunded."),
        "{html}"
    );
    let (status, dashboard) = app.get_json_as(&browser, "/rpc/student_dashboard").await;
    assert_eq!(status, 200);
    assert_eq!(
        dashboard,
        json!([]),
        "the ended enrollment is off the dashboard"
    );

    // Paying again enrolls again, with a fresh set of credits.
    let again = start_checkout(&app, &browser, &course).await;
    let second_session = again["id"].as_str().unwrap();
    assert_ne!(second_session, session_id);
    let second_checkout = checkout_id_of(&app, second_session).await;
    let completed = completed_event("evt_b", second_session, &second_checkout, price);
    let (status, _) = post_signed(&app, &completed, &secret).await;
    assert_eq!(status, 200);
    let (ended, credits): (Option<i64>, i64) = sqlx::query_as(
        "SELECT e.ended_at, e.session_credits FROM enrollments e JOIN users u ON u.id = e.student_id
          WHERE u.email_normalized = 'again@example.com'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!((ended, credits), (None, 4));
    ledger_is_sound(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refund_racing_its_payment_at_another_server_is_never_lost() {
    let app = spawn_app_with(&[("PEERLOOP_RUN_JOBS", "false")]).await;
    let second = match app.backend {
        "postgres" => Some(app.second_instance().await),
        _ => None,
    };
    let apps: Vec<&TestApp> = std::iter::once(&app).chain(second.as_ref()).collect();
    let course = rust_course();
    let (price, _) = course_price(&app, &course).await;
    let secret = local_secret(&app);
    let mut pairs = Vec::new();
    const RACES: i64 = 16;
    for n in 0..RACES {
        let browser = new_student(&app, &format!("race{n}@example.com")).await;
        let started = start_checkout(&app, &browser, &course).await;
        let session_id = started["id"].as_str().unwrap().to_owned();
        let checkout_id = checkout_id_of(&app, &session_id).await;
        let event_id = format!("evt_race{n}");
        pairs.push([
            completed_event(&event_id, &session_id, &checkout_id, price),
            refunded_event(
                &format!("evt_race_refund{n}"),
                &format!("pi_{event_id}"),
                price,
                price,
            ),
        ]);
    }
    // A payment and its refund go to different servers (when there are two), all at once.
    let apps = &apps;
    let deliveries = pairs.iter().enumerate().flat_map(|(n, pair)| {
        pair.iter()
            .enumerate()
            .map(move |(i, body)| (apps[(n + i) % apps.len()], body.clone()))
    });
    deliver_at_once(deliveries, &secret).await;
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM payments WHERE refunded_cents = {price}")
        )
        .await,
        RACES,
        "every refund applied, whichever event came first"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM enrollments WHERE ended_at IS NOT NULL"
        )
        .await,
        RACES
    );
    ledger_is_sound(&app).await;
}

/// A new student enrolled through the local Checkout (paid with the test card, its webhook
/// delivered); returns the browser and the payment id.
pub(crate) async fn paid_enrollment(app: &TestApp, email: &str) -> (reqwest::Client, String) {
    let browser = new_student(app, email).await;
    let started = start_checkout(app, &browser, &rust_course()).await;
    pay(
        app,
        &browser,
        started["url"].as_str().unwrap(),
        "4242424242424242",
    )
    .await;
    let paid = format!(
        "SELECT COUNT(*) FROM payments p JOIN users u ON u.id = p.user_id
          WHERE u.email_normalized = '{email}'"
    );
    eventually(app, &paid, 1).await;
    let payment_id: String = sqlx::query_scalar(
        "SELECT p.id FROM payments p JOIN users u ON u.id = p.user_id
          WHERE u.email_normalized = $1",
    )
    .bind(email)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    (browser, payment_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_creator_refunds_through_stripe_and_the_ledger_follows_its_confirmation() {
    let app = spawn_app().await;
    let (price, _) = course_price(&app, &rust_course()).await;
    let (student, payment_id) = paid_enrollment(&app, "refund.me@example.com").await;
    let refund = format!("/api/payments/{payment_id}/refund");

    // Only the course's creator (Maya) or an admin may refund.
    let (status, body) = app
        .post_json(&student, &refund, json!({ "amount_cents": 100 }))
        .await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
    let maya = log_in_as(&app, "maya.chen@example.com").await;
    for (amount, why) in [
        (0, "nothing"),
        (-5, "negative"),
        (price + 1, "more than paid"),
    ] {
        let (status, body) = app
            .post_json(&maya, &refund, json!({ "amount_cents": amount }))
            .await;
        assert_eq!(status, 400, "{why}: {body}");
    }
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM dev_stripe_events WHERE type = 'charge.refunded'"
        )
        .await,
        0,
        "nothing was asked of Stripe"
    );

    // A partial refund, sent twice (a double click): one refund at Stripe.
    for _ in 0..2 {
        let (status, body) = app
            .post_json(&maya, &refund, json!({ "amount_cents": 1_000 }))
            .await;
        assert_eq!(status, 202, "{body}");
        assert_eq!(body["amount_cents"], 1_000);
    }
    let refunded = "SELECT COUNT(*) FROM payments WHERE refunded_cents = 1000";
    eventually(&app, refunded, 1).await;
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM dev_stripe_events WHERE type = 'charge.refunded'"
        )
        .await,
        1
    );
    ledger_is_sound(&app).await;

    // The rest, by an admin: the enrollment ends.
    let admin = log_in_as(&app, "admin@example.com").await;
    let (status, body) = app.post_json(&admin, &refund, json!({})).await;
    assert_eq!(
        (status, body["amount_cents"].as_i64()),
        (202, Some(price - 1_000))
    );
    eventually(
        &app,
        &format!("SELECT COUNT(*) FROM payments WHERE refunded_cents = {price}"),
        1,
    )
    .await;
    eventually(
        &app,
        "SELECT COUNT(*) FROM enrollments e JOIN users u ON u.id = e.student_id
          WHERE u.email_normalized = 'refund.me@example.com' AND e.ended_at IS NOT NULL",
        1,
    )
    .await;
    let (status, body) = app.post_json(&admin, &refund, json!({})).await;
    assert_eq!((status, body["error"].as_str()), (409, Some("conflict")));
    ledger_is_sound(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_deliberate_refunds_of_one_amount_before_stripe_confirms_are_two_refunds() {
    // Stripe's confirmations are held back (no jobs deliver them): the payment's refunded total
    // stays as it was while the second refund is asked for.
    let app = spawn_app_with(&[("PEERLOOP_RUN_JOBS", "false")]).await;
    let student = new_student(&app, "twice.refunded@example.com").await;
    let started = start_checkout(&app, &student, &rust_course()).await;
    pay(
        &app,
        &student,
        started["url"].as_str().unwrap(),
        "4242424242424242",
    )
    .await;
    let completed: String = sqlx::query_scalar(
        "SELECT payload FROM dev_stripe_events WHERE type = 'checkout.session.completed'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    let (status, _) = post_signed(&app, &completed, &local_secret(&app)).await;
    assert_eq!(status, 200);
    let payment_id: String = sqlx::query_scalar("SELECT id FROM payments")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let maya = log_in_as(&app, "maya.chen@example.com").await;
    let refund = |key: &'static str| {
        let maya = maya.clone();
        let url = app.url(&format!("/api/payments/{payment_id}/refund"));
        let origin = app.base_url.clone();
        async move {
            maya.post(url)
                .header("origin", origin)
                .header("idempotency-key", key)
                .json(&json!({ "amount_cents": 1_000 }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let asked = "SELECT COUNT(*) FROM dev_stripe_events WHERE type = 'charge.refunded'";

    // Two requests, each with its own key: two refunds at Stripe, $10 and then $20 in all.
    assert_eq!(refund("first-request").await, 202);
    assert_eq!(refund("second-request").await, 202);
    assert_eq!(count(&app, asked).await, 2);
    let totals: Vec<String> =
        sqlx::query_scalar("SELECT payload FROM dev_stripe_events WHERE type = 'charge.refunded'")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    let mut totals: Vec<i64> = totals
        .iter()
        .map(|payload| {
            serde_json::from_str::<Value>(payload).unwrap()["data"]["object"]["amount_refunded"]
                .as_i64()
                .unwrap()
        })
        .collect();
    totals.sort();
    assert_eq!(totals, [1_000, 2_000]);

    // A retry of one of them (same key) is the same refund; a key too long or not plain ASCII
    // is refused before Stripe is asked.
    assert_eq!(refund("second-request").await, 202);
    assert_eq!(count(&app, asked).await, 2);
    let long: &'static str = Box::leak("k".repeat(201).into_boxed_str());
    assert_eq!(refund(long).await, 400);
    assert_eq!(count(&app, asked).await, 2);

    // The payments page names each refund its form asks for: the form sent twice (a double
    // click) is one refund, the page shown again asks for a new one.
    let request_on_page = || async {
        let html = page_as(&app, &maya, "/payments").await;
        let at = html
            .find("name=\"request\" value=\"")
            .expect("the refund form")
            + 22;
        html[at..at + html[at..].find('"').unwrap()].to_owned()
    };
    let refund_a_dollar_on_page = |request: String| {
        let (app, maya, payment_id) = (&app, &maya, &payment_id);
        async move {
            let response = submit_form(
                app,
                maya,
                "/payments",
                "/rpc/refund_payment",
                &[
                    ("payment_id", payment_id.as_str()),
                    ("amount", "1.00"),
                    ("request", request.as_str()),
                ],
            )
            .await;
            assert!(response.status().is_redirection(), "{}", response.status());
        }
    };
    let request = request_on_page().await;
    for _ in 0..2 {
        refund_a_dollar_on_page(request.clone()).await;
    }
    assert_eq!(count(&app, asked).await, 3);
    let next = request_on_page().await;
    assert_ne!(next, request);
    refund_a_dollar_on_page(next).await;
    assert_eq!(count(&app, asked).await, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_stripe_cannot_make_is_unable_to_process_and_moves_nothing() {
    let session = json!({
        "id": "cs_test_refund", "object": "checkout.session",
        "url": "https://checkout.stripe.com/c/pay/cs_test_refund",
        "automatic_tax": {"enabled": false}, "created": now(), "custom_fields": [],
        "custom_text": {}, "expires_at": now() + 1800, "livemode": false, "mode": "payment",
        "payment_method_types": ["card"], "payment_status": "unpaid", "shipping_options": []
    });
    // This fake Stripe opens sessions and fails every refund with a 500.
    let stripe = fake_stripe(200, session).await;
    let app = spawn_with_stripe_at(&stripe.base_url).await;
    let (price, _) = course_price(&app, &rust_course()).await;
    let browser = new_student(&app, "nope@example.com").await;
    start_checkout(&app, &browser, &rust_course()).await;
    let checkout_id = checkout_id_of(&app, "cs_test_refund").await;
    let body = completed_event("evt_nope", "cs_test_refund", &checkout_id, price);
    let (status, _) = post_signed(&app, &body, "whsec_endpoint").await;
    assert_eq!(status, 200);
    let payment_id: String = sqlx::query_scalar("SELECT id FROM payments")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let admin = log_in_as(&app, "admin@example.com").await;
    let (status, body) = app
        .post_json(
            &admin,
            &format!("/api/payments/{payment_id}/refund"),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (503, Some("Unable to process. Please try again."))
    );
    // It was asked, once, for all of it, under a key that makes a repeat the same refund.
    let refunds = stripe.refunds.lock().unwrap().clone();
    assert_eq!(refunds.len(), 1);
    let (headers, form) = &refunds[0];
    let form: std::collections::BTreeMap<String, String> =
        url::form_urlencoded::parse(form.as_bytes())
            .into_owned()
            .collect();
    assert_eq!(form["payment_intent"], "pi_evt_nope");
    assert_eq!(form["amount"], price.to_string());
    assert_eq!(
        headers["idempotency-key"],
        format!("refund-{payment_id}-0-{price}").as_str()
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM payments WHERE refunded_cents > 0"
        )
        .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hourly_reconciliation_finds_money_that_does_not_add_up() {
    let app = spawn_app().await;
    let (_, payment_id) = paid_enrollment(&app, "audit@example.com").await;
    let sound = server::jobs::reconcile_ledger(&app.state).await.unwrap();
    assert!(sound.is_sound(), "{sound:?}");
    // Someone edits the ledger by hand: a creator posting with no counterpart.
    sqlx::query(
        "INSERT INTO ledger_entries (id, movement_id, payment_id, account, kind, amount_cents,
                                     currency, created_at)
         VALUES ('tampered', 'tampered', $1, 'creator:someone', 'refund', -500, 'usd', 0)",
    )
    .bind(&payment_id)
    .execute(app.db.pool())
    .await
    .unwrap();
    let breaches = server::jobs::reconcile_ledger(&app.state).await.unwrap();
    assert_eq!(
        (
            breaches.unbalanced_movements,
            breaches.mismatched_payments,
            breaches.negative_earners
        ),
        (1, 1, 1)
    );
}

/// A page as a browser without JavaScript gets it, in `client`'s session.
pub(crate) async fn page_as(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    let response = client
        .get(app.url(path))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_payments_page_shows_each_share_refunds_without_javascript_and_exports_csv() {
    let app = spawn_app().await;
    let (price, _) = course_price(&app, &rust_course()).await;
    let (_, payment_id) = paid_enrollment(&app, "zoe@example.com").await;
    sqlx::query(
        "UPDATE users SET name = '=Zoë, \"the\" buyer' WHERE email_normalized = 'zoe@example.com'",
    )
    .execute(app.db.pool())
    .await
    .unwrap();
    let maya = log_in_as(&app, "maya.chen@example.com").await;
    let html = page_as(&app, &maya, "/payments").await;
    let share = |cents: i64| format!("${}.{:02}", cents / 100, cents % 100);
    assert!(
        html.contains(&format!(
            "Creator&#x27;s share: {}",
            share(price * 15 / 100)
        )) || html.contains(&format!("Creator's share: {}", share(price * 15 / 100))),
        "{html}"
    );
    assert!(
        !html.contains("ledger-health"),
        "only admins see the reconciliation"
    );

    // Another creator sees none of Maya's payments.
    let lars = log_in_as(&app, "lars.becker@example.com").await;
    assert!(
        page_as(&app, &lars, "/payments")
            .await
            .contains("No payments yet")
    );

    // Refund $10.00 with the plain form.
    let response = submit_form(
        &app,
        &maya,
        "/payments",
        "/rpc/refund_payment",
        &[("payment_id", payment_id.as_str()), ("amount", "10.00")],
    )
    .await;
    assert!(response.status().is_redirection(), "{}", response.status());
    eventually(
        &app,
        "SELECT COUNT(*) FROM payments WHERE refunded_cents = 1000",
        1,
    )
    .await;
    let html = page_as(&app, &maya, "/payments").await;
    assert!(html.contains("$10.00 refunded"), "{html}");
    assert!(
        html.contains(&format!(
            "Creator&#x27;s share: {}",
            share(price * 15 / 100 - 150)
        )) || html.contains(&format!(
            "Creator's share: {}",
            share(price * 15 / 100 - 150)
        ))
    );

    // An amount that is not money is refused beside the form, and nothing moves.
    submit_form(
        &app,
        &maya,
        "/payments",
        "/rpc/refund_payment",
        &[("payment_id", payment_id.as_str()), ("amount", "ten")],
    )
    .await;
    assert!(
        page_as(&app, &maya, "/payments")
            .await
            .contains("Check the amount")
    );

    // The CSV: one row per payment, fields quoted as RFC 4180 says.
    let csv = maya
        .get(app.url("/payments.csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(
        rows[0],
        "payment_id,paid_on,course,student,currency,amount,refunded,creator_share"
    );
    assert_eq!(rows.len(), 2, "{csv}");
    // Quoted as RFC 4180 says, and a leading "=" kept from running as a spreadsheet formula.
    assert!(
        rows[1].contains("\"'=Zoë, \"\"the\"\" buyer\",usd,"),
        "{csv}"
    );
    assert!(
        rows[1].ends_with(&format!(
            ",10.00,{}",
            share(price * 15 / 100 - 150).trim_start_matches('$')
        )),
        "{csv}"
    );

    // Admins see the ledger's reconciliation.
    let admin = log_in_as(&app, "admin@example.com").await;
    assert!(
        page_as(&app, &admin, "/payments")
            .await
            .contains("Ledger reconciled")
    );
}

/// Books `n` hour-long sessions with Priya for the student, in the coming days; their ids.
async fn sessions_with_priya(app: &TestApp, student: &reqwest::Client, n: usize) -> Vec<String> {
    open_around_the_clock(app, &priya()).await;
    let slots = app.free_slots_of(&priya(), 7).await;
    let hours: Vec<&Value> = slots
        .iter()
        .filter(|slot| slot["duration_minutes"] == 60)
        .collect();
    let mut ids = Vec::new();
    for i in 0..n {
        let booked = app
            .book_with_priya(student, hours[i * 3]["start_at"].as_str().unwrap(), 60)
            .await;
        ids.push(booked["id"].as_str().unwrap().to_owned());
    }
    ids
}

/// Moves sessions into the past, hours apart in their order, as if they had taken place.
pub(crate) async fn move_into_past(app: &TestApp, ids: &[String]) {
    for (i, id) in ids.iter().enumerate() {
        move_session(app, id, now() - 86_400 * 3 + i as i64 * 7_200).await;
    }
}

pub(crate) async fn balance(app: &TestApp, account: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) FROM ledger_entries WHERE account = $1",
    )
    .bind(account)
    .fetch_one(app.db.pool())
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_marked_taught_release_the_pool_to_the_cent_and_a_dispute_can_take_one_back() {
    let app = spawn_app().await;
    let (price, _) = course_price(&app, &rust_course()).await;
    let (student, payment_id) = paid_enrollment(&app, "taught@example.com").await;
    let sessions = sessions_with_priya(&app, &student, 4).await;
    let priya_browser = log_in_as(&app, "priya.raman@example.com").await;
    let priya_account = format!("st:{}", priya());
    let pool = format!("pool:{payment_id}");
    let pool_total = price - 2 * (price * 15 / 100);

    // Only Priya, only once it has ended, only once.
    let taught = |id: &str| format!("/api/sessions/{id}/taught");
    let (status, body) = app
        .post_json(&priya_browser, &taught(&sessions[0]), json!({}))
        .await;
    assert_eq!(status, 409, "not ended yet: {body}");
    move_into_past(&app, &sessions).await;
    let (status, _) = app
        .post_json(&student, &taught(&sessions[0]), json!({}))
        .await;
    assert_eq!(status, 403);

    let mut shares = Vec::new();
    for id in &sessions {
        let before = balance(&app, &priya_account).await;
        let (status, body) = app.post_json(&priya_browser, &taught(id), json!({})).await;
        assert_eq!(
            (status, body["status"].as_str()),
            (200, Some("completed")),
            "{body}"
        );
        shares.push(balance(&app, &priya_account).await - before);
    }
    let (status, _) = app
        .post_json(&priya_browser, &taught(&sessions[0]), json!({}))
        .await;
    assert_eq!(status, 409, "a session is completed once");
    assert_eq!(
        shares.iter().sum::<i64>(),
        pool_total,
        "the whole pool, to the cent"
    );
    // Held ÷ sessions still unpaid, rounded down: the shares differ by a cent at most.
    assert!(
        shares
            .iter()
            .all(|share| (share - pool_total / 4).abs() <= 1),
        "{shares:?}"
    );
    assert_eq!(balance(&app, &pool).await, 0);
    ledger_is_sound(&app).await;

    // The student disputes the second session; an admin finds it did not happen.
    let dispute = format!("/api/sessions/{}/dispute", sessions[1]);
    let (status, _) = app
        .post_json(&student, &dispute, json!({ "reason": " " }))
        .await;
    assert_eq!(status, 400);
    let (status, _) = app
        .post_json(
            &priya_browser,
            &dispute,
            json!({ "reason": "It did not happen." }),
        )
        .await;
    assert_eq!(status, 403, "only the student disputes");
    let (status, _) = app
        .post_json(
            &student,
            &dispute,
            json!({ "reason": "Priya never joined." }),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .post_json(&student, &dispute, json!({ "reason": "Again." }))
        .await;
    assert_eq!(status, 409);
    let decision = format!("/api/sessions/{}/dispute/decision", sessions[1]);
    let (status, _) = app
        .post_json(
            &priya_browser,
            &decision,
            json!({ "session_happened": true }),
        )
        .await;
    assert_eq!(status, 403);
    let admin = log_in_as(&app, "admin@example.com").await;
    let credits_before: i64 = sqlx::query_scalar(
        "SELECT e.session_credits FROM enrollments e JOIN users u ON u.id = e.student_id
          WHERE u.email_normalized = 'taught@example.com'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    let (status, _) = app
        .post_json(&admin, &decision, json!({ "session_happened": false }))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        balance(&app, &pool).await,
        shares[1],
        "its share is held again"
    );
    assert_eq!(balance(&app, &priya_account).await, pool_total - shares[1]);
    let credits_after: i64 = sqlx::query_scalar(
        "SELECT e.session_credits FROM enrollments e JOIN users u ON u.id = e.student_id
          WHERE u.email_normalized = 'taught@example.com'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(credits_after, credits_before + 1, "the credit comes back");
    let (status, _) = app
        .post_json(&admin, &decision, json!({ "session_happened": false }))
        .await;
    assert_eq!(status, 409, "decided once");

    // Too late to dispute after 48 hours.
    sqlx::query("UPDATE bookings SET taught_at = $2 WHERE id = $1")
        .bind(&sessions[2])
        .bind(now() - 49 * 3600)
        .execute(app.db.pool())
        .await
        .unwrap();
    let (status, body) = app
        .post_json(
            &student,
            &format!("/api/sessions/{}/dispute", sessions[2]),
            json!({ "reason": "Late." }),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(
        body["message"],
        "The 48 hours to dispute this session have passed."
    );
    ledger_is_sound(&app).await;

    // A full refund now takes back what is held first, then what Priya has not been paid.
    let refund = format!("/api/payments/{payment_id}/refund");
    let (status, _) = app.post_json(&admin, &refund, json!({})).await;
    assert_eq!(status, 202);
    eventually(
        &app,
        &format!("SELECT COUNT(*) FROM payments WHERE refunded_cents = {price}"),
        1,
    )
    .await;
    assert_eq!(balance(&app, &pool).await, 0);
    assert_eq!(balance(&app, &priya_account).await, 0);
    ledger_is_sound(&app).await;
}

/// A small deterministic generator for the random-sequence test (seeded: a failure repeats).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_sequences_of_payments_refunds_duplicates_and_reordering_keep_the_ledger_exact() {
    let app = spawn_app_with(&[("PEERLOOP_RUN_JOBS", "false")]).await;
    let course = rust_course();
    let (price, _) = course_price(&app, &course).await;
    let secret = local_secret(&app);
    let mut rng = Lcg(0x5eed_2026);
    let mut kinds = std::collections::BTreeSet::new();
    for case in 0..24 {
        let browser = new_student(&app, &format!("seq{case}@example.com")).await;
        let started = start_checkout(&app, &browser, &course).await;
        let session_id = started["id"].as_str().unwrap().to_owned();
        let checkout_id = checkout_id_of(&app, &session_id).await;
        let intent = format!("pi_evt_seq{case}");
        // Up to four refunds, each Stripe total above the last (the last may be the whole).
        let mut totals = Vec::new();
        let mut total = 0;
        for _ in 0..rng.below(5) {
            total = (total + 1 + rng.below(price as u64 / 2) as i64).min(price);
            totals.push(total);
        }
        let mut events: Vec<String> = totals
            .iter()
            .enumerate()
            .map(|(i, refunded)| {
                refunded_event(&format!("evt_seq{case}_r{i}"), &intent, price, *refunded)
            })
            .collect();
        events.push(completed_event(
            &format!("evt_seq{case}"),
            &session_id,
            &checkout_id,
            price,
        ));
        // Redeliveries, then any order.
        for _ in 0..rng.below(4) {
            let again = events[rng.below(events.len() as u64) as usize].clone();
            events.push(again);
        }
        for i in (1..events.len()).rev() {
            events.swap(i, rng.below(i as u64 + 1) as usize);
        }
        for body in &events {
            let (status, answer) = post_signed(&app, body, &secret).await;
            assert_eq!(status, 200, "case {case}: {answer}");
        }
        let refunded = totals.last().copied().unwrap_or(0);
        kinds.insert(match refunded {
            0 => "not refunded",
            r if r == price => "refunded in full",
            _ => "refunded in part",
        });
        let (ledger, recorded) = ledger_of(&app, &intent).await;
        assert_eq!(recorded, refunded, "case {case}");
        // The price's 15 % shares are whole cents, so its platform and creator take 30 % of it:
        // of the refunded cents, floor(30 %) are theirs (the platform's the smaller half), the
        // rest the pool's.
        assert_eq!(price * 15 % 100, 0);
        let paid = price * 15 / 100;
        let shared_back = refunded * 30 / 100;
        let (platform_back, creator_back) = (shared_back / 2, shared_back - shared_back / 2);
        let kept = |kind: &str| {
            ledger
                .iter()
                .find(|(account, _)| account == kind)
                .map_or(0, |(_, sum)| *sum)
        };
        assert_eq!(kept("platform"), paid - platform_back, "case {case}");
        assert_eq!(kept("creator"), paid - creator_back, "case {case}");
        assert_eq!(
            kept("pool"),
            (price - 2 * paid) - (refunded - shared_back),
            "case {case}"
        );
        assert_eq!(kept("stripe_clearing"), -(price - refunded), "case {case}");
        let ended: i64 = count(
            &app,
            &format!(
                "SELECT COUNT(*) FROM enrollments e JOIN users u ON u.id = e.student_id
                  WHERE u.email_normalized = 'seq{case}@example.com' AND e.ended_at IS NOT NULL"
            ),
        )
        .await;
        assert_eq!(ended, i64::from(refunded == price), "case {case}");
    }
    assert_eq!(kinds.len(), 3, "the cases cover every outcome: {kinds:?}");
    ledger_is_sound(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_student_teacher_marks_sessions_taught_from_the_earnings_page_without_javascript() {
    let app = spawn_app().await;
    let (price, _) = course_price(&app, &rust_course()).await;
    let (student, _) = paid_enrollment(&app, "earner@example.com").await;
    let sessions = sessions_with_priya(&app, &student, 2).await;
    move_into_past(&app, &sessions).await;
    let priya_browser = log_in_as(&app, "priya.raman@example.com").await;
    let html = page_as(&app, &priya_browser, "/payments").await;
    assert!(html.contains("Sessions to mark taught"), "{html}");
    assert_eq!(html.matches("data-testid=\"to-mark\"").count(), 2);
    assert!(
        !html.contains("Payments for your courses"),
        "Priya creates no course"
    );

    let response = submit_form(
        &app,
        &priya_browser,
        "/payments",
        "/rpc/mark_taught",
        &[("session_id", sessions[0].as_str())],
    )
    .await;
    assert!(response.status().is_redirection(), "{}", response.status());
    let html = page_as(&app, &priya_browser, "/payments").await;
    assert_eq!(html.matches("data-testid=\"to-mark\"").count(), 1);
    let share = (price - 2 * (price * 15 / 100)) / 4;
    let shown = format!("${}.{:02}", share / 100, share % 100);
    // Just marked, the student may still dispute it: held.
    let (held, available, standings, _) = earnings_of(&app, &priya_browser).await;
    assert_eq!((held, available), (shown, "$0.00".to_owned()));
    assert_eq!(standings.len(), 1, "{standings:?}");
}

/// Marks a past session taught as its Student-Teacher, through the API.
pub async fn mark_taught(app: &TestApp, teacher: &reqwest::Client, session_id: &str) {
    let (status, body) = app
        .post_json(
            teacher,
            &format!("/api/sessions/{session_id}/taught"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

/// A Student-Teacher's earnings page and CSV: (held, available) as shown, the earning lines'
/// standings, and the CSV's rows.
async fn earnings_of(
    app: &TestApp,
    teacher: &reqwest::Client,
) -> (String, String, Vec<String>, Vec<String>) {
    let html = page_as(app, teacher, "/payments").await;
    // The text of each element carrying this test id, whatever attributes follow the id.
    let texts = |testid: &str| -> Vec<String> {
        html.match_indices(&format!("data-testid=\"{testid}\""))
            .map(|(at, _)| {
                let rest = &html[at..];
                let text = &rest[rest.find('>').unwrap() + 1..];
                text[..text.find('<').unwrap()].to_owned()
            })
            .collect()
    };
    let shown = |testid: &str| {
        texts(testid)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no {testid}: {html}"))
    };
    let (held, available) = (shown("teaching-held"), shown("teaching-available"));
    let standings = texts("earning-standing");
    let response = teacher.get(app.url("/earnings.csv")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = response.text().await.unwrap();
    (
        held,
        available,
        standings,
        csv.lines().map(str::to_owned).collect(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_student_teacher_sees_an_earning_held_through_the_dispute_window_then_available_and_a_refund_as_a_reversal()
 {
    let app = spawn_app().await;
    let (price, _) = course_price(&app, &rust_course()).await;
    let (student, payment_id) = paid_enrollment(&app, "held@example.com").await;
    let sessions = sessions_with_priya(&app, &student, 1).await;
    move_into_past(&app, &sessions).await;
    let priya_browser = log_in_as(&app, "priya.raman@example.com").await;
    mark_taught(&app, &priya_browser, &sessions[0]).await;
    let earned = (price - 2 * (price * 15 / 100)) / 4;
    let money = |cents: i64| format!("${}.{:02}", cents / 100, cents % 100);

    // Marked taught: the student may dispute it for 48 hours, so it is held.
    let (held, available, standings, rows) = earnings_of(&app, &priya_browser).await;
    assert_eq!((held, available), (money(earned), money(0)));
    assert_eq!(standings.len(), 1, "{standings:?}");
    assert!(standings[0].starts_with("Held until "), "{standings:?}");
    assert_eq!(
        rows[0],
        "date,course,student,session,entry,currency,amount,standing"
    );
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows[1].contains(",Rust Foundations,"), "{rows:?}");
    assert!(
        rows[1].contains(&format!(
            ",session taught,usd,{}.{:02},\"Held until ",
            earned / 100,
            earned % 100
        )),
        "{rows:?}"
    );

    // Once the 48 hours have passed, it is available.
    sqlx::query("UPDATE bookings SET taught_at = taught_at - 49 * 3600 WHERE id = $1")
        .bind(&sessions[0])
        .execute(app.db.pool())
        .await
        .unwrap();
    let (held, available, standings, rows) = earnings_of(&app, &priya_browser).await;
    assert_eq!((held, available), (money(0), money(earned)));
    assert_eq!(standings, ["Available"]);
    assert!(rows[1].ends_with(",Available"), "{rows:?}");

    // The payment refunded in full takes it back: the refund shows as its own line.
    let admin = log_in_as(&app, "admin@example.com").await;
    let (status, body) = app
        .post_json(
            &admin,
            &format!("/api/payments/{payment_id}/refund"),
            json!({}),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    eventually(
        &app,
        &format!("SELECT COUNT(*) FROM payments WHERE refunded_cents = {price}"),
        1,
    )
    .await;
    let (held, available, standings, rows) = earnings_of(&app, &priya_browser).await;
    assert_eq!((held, available), (money(0), money(0)));
    // The session's own line no longer says it is available: its money went back too.
    assert_eq!(
        standings,
        ["Refunded to the student", "Refunded to the student"]
    );
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(
        rows[2].ends_with(&format!(
            ",session taught,usd,{}.{:02},Refunded to the student",
            earned / 100,
            earned % 100
        )),
        "{rows:?}"
    );
    assert!(
        rows[1].contains(&format!(
            ",refund,usd,-{}.{:02},",
            earned / 100,
            earned % 100
        )),
        "{rows:?}"
    );
    let html = page_as(&app, &priya_browser, "/payments").await;
    assert!(html.contains(&format!("−{}", money(earned))), "{html}");

    // Signed out, the CSV sends the visitor to log in.
    let response = app
        .new_browser()
        .get(app.url("/earnings.csv"))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    ledger_is_sound(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_students_pay_through_the_local_stripe_and_their_teachers_have_earnings_to_show() {
    let app = spawn_app_with(&[("PEERLOOP_DEMO_PAYMENTS", "true")]).await;
    let (price, _) = course_price(&app, &rust_course()).await;
    let earned = (price - 2 * (price * 15 / 100)) / 4;
    let money = |cents: i64| format!("${}.{:02}", cents / 100, cents % 100);

    // Two payments, made through the local Stripe's event and the webhook's service.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM payments p JOIN users u ON u.id = p.user_id
              WHERE u.email_normalized IN ('omar.farouk@example.com', 'rosa.martinez@example.com')"
        )
        .await,
        2
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM dev_stripe_events WHERE type = 'checkout.session.completed'"
        )
        .await,
        2
    );
    // Its queued delivery lands at the webhook as a redelivery, and changes nothing.
    eventually(
        &app,
        "SELECT COUNT(*) FROM dev_stripe_events WHERE last_status = 200",
        2,
    )
    .await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM payments").await, 2);

    // Each teacher: one session available, one held, one waiting to be marked.
    for email in ["priya.raman@example.com", "jonas.weber@example.com"] {
        let browser = log_in_as(&app, email).await;
        let (held, available, standings, rows) = earnings_of(&app, &browser).await;
        assert_eq!((held, available), (money(earned), money(earned)), "{email}");
        assert_eq!(standings.len(), 2, "{email}: {standings:?}");
        assert!(standings[0].starts_with("Held until "), "{standings:?}");
        assert_eq!(standings[1], "Available");
        assert_eq!(rows.len(), 3, "{rows:?}");
        let html = page_as(&app, &browser, "/payments").await;
        assert_eq!(
            html.matches("data-testid=\"to-mark\"").count(),
            1,
            "{email}"
        );
    }
    // The sessions spent three of each enrollment's four credits.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM enrollments e JOIN users u ON u.id = e.student_id
              WHERE u.email_normalized IN ('omar.farouk@example.com', 'rosa.martinez@example.com')
                AND e.session_credits = 1"
        )
        .await,
        2
    );
    ledger_is_sound(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_of_a_refunded_enrollment_marked_taught_after_enrolling_again_is_not_paid_from_the_new_payment()
 {
    let app = spawn_app().await;
    let (price, _) = course_price(&app, &rust_course()).await;
    let (student, first) = paid_enrollment(&app, "again@example.com").await;
    let sessions = sessions_with_priya(&app, &student, 1).await;
    move_into_past(&app, &sessions).await;

    // Refunded in full before the session was marked: the enrollment ends.
    let admin = log_in_as(&app, "admin@example.com").await;
    let (status, body) = app
        .post_json(&admin, &format!("/api/payments/{first}/refund"), json!({}))
        .await;
    assert_eq!(status, 202, "{body}");
    eventually(
        &app,
        "SELECT COUNT(*) FROM enrollments e JOIN users u ON u.id = e.student_id
          WHERE u.email_normalized = 'again@example.com' AND e.ended_at IS NOT NULL",
        1,
    )
    .await;

    // Enrolled again with a new payment; then the old session is marked taught.
    let started = start_checkout(&app, &student, &rust_course()).await;
    pay(
        &app,
        &student,
        started["url"].as_str().unwrap(),
        "4242424242424242",
    )
    .await;
    eventually(
        &app,
        "SELECT COUNT(*) FROM payments p JOIN users u ON u.id = p.user_id
          WHERE u.email_normalized = 'again@example.com'",
        2,
    )
    .await;
    let second: String = sqlx::query_scalar(
        "SELECT p.id FROM payments p JOIN users u ON u.id = p.user_id
          WHERE u.email_normalized = 'again@example.com' AND p.id <> $1",
    )
    .bind(&first)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    let priya_browser = log_in_as(&app, "priya.raman@example.com").await;
    mark_taught(&app, &priya_browser, &sessions[0]).await;

    // The session was booked on the refunded payment: the new one pays for none of it.
    let pool = price - 2 * (price * 15 / 100);
    assert_eq!(balance(&app, &format!("pool:{second}")).await, pool);
    assert_eq!(balance(&app, &format!("st:{}", priya())).await, 0);
    ledger_is_sound(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dispute_decided_after_a_full_refund_and_enrolling_again_returns_no_credit() {
    let app = spawn_app().await;
    let email = "disputed.again@example.com";
    let credits = || async {
        let credits: i64 = sqlx::query_scalar(
            "SELECT e.session_credits FROM enrollments e JOIN users u ON u.id = e.student_id
              WHERE u.email_normalized = $1",
        )
        .bind(email)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
        credits
    };
    let (student, first) = paid_enrollment(&app, email).await;
    let sessions = sessions_with_priya(&app, &student, 1).await;
    move_into_past(&app, &sessions).await;
    let priya_browser = log_in_as(&app, "priya.raman@example.com").await;
    mark_taught(&app, &priya_browser, &sessions[0]).await;
    let dispute = format!("/api/sessions/{}/dispute", sessions[0]);
    let (status, _) = app
        .post_json(
            &student,
            &dispute,
            json!({ "reason": "It did not happen." }),
        )
        .await;
    assert_eq!(status, 200);

    // The first payment is refunded in full (the enrollment ends), and the student enrolls
    // again with a new payment.
    let admin = log_in_as(&app, "admin@example.com").await;
    let (status, body) = app
        .post_json(&admin, &format!("/api/payments/{first}/refund"), json!({}))
        .await;
    assert_eq!(status, 202, "{body}");
    eventually(
        &app,
        &format!(
            "SELECT COUNT(*) FROM enrollments e JOIN users u ON u.id = e.student_id
              WHERE u.email_normalized = '{email}' AND e.ended_at IS NOT NULL"
        ),
        1,
    )
    .await;
    let started = start_checkout(&app, &student, &rust_course()).await;
    pay(
        &app,
        &student,
        started["url"].as_str().unwrap(),
        "4242424242424242",
    )
    .await;
    eventually(
        &app,
        &format!(
            "SELECT COUNT(*) FROM enrollments e JOIN users u ON u.id = e.student_id
              WHERE u.email_normalized = '{email}' AND e.ended_at IS NULL"
        ),
        1,
    )
    .await;
    let bought = credits().await;

    // The session did not happen: but the payment that paid for it was refunded in full, so no
    // credit comes back (the new payment's pool covers only its own sessions).
    let decision = format!("/api/sessions/{}/dispute/decision", sessions[0]);
    let (status, body) = app
        .post_json(&admin, &decision, json!({ "session_happened": false }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(credits().await, bought);
    ledger_is_sound(&app).await;
}

/// Books an hour with `st_id` at the `nth` free hour of the coming week and moves it `days_ago`
/// into the past; the session's id.
async fn past_session_with(
    app: &TestApp,
    student: &reqwest::Client,
    st_id: &str,
    nth: usize,
    days_ago: i64,
) -> String {
    open_around_the_clock(app, st_id).await;
    let slots = app.free_slots_of(st_id, 7).await;
    let start = slots
        .iter()
        .filter(|slot| slot["duration_minutes"] == 60)
        .nth(nth * 3)
        .unwrap()["start_at"]
        .clone();
    let (status, booked) = app
        .post_json(
            student,
            "/api/sessions",
            json!({ "st_id": st_id, "course_id": rust_course(), "start_at": start, "duration_minutes": 60 }),
        )
        .await;
    assert_eq!(status, 201, "{booked}");
    let id = booked["id"].as_str().unwrap().to_owned();
    move_session(app, &id, now() - days_ago * 86_400).await;
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_takes_back_from_each_teacher_only_what_this_payment_gave_them() {
    let app = spawn_app().await;
    let jonas = demo_id("user", "jonas");
    let jonas_browser = log_in_as(&app, "jonas.weber@example.com").await;
    let priya_browser = log_in_as(&app, "priya.raman@example.com").await;
    let taught = |id: &str| format!("/api/sessions/{id}/taught");

    // Jonas earns from another student's payment first.
    let (first, _) = paid_enrollment(&app, "first@example.com").await;
    let earlier = past_session_with(&app, &first, &jonas, 0, 5).await;
    assert_eq!(
        app.post_json(&jonas_browser, &taught(&earlier), json!({}))
            .await
            .0,
        200
    );
    let jonas_account = format!("st:{jonas}");
    let from_first = balance(&app, &jonas_account).await;
    assert!(from_first > 0);

    // The second student's payment: a session with Priya, then one with Jonas (the latest).
    let (second, payment_id) = paid_enrollment(&app, "second@example.com").await;
    let with_priya = past_session_with(&app, &second, &priya(), 1, 4).await;
    let with_jonas = past_session_with(&app, &second, &jonas, 2, 3).await;
    assert_eq!(
        app.post_json(&priya_browser, &taught(&with_priya), json!({}))
            .await
            .0,
        200
    );
    assert_eq!(
        app.post_json(&jonas_browser, &taught(&with_jonas), json!({}))
            .await
            .0,
        200
    );

    let admin = log_in_as(&app, "admin@example.com").await;
    let (status, _) = app
        .post_json(
            &admin,
            &format!("/api/payments/{payment_id}/refund"),
            json!({}),
        )
        .await;
    assert_eq!(status, 202);
    eventually(
        &app,
        &format!("SELECT COUNT(*) FROM payments WHERE id = '{payment_id}' AND refunded_cents = amount_cents"),
        1,
    )
    .await;
    assert_eq!(
        balance(&app, &jonas_account).await,
        from_first,
        "Jonas keeps what the other payment gave him"
    );
    assert_eq!(balance(&app, &format!("st:{}", priya())).await, 0);
    ledger_is_sound(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dispute_decided_after_a_refund_does_not_take_the_money_back_twice() {
    let app = spawn_app().await;
    let (student, payment_id) = paid_enrollment(&app, "late.dispute@example.com").await;
    let session = past_session_with(&app, &student, &priya(), 0, 1).await;
    let priya_browser = log_in_as(&app, "priya.raman@example.com").await;
    mark_taught(&app, &priya_browser, &session).await;
    let (status, _) = app
        .post_json(
            &student,
            &format!("/api/sessions/{session}/dispute"),
            json!({ "reason": "It never happened." }),
        )
        .await;
    assert_eq!(status, 200);
    let admin = log_in_as(&app, "admin@example.com").await;
    let (status, _) = app
        .post_json(
            &admin,
            &format!("/api/payments/{payment_id}/refund"),
            json!({}),
        )
        .await;
    assert_eq!(status, 202);
    eventually(
        &app,
        "SELECT COUNT(*) FROM payments WHERE refunded_cents = amount_cents",
        1,
    )
    .await;
    let (status, _) = app
        .post_json(
            &admin,
            &format!("/api/sessions/{session}/dispute/decision"),
            json!({ "session_happened": false }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(balance(&app, &format!("st:{}", priya())).await, 0);
    assert_eq!(balance(&app, &format!("pool:{payment_id}")).await, 0);
    assert_eq!(
        balance(&app, "platform").await,
        0,
        "nothing absorbed, nothing refilled"
    );
    ledger_is_sound(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_checkouts_paid_at_once_for_one_course_enroll_once_and_flag_the_other() {
    let app = spawn_app_with(&[("PEERLOOP_RUN_JOBS", "false")]).await;
    let second = match app.backend {
        "postgres" => Some(app.second_instance().await),
        _ => None,
    };
    let apps: Vec<&TestApp> = std::iter::once(&app).chain(second.as_ref()).collect();
    let course = rust_course();
    let (price, _) = course_price(&app, &course).await;
    let secret = local_secret(&app);
    const STUDENTS: usize = 8;
    let mut events = Vec::new();
    for n in 0..STUDENTS {
        // Two browser tabs: the first checkout expires, the second is opened, and Stripe
        // completes both at the same moment.
        let browser = new_student(&app, &format!("twice{n}@example.com")).await;
        let first = start_checkout(&app, &browser, &course).await;
        sqlx::query("UPDATE checkouts SET expires_at = 0 WHERE stripe_session_id = $1")
            .bind(first["id"].as_str().unwrap())
            .execute(app.db.pool())
            .await
            .unwrap();
        let second = start_checkout(&app, &browser, &course).await;
        assert_ne!(first["id"], second["id"]);
        for (i, started) in [first, second].iter().enumerate() {
            let session_id = started["id"].as_str().unwrap();
            let checkout_id = checkout_id_of(&app, session_id).await;
            let body = completed_event(
                &format!("evt_twice{n}_{i}"),
                session_id,
                &checkout_id,
                price,
            );
            events.push((apps[i % apps.len()], body));
        }
    }
    deliver_at_once(events.into_iter(), &secret).await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM payments").await,
        STUDENTS as i64,
        "one payment per enrollment"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM checkouts WHERE status = 'flagged'"
        )
        .await,
        STUDENTS as i64,
        "the other grants nothing and is shown to admins"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM outbox WHERE kind = 'payment_refund' AND payload LIKE '%unclaimed%'"
        )
        .await,
        STUDENTS as i64,
        "each second payment is queued to go back"
    );
    ledger_is_sound(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_for_a_course_already_enrolled_in_is_refunded_by_itself() {
    let app = spawn_app().await;
    let email = "twice@example.com";
    let browser = new_student(&app, email).await;
    let started = start_checkout(&app, &browser, &rust_course()).await;
    // An admin enrolls the student while their Checkout is open; then they pay.
    let student: String = sqlx::query_scalar("SELECT id FROM users WHERE email_normalized = $1")
        .bind(email)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let mut conn = app.db.pool().acquire().await.unwrap();
    backend::store::learning::enroll(&mut conn, &student, &rust_course(), now())
        .await
        .unwrap();
    drop(conn);
    pay(
        &app,
        &browser,
        started["url"].as_str().unwrap(),
        "4242424242424242",
    )
    .await;
    eventually(
        &app,
        "SELECT COUNT(*) FROM checkouts WHERE status = 'flagged'",
        1,
    )
    .await;
    // Stripe refunds it in full, and its charge.refunded changes nothing in the ledger.
    eventually(
        &app,
        "SELECT COUNT(*) FROM stripe_events WHERE type = 'charge.refunded'",
        1,
    )
    .await;
    let (price, _) = course_price(&app, &rust_course()).await;
    let refunded: String =
        sqlx::query_scalar("SELECT payload FROM stripe_events WHERE type = 'charge.refunded'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let refunded: Value = serde_json::from_str(&refunded).unwrap();
    assert_eq!(refunded["data"]["object"]["amount_refunded"], price);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM payments").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM ledger_entries").await, 0);
    ledger_is_sound(&app).await;
}
