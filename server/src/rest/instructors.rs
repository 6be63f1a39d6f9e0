//! Access to an instructor's feed (IFED), granted when a student enrolls in one of their courses.

use super::error::{ApiError, ApiPath, ErrorBody};
use axum::Json;
use axum::extract::State;
use backend::AppState;
use backend::auth::SignedIn;
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct FeedAccess {
    access: bool,
}

/// Whether the signed-in user may read the instructor's feed: their own, or that of a creator
/// whose course they enrolled in.
#[utoipa::path(
    get,
    path = "/api/instructors/{id}/feed/access",
    tag = "feeds",
    params(("id" = String, Path, description = "The instructor's (creator's) user id")),
    responses(
        (status = 200, description = "Allowed", body = FeedAccess),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "\"Enroll in a course to access\"", body = ErrorBody),
    )
)]
pub async fn feed_access(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(instructor_id): ApiPath<String>,
) -> Result<Json<FeedAccess>, ApiError> {
    backend::services::payments::require_feed_access(&state.db, &user, &instructor_id).await?;
    Ok(Json(FeedAccess { access: true }))
}
