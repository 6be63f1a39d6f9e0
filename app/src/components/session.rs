//! Who is viewing, for every page (refreshed when the page changes or someone logs in or out),
//! and the CSRF field of every form.

use crate::api::auth::{LogIn, LogOut, SignUp, Viewer, get_viewer};
use crate::api::forms::CSRF_FIELD;
use leptos::prelude::*;
use leptos_router::hooks::use_location;
use wire::error::AppError;

#[derive(Clone, Copy)]
pub struct SessionContext {
    pub viewer: Resource<Result<Option<Viewer>, AppError>>,
    pub log_in: ServerAction<LogIn>,
    pub sign_up: ServerAction<SignUp>,
    pub log_out: ServerAction<LogOut>,
}

pub fn use_session() -> SessionContext {
    expect_context::<SessionContext>()
}

#[component]
pub fn SessionProvider(children: Children) -> impl IntoView {
    let log_in = ServerAction::<LogIn>::new();
    let sign_up = ServerAction::<SignUp>::new();
    let log_out = ServerAction::<LogOut>::new();
    let location = use_location();
    let changes = move || {
        (
            location.pathname.get(),
            log_in.version().get(),
            sign_up.version().get(),
            log_out.version().get(),
        )
    };
    provide_context(SessionContext {
        viewer: Resource::new(changes, |_| get_viewer()),
        log_in,
        sign_up,
        log_out,
    });
    children()
}

/// The hidden CSRF field every state-changing form carries. Only plain HTML form posts need
/// the token (the hydrated app's calls are covered by the Origin check). The server finds the
/// session's token in the request; a form the browser renders itself (after a client-side
/// navigation) takes it from the page's `csrf-token` meta tag (`CsrfMeta`), since the cookie
/// that holds it is out of JavaScript's reach.
#[component]
pub fn CsrfField() -> impl IntoView {
    view! { <input type="hidden" name=CSRF_FIELD value=token_for_this_render() /> }
}

/// The browser's CSRF token in the document head, for the forms the browser renders itself.
#[component]
pub fn CsrfMeta() -> impl IntoView {
    view! { <meta name="csrf-token" content=token_for_this_render() /> }
}

#[cfg(feature = "ssr")]
fn token_for_this_render() -> String {
    use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<backend::auth::CsrfToken>().cloned())
        .map(|token| token.0)
        .unwrap_or_default()
}

#[cfg(not(feature = "ssr"))]
fn token_for_this_render() -> String {
    document()
        .query_selector("meta[name=csrf-token]")
        .ok()
        .flatten()
        .and_then(|meta| meta.get_attribute("content"))
        .unwrap_or_default()
}
