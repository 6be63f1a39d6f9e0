use super::error::{ApiError, ApiJson, ErrorBody};
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use backend::AppState;
use backend::auth::SignedIn;
use backend::request::ClientAddress;
use backend::services::accounts;
use backend::store::unix_now;
use serde::Deserialize;
use tower_sessions::Session;
use wire::auth::Me;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignUpRequest {
    /// 1 to 100 characters (spaces are collapsed).
    #[schema(min_length = 1, max_length = 100)]
    name: String,
    #[schema(format = Email, min_length = 3, max_length = 254)]
    email: String,
    /// 12 to 256 characters.
    #[schema(min_length = 12, max_length = 256)]
    password: String,
    /// IANA time zone, e.g. "America/New_York".
    #[schema(min_length = 1, example = "America/New_York")]
    time_zone: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogInRequest {
    #[schema(min_length = 1, max_length = 254)]
    email: String,
    #[schema(min_length = 1, max_length = 256)]
    password: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmSignUpRequest {
    /// The token from the link in the confirmation email.
    #[schema(min_length = 1)]
    token: String,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SignUpStarted {
    /// "Check your email: we sent a link to finish creating your account."
    message: &'static str,
}

/// Starts a sign-up: emails a link that creates the account. The answer is the same whether or
/// not the address already has an account (its owner is told by email instead).
#[utoipa::path(
    post,
    path = "/api/auth/signup",
    tag = "accounts",
    request_body = SignUpRequest,
    responses(
        (status = 202, description = "A confirmation link was emailed (or the address's owner was told)", body = SignUpStarted),
        (status = 400, description = "Invalid fields (see `fields`), or a missing or malformed body", body = ErrorBody),
    )
)]
pub async fn sign_up(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SignUpRequest>,
) -> Result<(StatusCode, Json<SignUpStarted>), ApiError> {
    let form = accounts::SignUp {
        name: &body.name,
        email: &body.email,
        password: &body.password,
        time_zone: &body.time_zone,
    };
    accounts::sign_up(&state.db, form, unix_now()).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(SignUpStarted {
            message: wire::auth::CHECK_YOUR_EMAIL,
        }),
    ))
}

/// Finishes a sign-up with the emailed token: creates the account and signs it in (the
/// response sets the session cookie).
#[utoipa::path(
    post,
    path = "/api/auth/signup/confirm",
    tag = "accounts",
    request_body = ConfirmSignUpRequest,
    responses(
        (status = 201, description = "Account created and signed in", body = Me),
        (status = 400, description = "A missing or malformed body", body = ErrorBody),
        (status = 404, description = "The link expired or was already used", body = ErrorBody),
        (status = 409, description = "Another link for this address was used first", body = ErrorBody),
    )
)]
pub async fn confirm_sign_up(
    State(state): State<AppState>,
    session: Session,
    ApiJson(body): ApiJson<ConfirmSignUpRequest>,
) -> Result<(StatusCode, Json<Me>), ApiError> {
    let user = accounts::confirm_sign_up(&state.db, &session, &body.token, unix_now()).await?;
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
        (status = 400, description = "A missing or malformed body", body = ErrorBody),
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
pub async fn me(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
) -> Result<Json<Me>, ApiError> {
    Ok(Json(accounts::me(&state.db, &user).await?))
}
