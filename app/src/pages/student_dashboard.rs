//! SDSH: the student's sessions (upcoming, past, and credits to schedule when ready), their
//! courses with progress, and where each stands on the S-T ladder.

use crate::api::learning::{EnrolledCourse, student_dashboard};
use crate::components::session_list::DashboardSessions;
use crate::components::sign_in::signed_in_page;
use domain::ladder::{ApplicationStatus, EnrollmentStatus, Progress};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

#[component]
pub fn StudentDashboardPage() -> impl IntoView {
    let courses = Resource::new(|| (), |_| student_dashboard());
    // Back from Checkout (`?checkout=cs_…&course=…`): the course paid for, until it is listed.
    let query = use_query_map();
    let paid_for = move || {
        let query = query.read();
        query.get("checkout").zip(query.get("course"))
    };
    // Stripe's webhook may land after the student: ask again every 1.5 s (hydrated only), for
    // two minutes at most, until the course is listed.
    let asked = RwSignal::new(0_u32);
    Effect::new(move || {
        if let (Some((_, course_id)), Some(Ok(listed))) = (paid_for(), courses.get())
            && !listed.iter().any(|course| course.course_id == course_id)
            && asked.get_untracked() < 80
        {
            set_timeout(
                move || {
                    asked.update(|n| *n += 1);
                    courses.refetch();
                },
                std::time::Duration::from_millis(1500),
            );
        }
    });
    view! {
        <Title text="Your learning" />
        <section class="container">
            <h1>"Your learning"</h1>
            <DashboardSessions as_teacher=false here="/dashboard" />
            <h2>"Your courses"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Loading your courses…"</p> }>
                {move || Suspend::new(async move {
                    signed_in_page(courses.await, "/dashboard", move |courses| {
                        let notice = paid_for()
                            .map(|(checkout, course_id)| payment_notice(&courses, &checkout, &course_id));
                        if courses.is_empty() {
                            return view! {
                                {notice}
                                <div class="empty-state">
                                    <p>"You haven't enrolled in a course yet."</p>
                                    <A href="/">"Browse courses"</A>
                                </div>
                            }
                                .into_any();
                        }
                        view! {
                            {notice}
                            <ul class="dashboard-list">
                                {courses
                                    .into_iter()
                                    .map(|course| view! { <EnrolledCourseCard course /> })
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

/// Back from Checkout: the payment is confirmed once the course is listed (Stripe's webhook
/// made the enrollment); until then, it is being confirmed.
fn payment_notice(courses: &[EnrolledCourse], checkout: &str, course_id: &str) -> AnyView {
    match courses.iter().find(|course| course.course_id == course_id) {
        Some(course) => view! {
            <p class="form-success" role="status" data-testid="checkout-status">
                {format!("Payment received: you're enrolled in {}. Welcome!", course.title)}
            </p>
        }
            .into_any(),
        None => view! {
            <p class="form-status" role="status" aria-busy="true" data-testid="checkout-status">
                "Confirming your payment… Your new course appears here as soon as Stripe confirms it. "
                <a href=format!("/dashboard?checkout={checkout}&course={course_id}")>"Refresh"</a>
            </p>
        }
            .into_any(),
    }
}

#[component]
fn EnrolledCourseCard(course: EnrolledCourse) -> impl IntoView {
    let progress = Progress {
        completed_modules: course.completed_modules as usize,
        total_modules: course.total_modules as usize,
    };
    let ladder = if course.is_student_teacher {
        "You teach this course.".to_owned()
    } else {
        match (&course.application, course.status) {
            (Some(application), _) if application.status == ApplicationStatus::Pending => {
                "Application to teach: waiting for the creator.".to_owned()
            }
            (Some(application), _) if application.status == ApplicationStatus::Declined => format!(
                "Application to teach declined: {}",
                application.decline_reason.clone().unwrap_or_default()
            ),
            (_, EnrollmentStatus::Completed) => "Completed. You can apply to teach it.".to_owned(),
            _ => "Keep going: finish every module to teach this course.".to_owned(),
        }
    };
    let percent = progress.percent();
    view! {
        <li class="card dashboard-card" data-testid="enrolled-course">
            <h3>
                <A href=format!("/courses/{}", course.course_id)>{course.title.clone()}</A>
            </h3>
            <div
                class="progress"
                role="progressbar"
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuenow=percent.to_string()
                aria-label="Course progress"
            >
                <span class=format!("progress-bar progress-{}", percent / 10 * 10)></span>
            </div>
            <p class="muted">
                {format!("{} of {} modules · {percent}%", progress.completed_modules, progress.total_modules)}
            </p>
            <p data-testid="ladder-status">{ladder}</p>
            <A href=format!("/courses/{}/book", course.course_id) attr:class="button button-small">
                "Book a session"
            </A>
        </li>
    }
}
