//! The REST API's error response: an [`AppError`] as `{"error", "message"}` with its status. The
//! signed-in-user extractor (`auth::SignedIn`) rejects with it, as do the host's REST handlers
//! and extractors.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use wire::error::{AppError, ErrorBody};

/// An [`AppError`] leaving the REST API as `{"error", "message"}` with its status.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        ApiError(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(ErrorBody::from(&self.0))).into_response()
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError(AppError::BadRequest(format!(
            "Invalid query string: {}",
            rejection.body_text()
        )))
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError(AppError::BadRequest(format!(
            "Invalid path: {}",
            rejection.body_text()
        )))
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        ApiError(AppError::BadRequest(format!(
            "Invalid JSON body: {}",
            rejection.body_text()
        )))
    }
}
