use crate::components::notice::ErrorNotice;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use wire::error::AppError;

/// Sends a visitor who is not signed in to log in, and back to `here` afterwards. On the server
/// this is a 302; in the browser, a client-side navigation.
pub fn login_redirect(here: &str) -> impl IntoView + use<> {
    let target = format!("/login?next={}", leptos_router::location::Url::escape(here));
    view! { <Redirect path=target /> }
}

/// What a signed-in page shows for its data: the content, a trip to log in (and back to
/// `here`), or the error.
pub fn signed_in_page<T>(
    result: Result<T, AppError>,
    here: &str,
    content: impl FnOnce(T) -> AnyView,
) -> AnyView {
    match result {
        Ok(value) => content(value),
        Err(AppError::Unauthorized) => login_redirect(here).into_any(),
        Err(error) => view! { <ErrorNotice error /> }.into_any(),
    }
}
