//! Published courses and their modules, as stored.

use crate::db::Db;
use wire::error::AppError;

/// A published course with its creator and module totals.
#[derive(sqlx::FromRow)]
pub struct CourseRow {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub description: String,
    pub level: String,
    pub price_cents: i64,
    pub currency: String,
    pub creator_id: String,
    pub creator_name: String,
    pub creator_bio: String,
    pub module_count: i64,
    pub total_minutes: i64,
}

#[derive(sqlx::FromRow)]
pub struct ModuleRow {
    pub id: String,
    pub position: i64,
    pub title: String,
    pub summary: String,
    pub duration_minutes: i64,
}

const COURSE_COLUMNS: &str = "
    SELECT c.id, c.title, c.summary, c.description, c.level, c.price_cents, c.currency,
           u.id AS creator_id, u.name AS creator_name, u.bio AS creator_bio,
           (SELECT COUNT(*) FROM course_modules m WHERE m.course_id = c.id) AS module_count,
           -- Postgres sums BIGINT into NUMERIC; the cast keeps the column an integer.
           (SELECT CAST(COALESCE(SUM(m.duration_minutes), 0) AS BIGINT) FROM course_modules m
             WHERE m.course_id = c.id) AS total_minutes
      FROM courses c
      JOIN users u ON u.id = c.creator_id
     WHERE c.published = TRUE";

/// Published courses, alphabetically; `like_pattern` (already escaped, lowercase) filters on
/// title, summary and creator name.
pub async fn list_published(
    db: &Db,
    like_pattern: Option<&str>,
) -> Result<Vec<CourseRow>, AppError> {
    let rows: Vec<CourseRow> = match like_pattern {
        None => {
            sqlx::query_as(&format!("{COURSE_COLUMNS} ORDER BY c.title, c.id"))
                .fetch_all(db.pool())
                .await?
        }
        Some(pattern) => {
            sqlx::query_as(&format!(
                "{COURSE_COLUMNS}
                   AND (LOWER(c.title) LIKE $1 ESCAPE '\\'
                        OR LOWER(c.summary) LIKE $1 ESCAPE '\\'
                        OR LOWER(u.name) LIKE $1 ESCAPE '\\')
                 ORDER BY c.title, c.id"
            ))
            .bind(pattern)
            .fetch_all(db.pool())
            .await?
        }
    };
    Ok(rows)
}

/// One creator's published courses, alphabetically.
pub async fn list_published_by_creator(
    db: &Db,
    creator_id: &str,
) -> Result<Vec<CourseRow>, AppError> {
    let rows: Vec<CourseRow> = sqlx::query_as(&format!(
        "{COURSE_COLUMNS} AND c.creator_id = $1 ORDER BY c.title, c.id"
    ))
    .bind(creator_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows)
}

/// A published course; `conn` is the pool or a connection already held.
pub async fn find_published<'c>(
    conn: impl sqlx::AnyExecutor<'c>,
    id: &str,
) -> Result<Option<CourseRow>, AppError> {
    Ok(
        sqlx::query_as::<_, CourseRow>(&format!("{COURSE_COLUMNS} AND c.id = $1"))
            .bind(id)
            .fetch_optional(conn)
            .await?,
    )
}

/// A course's modules in order.
pub async fn modules_of(
    conn: &mut sqlx::AnyConnection,
    course_id: &str,
) -> Result<Vec<ModuleRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, position, title, summary, duration_minutes
           FROM course_modules WHERE course_id = $1 ORDER BY position",
    )
    .bind(course_id)
    .fetch_all(conn)
    .await?)
}
