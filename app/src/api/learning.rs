//! The learning loop as pages see it: progress on a course (CDET), dashboards (SDSH, TDSH,
//! CDSH), Student-Teacher lists and profiles, and the actions that move people along.

use crate::domain::ladder::{ApplicationStatus, EnrollmentStatus};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

/// The viewer's own progress on one course.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CourseProgress {
    pub enrollment_id: String,
    pub status: EnrollmentStatus,
    pub completed_module_ids: Vec<String>,
    pub total_modules: i64,
    pub application: Option<ApplicationSummary>,
    pub is_student_teacher: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApplicationSummary {
    pub id: String,
    pub status: ApplicationStatus,
    pub decline_reason: Option<String>,
}

/// A course on the student dashboard (SDSH).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnrolledCourse {
    pub enrollment_id: String,
    pub course_id: String,
    pub title: String,
    pub status: EnrollmentStatus,
    pub completed_modules: i64,
    pub total_modules: i64,
    pub application: Option<ApplicationSummary>,
    pub is_student_teacher: bool,
}

/// An application waiting on the creator dashboard (CDSH).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingApplication {
    pub id: String,
    pub course_id: String,
    pub course_title: String,
    pub applicant_id: String,
    pub applicant_name: String,
    pub motivation: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreatorDashboard {
    pub courses: Vec<CreatorCourse>,
    pub pending: Vec<PendingApplication>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreatorCourse {
    pub id: String,
    pub title: String,
    pub enrolled: i64,
    pub student_teachers: i64,
}

/// A Student-Teacher as listed on a course, a creator's profile and their own profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StudentTeacher {
    pub user_id: String,
    pub name: String,
    pub time_zone: String,
    pub bio: String,
}

/// The public profile of a Student-Teacher.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StudentTeacherProfile {
    pub teacher: StudentTeacher,
    pub courses: Vec<crate::api::auth::TaughtCourse>,
}

/// The public creator profile (CPRO).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreatorProfilePage {
    pub id: String,
    pub name: String,
    pub bio: String,
    pub courses: Vec<crate::api::courses::CourseSummary>,
    pub student_teachers: Vec<StudentTeacher>,
}

#[cfg(feature = "ssr")]
pub(crate) async fn signed_in()
-> Result<(crate::backend::AppState, crate::backend::auth::SessionUser), AppError> {
    let state = crate::backend::state()?;
    let session = crate::backend::request::session().await?;
    let user =
        crate::backend::auth::require_user(&state.db, &session, crate::backend::store::unix_now())
            .await?;
    Ok((state, user))
}

#[server(prefix = "/rpc", endpoint = "course_progress", input = GetUrl)]
pub async fn get_course_progress(course_id: String) -> Result<Option<CourseProgress>, AppError> {
    crate::backend::request::respond(
        async move {
            let state = crate::backend::state()?;
            let session = crate::backend::request::session().await?;
            let now = crate::backend::store::unix_now();
            let Some(user) = crate::backend::auth::current_user(&state.db, &session, now).await?
            else {
                return Ok(None);
            };
            crate::backend::store::learning::course_progress(&state.db, &user.id, &course_id).await
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "course_teachers", input = GetUrl)]
pub async fn course_teachers(course_id: String) -> Result<Vec<StudentTeacher>, AppError> {
    crate::backend::request::respond(
        async move {
            let state = crate::backend::state()?;
            crate::backend::store::learning::course_teachers(&state.db, &course_id).await
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "student_dashboard", input = GetUrl)]
pub async fn student_dashboard() -> Result<Vec<EnrolledCourse>, AppError> {
    crate::backend::request::respond(
        async move {
            let (state, user) = signed_in().await?;
            crate::backend::store::learning::enrolled_courses(&state.db, &user.id).await
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "teacher_dashboard", input = GetUrl)]
pub async fn teacher_dashboard() -> Result<Vec<crate::api::auth::TaughtCourse>, AppError> {
    crate::backend::request::respond(
        async move {
            let (state, user) = signed_in().await?;
            crate::backend::store::learning::courses_taught(&state.db, &user.id).await
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "creator_dashboard", input = GetUrl)]
pub async fn get_creator_dashboard() -> Result<CreatorDashboard, AppError> {
    crate::backend::request::respond(
        async move {
            let (state, user) = signed_in().await?;
            crate::domain::access::authorize(
                Some(&user.actor()),
                crate::domain::access::Access::CreatorDashboard {
                    creator_id: &user.id,
                },
            )?;
            crate::backend::store::learning::creator_dashboard(&state.db, &user.id).await
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "creator_profile", input = GetUrl)]
pub async fn creator_profile(creator_id: String) -> Result<CreatorProfilePage, AppError> {
    crate::backend::request::respond(
        async move {
            let state = crate::backend::state()?;
            crate::backend::store::learning::creator_profile(&state.db, &creator_id)
                .await?
                .ok_or_else(|| AppError::NotFound("We couldn't find that creator.".into()))
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "student_teacher_profile", input = GetUrl)]
pub async fn get_student_teacher_profile(
    user_id: String,
) -> Result<StudentTeacherProfile, AppError> {
    crate::backend::request::respond(
        async move {
            let state = crate::backend::state()?;
            crate::backend::store::learning::student_teacher_profile(&state.db, &user_id)
                .await?
                .ok_or_else(|| AppError::NotFound("We couldn't find that Student-Teacher.".into()))
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "complete_module")]
pub async fn complete_module(enrollment_id: String, module_id: String) -> Result<(), AppError> {
    crate::backend::request::respond(
        async move {
            let (state, user) = signed_in().await?;
            let now = crate::backend::store::unix_now();
            crate::backend::services::learning::complete_module(
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

#[server(prefix = "/rpc", endpoint = "apply_to_teach")]
pub async fn apply_to_teach(course_id: String, motivation: String) -> Result<(), AppError> {
    crate::backend::request::respond(
        async move {
            let (state, user) = signed_in().await?;
            let now = crate::backend::store::unix_now();
            crate::backend::flash::keep_failure(
                "apply",
                &[("motivation", &motivation)],
                crate::backend::services::learning::apply_to_teach(
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

#[server(prefix = "/rpc", endpoint = "decide_application")]
pub async fn decide_application(
    application_id: String,
    decision: String,
    reason: Option<String>,
) -> Result<(), AppError> {
    crate::backend::request::respond(
        async move {
            use crate::domain::ladder::Decision;
            let (state, user) = signed_in().await?;
            let decision = match decision.as_str() {
                "approve" => Decision::Approve,
                "decline" => Decision::Decline {
                    reason: reason.unwrap_or_default(),
                },
                _ => return Err(AppError::BadRequest("Choose approve or decline.".into())),
            };
            let now = crate::backend::store::unix_now();
            crate::backend::flash::keep_failure(
                "decide",
                &[("application_id", &application_id)],
                crate::backend::services::learning::decide_application(
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
#[server(prefix = "/rpc", endpoint = "enroll_student")]
pub async fn enroll_student(email: String, course_id: String) -> Result<String, AppError> {
    crate::backend::request::respond(
        async move {
            let (state, user) = signed_in().await?;
            let now = crate::backend::store::unix_now();
            crate::backend::flash::keep_failure(
                "enroll",
                &[("email", &email)],
                crate::backend::services::learning::enroll_by_email(
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
