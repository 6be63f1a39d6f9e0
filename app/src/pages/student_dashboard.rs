//! SDSH: the student's sessions (upcoming, past, and credits to schedule when ready), their
//! courses with progress, and where each stands on the S-T ladder.

use crate::api::learning::{EnrolledCourse, student_dashboard};
use crate::components::session_list::DashboardSessions;
use crate::components::sign_in::signed_in_page;
use domain::ladder::{ApplicationStatus, EnrollmentStatus, Progress};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn StudentDashboardPage() -> impl IntoView {
    let courses = Resource::new(|| (), |_| student_dashboard());
    view! {
        <Title text="Your learning" />
        <section class="container">
            <h1>"Your learning"</h1>
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
