//! Lets a page choose the HTTP status of its server-rendered response.

/// Sets the status of the response being rendered (404 for a missing course, ...). In the
/// browser there is no response to change, so this does nothing.
pub fn set_http_status(code: u16) {
    #[cfg(feature = "ssr")]
    {
        use axum::http::StatusCode;
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(
                StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            );
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}
