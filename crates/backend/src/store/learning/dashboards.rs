//! Read models of the dashboards (SDSH, TDSH, CDSH) and the public profiles.

use super::*;
use domain::ladder::{ApplicationStatus, EnrollmentStatus};
use std::collections::HashMap;
use wire::learning::{
    ApplicationSummary, CourseProgress, CreatorCourse, CreatorDashboard, CreatorProfilePage,
    EnrolledCourse, PendingApplication, StudentTeacher, StudentTeacherProfile,
};

fn enrollment_status(value: &str) -> Result<EnrollmentStatus, AppError> {
    EnrollmentStatus::parse(value).ok_or(AppError::Internal)
}

/// The latest application per course of one applicant.
async fn latest_applications(
    db: &Db,
    applicant_id: &str,
) -> Result<HashMap<String, ApplicationSummary>, AppError> {
    let rows: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT course_id, id, status, decline_reason FROM teaching_applications
          WHERE applicant_id = $1 ORDER BY created_at, id",
    )
    .bind(applicant_id)
    .fetch_all(db.pool())
    .await?;
    let mut latest = HashMap::new();
    for (course_id, id, status, decline_reason) in rows {
        let status = ApplicationStatus::parse(&status).ok_or(AppError::Internal)?;
        latest.insert(
            course_id,
            ApplicationSummary {
                id,
                status,
                decline_reason,
            },
        );
    }
    Ok(latest)
}

pub async fn course_progress(
    db: &Db,
    user_id: &str,
    course_id: &str,
) -> Result<Option<CourseProgress>, AppError> {
    let mut conn = db.pool().acquire().await?;
    let Some(enrollment) = find_enrollment_for(&mut conn, user_id, course_id).await? else {
        return Ok(None);
    };
    let completed_module_ids: Vec<String> = sqlx::query_scalar(
        "SELECT module_id FROM module_completions WHERE enrollment_id = $1 ORDER BY module_id",
    )
    .bind(&enrollment.id)
    .fetch_all(&mut *conn)
    .await?;
    let (_, total_modules) = progress(&mut conn, &enrollment.id, course_id).await?;
    let is_student_teacher = is_certified(&mut conn, user_id, course_id).await?;
    drop(conn);
    let application = latest_applications(db, user_id).await?.remove(course_id);
    Ok(Some(CourseProgress {
        status: enrollment_status(&enrollment.status)?,
        enrollment_id: enrollment.id,
        completed_module_ids,
        total_modules,
        application,
        is_student_teacher,
    }))
}

pub async fn enrolled_courses(db: &Db, user_id: &str) -> Result<Vec<EnrolledCourse>, AppError> {
    let rows: Vec<(String, String, String, String, i64, i64, i64)> = sqlx::query_as(
        "SELECT e.id, c.id, c.title, e.status,
                (SELECT COUNT(*) FROM module_completions mc WHERE mc.enrollment_id = e.id),
                (SELECT COUNT(*) FROM course_modules m WHERE m.course_id = c.id),
                (SELECT COUNT(*) FROM st_certifications s
                  WHERE s.course_id = c.id AND s.user_id = e.student_id)
           FROM enrollments e JOIN courses c ON c.id = e.course_id
          WHERE e.student_id = $1
          ORDER BY e.enrolled_at DESC, c.title",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    let mut applications = latest_applications(db, user_id).await?;
    rows.into_iter()
        .map(
            |(enrollment_id, course_id, title, status, done, total, certified)| {
                Ok(EnrolledCourse {
                    application: applications.remove(&course_id),
                    enrollment_id,
                    course_id,
                    title,
                    status: enrollment_status(&status)?,
                    completed_modules: done,
                    total_modules: total,
                    is_student_teacher: certified > 0,
                })
            },
        )
        .collect()
}

fn teacher((user_id, name, time_zone, bio): (String, String, String, String)) -> StudentTeacher {
    StudentTeacher {
        user_id,
        name,
        time_zone,
        bio,
    }
}

pub async fn course_teachers(db: &Db, course_id: &str) -> Result<Vec<StudentTeacher>, AppError> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT u.id, u.name, u.time_zone, u.bio FROM st_certifications s
           JOIN users u ON u.id = s.user_id
          WHERE s.course_id = $1 ORDER BY s.certified_at, u.name",
    )
    .bind(course_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(teacher).collect())
}

pub async fn creator_dashboard(db: &Db, creator_id: &str) -> Result<CreatorDashboard, AppError> {
    let courses: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT c.id, c.title,
                (SELECT COUNT(*) FROM enrollments e WHERE e.course_id = c.id),
                (SELECT COUNT(*) FROM st_certifications s WHERE s.course_id = c.id)
           FROM courses c WHERE c.creator_id = $1 ORDER BY c.title",
    )
    .bind(creator_id)
    .fetch_all(db.pool())
    .await?;
    let pending: Vec<(String, String, String, String, String, String)> = sqlx::query_as(
        "SELECT a.id, c.id, c.title, u.id, u.name, a.motivation
           FROM teaching_applications a
           JOIN courses c ON c.id = a.course_id
           JOIN users u ON u.id = a.applicant_id
          WHERE c.creator_id = $1 AND a.status = 'pending'
          ORDER BY a.created_at, a.id",
    )
    .bind(creator_id)
    .fetch_all(db.pool())
    .await?;
    Ok(CreatorDashboard {
        courses: courses
            .into_iter()
            .map(|(id, title, enrolled, student_teachers)| CreatorCourse {
                id,
                title,
                enrolled,
                student_teachers,
            })
            .collect(),
        pending: pending
            .into_iter()
            .map(
                |(id, course_id, course_title, applicant_id, applicant_name, motivation)| {
                    PendingApplication {
                        id,
                        course_id,
                        course_title,
                        applicant_id,
                        applicant_name,
                        motivation,
                    }
                },
            )
            .collect(),
    })
}

pub async fn creator_profile(
    db: &Db,
    creator_id: &str,
) -> Result<Option<CreatorProfilePage>, AppError> {
    let creator: Option<(String, String, String)> =
        sqlx::query_as("SELECT id, name, bio FROM users WHERE id = $1")
            .bind(creator_id)
            .fetch_optional(db.pool())
            .await?;
    let Some((id, name, bio)) = creator else {
        return Ok(None);
    };
    let courses = crate::store::catalog::list_published_by_creator(db, &id).await?;
    if courses.is_empty() {
        return Ok(None);
    }
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT DISTINCT u.id, u.name, u.time_zone, u.bio FROM st_certifications s
           JOIN users u ON u.id = s.user_id JOIN courses c ON c.id = s.course_id
          WHERE c.creator_id = $1 ORDER BY u.name, u.id",
    )
    .bind(&id)
    .fetch_all(db.pool())
    .await?;
    Ok(Some(CreatorProfilePage {
        id,
        name,
        bio,
        courses,
        student_teachers: rows.into_iter().map(teacher).collect(),
    }))
}

pub async fn student_teacher_profile(
    db: &Db,
    user_id: &str,
) -> Result<Option<StudentTeacherProfile>, AppError> {
    let courses = courses_taught(db, user_id).await?;
    if courses.is_empty() {
        return Ok(None);
    }
    let row: (String, String, String, String) =
        sqlx::query_as("SELECT id, name, time_zone, bio FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(db.pool())
            .await?;
    Ok(Some(StudentTeacherProfile {
        teacher: teacher(row),
        courses,
    }))
}
