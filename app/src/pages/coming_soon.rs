//! Placeholders for the calls to action whose journeys have not shipped yet (paid enrollment).
//! They explain what is coming and lead back to the course.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

#[component]
pub fn EnrollmentComingSoon() -> impl IntoView {
    view! {
        <ComingSoon
            title="Enrollment opens soon"
            body="Soon you'll enroll with a secure card payment and start the course right away."
        />
    }
}

#[component]
fn ComingSoon(title: &'static str, body: &'static str) -> impl IntoView {
    let params = use_params_map();
    let course_href = move || format!("/courses/{}", params.read().get("id").unwrap_or_default());
    view! {
        <Title text=title />
        <section class="container notice" data-testid="coming-soon">
            <h1>{title}</h1>
            <p>{body}</p>
            <p>
                <A href=course_href>"Back to the course"</A>
            </p>
        </section>
    }
}
