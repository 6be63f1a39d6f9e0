//! The course catalog (home) and the course detail page (CDET): search, and the store's rows
//! turned into the wire types.

use crate::db::Db;
use crate::store;
use crate::store::catalog::{CourseRow, ModuleRow};
use domain::catalog::{Level, like_pattern, normalize_search};
use domain::money::Money;
use wire::courses::{CourseDetail, CourseModule, CourseSummary, CreatorProfile, CreatorRef};
use wire::error::AppError;

pub async fn list_courses(db: &Db, search: Option<&str>) -> Result<Vec<CourseSummary>, AppError> {
    let pattern = search.and_then(normalize_search).map(|s| like_pattern(&s));
    let list = || async {
        store::catalog::list_published(db, pattern.as_deref())
            .await?
            .into_iter()
            .map(summary)
            .collect()
    };
    match pattern {
        // The home page: the same for everybody. Searches vary too much to be worth keeping.
        None => db.memo().read("catalog", "", list).await,
        Some(_) => list().await,
    }
}

/// One creator's published courses, alphabetically (their public profile).
pub async fn courses_by_creator(db: &Db, creator_id: &str) -> Result<Vec<CourseSummary>, AppError> {
    store::catalog::list_published_by_creator(db, creator_id)
        .await?
        .into_iter()
        .map(summary)
        .collect()
}

pub async fn get_course(db: &Db, id: &str) -> Result<CourseDetail, AppError> {
    // Ids are UUIDs; anything else cannot name a course, so it is a plain "not found".
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(AppError::course_not_found());
    }
    db.memo()
        .read("course", id, || async {
            // One connection for both queries: each trip through the pool costs a round trip.
            let mut conn = db.pool().acquire().await?;
            let row = store::catalog::find_published(&mut *conn, id)
                .await?
                .ok_or_else(AppError::course_not_found)?;
            let modules = store::catalog::modules_of(&mut conn, id).await?;
            detail(row, modules)
        })
        .await
}

fn price(row: &CourseRow) -> Result<Money, AppError> {
    super::stored_money(row.price_cents, &row.currency)
}

fn level(row: &CourseRow) -> Result<Level, AppError> {
    Level::parse(&row.level).ok_or_else(|| corrupt_row(format!("level {:?}", row.level)))
}

fn summary(row: CourseRow) -> Result<CourseSummary, AppError> {
    Ok(CourseSummary {
        price: price(&row)?,
        level: level(&row)?,
        id: row.id,
        title: row.title,
        summary: row.summary,
        creator: CreatorRef {
            id: row.creator_id,
            name: row.creator_name,
        },
        module_count: row.module_count,
        total_minutes: row.total_minutes,
    })
}

fn detail(row: CourseRow, modules: Vec<ModuleRow>) -> Result<CourseDetail, AppError> {
    Ok(CourseDetail {
        price: price(&row)?,
        level: level(&row)?,
        id: row.id,
        title: row.title,
        summary: row.summary,
        description: row.description,
        creator: CreatorProfile {
            id: row.creator_id,
            name: row.creator_name,
            bio: row.creator_bio,
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
        total_minutes: row.total_minutes,
    })
}

/// A stored value the schema's CHECK constraints should have made impossible.
fn corrupt_row(detail: impl std::fmt::Display) -> AppError {
    tracing::error!(%detail, "course row holds a value outside the domain");
    AppError::Internal
}
