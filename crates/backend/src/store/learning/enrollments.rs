//! Enrollments: who is enrolled where, their module progress and status.

use super::*;

/// (course id, title) of the courses this user is certified to teach, by title.
pub async fn courses_taught(db: &Db, user_id: &str) -> Result<Vec<(String, String)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT c.id, c.title FROM st_certifications s JOIN courses c ON c.id = s.course_id
          WHERE s.user_id = $1 ORDER BY c.title",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?)
}

pub async fn owns_courses(db: &Db, user_id: &str) -> Result<bool, AppError> {
    let owned: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM courses WHERE creator_id = $1")
        .bind(user_id)
        .fetch_one(db.pool())
        .await?;
    Ok(owned > 0)
}

#[derive(sqlx::FromRow)]
pub struct EnrollmentRow {
    pub id: String,
    pub student_id: String,
    pub course_id: String,
    pub status: String,
}

/// Holds the enrollment's row lock until the transaction ends (Postgres; SQLite's write
/// transaction holds the database's only write lock already), so changes that read the
/// enrollment's progress and then write happen one at a time.
pub async fn lock_enrollment(
    conn: &mut sqlx::AnyConnection,
    enrollment_id: &str,
) -> Result<(), AppError> {
    sqlx::query("UPDATE enrollments SET status = status WHERE id = $1")
        .bind(enrollment_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn find_enrollment(
    conn: &mut sqlx::AnyConnection,
    enrollment_id: &str,
) -> Result<Option<EnrollmentRow>, AppError> {
    Ok(
        sqlx::query_as("SELECT id, student_id, course_id, status FROM enrollments WHERE id = $1")
            .bind(enrollment_id)
            .fetch_optional(conn)
            .await?,
    )
}

pub async fn find_enrollment_for(
    conn: &mut sqlx::AnyConnection,
    student_id: &str,
    course_id: &str,
) -> Result<Option<EnrollmentRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, student_id, course_id, status FROM enrollments
          WHERE student_id = $1 AND course_id = $2 AND ended_at IS NULL",
    )
    .bind(student_id)
    .bind(course_id)
    .fetch_optional(conn)
    .await?)
}

/// Enrolls a student; an existing enrollment is kept as it is, and an ended (refunded) one
/// starts again with a new set of session credits. Returns the enrollment id.
pub async fn enroll(
    conn: &mut sqlx::AnyConnection,
    student_id: &str,
    course_id: &str,
    now: i64,
) -> Result<String, AppError> {
    sqlx::query(
        "INSERT INTO enrollments (id, student_id, course_id, status, enrolled_at)
         VALUES ($1, $2, $3, 'active', $4)
         ON CONFLICT (student_id, course_id) DO UPDATE
            SET ended_at = NULL, session_credits = excluded.session_credits,
                deferred_credits = 0, enrolled_at = excluded.enrolled_at
          WHERE enrollments.ended_at IS NOT NULL",
    )
    .bind(crate::store::new_id())
    .bind(student_id)
    .bind(course_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(
        sqlx::query_scalar("SELECT id FROM enrollments WHERE student_id = $1 AND course_id = $2")
            .bind(student_id)
            .bind(course_id)
            .fetch_one(conn)
            .await?,
    )
}

pub async fn module_in_course(
    conn: &mut sqlx::AnyConnection,
    module_id: &str,
    course_id: &str,
) -> Result<bool, AppError> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT id FROM course_modules WHERE id = $1 AND course_id = $2")
            .bind(module_id)
            .bind(course_id)
            .fetch_optional(conn)
            .await?;
    Ok(found.is_some())
}

pub async fn record_completion(
    conn: &mut sqlx::AnyConnection,
    enrollment_id: &str,
    module_id: &str,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO module_completions (enrollment_id, module_id, completed_at)
         VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(enrollment_id)
    .bind(module_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// (completed modules, total modules) of an enrollment's course.
pub async fn progress(
    conn: &mut sqlx::AnyConnection,
    enrollment_id: &str,
    course_id: &str,
) -> Result<(i64, i64), AppError> {
    Ok(sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM module_completions WHERE enrollment_id = $1),
                (SELECT COUNT(*) FROM course_modules WHERE course_id = $2)",
    )
    .bind(enrollment_id)
    .bind(course_id)
    .fetch_one(conn)
    .await?)
}

/// Moves an enrollment from one status to another; `false` if it was no longer in `from`.
pub async fn set_enrollment_status(
    conn: &mut sqlx::AnyConnection,
    enrollment_id: &str,
    from: &str,
    to: &str,
    completed_at: Option<i64>,
) -> Result<bool, AppError> {
    let changed = sqlx::query(
        "UPDATE enrollments SET status = $1, completed_at = $2 WHERE id = $3 AND status = $4",
    )
    .bind(to)
    .bind(completed_at)
    .bind(enrollment_id)
    .bind(from)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(changed == 1)
}
