//! What server functions need from the HTTP request: the session, the client's address, and
//! whether the call came from a plain HTML form (no JavaScript).

use crate::error::AppError;
use tower_sessions::Session;

/// The client's address as the server decided it (the socket peer, or the proxy header when
/// configured); the security middleware puts it in the request extensions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub String);

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
    let public_url = crate::backend::state()
        .map(|state| state.settings.public_url.clone())
        .unwrap_or_default();
    let target = next
        .and_then(|next| same_site_path(next, &public_url))
        .unwrap_or_else(|| default.to_owned());
    leptos_axum::redirect(&target);
}

/// `next` as a path (with query and fragment) on the site at `public_url`, or `None` when a
/// browser could take it anywhere else. Parsed with the WHATWG rules browsers use, so tricks
/// they would undo (tabs and newlines dropped, `\` read as `/`, `//host`) are seen as they
/// will be; any control character is refused outright, as is a path that decodes to `//`.
pub fn same_site_path(next: &str, public_url: &str) -> Option<String> {
    if !next.starts_with('/') || next.chars().any(char::is_control) {
        return None;
    }
    let base = url::Url::parse(public_url).ok()?;
    let target = base.join(next).ok()?;
    if target.origin() != base.origin() {
        return None;
    }
    let path = target.path();
    let lowered = path.to_ascii_lowercase();
    if path.starts_with("//") || lowered.starts_with("/%2f") || lowered.contains("%5c") {
        return None;
    }
    let mut same_site = path.to_owned();
    if let Some(query) = target.query() {
        same_site.push('?');
        same_site.push_str(query);
    }
    if let Some(fragment) = target.fragment() {
        same_site.push('#');
        same_site.push_str(fragment);
    }
    Some(same_site)
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

#[cfg(test)]
mod tests {
    use super::same_site_path;

    const SITE: &str = "https://peerloop.example";

    #[test]
    fn paths_of_this_site_are_kept() {
        for path in ["/dashboard", "/courses/abc?tab=modules", "/sessions/x#join"] {
            assert_eq!(same_site_path(path, SITE).as_deref(), Some(path));
        }
    }

    #[test]
    fn anything_a_browser_could_take_elsewhere_is_refused() {
        for next in [
            "",
            "dashboard",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/x\r\nSet-Cookie: a=b",
            "/%2F%2Fevil.example",
            "/%2f/evil.example",
            "/%5Cevil.example",
            "https://evil.example/",
            "https://peerloop.example/dashboard",
            "javascript:alert(1)",
            "/\u{0}",
            "/\u{7f}",
        ] {
            assert_eq!(same_site_path(next, SITE), None, "{next:?}");
        }
    }
}
