//! Paying: opening a Checkout Session, and Stripe's webhook.

use super::error::{ApiError, ApiJson, ErrorBody, IdempotencyKey};
use crate::adapters::stripe::{events, signature};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use backend::AppState;
use backend::auth::SignedIn;
use backend::services::payments::{self, Applied};
use backend::store::unix_now;
use serde::{Deserialize, Serialize};
use wire::error::AppError;
use wire::payments::CheckoutStarted;

/// What to pay for: a course (enrollment), or one held session (pay per session).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutRequest {
    /// The course to enroll in.
    #[schema(min_length = 1)]
    course_id: Option<String>,
    /// A session of the signed-in student waiting for its payment (`pending_payment`).
    #[schema(min_length = 1)]
    session_id: Option<String>,
}

/// Opens a Stripe Checkout Session and returns where to send the browser: for an enrollment in
/// a course, or for one session the signed-in student holds (booked without a credit in a
/// course that sells single sessions; the slot stays held while the Checkout Session is open).
/// A second request while that session is open returns it again.
#[utoipa::path(
    post,
    path = "/api/checkout/session",
    tag = "payments",
    request_body = CheckoutRequest,
    responses(
        (status = 200, description = "The Checkout Session to redirect to", body = CheckoutStarted),
        (status = 400, description = "Malformed body, neither or both of course_id and session_id, or a course without a price", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The session is someone else's", body = ErrorBody),
        (status = 404, description = "No published course or no session has this id", body = ErrorBody),
        (status = 409, description = "Already enrolled in the course; or the session is not waiting for a payment, or its hold ran out", body = ErrorBody),
        (status = 503, description = "Stripe could not be reached; nothing was charged", body = ErrorBody),
    )
)]
pub async fn start_checkout(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiJson(request): ApiJson<CheckoutRequest>,
) -> Result<Json<CheckoutStarted>, ApiError> {
    let gateway = state.payments.as_ref();
    let public_url = &state.settings.public_url;
    let started = match (request.course_id, request.session_id) {
        (Some(course_id), None) => {
            payments::start_enrollment_checkout(
                &state.db,
                gateway,
                public_url,
                &user,
                course_id.trim(),
                unix_now(),
            )
            .await?
        }
        (None, Some(session_id)) => {
            payments::start_session_checkout(
                &state.db,
                gateway,
                public_url,
                &user,
                session_id.trim(),
                unix_now(),
            )
            .await?
        }
        _ => {
            return Err(AppError::BadRequest("Send either course_id or session_id.".into()).into());
        }
    };
    Ok(Json(started))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WebhookReceived {
    received: bool,
    /// The event was received before: nothing changed.
    duplicate: bool,
}

/// Stripe's events. The `Stripe-Signature` header must verify over the raw body with the
/// endpoint's signing secret (any of its `v1` signatures, timestamp within 300 s). Each event
/// is stored by id in the transaction that applies it: a redelivery answers 200 and changes
/// nothing. Types PeerLoop does not act on are stored and acknowledged.
#[utoipa::path(
    post,
    path = "/api/webhooks/stripe",
    tag = "payments",
    request_body(content = String, description = "A Stripe event (JSON), as Stripe signed it", content_type = "application/json"),
    params(("Stripe-Signature" = String, Header, description = "t=<unix>,v1=<hex HMAC-SHA256>[,v1=…]")),
    responses(
        (status = 200, description = "Received (or received before)", body = WebhookReceived),
        (status = 400, description = "Missing, malformed, stale or wrong signature, or not a Stripe event; nothing was changed", body = ErrorBody),
    )
)]
pub async fn stripe_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<WebhookReceived>, ApiError> {
    let now = unix_now();
    let header = headers
        .get("stripe-signature")
        .and_then(|value| value.to_str().ok());
    signature::verify(&body, header, &state.stripe_webhook_secrets, now).map_err(|error| {
        tracing::warn!(%error, "refused a Stripe webhook");
        AppError::BadRequest(error.to_string())
    })?;
    let text = std::str::from_utf8(&body)
        .map_err(|_| AppError::BadRequest("The body is not UTF-8 text.".into()))?;
    let event = events::parse(text).map_err(|problem| {
        tracing::error!(%problem, "a signed Stripe event could not be read");
        AppError::BadRequest(format!(
            "Not a Stripe event this endpoint can read: {problem}"
        ))
    })?;
    let applied = payments::apply_event(&state.db, &event, now).await?;
    tracing::info!(event = %event.id, kind = %event.kind, ?applied, "Stripe event");
    Ok(Json(WebhookReceived {
        received: true,
        duplicate: applied == Applied::Duplicate,
    }))
}

/// How much of a payment to refund.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundBody {
    /// In the payment's minor units; all that is left when absent.
    #[schema(minimum = 1)]
    amount_cents: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RefundRequested {
    payment_id: String,
    /// What was asked of Stripe; the earnings ledger follows when Stripe confirms it.
    amount_cents: i64,
    status: &'static str,
}

/// Refunds a payment fully or partly (its course's creator, or an admin), through Stripe with an
/// idempotency key, so a repeated request is one refund. The ledger reverses the splits when
/// Stripe's `charge.refunded` arrives; a full refund of an enrollment ends it.
#[utoipa::path(
    post,
    path = "/api/payments/{id}/refund",
    tag = "payments",
    params(
        ("id" = String, Path, description = "Payment id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Up to 200 visible ASCII characters. Each key is one refund: a retry with the same key makes no second one. Without a key, a repeat of the same amount is one refund until Stripe confirms it"),
    ),
    request_body = RefundBody,
    responses(
        (status = 202, description = "Asked of Stripe; the ledger follows its confirmation", body = RefundRequested),
        (status = 400, description = "Zero, negative, or more than is left to refund; or a malformed Idempotency-Key", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Neither the course's creator nor an admin", body = ErrorBody),
        (status = 404, description = "No such payment", body = ErrorBody),
        (status = 409, description = "Already refunded in full", body = ErrorBody),
        (status = 503, description = "\"Unable to process. Please try again.\" Nothing was refunded.", body = ErrorBody),
    )
)]
pub async fn refund(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    super::error::ApiPath(id): super::error::ApiPath<String>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(body): ApiJson<RefundBody>,
) -> Result<(axum::http::StatusCode, Json<RefundRequested>), ApiError> {
    let amount_cents = payments::refund_payment(
        &state.db,
        state.payments.as_ref(),
        &user,
        &id,
        body.amount_cents,
        key.as_deref(),
    )
    .await?;
    Ok((
        axum::http::StatusCode::ACCEPTED,
        Json(RefundRequested {
            payment_id: id,
            amount_cents,
            status: "pending",
        }),
    ))
}
