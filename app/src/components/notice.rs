use crate::components::status::set_http_status;
use leptos::prelude::*;
use leptos_router::components::A;
use wire::error::AppError;

/// The error page body: a clear message, and a way forward.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    set_http_status(error.status());
    view! {
        <section class="notice notice-error" role="alert">
            <h1>"Something went wrong"</h1>
            <p>{error.to_string()}</p>
            <p>
                <A href="/">"Back to all courses"</A>
            </p>
        </section>
    }
}

/// A placeholder shown while data loads, shaped like what will replace it.
#[component]
pub fn LoadingCards(count: usize) -> impl IntoView {
    view! {
        <ul class="course-grid" aria-busy="true" aria-label="Loading courses">
            {(0..count)
                .map(|_| view! { <li class="course-card skeleton" aria-hidden="true"></li> })
                .collect_view()}
        </ul>
    }
}
