//! What server functions need from the HTTP request: the session, the client's address, and
//! whether the call came from a plain HTML form (no JavaScript).

use backend::request::{ClientAddress, same_site_path};
use tower_sessions::Session;
use wire::error::AppError;

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|error| {
        tracing::error!(%error, "session layer missing");
        AppError::Internal
    })
}

pub async fn client_address() -> String {
    leptos_axum::extract::<axum::Extension<ClientAddress>>()
        .await
        .map(|axum::Extension(address)| address.0)
        .unwrap_or_else(|_| "unknown".into())
}

/// A plain form post asks for HTML; the hydrated app's calls do not.
pub async fn is_plain_form() -> bool {
    leptos_axum::extract::<axum::http::HeaderMap>()
        .await
        .ok()
        .and_then(|headers| {
            headers
                .get(axum::http::header::ACCEPT)?
                .to_str()
                .ok()
                .map(str::to_owned)
        })
        .is_some_and(|accept| accept.contains("text/html"))
}

/// Redirects after a successful form, to `next` when it names a page of this site.
pub fn redirect_to(next: Option<&str>, default: &str) {
    let public_url = super::state()
        .map(|state| state.settings.public_url.clone())
        .unwrap_or_default();
    let target = next
        .and_then(|next| same_site_path(next, &public_url))
        .unwrap_or_else(|| default.to_owned());
    leptos_axum::redirect(&target);
}

/// Gives a server function's error its own status (leptos answers 500 for every error). Plain
/// form posts keep leptos' redirect back to their page, which shows the error from the flash.
pub async fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(error) = &result
        && !is_plain_form().await
        && let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
    {
        response.set_status(
            axum::http::StatusCode::from_u16(error.status())
                .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR),
        );
    }
    result
}
