//! Money that arrives when it can no longer buy what it was for is never dropped: it is granted,
//! refunded, or flagged. And the local Stripe's checkout page changes a Checkout Session once
//! however many clicks reach it at once, as Stripe does.

use crate::common::*;
use crate::payments::{
    checkout_id_of, completed_event, local_secret, new_student, post_signed, start_checkout,
};
use serde_json::Value;

/// Posts the local checkout page's form to `action` as a browser does, with the page's token
/// (fetched once, so clicks made at once carry the same one).
async fn click(
    app: &TestApp,
    browser: &reqwest::Client,
    page: &str,
    token: &str,
    action: &str,
    card: Option<&str>,
) -> u16 {
    let mut form = vec![("csrf_token", token)];
    form.extend(card.map(|card| ("card_number", card)));
    browser
        .post(app.url(action))
        .header("origin", &app.base_url)
        .header("accept", "text/html")
        .header("referer", app.url(page))
        .form(&form)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The outbox's automatic refunds that name this checkout.
fn refunds_of(checkout_id: &str) -> String {
    format!(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'payment_refund' AND payload LIKE '%{checkout_id}%'"
    )
}

async fn checkout_status(app: &TestApp, checkout_id: &str) -> (String, Option<String>) {
    sqlx::query_as("SELECT status, flag_reason FROM checkouts WHERE id = $1")
        .bind(checkout_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_for_a_checkout_that_had_expired_is_refunded_and_flagged_not_dropped() {
    let app = spawn_app().await;
    let email = "paid.too.late@example.com";
    let browser = new_student(&app, email).await;
    let started = start_checkout(&app, &browser, &rust_course()).await;
    let session_id = started["id"].as_str().unwrap().to_owned();
    let checkout_id = checkout_id_of(&app, &session_id).await;
    // Our side saw it expire (its event came first)...
    sqlx::query("UPDATE checkouts SET status = 'expired' WHERE id = $1")
        .bind(&checkout_id)
        .execute(app.db.pool())
        .await
        .unwrap();
    // ...then Stripe says it was paid.
    let amount: i64 = sqlx::query_scalar("SELECT amount_cents FROM checkouts WHERE id = $1")
        .bind(&checkout_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let event = completed_event("evt_late_1", &session_id, &checkout_id, amount);
    assert_eq!(post_signed(&app, &event, &local_secret(&app)).await.0, 200);

    let (status, reason) = checkout_status(&app, &checkout_id).await;
    assert_eq!(status, "flagged");
    assert!(
        reason.as_deref().unwrap_or_default().contains("expired"),
        "{reason:?}"
    );
    assert_eq!(count(&app, &refunds_of(&checkout_id)).await, 1, "refunded");
    let enrolled = format!(
        "SELECT COUNT(*) FROM enrollments e JOIN users u ON u.id = e.student_id
          WHERE u.email_normalized = '{email}'"
    );
    assert_eq!(count(&app, &enrolled).await, 0, "nothing granted for it");

    // The same payment told again (another event id) is not refunded twice.
    let again = completed_event("evt_late_2", &session_id, &checkout_id, amount);
    assert_eq!(post_signed(&app, &again, &local_secret(&app)).await.0, 200);
    assert_eq!(count(&app, &refunds_of(&checkout_id)).await, 1);
}

/// The local Checkout Session's events of `kind`.
fn local_events(session_id: &str, kind: &str) -> String {
    format!(
        "SELECT COUNT(*) FROM dev_stripe_events WHERE type = '{kind}' AND payload LIKE '%{session_id}%'"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clicks_that_reach_the_local_checkout_page_at_once_change_its_session_once() {
    let app = spawn_app().await;
    let course = rust_course();
    for round in 0..4 {
        // Two Pays at once: one charge.
        let browser = new_student(&app, &format!("two.pays.{round}@example.com")).await;
        let started = start_checkout(&app, &browser, &course).await;
        let session = started["id"].as_str().unwrap().to_owned();
        let page = format!("/dev/stripe/checkout/{session}");
        let token = app.form_token(&browser, &page).await;
        let pay = format!("{page}/pay");
        let card = Some("4242424242424242");
        let (first, second) = tokio::join!(
            click(&app, &browser, &page, &token, &pay, card),
            click(&app, &browser, &page, &token, &pay, card),
        );
        assert_eq!((first, second), (303, 303));
        let completed = local_events(&session, "checkout.session.completed");
        assert_eq!(count(&app, &completed).await, 1, "one charge");

        // A Pay and an Expire at once: one of the two.
        let browser = new_student(&app, &format!("pay.expire.{round}@example.com")).await;
        let started = start_checkout(&app, &browser, &course).await;
        let session = started["id"].as_str().unwrap().to_owned();
        let page = format!("/dev/stripe/checkout/{session}");
        let token = app.form_token(&browser, &page).await;
        let (pay, expire) = (format!("{page}/pay"), format!("{page}/expire"));
        let (paid, expired) = tokio::join!(
            click(&app, &browser, &page, &token, &pay, card),
            click(&app, &browser, &page, &token, &expire, None),
        );
        assert_eq!((paid, expired), (303, 303));
        let events = count(&app, &local_events(&session, "checkout.session.completed")).await
            + count(&app, &local_events(&session, "checkout.session.expired")).await;
        assert_eq!(events, 1, "paid or expired, not both");
        let object: String =
            sqlx::query_scalar("SELECT object FROM dev_stripe_checkout_sessions WHERE id = $1")
                .bind(&session)
                .fetch_one(app.db.pool())
                .await
                .unwrap();
        let object: Value = serde_json::from_str(&object).unwrap();
        assert!(
            object["status"] == "complete" || object["status"] == "expired",
            "{object}"
        );
    }
}
