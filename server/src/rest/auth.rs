use super::error::{ApiError, ApiJson, ErrorBody};
use app::api::auth::Me;
use app::backend::AppState;
use app::backend::auth::require_user;
use app::backend::request::ClientAddress;
use app::backend::services::accounts;
use app::backend::store::unix_now;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;
use tower_sessions::Session;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SignUpRequest {
    name: String,
    email: String,
    /// At least 12 characters.
    password: String,
    /// IANA time zone, e.g. "America/New_York".
    time_zone: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LogInRequest {
    email: String,
    password: String,
}

/// Creates an account and signs it in (the response sets the session cookie).
#[utoipa::path(
    post,
    path = "/api/auth/signup",
    tag = "accounts",
    request_body = SignUpRequest,
    responses(
        (status = 201, description = "Signed up and signed in", body = Me),
        (status = 400, description = "Invalid fields (see `fields`), or the email is taken", body = ErrorBody),
    )
)]
pub async fn sign_up(
    State(state): State<AppState>,
    session: Session,
    ApiJson(body): ApiJson<SignUpRequest>,
) -> Result<(StatusCode, Json<Me>), ApiError> {
    let form = accounts::SignUp {
        name: &body.name,
        email: &body.email,
        password: &body.password,
        time_zone: &body.time_zone,
    };
    let user = accounts::sign_up(&state.db, &session, form, unix_now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(accounts::me(&state.db, &user).await?),
    ))
}

/// Signs in with email and password; the response sets a new session cookie.
#[utoipa::path(
    post,
    path = "/api/auth/login",
    tag = "accounts",
    request_body = LogInRequest,
    responses(
        (status = 200, description = "Signed in", body = Me),
        (status = 401, description = "Wrong email or password (one message for both)", body = ErrorBody),
        (status = 429, description = "Too many failed attempts for this account or address", body = ErrorBody),
    )
)]
pub async fn log_in(
    State(state): State<AppState>,
    session: Session,
    Extension(address): Extension<ClientAddress>,
    ApiJson(body): ApiJson<LogInRequest>,
) -> Result<Json<Me>, ApiError> {
    let user = accounts::log_in(
        &state.db,
        &session,
        &body.email,
        &body.password,
        &address.0,
        unix_now(),
    )
    .await?;
    Ok(Json(accounts::me(&state.db, &user).await?))
}

/// Ends this session.
#[utoipa::path(
    post,
    path = "/api/auth/logout",
    tag = "accounts",
    responses((status = 204, description = "Signed out"))
)]
pub async fn log_out(session: Session) -> Result<StatusCode, ApiError> {
    accounts::log_out(&session).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user.
#[utoipa::path(
    get,
    path = "/api/me",
    tag = "accounts",
    responses(
        (status = 200, description = "The signed-in user", body = Me),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
pub async fn me(State(state): State<AppState>, session: Session) -> Result<Json<Me>, ApiError> {
    let user = require_user(&state.db, &session, unix_now()).await?;
    Ok(Json(accounts::me(&state.db, &user).await?))
}
