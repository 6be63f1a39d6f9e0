use super::error::{ApiError, ApiPath, ApiQuery, ErrorBody};
use axum::Json;
use axum::extract::State;
use backend::AppState;
use backend::services::catalog;
use serde::{Deserialize, Serialize};
use wire::courses::{CourseDetail, CourseSummary};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CourseListQuery {
    /// Free text matched against title, summary and creator name (case-insensitive).
    q: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CourseList {
    courses: Vec<CourseSummary>,
}

/// The published course catalog, optionally filtered by text.
#[utoipa::path(
    get,
    path = "/api/courses",
    tag = "courses",
    params(CourseListQuery),
    responses(
        (status = 200, description = "Published courses, alphabetically", body = CourseList),
        (status = 400, description = "Malformed query", body = ErrorBody),
    )
)]
pub async fn list_courses(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<CourseListQuery>,
) -> Result<Json<CourseList>, ApiError> {
    let courses = catalog::list_courses(&state.db, query.q.as_deref()).await?;
    Ok(Json(CourseList { courses }))
}

/// One published course with its modules and creator.
#[utoipa::path(
    get,
    path = "/api/courses/{id}",
    tag = "courses",
    params(("id" = String, Path, description = "Course id")),
    responses(
        (status = 200, description = "The course", body = CourseDetail),
        (status = 404, description = "No published course has this id", body = ErrorBody),
    )
)]
pub async fn get_course(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<CourseDetail>, ApiError> {
    Ok(Json(catalog::get_course(&state.db, &id).await?))
}
