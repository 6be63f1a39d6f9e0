use leptos::prelude::*;
use leptos_router::components::Redirect;

/// Sends a visitor who is not signed in to log in, and back to `here` afterwards. On the server
/// this is a 302; in the browser, a client-side navigation.
pub fn login_redirect(here: &str) -> impl IntoView + use<> {
    let target = format!("/login?next={}", leptos_router::location::Url::escape(here));
    view! { <Redirect path=target /> }
}
