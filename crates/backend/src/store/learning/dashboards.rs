//! The rows behind the dashboards (SDSH, TDSH, CDSH) and the public profiles; the dashboards
//! service turns them into what the pages show.

use super::*;

/// One application to teach, as stored.
#[derive(sqlx::FromRow)]
pub struct ApplicationRecord {
    pub course_id: String,
    pub id: String,
    pub status: String,
    pub decline_reason: Option<String>,
}

/// Every application of one applicant, oldest first (so the last per course is the latest).
pub async fn applications_of(
    db: &Db,
    applicant_id: &str,
) -> Result<Vec<ApplicationRecord>, AppError> {
    Ok(sqlx::query_as(
        "SELECT course_id, id, status, decline_reason FROM teaching_applications
          WHERE applicant_id = $1 ORDER BY created_at, id",
    )
    .bind(applicant_id)
    .fetch_all(db.pool())
    .await?)
}

pub async fn completed_module_ids(
    conn: &mut sqlx::AnyConnection,
    enrollment_id: &str,
) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT module_id FROM module_completions WHERE enrollment_id = $1 ORDER BY module_id",
    )
    .bind(enrollment_id)
    .fetch_all(conn)
    .await?)
}

/// An enrollment of a student with its progress counts.
#[derive(sqlx::FromRow)]
pub struct EnrolledRow {
    pub enrollment_id: String,
    pub course_id: String,
    pub title: String,
    pub status: String,
    pub completed_modules: i64,
    pub total_modules: i64,
    pub certifications: i64,
}

/// The student's enrollments, newest first.
pub async fn enrollments_of(db: &Db, student_id: &str) -> Result<Vec<EnrolledRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT e.id AS enrollment_id, c.id AS course_id, c.title, e.status,
                (SELECT COUNT(*) FROM module_completions mc WHERE mc.enrollment_id = e.id)
                  AS completed_modules,
                (SELECT COUNT(*) FROM course_modules m WHERE m.course_id = c.id) AS total_modules,
                (SELECT COUNT(*) FROM st_certifications s
                  WHERE s.course_id = c.id AND s.user_id = e.student_id) AS certifications
           FROM enrollments e JOIN courses c ON c.id = e.course_id
          WHERE e.student_id = $1 AND e.ended_at IS NULL
          ORDER BY e.enrolled_at DESC, c.title",
    )
    .bind(student_id)
    .fetch_all(db.pool())
    .await?)
}

/// A person as their public profile shows them.
#[derive(sqlx::FromRow)]
pub struct PersonRow {
    pub id: String,
    pub name: String,
    pub time_zone: String,
    pub bio: String,
}

pub async fn find_person(db: &Db, user_id: &str) -> Result<Option<PersonRow>, AppError> {
    Ok(
        sqlx::query_as("SELECT id, name, time_zone, bio FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(db.pool())
            .await?,
    )
}

/// A Student-Teacher's sessions taught, and the stars their students gave them in all and how
/// many times (feedback about them as anyone's student does not count).
pub async fn teaching_record(db: &Db, user_id: &str) -> Result<(i64, i64, i64), AppError> {
    Ok(sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM bookings WHERE st_id = $1 AND status = 'completed'),
                (SELECT COALESCE(SUM(f.stars), 0) FROM session_feedback f
                   JOIN bookings b ON b.id = f.booking_id
                  WHERE b.st_id = $1 AND f.about_id = $1),
                (SELECT COUNT(*) FROM session_feedback f
                   JOIN bookings b ON b.id = f.booking_id
                  WHERE b.st_id = $1 AND f.about_id = $1)",
    )
    .bind(user_id)
    .fetch_one(db.pool())
    .await?)
}

/// The course's certified S-Ts, earliest certified first.
pub async fn course_teachers(db: &Db, course_id: &str) -> Result<Vec<PersonRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT u.id, u.name, u.time_zone, u.bio FROM st_certifications s
           JOIN users u ON u.id = s.user_id
          WHERE s.course_id = $1 ORDER BY s.certified_at, u.name",
    )
    .bind(course_id)
    .fetch_all(db.pool())
    .await?)
}

/// Everyone certified to teach any of the creator's courses, by name.
pub async fn creator_teachers(db: &Db, creator_id: &str) -> Result<Vec<PersonRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT DISTINCT u.id, u.name, u.time_zone, u.bio FROM st_certifications s
           JOIN users u ON u.id = s.user_id JOIN courses c ON c.id = s.course_id
          WHERE c.creator_id = $1 ORDER BY u.name, u.id",
    )
    .bind(creator_id)
    .fetch_all(db.pool())
    .await?)
}

/// One of the creator's courses with its counts.
#[derive(sqlx::FromRow)]
pub struct CreatorCourseRow {
    pub id: String,
    pub title: String,
    pub enrolled: i64,
    pub student_teachers: i64,
    pub session_price_cents: Option<i64>,
    pub currency: String,
}

pub async fn creator_courses(db: &Db, creator_id: &str) -> Result<Vec<CreatorCourseRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT c.id, c.title,
                (SELECT COUNT(*) FROM enrollments e
                  WHERE e.course_id = c.id AND e.ended_at IS NULL) AS enrolled,
                (SELECT COUNT(*) FROM st_certifications s WHERE s.course_id = c.id)
                  AS student_teachers,
                c.session_price_cents, c.currency
           FROM courses c WHERE c.creator_id = $1 ORDER BY c.title",
    )
    .bind(creator_id)
    .fetch_all(db.pool())
    .await?)
}

/// A pending application to teach one of the creator's courses.
#[derive(sqlx::FromRow)]
pub struct PendingApplicationRow {
    pub id: String,
    pub course_id: String,
    pub course_title: String,
    pub applicant_id: String,
    pub applicant_name: String,
    pub motivation: String,
}

/// Applications waiting for the creator's decision, oldest first.
pub async fn pending_applications(
    db: &Db,
    creator_id: &str,
) -> Result<Vec<PendingApplicationRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT a.id, c.id AS course_id, c.title AS course_title, u.id AS applicant_id,
                u.name AS applicant_name, a.motivation
           FROM teaching_applications a
           JOIN courses c ON c.id = a.course_id
           JOIN users u ON u.id = a.applicant_id
          WHERE c.creator_id = $1 AND a.status = 'pending'
          ORDER BY a.created_at, a.id",
    )
    .bind(creator_id)
    .fetch_all(db.pool())
    .await?)
}
