use crate::db::Db;
use domain::catalog::Level;
use domain::money::{Currency, Money};
use wire::courses::{CourseDetail, CourseModule, CourseSummary, CreatorProfile, CreatorRef};
use wire::error::AppError;

#[derive(sqlx::FromRow)]
struct CourseRow {
    id: String,
    title: String,
    summary: String,
    description: String,
    level: String,
    price_cents: i64,
    currency: String,
    creator_id: String,
    creator_name: String,
    creator_bio: String,
    module_count: i64,
    total_minutes: i64,
}

#[derive(sqlx::FromRow)]
struct ModuleRow {
    id: String,
    position: i64,
    title: String,
    summary: String,
    duration_minutes: i64,
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
) -> Result<Vec<CourseSummary>, AppError> {
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
    rows.into_iter().map(CourseRow::into_summary).collect()
}

/// One creator's published courses, alphabetically.
pub async fn list_published_by_creator(
    db: &Db,
    creator_id: &str,
) -> Result<Vec<CourseSummary>, AppError> {
    let rows: Vec<CourseRow> = sqlx::query_as(&format!(
        "{COURSE_COLUMNS} AND c.creator_id = $1 ORDER BY c.title, c.id"
    ))
    .bind(creator_id)
    .fetch_all(db.pool())
    .await?;
    rows.into_iter().map(CourseRow::into_summary).collect()
}

pub async fn find_published(db: &Db, id: &str) -> Result<Option<CourseDetail>, AppError> {
    let Some(row) = sqlx::query_as::<_, CourseRow>(&format!("{COURSE_COLUMNS} AND c.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
    else {
        return Ok(None);
    };
    let modules: Vec<ModuleRow> = sqlx::query_as(
        "SELECT id, position, title, summary, duration_minutes
           FROM course_modules WHERE course_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    row.into_detail(modules).map(Some)
}

impl CourseRow {
    fn price(&self) -> Result<Money, AppError> {
        let currency = Currency::parse(&self.currency).map_err(corrupt_row)?;
        Money::new(self.price_cents, currency).map_err(corrupt_row)
    }

    fn level(&self) -> Result<Level, AppError> {
        Level::parse(&self.level).ok_or_else(|| corrupt_row(format!("level {:?}", self.level)))
    }

    fn into_summary(self) -> Result<CourseSummary, AppError> {
        Ok(CourseSummary {
            price: self.price()?,
            level: self.level()?,
            id: self.id,
            title: self.title,
            summary: self.summary,
            creator: CreatorRef {
                id: self.creator_id,
                name: self.creator_name,
            },
            module_count: self.module_count,
            total_minutes: self.total_minutes,
        })
    }

    fn into_detail(self, modules: Vec<ModuleRow>) -> Result<CourseDetail, AppError> {
        Ok(CourseDetail {
            price: self.price()?,
            level: self.level()?,
            id: self.id,
            title: self.title,
            summary: self.summary,
            description: self.description,
            creator: CreatorProfile {
                id: self.creator_id,
                name: self.creator_name,
                bio: self.creator_bio,
            },
            modules: modules
                .into_iter()
                .map(|m| CourseModule {
                    id: m.id,
                    position: m.position,
                    title: m.title,
                    summary: m.summary,
                    duration_minutes: m.duration_minutes,
                })
                .collect(),
            total_minutes: self.total_minutes,
        })
    }
}

/// A stored value the schema's CHECK constraints should have made impossible.
fn corrupt_row(detail: impl std::fmt::Display) -> AppError {
    tracing::error!(%detail, "course row holds a value outside the domain");
    AppError::Internal
}
