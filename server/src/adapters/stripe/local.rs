//! The local Stripe, used when `STRIPE_SECRET_KEY` is not set: it opens Checkout Sessions shaped
//! like Stripe's, serves a checkout page under `/dev/stripe` (see `dev_stripe.rs`), and sends
//! Stripe-shaped events, signed like Stripe's, to the app's own `/api/webhooks/stripe` over
//! HTTP, through the outbox (so a delivery that fails is retried, as Stripe retries). The
//! webhook handler that runs is the one real Stripe reaches.

use backend::db::Db;
use backend::payments::{
    CheckoutRequest, OpenedCheckout, PaymentError, PaymentGateway, RefundRequest,
};
use backend::store::{outbox, unix_now};
use serde_json::{Value, json};
use wire::error::AppError;

/// The API version the local Stripe's events claim: the one async-stripe, the real client, speaks.
pub const API_VERSION: &str = "2026-09-30.endive";

/// The outbox job that delivers one local event to the webhook endpoint.
pub const DELIVERY_KIND: &str = "local_stripe_delivery";

#[derive(Debug)]
pub struct LocalStripe {
    db: Db,
    public_url: String,
}

impl LocalStripe {
    pub fn new(db: Db, public_url: String) -> Self {
        LocalStripe { db, public_url }
    }
}

/// A Stripe-style id: the prefix, then 24 random alphanumerics.
pub fn stripe_id(prefix: &str) -> String {
    format!(
        "{prefix}_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..24]
    )
}

#[async_trait::async_trait]
impl PaymentGateway for LocalStripe {
    async fn open_checkout(
        &self,
        request: &CheckoutRequest,
    ) -> Result<OpenedCheckout, PaymentError> {
        let id = stripe_id("cs_test");
        let url = format!("{}/dev/stripe/checkout/{id}", self.public_url);
        let metadata: serde_json::Map<String, Value> = request
            .metadata
            .iter()
            .map(|(key, value)| (key.clone(), Value::String(value.clone())))
            .collect();
        let now = unix_now();
        let session = json!({
            "id": id,
            "object": "checkout.session",
            "amount_subtotal": request.amount_cents,
            "amount_total": request.amount_cents,
            "cancel_url": request.cancel_url,
            "client_reference_id": request.checkout_id,
            "created": now,
            "currency": request.currency,
            "customer_email": request.customer_email,
            "expires_at": request.expires_at,
            "line_items": {
                "object": "list",
                "data": [{
                    "object": "item",
                    "description": request.product_name,
                    "amount_total": request.amount_cents,
                    "currency": request.currency,
                    "quantity": 1
                }]
            },
            "livemode": false,
            "metadata": metadata,
            "mode": "payment",
            "payment_intent": null,
            "payment_intent_data": { "transfer_group": request.transfer_group },
            "payment_status": "unpaid",
            "status": "open",
            "success_url": request.success_url,
            "url": url,
        });
        sqlx::query(
            "INSERT INTO dev_stripe_checkout_sessions (id, object, created_at) VALUES ($1, $2, $3)",
        )
        .bind(&id)
        .bind(session.to_string())
        .bind(now)
        .execute(self.db.pool())
        .await
        .map_err(|error| PaymentError::Unavailable(error.to_string()))?;
        Ok(OpenedCheckout { id, url })
    }

    /// Refunds part of a paid local Checkout Session's charge: `charge.refunded` goes out with
    /// the charge's new cumulative `amount_refunded`, as Stripe sends it. A repeated idempotency
    /// key is answered without a second refund.
    async fn refund(&self, request: &RefundRequest) -> Result<(), PaymentError> {
        let unavailable = |error: sqlx::Error| PaymentError::Unavailable(error.to_string());
        let pattern = format!("%\"payment_intent\":\"{}\"%", request.payment_intent_id);
        let session: Option<String> = sqlx::query_scalar(
            "SELECT object FROM dev_stripe_checkout_sessions WHERE object LIKE $1",
        )
        .bind(&pattern)
        .fetch_optional(self.db.pool())
        .await
        .map_err(unavailable)?;
        let Some(session) = session.and_then(|object| serde_json::from_str::<Value>(&object).ok())
        else {
            return Err(PaymentError::Rejected(format!(
                "No such payment_intent: '{}'",
                request.payment_intent_id
            )));
        };
        let earlier: Vec<String> = sqlx::query_scalar(
            "SELECT payload FROM dev_stripe_events WHERE type = 'charge.refunded' AND payload LIKE $1",
        )
        .bind(&pattern)
        .fetch_all(self.db.pool())
        .await
        .map_err(unavailable)?;
        let earlier: Vec<Value> = earlier
            .iter()
            .filter_map(|payload| serde_json::from_str(payload).ok())
            .collect();
        if earlier
            .iter()
            .any(|event| event["request"]["idempotency_key"] == request.idempotency_key.as_str())
        {
            return Ok(());
        }
        let amount = session["amount_total"].as_i64().unwrap_or_default();
        let refunded_before = earlier
            .iter()
            .filter_map(|event| event["data"]["object"]["amount_refunded"].as_i64())
            .max()
            .unwrap_or_default();
        let refunded = refunded_before + request.amount_cents;
        if request.amount_cents <= 0 || refunded > amount {
            return Err(PaymentError::Rejected(format!(
                "Refund amount ({}) is greater than unrefunded amount on charge ({})",
                request.amount_cents,
                amount - refunded_before
            )));
        }
        let intent = &request.payment_intent_id;
        let charge = json!({
            "id": format!("ch_{}", intent.trim_start_matches("pi_")),
            "object": "charge",
            "amount": amount,
            "amount_refunded": refunded,
            "currency": session["currency"],
            "livemode": false,
            "paid": true,
            "payment_intent": intent,
            "refunded": refunded == amount,
            "status": "succeeded",
        });
        let now = unix_now();
        let mut conn = self.db.write_connection().await.map_err(unavailable)?;
        emit_with_key(
            &mut conn,
            "charge.refunded",
            charge,
            Some(&request.idempotency_key),
            now,
        )
        .await
        .map_err(|error| PaymentError::Unavailable(error.to_string()))?;
        Ok(())
    }
}

/// Records an event as Stripe would send it and queues its delivery, in the caller's
/// transaction. Returns the event id.
pub async fn emit(
    conn: &mut sqlx::AnyConnection,
    kind: &str,
    object: Value,
    now: i64,
) -> Result<String, AppError> {
    emit_with_key(conn, kind, object, None, now).await
}

/// `emit`, for an event caused by an API request made with an idempotency key (Stripe names
/// it in the event's `request`).
async fn emit_with_key(
    conn: &mut sqlx::AnyConnection,
    kind: &str,
    object: Value,
    idempotency_key: Option<&str>,
    now: i64,
) -> Result<String, AppError> {
    let id = stripe_id("evt");
    let event = json!({
        "id": id,
        "object": "event",
        "api_version": API_VERSION,
        "created": now,
        "data": { "object": object },
        "livemode": false,
        "pending_webhooks": 1,
        "request": { "id": null, "idempotency_key": idempotency_key },
        "type": kind,
    });
    sqlx::query(
        "INSERT INTO dev_stripe_events (id, type, payload, created) VALUES ($1, $2, $3, $4)",
    )
    .bind(&id)
    .bind(kind)
    .bind(event.to_string())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    queue_delivery(conn, &id, now).await?;
    Ok(id)
}

/// Queues (another) delivery of a recorded event, as `stripe events resend` does.
pub async fn queue_delivery(
    conn: &mut sqlx::AnyConnection,
    event_id: &str,
    now: i64,
) -> Result<(), AppError> {
    outbox::enqueue(
        conn,
        DELIVERY_KIND,
        &json!({ "event_id": event_id }),
        now,
        now,
    )
    .await?;
    Ok(())
}

/// Delivers a recorded event to the webhook endpoint, signed now. `Err` asks for a retry.
pub async fn deliver(
    db: &Db,
    client: &reqwest::Client,
    public_url: &str,
    secret: &str,
    event_id: &str,
) -> Result<(), String> {
    let payload: Option<String> =
        sqlx::query_scalar("SELECT payload FROM dev_stripe_events WHERE id = $1")
            .bind(event_id)
            .fetch_optional(db.pool())
            .await
            .map_err(|error| error.to_string())?;
    let Some(payload) = payload else {
        // Nothing to send: the event is gone (the dev tables were cleared).
        return Ok(());
    };
    let now = unix_now();
    let signature = super::signature::sign(payload.as_bytes(), secret, now);
    let status = match client
        .post(format!("{public_url}/api/webhooks/stripe"))
        .header("stripe-signature", signature)
        .header("content-type", "application/json; charset=utf-8")
        .header(
            "user-agent",
            "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        )
        .body(payload)
        .send()
        .await
    {
        Ok(response) => response.status().as_u16(),
        Err(error) => return Err(format!("webhook endpoint unreachable: {error}")),
    };
    sqlx::query("UPDATE dev_stripe_events SET last_status = $2, delivered_at = $3 WHERE id = $1")
        .bind(event_id)
        .bind(i64::from(status))
        .bind(now)
        .execute(db.pool())
        .await
        .map_err(|error| error.to_string())?;
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(format!("webhook endpoint answered {status}"))
    }
}
