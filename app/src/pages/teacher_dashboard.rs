//! TDSH: the courses a Student-Teacher teaches (sessions arrive with the booking issue).

use crate::api::learning::teacher_dashboard;
use crate::components::sign_in::signed_in_page;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn TeacherDashboardPage() -> impl IntoView {
    let courses = Resource::new(|| (), |_| teacher_dashboard());
    view! {
        <Title text="Teaching" />
        <section class="container">
            <h1>"Teaching"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    signed_in_page(courses.await, "/teach", |courses| {
                        if courses.is_empty() {
                            return view! {
                                <div class="empty-state">
                                    <p>
                                        "You don't teach a course yet. Finish a course, then apply to teach it from its page."
                                    </p>
                                    <A href="/dashboard">"Your learning"</A>
                                </div>
                            }
                                .into_any();
                        }
                        view! {
                            <ul class="dashboard-list">
                                {courses
                                    .into_iter()
                                    .map(|course| {
                                        view! {
                                            <li class="card" data-testid="taught-course">
                                                <h2>
                                                    <A href=format!("/courses/{}", course.course_id)>{course.title}</A>
                                                </h2>
                                                <p class="muted">"No sessions booked yet."</p>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                            .into_any()
                    })
                })}
            </Suspense>
        </section>
    }
}
