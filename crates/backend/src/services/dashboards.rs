//! What the dashboards (SDSH, TDSH, CDSH), the course page's progress and S-T list, and the
//! public profiles show: the store's rows turned into the wire types, with the creator
//! dashboard's access rule.

use crate::auth::SessionUser;
use crate::db::Db;
use crate::store::learning::{self as store, PersonRow};
use domain::access::{Access, authorize};
use domain::ladder::{ApplicationStatus, EnrollmentStatus};
use std::collections::HashMap;
use wire::auth::TaughtCourse;
use wire::error::AppError;
use wire::learning::{
    ApplicationSummary, CourseProgress, CreatorCourse, CreatorDashboard, CreatorProfilePage,
    EnrolledCourse, PendingApplication, StudentTeacher, StudentTeacherProfile,
};

/// A stored value the schema's CHECK constraints should have made impossible.
fn corrupt(what: &str, value: &str) -> AppError {
    tracing::error!(what, value, "a row holds a value outside the domain");
    AppError::Internal
}

fn enrollment_status(value: &str) -> Result<EnrollmentStatus, AppError> {
    EnrollmentStatus::parse(value).ok_or_else(|| corrupt("enrollment status", value))
}

/// The latest application per course of one applicant.
async fn latest_applications(
    db: &Db,
    applicant_id: &str,
) -> Result<HashMap<String, ApplicationSummary>, AppError> {
    let mut latest = HashMap::new();
    for record in store::applications_of(db, applicant_id).await? {
        let status = ApplicationStatus::parse(&record.status)
            .ok_or_else(|| corrupt("application status", &record.status))?;
        latest.insert(
            record.course_id,
            ApplicationSummary {
                id: record.id,
                status,
                decline_reason: record.decline_reason,
            },
        );
    }
    Ok(latest)
}

fn teacher(person: PersonRow) -> StudentTeacher {
    StudentTeacher {
        user_id: person.id,
        name: person.name,
        time_zone: person.time_zone,
        bio: person.bio,
    }
}

/// The viewer's progress on a course (CDET); `None` when they are not enrolled.
pub async fn course_progress(
    db: &Db,
    user: &SessionUser,
    course_id: &str,
) -> Result<Option<CourseProgress>, AppError> {
    let mut conn = db.pool().acquire().await?;
    let Some(enrollment) = store::find_enrollment_for(&mut conn, &user.id, course_id).await? else {
        return Ok(None);
    };
    let completed_module_ids = store::completed_module_ids(&mut conn, &enrollment.id).await?;
    let (_, total_modules) = store::progress(&mut conn, &enrollment.id, course_id).await?;
    let is_student_teacher = store::is_certified(&mut conn, &user.id, course_id).await?;
    drop(conn);
    let application = latest_applications(db, &user.id).await?.remove(course_id);
    Ok(Some(CourseProgress {
        status: enrollment_status(&enrollment.status)?,
        enrollment_id: enrollment.id,
        completed_module_ids,
        total_modules,
        application,
        is_student_teacher,
    }))
}

/// SDSH: the student's enrollments with progress and their applications to teach.
pub async fn student_dashboard(
    db: &Db,
    user: &SessionUser,
) -> Result<Vec<EnrolledCourse>, AppError> {
    let rows = store::enrollments_of(db, &user.id).await?;
    let mut applications = latest_applications(db, &user.id).await?;
    rows.into_iter()
        .map(|row| {
            Ok(EnrolledCourse {
                application: applications.remove(&row.course_id),
                status: enrollment_status(&row.status)?,
                enrollment_id: row.enrollment_id,
                course_id: row.course_id,
                title: row.title,
                completed_modules: row.completed_modules,
                total_modules: row.total_modules,
                is_student_teacher: row.certifications > 0,
            })
        })
        .collect()
}

/// The courses a user is certified to teach (TDSH, and the roles of `GET /api/me`).
pub async fn courses_taught(db: &Db, user_id: &str) -> Result<Vec<TaughtCourse>, AppError> {
    Ok(store::courses_taught(db, user_id)
        .await?
        .into_iter()
        .map(|(course_id, title)| TaughtCourse { course_id, title })
        .collect())
}

/// The course's certified S-Ts, as CDET lists them.
pub async fn course_teachers(db: &Db, course_id: &str) -> Result<Vec<StudentTeacher>, AppError> {
    db.memo()
        .read("course_teachers", course_id, || async {
            Ok(store::course_teachers(db, course_id)
                .await?
                .into_iter()
                .map(teacher)
                .collect())
        })
        .await
}

/// CDSH: the creator's courses with their counts, and the applications waiting for a decision.
pub async fn creator_dashboard(db: &Db, user: &SessionUser) -> Result<CreatorDashboard, AppError> {
    authorize(
        Some(&user.actor()),
        Access::CreatorDashboard {
            creator_id: &user.id,
        },
    )?;
    let courses = store::creator_courses(db, &user.id).await?;
    let pending = store::pending_applications(db, &user.id).await?;
    Ok(CreatorDashboard {
        courses: courses
            .into_iter()
            .map(|row| {
                let session_price = match row.session_price_cents {
                    Some(cents) => Some(super::stored_money(cents, &row.currency)?.decimal()),
                    None => None,
                };
                Ok(CreatorCourse {
                    id: row.id,
                    title: row.title,
                    enrolled: row.enrolled,
                    student_teachers: row.student_teachers,
                    session_price,
                    currency: row.currency.to_ascii_uppercase(),
                })
            })
            .collect::<Result<_, AppError>>()?,
        pending: pending
            .into_iter()
            .map(|row| PendingApplication {
                id: row.id,
                course_id: row.course_id,
                course_title: row.course_title,
                applicant_id: row.applicant_id,
                applicant_name: row.applicant_name,
                motivation: row.motivation,
            })
            .collect(),
    })
}

/// A creator's public profile: only people with a published course have one.
pub async fn creator_profile(db: &Db, creator_id: &str) -> Result<CreatorProfilePage, AppError> {
    let not_found = || AppError::NotFound("We couldn't find that creator.".into());
    let creator = store::find_person(db, creator_id)
        .await?
        .ok_or_else(not_found)?;
    let courses = super::catalog::courses_by_creator(db, &creator.id).await?;
    if courses.is_empty() {
        return Err(not_found());
    }
    let student_teachers = store::creator_teachers(db, &creator.id).await?;
    Ok(CreatorProfilePage {
        id: creator.id,
        name: creator.name,
        bio: creator.bio,
        courses,
        student_teachers: student_teachers.into_iter().map(teacher).collect(),
    })
}

/// An S-T's public profile: only people certified to teach a course have one.
pub async fn student_teacher_profile(
    db: &Db,
    user_id: &str,
) -> Result<StudentTeacherProfile, AppError> {
    let not_found = || AppError::NotFound("We couldn't find that Student-Teacher.".into());
    let courses = courses_taught(db, user_id).await?;
    if courses.is_empty() {
        return Err(not_found());
    }
    let person = store::find_person(db, user_id)
        .await?
        .ok_or_else(not_found)?;
    let (sessions_taught, total_stars, ratings) = store::teaching_record(db, user_id).await?;
    Ok(StudentTeacherProfile {
        teacher: teacher(person),
        courses,
        rating: domain::attendance::rating_line(
            domain::attendance::average_tenths(total_stars, ratings),
            ratings,
        ),
        sessions_taught,
    })
}
