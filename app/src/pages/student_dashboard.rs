//! SDSH: the student's sessions (upcoming, past, and credits to schedule when ready), their
//! courses with progress, and where each stands on the S-T ladder.

use crate::api::learning::{EnrolledCourse, student_dashboard};
use crate::api::payments::{CheckoutState, get_checkout_status};
use crate::components::session_list::DashboardSessions;
use crate::components::sign_in::signed_in_page;
use domain::ladder::{ApplicationStatus, EnrollmentStatus, Progress};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

#[component]
pub fn StudentDashboardPage() -> impl IntoView {
    let query = use_query_map();
    let checkout = move || query.read().get("checkout").filter(|id| !id.is_empty());
    // Asked again every 1.5 s while the payment is being confirmed (hydrated only).
    let checks = RwSignal::new(0_u32);
    let status = Resource::new(
        move || (checkout(), checks.get()),
        |(checkout, _)| async move {
            match checkout {
                Some(id) => get_checkout_status(id).await,
                None => Ok(None),
            }
        },
    );
    // Loaded again once a payment this page was waiting for is confirmed.
    let confirmed = RwSignal::new(false);
    let courses = Resource::new(move || confirmed.get(), |_| student_dashboard());
    Effect::new(move || match status.get() {
        Some(Ok(Some(status))) if status.state == CheckoutState::Confirming => {
            set_timeout(
                move || checks.update(|n| *n += 1),
                std::time::Duration::from_millis(1500),
            );
        }
        Some(Ok(Some(status)))
            if status.state == CheckoutState::Confirmed && checks.get_untracked() > 0 =>
        {
            confirmed.set(true);
        }
        _ => {}
    });
    view! {
        <Title text="Your learning" />
        <section class="container">
            <h1>"Your learning"</h1>
            <Suspense>
                {move || Suspend::new(async move {
                    let Ok(Some(status)) = status.await else {
                        return ().into_any();
                    };
                    let refresh = format!("/dashboard?checkout={}", checkout().unwrap_or_default());
                    match status.state {
                        CheckoutState::Confirming => view! {
                            <div class="notice" role="status" aria-busy="true" data-testid="checkout-status">
                                <p>"Confirming your payment…"</p>
                                <p class="muted">
                                    {format!("Your enrollment in {} appears here as soon as Stripe confirms it. ", status.course_title)}
                                    <a href=refresh>"Refresh"</a>
                                </p>
                            </div>
                        }
                            .into_any(),
                        CheckoutState::Confirmed => view! {
                            <p class="notice form-success" role="status" data-testid="checkout-status">
                                {format!("Payment received: you're enrolled in {}. Welcome!", status.course_title)}
                            </p>
                        }
                            .into_any(),
                        CheckoutState::NotPaid => view! {
                            <p class="notice" role="status" data-testid="checkout-status">
                                "That checkout ended without a payment — you have not been charged."
                            </p>
                        }
                            .into_any(),
                        CheckoutState::NeedsAttention => view! {
                            <p class="notice form-alert" role="alert" data-testid="checkout-status">
                                "We received your payment but could not finish your enrollment automatically. We'll sort it out and email you."
                            </p>
                        }
                            .into_any(),
                    }
                })}
            </Suspense>
            <DashboardSessions as_teacher=false here="/dashboard" />
            <h2>"Your courses"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Loading your courses…"</p> }>
                {move || Suspend::new(async move {
                    signed_in_page(courses.await, "/dashboard", |courses| {
                        if courses.is_empty() {
                            return view! {
                                <div class="empty-state">
                                    <p>"You haven't enrolled in a course yet."</p>
                                    <A href="/">"Browse courses"</A>
                                </div>
                            }
                                .into_any();
                        }
                        view! {
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
