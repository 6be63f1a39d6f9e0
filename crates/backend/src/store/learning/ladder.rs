//! The S-T ladder: applications to teach, decisions and certification.

use super::*;

pub async fn is_certified(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    course_id: &str,
) -> Result<bool, AppError> {
    let found: Option<String> = sqlx::query_scalar(
        "SELECT user_id FROM st_certifications WHERE user_id = $1 AND course_id = $2",
    )
    .bind(user_id)
    .bind(course_id)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// Whether the user is a Student-Teacher of any course.
pub async fn teaches_any_course(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
) -> Result<bool, AppError> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT user_id FROM st_certifications WHERE user_id = $1 LIMIT 1")
            .bind(user_id)
            .fetch_optional(conn)
            .await?;
    Ok(found.is_some())
}

pub async fn has_pending_application(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    course_id: &str,
) -> Result<bool, AppError> {
    let found: Option<String> = sqlx::query_scalar(
        "SELECT id FROM teaching_applications
          WHERE applicant_id = $1 AND course_id = $2 AND status = 'pending'",
    )
    .bind(user_id)
    .bind(course_id)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// Files an application; `false` when a pending one already exists (a concurrent duplicate).
pub async fn insert_application(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    course_id: &str,
    applicant_id: &str,
    motivation: &str,
    now: i64,
) -> Result<bool, AppError> {
    let inserted = sqlx::query(
        "INSERT INTO teaching_applications (id, course_id, applicant_id, status, motivation, created_at)
         VALUES ($1, $2, $3, 'pending', $4, $5)",
    )
    .bind(id)
    .bind(course_id)
    .bind(applicant_id)
    .bind(motivation)
    .bind(now)
    .execute(conn)
    .await;
    crate::store::inserted_unless_duplicate(inserted)
}

#[derive(sqlx::FromRow)]
pub struct ApplicationRow {
    pub id: String,
    pub course_id: String,
    pub applicant_id: String,
    pub status: String,
    pub course_creator_id: String,
}

pub async fn find_application(
    conn: &mut sqlx::AnyConnection,
    application_id: &str,
) -> Result<Option<ApplicationRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT a.id, a.course_id, a.applicant_id, a.status, c.creator_id AS course_creator_id
           FROM teaching_applications a JOIN courses c ON c.id = a.course_id
          WHERE a.id = $1",
    )
    .bind(application_id)
    .fetch_optional(conn)
    .await?)
}

/// Records a decision on a pending application; `false` if someone decided it first.
pub async fn record_decision(
    conn: &mut sqlx::AnyConnection,
    application_id: &str,
    status: &str,
    reason: Option<&str>,
    decided_by: &str,
    now: i64,
) -> Result<bool, AppError> {
    let changed = sqlx::query(
        "UPDATE teaching_applications
            SET status = $1, decline_reason = $2, decided_by = $3, decided_at = $4
          WHERE id = $5 AND status = 'pending'",
    )
    .bind(status)
    .bind(reason)
    .bind(decided_by)
    .bind(now)
    .bind(application_id)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

pub async fn certify(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    course_id: &str,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO st_certifications (course_id, user_id, certified_at) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
    )
    .bind(course_id)
    .bind(user_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}
