//! `/dev/stripe`: the local Stripe's pages. A checkout page that looks like one (test card
//! 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined, "Expire now" ends the session),
//! and the list of every event it sent, each of which can be sent again. Only while the local
//! Stripe stands in for Stripe (no `STRIPE_SECRET_KEY`, never in production); otherwise 404.

use crate::adapters::stripe::local::{self, stripe_id};
use crate::dev_mailbox::escape;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use backend::AppState;
use backend::auth::CsrfToken;
use backend::store::unix_now;
use domain::money::{Currency, Money};
use serde_json::{Value, json};

pub const PAYING_CARD: &str = "4242424242424242";
pub const DECLINED_CARD: &str = "4000000000000002";

fn not_here() -> Response {
    StatusCode::NOT_FOUND.into_response()
}

fn failed(error: impl std::fmt::Display) -> Response {
    tracing::error!(%error, "local Stripe failed");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

fn page(title: &str, body: &str) -> Response {
    let mut response = Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · Local Stripe</title><link rel=\"stylesheet\" href=\"/pkg/peerloop.css\"></head>\
         <body><main class=\"container local-stripe\">{body}</main></body></html>",
        escape(title)
    ))
    .into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'self'; form-action 'self'"),
    );
    response
}

/// The local Checkout Session `id`, when the local Stripe is on and it exists; otherwise the
/// answer to give (404, or 500 when the database failed).
pub(crate) async fn load_session(state: &AppState, id: &str) -> Result<Value, Response> {
    if !state.settings.local_stripe {
        return Err(not_here());
    }
    let object: Option<String> =
        sqlx::query_scalar("SELECT object FROM dev_stripe_checkout_sessions WHERE id = $1")
            .bind(id)
            .fetch_optional(state.db.pool())
            .await
            .map_err(failed)?;
    object
        .and_then(|object| serde_json::from_str(&object).ok())
        .ok_or_else(not_here)
}

fn price_of(session: &Value) -> String {
    let cents = session["amount_total"].as_i64().unwrap_or_default();
    match Currency::parse(session["currency"].as_str().unwrap_or_default())
        .and_then(|currency| Money::new(cents, currency))
    {
        Ok(money) => money.to_string(),
        Err(_) => format!("{cents} (minor units)"),
    }
}

#[derive(serde::Deserialize)]
pub struct CheckoutQuery {
    declined: Option<String>,
    invalid: Option<String>,
}

pub async fn checkout_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<CheckoutQuery>,
    csrf: Option<axum::Extension<CsrfToken>>,
) -> Response {
    let session = match load_session(&state, &id).await {
        Ok(session) => session,
        Err(answer) => return answer,
    };
    let csrf = csrf.map(|token| token.0.0).unwrap_or_default();
    let product = session["line_items"]["data"][0]["description"]
        .as_str()
        .unwrap_or("PeerLoop");
    let price = price_of(&session);
    let cancel_url = session["cancel_url"].as_str().unwrap_or("/");
    let status = session["status"].as_str().unwrap_or_default();
    let summary = format!(
        "<p class=\"muted\">PeerLoop · test mode</p><h1>{}</h1>\
         <p class=\"price-large\" data-testid=\"checkout-amount\">{}</p>",
        escape(product),
        escape(&price)
    );
    if status != "open" || session["expires_at"].as_i64().unwrap_or_default() <= unix_now() {
        let body = format!(
            "{summary}<p role=\"status\">This checkout is {}. Nothing more can be paid here.</p>\
             <p><a href=\"/\">Back to PeerLoop</a></p>",
            if status == "complete" {
                "complete"
            } else {
                "expired"
            }
        );
        return page("Checkout", &body);
    }
    let alert = if query.declined.is_some() {
        "<p class=\"form-alert\" role=\"alert\" data-testid=\"card-error\">Your card was declined. \
         Try another card, or go back.</p>"
    } else if query.invalid.is_some() {
        "<p class=\"form-alert\" role=\"alert\" data-testid=\"card-error\">Your card number is \
         invalid. Use a test card listed below.</p>"
    } else {
        ""
    };
    let email = escape(session["customer_email"].as_str().unwrap_or_default());
    let body = format!(
        "{summary}{alert}\
         <form method=\"post\" action=\"/dev/stripe/checkout/{id}/pay\" class=\"card stack\">\
           <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
           <p>Email <strong>{email}</strong></p>\
           <label for=\"card-number\">Card number</label>\
           <input id=\"card-number\" name=\"card_number\" inputmode=\"numeric\" \
                  autocomplete=\"cc-number\" placeholder=\"4242 4242 4242 4242\" required>\
           <label for=\"card-expiry\">Expiry (MM / YY)</label>\
           <input id=\"card-expiry\" name=\"expiry\" autocomplete=\"cc-exp\" placeholder=\"12 / 34\" required>\
           <label for=\"card-cvc\">CVC</label>\
           <input id=\"card-cvc\" name=\"cvc\" inputmode=\"numeric\" autocomplete=\"cc-csc\" placeholder=\"123\" required>\
           <button type=\"submit\" class=\"button button-primary\">Pay {}</button>\
         </form>\
         <p><a href=\"{}\">← Back to PeerLoop</a></p>\
         <details><summary>Test cards and tools</summary>\
           <p>4242 4242 4242 4242 pays; 4000 0000 0000 0002 is declined. Any future expiry and any CVC.</p>\
           <form method=\"post\" action=\"/dev/stripe/checkout/{id}/expire\">\
             <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
             <button type=\"submit\" class=\"button button-small\">Expire now</button></form>\
           <p><a href=\"/dev/stripe/events\">Events sent</a></p>\
         </details>",
        escape(&price),
        escape(cancel_url),
    );
    page("Checkout", &body)
}

#[derive(serde::Deserialize)]
pub struct CardForm {
    card_number: String,
}

/// Saves a changed Checkout Session and emits its event, in one transaction, if the session is
/// still as `loaded` (compare and set: a Pay and an Expire, or two Pays, at once change it once);
/// the event's id, or None when it changed meanwhile.
async fn save_and_emit(
    state: &AppState,
    id: &str,
    loaded: &Value,
    session: &Value,
    event_kind: &str,
    event_object: Value,
) -> Result<Option<String>, wire::error::AppError> {
    let now = unix_now();
    let mut tx = state.db.begin_write().await?;
    let saved = sqlx::query(
        "UPDATE dev_stripe_checkout_sessions SET object = $2 WHERE id = $1 AND object = $3",
    )
    .bind(id)
    .bind(session.to_string())
    .bind(loaded.to_string())
    .execute(&mut *tx)
    .await?;
    if saved.rows_affected() != 1 {
        return Ok(None);
    }
    let event_id = local::emit(&mut tx, event_kind, event_object, now).await?;
    tx.commit().await?;
    Ok(Some(event_id))
}

/// Completes the open Checkout Session `id` (as `loaded`) as a card that pays does: saved
/// complete with a new PaymentIntent, its `checkout.session.completed` recorded and queued for
/// the webhook. The event's id, or None when the session changed meanwhile.
pub async fn pay_in_full(
    state: &AppState,
    id: &str,
    loaded: &Value,
) -> Result<Option<String>, wire::error::AppError> {
    let mut session = loaded.clone();
    session["status"] = json!("complete");
    session["payment_status"] = json!("paid");
    session["payment_intent"] = json!(stripe_id("pi"));
    save_and_emit(
        state,
        id,
        loaded,
        &session,
        "checkout.session.completed",
        session.clone(),
    )
    .await
}

pub async fn pay(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(form): Form<CardForm>,
) -> Response {
    let session = match load_session(&state, &id).await {
        Ok(session) => session,
        Err(answer) => return answer,
    };
    let here = format!("/dev/stripe/checkout/{id}");
    if session["status"] != "open" {
        return Redirect::to(&here).into_response();
    }
    let card: String = form
        .card_number
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let amount = session["amount_total"].clone();
    let currency = session["currency"].clone();
    let metadata = session["metadata"].clone();
    match card.as_str() {
        PAYING_CARD => {
            let success_url = session["success_url"]
                .as_str()
                .unwrap_or("/")
                .replace("{CHECKOUT_SESSION_ID}", &id);
            match pay_in_full(&state, &id, &session).await {
                Ok(Some(_)) => Redirect::to(&success_url).into_response(),
                // Paid or expired meanwhile (another click): the page says which.
                Ok(None) => Redirect::to(&here).into_response(),
                Err(error) => failed(error),
            }
        }
        DECLINED_CARD => {
            let intent = json!({
                "id": stripe_id("pi"),
                "object": "payment_intent",
                "amount": amount,
                "currency": currency,
                "status": "requires_payment_method",
                "livemode": false,
                "metadata": metadata,
                "last_payment_error": {
                    "type": "card_error",
                    "code": "card_declined",
                    "decline_code": "generic_decline",
                    "message": "Your card was declined."
                }
            });
            match save_and_emit(
                &state,
                &id,
                &session,
                &session,
                "payment_intent.payment_failed",
                intent,
            )
            .await
            {
                Ok(Some(_)) => Redirect::to(&format!("{here}?declined=1")).into_response(),
                Ok(None) => Redirect::to(&here).into_response(),
                Err(error) => failed(error),
            }
        }
        _ => Redirect::to(&format!("{here}?invalid=1")).into_response(),
    }
}

pub async fn expire(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let loaded = match load_session(&state, &id).await {
        Ok(session) => session,
        Err(answer) => return answer,
    };
    if loaded["status"] == "open" {
        let mut session = loaded.clone();
        session["status"] = json!("expired");
        // Paid meanwhile: nothing to expire.
        if let Err(error) = save_and_emit(
            &state,
            &id,
            &loaded,
            &session,
            "checkout.session.expired",
            session.clone(),
        )
        .await
        {
            return failed(error);
        }
    }
    Redirect::to(&format!("/dev/stripe/checkout/{id}")).into_response()
}

type EventRow = (String, String, i64, Option<i64>);

pub async fn events(
    State(state): State<AppState>,
    csrf: Option<axum::Extension<CsrfToken>>,
) -> Response {
    if !state.settings.local_stripe {
        return not_here();
    }
    let rows: Vec<EventRow> = match sqlx::query_as(
        "SELECT id, type, created, last_status FROM dev_stripe_events
          ORDER BY created DESC, id DESC LIMIT 200",
    )
    .fetch_all(state.db.pool())
    .await
    {
        Ok(rows) => rows,
        Err(error) => return failed(error),
    };
    let csrf = csrf.map(|token| token.0.0).unwrap_or_default();
    let items: String = rows
        .iter()
        .map(|(id, kind, created, status)| {
            let at = jiff::Timestamp::from_second(*created)
                .map(|at| at.to_string())
                .unwrap_or_default();
            let delivery = status
                .map(|status| format!("last delivery {status}"))
                .unwrap_or_else(|| "not delivered yet".into());
            format!(
                "<li class=\"card\" data-testid=\"stripe-event\"><h2>{}</h2>\
                 <p><code>{}</code> · {at} · {delivery}</p>\
                 <form method=\"post\" action=\"/dev/stripe/events/{}/resend\">\
                   <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
                   <button type=\"submit\" class=\"button button-small\">Resend</button></form></li>",
                escape(kind),
                escape(id),
                escape(id)
            )
        })
        .collect();
    let body = if items.is_empty() {
        "<p>No events yet. Enroll in a course and pay with a test card.</p>".to_owned()
    } else {
        format!("<ol class=\"messages\">{items}</ol>")
    };
    page(
        "Events",
        &format!(
            "<h1>Local Stripe: events sent</h1>\
             <p class=\"muted\">Development only: every event the local Stripe signed and sent \
             to /api/webhooks/stripe, newest first.</p>{body}"
        ),
    )
}

pub async fn resend(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    if !state.settings.local_stripe {
        return not_here();
    }
    let result = async {
        let mut conn = state.db.write_connection().await?;
        local::queue_delivery(&mut conn, &id, unix_now()).await
    }
    .await;
    match result {
        Ok(()) => Redirect::to("/dev/stripe/events").into_response(),
        Err(error) => failed(error),
    }
}
