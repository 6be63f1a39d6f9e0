//! One error type for the whole product. It crosses the wire between server and browser and maps
//! to an HTTP status; internal causes are logged on the server and never shown to users.

use domain::account::FieldErrors;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", content = "message", rename_all = "snake_case")]
pub enum AppError {
    /// Input failed validation; the message says which field and why.
    #[error("{0}")]
    BadRequest(String),
    /// Form fields failed validation; each carries its own message.
    #[error("Please correct the highlighted fields.")]
    Invalid(FieldErrors),
    #[error("Please log in to continue.")]
    Unauthorized,
    /// A log in with a wrong password or an unknown email: one message for both.
    #[error("{}", domain::account::LOGIN_FAILED)]
    InvalidCredentials,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooManyRequests(String),
    /// An outside service is down; the message tells the user what to do.
    #[error("{0}")]
    Unavailable(String),
    /// Anything unexpected. The cause was logged where it happened.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
}

impl AppError {
    pub fn status(&self) -> u16 {
        match self {
            AppError::BadRequest(_) | AppError::Invalid(_) => 400,
            AppError::Unauthorized | AppError::InvalidCredentials => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound(_) => 404,
            AppError::Conflict(_) => 409,
            AppError::TooManyRequests(_) => 429,
            AppError::Unavailable(_) => 503,
            AppError::Internal => 500,
        }
    }

    /// The stable machine-readable code of the REST error body.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest(_) => "bad_request",
            AppError::Invalid(_) => "invalid",
            AppError::Unauthorized => "unauthorized",
            AppError::InvalidCredentials => "invalid_credentials",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::TooManyRequests(_) => "too_many_requests",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal => "internal",
        }
    }

    /// Field-level messages, when this is a validation failure.
    pub fn field_errors(&self) -> Option<&FieldErrors> {
        match self {
            AppError::Invalid(fields) => Some(fields),
            _ => None,
        }
    }

    pub fn course_not_found() -> Self {
        AppError::NotFound("We couldn't find that course.".into())
    }
}

impl From<domain::access::Denial> for AppError {
    fn from(denial: domain::access::Denial) -> Self {
        match denial {
            domain::access::Denial::NotLoggedIn => AppError::Unauthorized,
            domain::access::Denial::Forbidden(message) => AppError::Forbidden(message.into()),
        }
    }
}

#[cfg(feature = "server-fn")]
impl server_fn::error::FromServerFnError for AppError {
    type Encoder = server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: server_fn::error::ServerFnErrorErr) -> Self {
        use server_fn::error::ServerFnErrorErr;
        match value {
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::Deserialization(message) => {
                AppError::BadRequest(message)
            }
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => AppError::Unavailable(
                "We couldn't reach PeerLoop. Check your connection and try again.".into(),
            ),
            _ => AppError::Internal,
        }
    }
}

#[cfg(feature = "sqlx")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        tracing::error!(%error, "database error");
        AppError::Internal
    }
}

/// The body of every REST error response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable machine-readable code: bad_request, invalid, unauthorized, invalid_credentials,
    /// forbidden, not_found, conflict, too_many_requests, unavailable, internal.
    pub error: String,
    /// Text to show a person.
    pub message: String,
    /// For `invalid`: a message per form field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<std::collections::BTreeMap<String, String>>,
}

impl From<&AppError> for ErrorBody {
    fn from(error: &AppError) -> Self {
        ErrorBody {
            error: error.code().to_owned(),
            message: error.to_string(),
            fields: error.field_errors().map(|fields| fields.0.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_codes_match_the_rest_contract() {
        let cases = [
            (AppError::BadRequest("x".into()), 400, "bad_request"),
            (AppError::Unauthorized, 401, "unauthorized"),
            (AppError::InvalidCredentials, 401, "invalid_credentials"),
            (AppError::Forbidden("x".into()), 403, "forbidden"),
            (AppError::NotFound("x".into()), 404, "not_found"),
            (AppError::Conflict("x".into()), 409, "conflict"),
            (AppError::Invalid(FieldErrors::default()), 400, "invalid"),
            (
                AppError::TooManyRequests("x".into()),
                429,
                "too_many_requests",
            ),
            (AppError::Unavailable("x".into()), 503, "unavailable"),
            (AppError::Internal, 500, "internal"),
        ];
        for (error, status, code) in cases {
            assert_eq!((error.status(), error.code()), (status, code));
        }
    }

    #[test]
    fn round_trips_through_json_for_the_wire() {
        let error = AppError::Conflict("This time is no longer available. Select another.".into());
        let json = serde_json::to_string(&error).unwrap();
        assert_eq!(serde_json::from_str::<AppError>(&json).unwrap(), error);
    }
}
