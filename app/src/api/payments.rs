//! Paying for a course as pages see it: how a checkout the student came back from stands.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use wire::error::AppError;
pub use wire::payments::*;

#[server(prefix = "/rpc", endpoint = "checkout_status", input = GetUrl)]
pub async fn get_checkout_status(session_id: String) -> Result<Option<CheckoutStatus>, AppError> {
    crate::ssr::request::respond(
        async move {
            let (state, user) = crate::ssr::signed_in().await?;
            backend::services::payments::checkout_status(&state.db, &user, &session_id).await
        }
        .await,
    )
    .await
}

/// Opens the Checkout Session that enrolls the signed-in student in a course and returns its
/// URL, which the page sends the browser to. A plain form post (no JavaScript) is redirected
/// there instead; when already enrolled, to the dashboard.
#[server(prefix = "/rpc", endpoint = "start_checkout")]
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
                Err(error) => crate::ssr::flash::keep_failure("enroll", &[], Err(error)).await,
            }
        }
        .await,
    )
    .await
}
