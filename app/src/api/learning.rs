//! The learning loop as pages see it: progress on a course (CDET), dashboards (SDSH, TDSH,
//! CDSH), Student-Teacher lists and profiles, and the actions that move people along.

use crate::api::codec::JsonText;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use wire::error::AppError;
pub use wire::learning::*;

#[server(prefix = "/rpc", endpoint = "course_progress", input = GetUrl, output = JsonText)]
pub async fn get_course_progress(course_id: String) -> Result<Option<CourseProgress>, AppError> {
    crate::ssr::request::respond(
        async move {
            let (state, Some(user)) = crate::ssr::viewer().await? else {
                return Ok(None);
            };
            backend::services::dashboards::course_progress(&state.db, &user, &course_id).await
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "course_teachers", input = GetUrl, output = JsonText)]
pub async fn course_teachers(course_id: String) -> Result<Vec<StudentTeacher>, AppError> {
    crate::ssr::request::respond(
        async move {
            let state = crate::ssr::state()?;
            backend::services::dashboards::course_teachers(&state.db, &course_id).await
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "student_dashboard", input = GetUrl, output = JsonText)]
pub async fn student_dashboard() -> Result<Vec<EnrolledCourse>, AppError> {
    crate::ssr::request::respond(
        async move {
            let (state, user) = crate::ssr::signed_in().await?;
            backend::services::dashboards::student_dashboard(&state.db, &user).await
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "teacher_dashboard", input = GetUrl, output = JsonText)]
pub async fn teacher_dashboard() -> Result<Vec<crate::api::auth::TaughtCourse>, AppError> {
    crate::ssr::request::respond(
        async move {
            let (state, user) = crate::ssr::signed_in().await?;
            backend::services::dashboards::courses_taught(&state.db, &user.id).await
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "creator_dashboard", input = GetUrl, output = JsonText)]
pub async fn get_creator_dashboard() -> Result<CreatorDashboard, AppError> {
    crate::ssr::request::respond(
        async move {
            let (state, user) = crate::ssr::signed_in().await?;
            backend::services::dashboards::creator_dashboard(&state.db, &user).await
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "creator_profile", input = GetUrl, output = JsonText)]
pub async fn creator_profile(creator_id: String) -> Result<CreatorProfilePage, AppError> {
    crate::ssr::request::respond(
        async move {
            let state = crate::ssr::state()?;
            backend::services::dashboards::creator_profile(&state.db, &creator_id).await
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "student_teacher_profile", input = GetUrl, output = JsonText)]
pub async fn get_student_teacher_profile(
    user_id: String,
) -> Result<StudentTeacherProfile, AppError> {
    crate::ssr::request::respond(
        async move {
            let state = crate::ssr::state()?;
            backend::services::dashboards::student_teacher_profile(&state.db, &user_id).await
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "complete_module", output = JsonText)]
pub async fn complete_module(enrollment_id: String, module_id: String) -> Result<(), AppError> {
    crate::ssr::request::respond(
        async move {
            let (state, user) = crate::ssr::signed_in().await?;
            let now = backend::store::unix_now();
            backend::services::learning::complete_module(
                &state.db,
                &user,
                &enrollment_id,
                &module_id,
                now,
            )
            .await
            .map(drop)
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "apply_to_teach", output = JsonText)]
pub async fn apply_to_teach(course_id: String, motivation: String) -> Result<(), AppError> {
    crate::ssr::request::respond(
        async move {
            let (state, user) = crate::ssr::signed_in().await?;
            let now = backend::store::unix_now();
            crate::ssr::flash::keep_failure(
                "apply",
                &[("motivation", &motivation)],
                backend::services::learning::apply_to_teach(
                    &state.db,
                    &user,
                    &course_id,
                    &motivation,
                    now,
                )
                .await,
            )
            .await
            .map(drop)
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "decide_application", output = JsonText)]
pub async fn decide_application(
    application_id: String,
    decision: String,
    reason: Option<String>,
) -> Result<(), AppError> {
    crate::ssr::request::respond(
        async move {
            use domain::ladder::Decision;
            let (state, user) = crate::ssr::signed_in().await?;
            let decision = match decision.as_str() {
                "approve" => Decision::Approve,
                "decline" => Decision::Decline {
                    reason: reason.unwrap_or_default(),
                },
                _ => return Err(AppError::BadRequest("Choose approve or decline.".into())),
            };
            let now = backend::store::unix_now();
            crate::ssr::flash::keep_failure(
                "decide",
                &[("application_id", &application_id)],
                backend::services::learning::decide_application(
                    &state.db,
                    &user,
                    &application_id,
                    decision,
                    now,
                )
                .await,
            )
            .await
            .map(drop)
        }
        .await,
    )
    .await
}

/// Enrolls a student (by email) in a course without payment: admins only, until the payments
/// issue brings paid enrollment.
#[server(prefix = "/rpc", endpoint = "enroll_student", output = JsonText)]
pub async fn enroll_student(email: String, course_id: String) -> Result<String, AppError> {
    crate::ssr::request::respond(
        async move {
            let (state, user) = crate::ssr::signed_in().await?;
            let now = backend::store::unix_now();
            crate::ssr::flash::keep_failure(
                "enroll",
                &[("email", &email)],
                backend::services::learning::enroll_by_email(
                    &state.db, &user, &email, &course_id, now,
                )
                .await,
            )
            .await
        }
        .await,
    )
    .await
}
