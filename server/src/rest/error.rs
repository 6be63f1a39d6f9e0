use app::error::AppError;
use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The body of every REST error response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code: bad_request, unauthorized, forbidden, not_found, conflict,
    /// unavailable, internal.
    pub error: &'static str,
    /// Text to show a person.
    pub message: String,
    /// For `invalid`: a message per form field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<std::collections::BTreeMap<String, String>>,
}

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
        let body = ErrorBody {
            error: self.0.code(),
            message: self.0.to_string(),
            fields: self.0.field_errors().map(|fields| fields.0.clone()),
        };
        (status, Json(body)).into_response()
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

/// `Query` whose rejection is a JSON error body.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// `Path` whose rejection is a JSON error body.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// `Json` whose rejection is a JSON error body.
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// The signed-in user of a REST call. An extractor, so it runs before the body is read: an
/// anonymous client learns it must sign in (401) before anything about its request body.
pub struct SignedIn(pub app::backend::auth::SessionUser);

impl axum::extract::FromRequestParts<app::backend::AppState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &app::backend::AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = tower_sessions::Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, message)| {
                tracing::error!(message, "session layer missing");
                ApiError(AppError::Internal)
            })?;
        let user =
            app::backend::auth::require_user(&state.db, &session, app::backend::store::unix_now())
                .await?;
        Ok(SignedIn(user))
    }
}
