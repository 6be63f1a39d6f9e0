//! The learning loop: module progress, applying to teach, and the creator's decision. Each
//! change is one transaction: read the facts, ask the domain, write with compare-and-set.

use crate::auth::SessionUser;
use crate::db::Db;
use crate::store::{self, learning, new_id};
use domain::access::{Access, authorize};
use domain::account::FieldErrors;
use domain::ladder::{
    self, ApplicationStatus, Decision, EnrollmentStatus, LadderError, Progress, TeachingEligibility,
};
use wire::error::AppError;

pub const MAX_MOTIVATION_CHARS: usize = 2000;

fn ladder_error(error: LadderError) -> AppError {
    match error {
        LadderError::ReasonRequired => {
            let mut fields = FieldErrors::default();
            fields.add("reason", error.to_string());
            AppError::Invalid(fields)
        }
        other => AppError::Conflict(other.to_string()),
    }
}

fn enrollment_not_found() -> AppError {
    AppError::NotFound("We couldn't find that enrollment.".into())
}

fn parse_status(status: &str) -> Result<EnrollmentStatus, AppError> {
    EnrollmentStatus::parse(status).ok_or_else(|| {
        tracing::error!(status, "enrollment row holds an unknown status");
        AppError::Internal
    })
}

/// Marks a module complete; completing the last one completes the course.
pub async fn complete_module(
    db: &Db,
    user: &SessionUser,
    enrollment_id: &str,
    module_id: &str,
    now: i64,
) -> Result<EnrollmentStatus, AppError> {
    let mut tx = db.begin_write().await?;
    learning::lock_enrollment(&mut tx, enrollment_id).await?;
    let enrollment = learning::find_enrollment(&mut tx, enrollment_id)
        .await?
        .ok_or_else(enrollment_not_found)?;
    authorize(
        Some(&user.actor()),
        Access::Enrollment {
            student_id: &enrollment.student_id,
        },
    )?;
    if !learning::module_in_course(&mut tx, module_id, &enrollment.course_id).await? {
        return Err(AppError::NotFound(
            "That module is not part of this course.".into(),
        ));
    }
    let status = parse_status(&enrollment.status)?;
    learning::record_completion(&mut tx, enrollment_id, module_id, now).await?;
    let (done, total) = learning::progress(&mut tx, enrollment_id, &enrollment.course_id).await?;
    let after = Progress {
        completed_modules: done as usize,
        total_modules: total as usize,
    };
    let next = ladder::complete_module(status, after).map_err(ladder_error)?;
    if next != status {
        let completed_at = (next == EnrollmentStatus::Completed).then_some(now);
        if !learning::set_enrollment_status(
            &mut tx,
            enrollment_id,
            status.as_str(),
            next.as_str(),
            completed_at,
        )
        .await?
        {
            return Err(AppError::Conflict(
                "This course changed meanwhile. Reload and try again.".into(),
            ));
        }
    }
    tx.commit().await?;
    Ok(next)
}

/// Files an application to teach a course the user has completed.
pub async fn apply_to_teach(
    db: &Db,
    user: &SessionUser,
    course_id: &str,
    motivation: &str,
    now: i64,
) -> Result<String, AppError> {
    let motivation = motivation.trim();
    if motivation.is_empty() || motivation.chars().count() > MAX_MOTIVATION_CHARS {
        let mut fields = FieldErrors::default();
        fields.add(
            "motivation",
            format!(
                "Tell the creator why you want to teach (up to {MAX_MOTIVATION_CHARS} characters)."
            ),
        );
        return Err(AppError::Invalid(fields));
    }
    let mut tx = db.begin_write().await?;
    let enrollment = learning::find_enrollment_for(&mut tx, &user.id, course_id).await?;
    let facts = TeachingEligibility {
        enrollment: enrollment.map(|e| parse_status(&e.status)).transpose()?,
        already_teaching: learning::is_certified(&mut tx, &user.id, course_id).await?,
        has_pending_application: learning::has_pending_application(&mut tx, &user.id, course_id)
            .await?,
    };
    ladder::may_apply_to_teach(facts).map_err(ladder_error)?;
    let id = new_id();
    if !learning::insert_application(&mut tx, &id, course_id, &user.id, motivation, now).await? {
        return Err(ladder_error(LadderError::ApplicationPending));
    }
    tx.commit().await?;
    Ok(id)
}

/// The course creator approves (certifying the applicant as a Student-Teacher) or declines.
pub async fn decide_application(
    db: &Db,
    user: &SessionUser,
    application_id: &str,
    decision: Decision,
    now: i64,
) -> Result<ApplicationStatus, AppError> {
    let mut tx = db.begin_write().await?;
    let application = learning::find_application(&mut tx, application_id)
        .await?
        .ok_or_else(|| AppError::NotFound("We couldn't find that application.".into()))?;
    authorize(
        Some(&user.actor()),
        Access::DecideApplication {
            course_creator_id: &application.course_creator_id,
        },
    )?;
    let status = ApplicationStatus::parse(&application.status).ok_or(AppError::Internal)?;
    let next = ladder::decide(status, &decision).map_err(ladder_error)?;
    let reason = match &decision {
        Decision::Decline { reason } => Some(reason.trim()),
        Decision::Approve => None,
    };
    if !learning::record_decision(
        &mut tx,
        application_id,
        next.as_str(),
        reason,
        &user.id,
        now,
    )
    .await?
    {
        return Err(ladder_error(LadderError::AlreadyDecided));
    }
    if next == ApplicationStatus::Approved {
        learning::certify(
            &mut tx,
            &application.applicant_id,
            &application.course_id,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(next)
}

/// Enrolls a student, found by email, without payment: for admins until the payments issue
/// lands. Returns a confirmation to show.
pub async fn enroll_by_email(
    db: &Db,
    user: &SessionUser,
    email: &str,
    course_id: &str,
    now: i64,
) -> Result<String, AppError> {
    authorize(Some(&user.actor()), Access::EnrollWithoutPayment)?;
    let mut fields = FieldErrors::default();
    let student = store::users::find_login(db, &email.trim().to_lowercase()).await?;
    if student.is_none() {
        fields.add("email", "No account uses this email.");
    }
    let course = crate::store::catalog::find_published(db.pool(), course_id).await?;
    if course.is_none() {
        fields.add("course_id", "Choose a published course.");
    }
    let (Some((student, _)), Some(course)) = (student, course) else {
        return Err(AppError::Invalid(fields));
    };
    let mut conn = db.pool().acquire().await?;
    learning::enroll(&mut conn, &student.id, course_id, now).await?;
    Ok(format!("{} is enrolled in {}.", student.name, course.title))
}
