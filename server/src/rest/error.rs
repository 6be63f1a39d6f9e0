//! The REST API's extractors: their rejections are the JSON error body (`ApiError`).

pub use backend::http::ApiError;
pub use wire::error::ErrorBody;

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

/// The request's `Idempotency-Key` header, when it has one; one that is not visible ASCII is a
/// 400 error body.
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, ApiError> {
        match parts.headers.get("idempotency-key").map(|key| key.to_str()) {
            None => Ok(IdempotencyKey(None)),
            Some(Ok(key)) => Ok(IdempotencyKey(Some(key.to_owned()))),
            Some(Err(_)) => Err(ApiError(wire::error::AppError::BadRequest(
                "Idempotency-Key must be visible ASCII.".into(),
            ))),
        }
    }
}
