use crate::db::Db;
use crate::store;
use domain::catalog::{like_pattern, normalize_search};
use wire::courses::{CourseDetail, CourseSummary};
use wire::error::AppError;

pub async fn list_courses(db: &Db, search: Option<&str>) -> Result<Vec<CourseSummary>, AppError> {
    let pattern = search.and_then(normalize_search).map(|s| like_pattern(&s));
    store::catalog::list_published(db, pattern.as_deref()).await
}

pub async fn get_course(db: &Db, id: &str) -> Result<CourseDetail, AppError> {
    // Ids are UUIDs; anything else cannot name a course, so it is a plain "not found".
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(AppError::course_not_found());
    }
    store::catalog::find_published(db, id)
        .await?
        .ok_or_else(AppError::course_not_found)
}
