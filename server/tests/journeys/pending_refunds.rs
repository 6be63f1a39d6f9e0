//! Refunds asked of Stripe and not yet confirmed count as refunded for what may be asked next:
//! asking beyond them is bad input (400, with what is left), and the automatic refund in full
//! asks only for the rest, so a student is never left short by a refund Stripe refused.

use crate::common::*;
use crate::payments::{course_price, paid_enrollment};
use backend::services::payments::{RefundJob, refund_in_full};
use serde_json::json;

/// The local Stripe's refunds of the enrollment's payment so far (confirmed or not), in cents.
async fn refunded_at_stripe(app: &TestApp) -> i64 {
    let payloads: Vec<String> =
        sqlx::query_scalar("SELECT payload FROM dev_stripe_events WHERE type = 'charge.refunded'")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    payloads
        .iter()
        .filter_map(|payload| {
            serde_json::from_str::<serde_json::Value>(payload).ok()?["data"]["object"]
                ["amount_refunded"]
                .as_i64()
        })
        .max()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refunds_not_yet_confirmed_are_not_refundable_again() {
    let mut app = spawn_app().await;
    let (price, _) = course_price(&app, &rust_course()).await;
    let (_, payment_id) = paid_enrollment(&app, "pending.refund@example.com").await;
    // Stripe's confirmations (charge.refunded) wait: the worker that delivers them is stopped.
    if let Some(worker) = app.background.take() {
        worker.stop(std::time::Duration::from_secs(10)).await;
    }
    let refund = format!("/api/payments/{payment_id}/refund");
    let maya = log_in_as(&app, "maya.chen@example.com").await;

    let (status, body) = app
        .post_json(&maya, &refund, json!({ "amount_cents": price - 100 }))
        .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (202, Some("pending")),
        "{body}"
    );
    // Only a dollar is left to ask for while that refund is unconfirmed.
    let (status, body) = app
        .post_json(&maya, &refund, json!({ "amount_cents": 200 }))
        .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (
            400,
            Some("A refund is at least one cent and at most what is left: $1.00.")
        ),
        "{body}"
    );

    // The payment is then to be refunded in full by itself (its session cancelled, say): the
    // rest is asked for, not the whole, which Stripe would refuse.
    let job = RefundJob::Payment {
        payment_id: payment_id.clone(),
    };
    refund_in_full(&app.db, app.state.payments.as_ref(), &job)
        .await
        .expect("the rest is refunded");
    assert_eq!(refunded_at_stripe(&app).await, price);
    // Asked again (a retry), nothing more is asked.
    refund_in_full(&app.db, app.state.payments.as_ref(), &job)
        .await
        .unwrap();
    assert_eq!(refunded_at_stripe(&app).await, price);
    let (status, _) = app
        .post_json(&maya, &refund, json!({ "amount_cents": 1 }))
        .await;
    assert_eq!(status, 400, "nothing is left to ask for");
}
