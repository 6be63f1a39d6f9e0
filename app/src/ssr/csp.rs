//! Content-Security-Policy for rendered pages. Scripts run only from our origin or with this
//! response's nonce (the hydration bootstrap), and WASM may compile; no inline scripts otherwise.

use leptos::nonce::{provide_nonce, use_nonce};
use leptos::prelude::use_context;

/// Gives this render a fresh nonce and sends the policy naming it. Call at the top of the shell.
pub fn apply() {
    provide_nonce();
    let (Some(nonce), Some(response)) =
        (use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    // `cargo leptos watch` reloads the page over a WebSocket on another port.
    let live_reload = if std::env::var("LEPTOS_WATCH").is_ok() {
        " ws://127.0.0.1:* ws://localhost:*"
    } else {
        ""
    };
    // SROM's join form is answered with a redirect into PlugNmeet's room, and browsers hold a
    // form's redirects to `form-action` too.
    let video_origin = use_context::<backend::AppState>()
        .and_then(|state| state.settings.video_origin.clone())
        .map(|origin| format!(" {origin}"))
        .unwrap_or_default();
    // Recordings play from R2's presigned links.
    let blob_origin = use_context::<backend::AppState>()
        .and_then(|state| state.settings.blob_origin.clone())
        .map(|origin| format!(" {origin}"))
        .unwrap_or_default();
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; media-src 'self'{blob_origin}; \
         connect-src 'self'{live_reload}; \
         object-src 'none'; base-uri 'self'; form-action 'self'{video_origin}; \
         frame-ancestors 'none'"
    );
    if let Ok(value) = axum::http::HeaderValue::from_str(&policy) {
        response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, value);
    }
}
