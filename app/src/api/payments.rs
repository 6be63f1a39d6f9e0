//! Paying for a course as pages see it: opening a Checkout Session.

use crate::api::codec::JsonText;
use leptos::prelude::*;
use wire::error::AppError;
pub use wire::payments::*;

/// Opens the Checkout Session that enrolls the signed-in student in a course and returns its
/// URL, which the page sends the browser to. A plain form post (no JavaScript) is redirected
/// there instead; when already enrolled, to the dashboard; when Stripe is down, back to the
/// course page, which says so.
#[server(prefix = "/rpc", endpoint = "start_checkout", output = JsonText)]
pub async fn start_checkout(course_id: String) -> Result<String, AppError> {
    crate::ssr::request::respond(
        async move {
            let (state, user) = crate::ssr::signed_in().await?;
            let started = backend::services::payments::start_enrollment_checkout(
                &state.db,
                state.payments.as_ref(),
                &state.settings.public_url,
                &user,
                course_id.trim(),
                backend::store::unix_now(),
            )
            .await;
            let plain_form = crate::ssr::request::is_plain_form().await;
            match started {
                Err(AppError::Conflict(_)) if plain_form => {
                    leptos_axum::redirect("/dashboard");
                    Ok("/dashboard".to_owned())
                }
                Ok(started) => {
                    if plain_form {
                        leptos_axum::redirect(&started.url);
                    }
                    Ok(started.url)
                }
                // Without JavaScript the course page says it (`?checkout=unavailable`).
                Err(AppError::Unavailable(_)) if plain_form => {
                    let notice = format!("/courses/{}?checkout=unavailable", course_id.trim());
                    leptos_axum::redirect(&notice);
                    Ok(notice)
                }
                Err(error) => Err(error),
            }
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "payments_overview", input = leptos::server_fn::codec::GetUrl, output = JsonText)]
pub async fn get_payments_overview() -> Result<PaymentsOverview, AppError> {
    crate::ssr::request::respond(
        async move {
            let (state, user) = crate::ssr::signed_in().await?;
            backend::services::payments::payments_overview(&state.db, &user).await
        }
        .await,
    )
    .await
}

/// Refunds `amount` (as typed, e.g. "10.50"; all that is left when empty) of a payment, as the
/// request the page's form named (`PaymentLine::refund_request`): a second click on one form is
/// the same refund, a refund asked for again after the page showed the first is another.
#[server(prefix = "/rpc", endpoint = "refund_payment", output = JsonText)]
pub async fn refund_payment(
    payment_id: String,
    amount: String,
    request: Option<String>,
) -> Result<String, AppError> {
    crate::ssr::request::respond(
        async move {
            let (state, user) = crate::ssr::signed_in().await?;
            let result = async {
                let amount_cents = match amount.trim() {
                    "" => None,
                    typed => Some(domain::money::parse_cents(typed).map_err(|error| {
                        AppError::BadRequest(format!("Check the amount: {error}."))
                    })?),
                };
                backend::services::payments::refund_payment(
                    &state.db,
                    state.payments.as_ref(),
                    &user,
                    &payment_id,
                    amount_cents,
                    request.as_deref(),
                )
                .await
                .map(|_| REFUND_REQUESTED.to_owned())
            }
            .await;
            crate::ssr::flash::keep_failure("refund", &[("payment_id", &payment_id)], result).await
        }
        .await,
    )
    .await
}

/// Marks a session that has ended as taught (its Student-Teacher); their earnings follow.
#[server(prefix = "/rpc", endpoint = "mark_taught", output = JsonText)]
pub async fn mark_taught(session_id: String) -> Result<String, AppError> {
    crate::ssr::request::respond(
        async move {
            let (state, user) = crate::ssr::signed_in().await?;
            let result = backend::services::booking::mark_taught(
                &state.db,
                &user,
                &session_id,
                backend::store::unix_now(),
            )
            .await
            .map(|session| {
                format!(
                    "Marked taught: {} with {}.",
                    session.course_title, session.with_name
                )
            });
            crate::ssr::flash::keep_failure("refund", &[], result).await
        }
        .await,
    )
    .await
}

/// Sets what a course charges per session beyond an enrollment's credits ("25" or "25.50";
/// empty: it sells no single sessions), for its creator or an admin.
#[server(prefix = "/rpc", endpoint = "set_session_price", output = JsonText)]
pub async fn set_session_price(course_id: String, price: String) -> Result<String, AppError> {
    crate::ssr::request::respond(
        async move {
            let (state, user) = crate::ssr::signed_in().await?;
            let result = async {
                let cents = match price.trim() {
                    "" => None,
                    typed => Some(domain::money::parse_cents(typed).map_err(|error| {
                        AppError::BadRequest(format!("Check the price: {error}."))
                    })?),
                };
                backend::services::payments::set_session_price(
                    &state.db,
                    &user,
                    course_id.trim(),
                    cents,
                )
                .await?;
                Ok(match cents {
                    Some(_) => "Price per session saved.",
                    None => "This course no longer sells single sessions.",
                }
                .to_owned())
            }
            .await;
            crate::ssr::flash::keep_failure("session_price", &[("course_id", &course_id)], result)
                .await
        }
        .await,
    )
    .await
}

/// An admin decides a disputed session: `happened` is "yes" or "no".
#[server(prefix = "/rpc", endpoint = "decide_dispute", output = JsonText)]
pub async fn decide_dispute(session_id: String, happened: String) -> Result<String, AppError> {
    crate::ssr::request::respond(
        async move {
            let (state, user) = crate::ssr::signed_in().await?;
            let result = async {
                let session_happened = match happened.as_str() {
                    "yes" => true,
                    "no" => false,
                    _ => return Err(AppError::BadRequest("Decide yes or no.".into())),
                };
                backend::services::booking::decide_dispute(
                    &state.db,
                    &user,
                    &session_id,
                    session_happened,
                    backend::store::unix_now(),
                )
                .await?;
                Ok(if session_happened {
                    "Decided: the session took place; the teacher keeps the earnings."
                } else {
                    "Decided: the session did not take place; the student gets back what they paid."
                }
                .to_owned())
            }
            .await;
            crate::ssr::flash::keep_failure("refund", &[], result).await
        }
        .await,
    )
    .await
}
