use crate::components::status::set_http_status;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn NotFound() -> impl IntoView {
    set_http_status(404);
    view! {
        <Title text="Page not found" />
        <section class="container notice" data-testid="not-found">
            <h1>"We couldn't find that page"</h1>
            <p>"The link may be broken, or the course may no longer be published."</p>
            <p>
                <A href="/">"Browse all courses"</A>
            </p>
        </section>
    }
}
