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
