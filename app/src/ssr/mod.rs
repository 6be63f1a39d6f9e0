//! The server half of the app's server functions and shell: the backend's state from the Leptos
//! context, the HTTP request as a server function sees it, form failures for no-JS browsers and
//! the page's Content-Security-Policy.

pub mod csp;
pub mod flash;
pub mod request;

use axum::extract::FromRequestParts;
use backend::AppState;
use backend::auth::{SessionUser, SignedIn};
use backend::http::ApiError;
use leptos::prelude::use_context;
use wire::error::AppError;

/// The state provided to server functions and pages through Leptos context.
pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::Internal
    })
}

/// The state and the signed-in user (401 when there is none), through the same extractor the
/// REST handlers use.
pub async fn signed_in() -> Result<(AppState, SessionUser), AppError> {
    let state = state()?;
    let mut parts = use_context::<axum::http::request::Parts>().ok_or_else(|| {
        tracing::error!("request parts missing from the Leptos context");
        AppError::Internal
    })?;
    let SignedIn(user) = SignedIn::from_request_parts(&mut parts, &state)
        .await
        .map_err(|ApiError(error)| error)?;
    Ok((state, user))
}

/// The state and the signed-in user, or `None` for a visitor (pages that show more to members).
pub async fn viewer() -> Result<(AppState, Option<SessionUser>), AppError> {
    let state = state()?;
    let session = request::session().await?;
    let user = backend::auth::current_user(&state.db, &session, backend::store::unix_now()).await?;
    Ok((state, user))
}
