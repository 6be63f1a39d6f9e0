//! Who is viewing, and this session's CSRF token, for every page. Both refresh when the page
//! changes or someone logs in or out.

use crate::api::auth::{LogIn, LogOut, SignUp, Viewer, get_viewer};
use crate::api::forms::{CSRF_FIELD, csrf_token};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

#[derive(Clone, Copy)]
pub struct SessionContext {
    pub viewer: Resource<Result<Option<Viewer>, AppError>>,
    pub csrf: Resource<Result<String, AppError>>,
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
        csrf: Resource::new(changes, |_| csrf_token()),
        log_in,
        sign_up,
        log_out,
    });
    children()
}

/// The hidden CSRF field every state-changing form carries.
#[component]
pub fn CsrfField() -> impl IntoView {
    let session = use_session();
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let token = session.csrf.await.unwrap_or_default();
                view! { <input type="hidden" name=CSRF_FIELD value=token /> }
            })}
        </Suspense>
    }
}
