//! Session rooms: joining a session's video room, PlugNmeet's webhook (attendance and the room's
//! end), and feedback after a completed session.

use super::error::{ApiError, ApiJson, ApiPath, ErrorBody};
use crate::adapters::video::webhook;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use backend::AppState;
use backend::auth::SignedIn;
use backend::services::booking::{self, VideoApplied};
use backend::store::unix_now;
use serde::{Deserialize, Serialize};
use wire::error::AppError;
use wire::sessions::{FeedbackGiven, VideoJoin};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VideoTokenRequest {
    #[schema(min_length = 1)]
    session_id: String,
}

/// A token to enter a session's video room (PlugNmeet's, or the built-in room). The room is
/// opened if it is not open yet (one per session); the Student-Teacher enters as its admin.
#[utoipa::path(
    post,
    path = "/api/video/token",
    tag = "video",
    request_body = VideoTokenRequest,
    responses(
        (status = 200, body = VideoJoin),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "\"You're not part of this session.\"", body = ErrorBody),
        (status = 404, description = "No such session", body = ErrorBody),
        (status = 409, description = "Outside the join window (15 minutes before the start to 15 minutes after the end), not paid for, cancelled or over", body = ErrorBody),
        (status = 503, description = "\"Video service unavailable. Try again.\" when it could not be reached in time; \"Unable to connect.\" when it refused the request (retrying may help)", body = ErrorBody),
    )
)]
pub async fn video_token(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiJson(request): ApiJson<VideoTokenRequest>,
) -> Result<Json<VideoJoin>, ApiError> {
    Ok(Json(
        booking::join_room(
            &state.db,
            state.video.as_ref(),
            &user,
            request.session_id.trim(),
            unix_now(),
        )
        .await?,
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct VideoWebhookReceived {
    received: bool,
    /// The event was received before: nothing changed.
    duplicate: bool,
}

/// PlugNmeet's events (and the built-in room's, signed the same way). The `Authorization` header
/// is the JWT itself (no "Bearer "): HS256 under the API secret, issued by the API key, current,
/// with a `sha256` claim equal to the base64 SHA-256 of the body. Each event is stored by id in
/// the transaction that applies it: a redelivery answers 200 and changes nothing.
#[utoipa::path(
    post,
    path = "/api/webhooks/plugnmeet",
    tag = "video",
    request_body(content = String, description = "PlugNmeet's event, as JSON", content_type = "application/json"),
    params(("Authorization" = String, Header, description = "The webhook's JWT, with no Bearer prefix")),
    responses(
        (status = 200, description = "Received (or received before)", body = VideoWebhookReceived),
        (status = 400, description = "Not a PlugNmeet event; nothing was changed", body = ErrorBody),
        (status = 401, description = "Missing, malformed, expired or wrong token, or signed for another body; nothing was changed", body = ErrorBody),
    )
)]
pub async fn plugnmeet_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<VideoWebhookReceived>, ApiError> {
    let now = unix_now();
    let authorization = headers
        .get(axum::http::header::AUTHORIZATION)
        .or_else(|| headers.get("hash-token"))
        .and_then(|value| value.to_str().ok());
    webhook::verify(&body, authorization, &state.video_webhook_key).map_err(|error| {
        tracing::warn!(%error, "refused a PlugNmeet webhook");
        AppError::Unauthorized
    })?;
    let text = std::str::from_utf8(&body)
        .map_err(|_| AppError::BadRequest("The body is not UTF-8 text.".into()))?;
    let event = webhook::parse(text, now).map_err(|error| {
        tracing::error!(%error, "a signed PlugNmeet event could not be read");
        AppError::BadRequest(error.to_string())
    })?;
    let applied = booking::apply_video_event(&state.db, &event, now).await?;
    Ok(Json(VideoWebhookReceived {
        received: true,
        duplicate: applied == VideoApplied::Duplicate,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    /// 1 to 5.
    #[schema(minimum = 1, maximum = 5)]
    stars: i64,
    /// Up to 2,000 characters; blank is none.
    #[schema(max_length = 2000)]
    comment: Option<String>,
}

/// A participant's feedback on a completed session, about the other participant: once each.
/// The students' stars make a Student-Teacher's rating.
#[utoipa::path(
    post,
    path = "/api/sessions/{id}/feedback",
    tag = "video",
    params(("id" = String, Path, description = "Session id")),
    request_body = FeedbackRequest,
    responses(
        (status = 201, body = FeedbackGiven),
        (status = 400, description = "Stars outside 1 to 5, or a comment over 2,000 characters", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "\"You're not part of this session.\"", body = ErrorBody),
        (status = 404, description = "No such session", body = ErrorBody),
        (status = 409, description = "Not completed, or feedback already given", body = ErrorBody),
    )
)]
pub async fn feedback(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<FeedbackRequest>,
) -> Result<(axum::http::StatusCode, Json<FeedbackGiven>), ApiError> {
    let given = booking::give_feedback(
        &state.db,
        &user,
        &id,
        request.stars,
        request.comment.as_deref(),
        unix_now(),
    )
    .await?;
    Ok((axum::http::StatusCode::CREATED, Json(given)))
}
