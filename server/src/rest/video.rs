//! Session rooms: joining a session's video room, PlugNmeet's webhook (attendance, the room's
//! end, recordings), feedback after a completed session, and the session's recordings.

use super::error::{ApiError, ApiJson, ApiPath, ErrorBody};
use crate::adapters::video::{local, webhook};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use backend::AppState;
use backend::auth::SignedIn;
use backend::blobs::BlobError;
use backend::services::booking::{self, VideoApplied};
use backend::store::unix_now;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use wire::error::AppError;
use wire::sessions::{FeedbackGiven, Recordings, VideoJoin};

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

/// A session's recordings, each with a link to play it for the next 15 minutes (presigned by R2,
/// or signed by this app for the local store): for its two participants and admins only.
#[utoipa::path(
    get,
    path = "/api/sessions/{id}/recordings",
    tag = "video",
    params(("id" = String, Path, description = "Session id")),
    responses(
        (status = 200, body = Recordings),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "\"You're not part of this session.\"", body = ErrorBody),
        (status = 404, description = "No such session", body = ErrorBody),
        (status = 503, description = "The blob store could not sign a link", body = ErrorBody),
    )
)]
pub async fn recordings(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Recordings>, ApiError> {
    Ok(Json(
        booking::recordings(&state.db, state.blobs.as_ref(), &user, &id, unix_now()).await?,
    ))
}

/// The largest recording the built-in room takes: about two hours of its video.
const MAX_RECORDING_BYTES: u64 = 1 << 30;

#[derive(Serialize, utoipa::ToSchema)]
pub struct RecordingReceived {
    record_id: String,
    size_bytes: u64,
}

/// The built-in room's recording (WebM from the Student-Teacher's browser), uploaded when the
/// room ends. It is reported as PlugNmeet reports a finished recording (`recording_proceeded`,
/// signed, to `/api/webhooks/plugnmeet`), so the same job copies it to where recordings are kept.
#[utoipa::path(
    post,
    path = "/api/sessions/{id}/recording",
    tag = "video",
    params(("id" = String, Path, description = "Session id")),
    request_body(content = Vec<u8>, description = "The recording, as recorded", content_type = "video/webm"),
    responses(
        (status = 202, description = "Kept; it appears among the session's recordings once copied", body = RecordingReceived),
        (status = 400, description = "Empty, or over 1 GiB", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not the session's Student-Teacher", body = ErrorBody),
        (status = 404, description = "No such session", body = ErrorBody),
        (status = 409, description = "PlugNmeet records this site's sessions; the room was never opened or held; the time to upload is over; or the session has 10 recordings", body = ErrorBody),
        (status = 503, description = "The blob store is unavailable", body = ErrorBody),
    )
)]
pub async fn upload_recording(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> axum::response::Response {
    match receive_recording(&state, &user, &id, &headers, body).await {
        Ok(received) => (axum::http::StatusCode::ACCEPTED, Json(received)).into_response(),
        // A refusal may come before the body was read: the connection cannot carry another
        // request after it, and saying so keeps the client from sending one down it.
        Err(refused) => {
            let mut response = refused.into_response();
            response.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
            response
        }
    }
}

async fn receive_recording(
    state: &AppState,
    user: &backend::auth::SessionUser,
    id: &str,
    headers: &HeaderMap,
    body: axum::body::Body,
) -> Result<RecordingReceived, ApiError> {
    if !state.settings.local_video {
        return Err(AppError::Conflict(
            "PlugNmeet records this site's sessions; there is nothing to upload.".into(),
        )
        .into());
    }
    let entry = booking::recording_room(&state.db, user, id, unix_now()).await?;
    let too_large = || AppError::BadRequest("That recording is over 1 GiB.".into());
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_RECORDING_BYTES) {
        return Err(too_large().into());
    }
    // Nothing is kept of an empty body, with or without its length declared.
    let mut body = body.into_data_stream();
    let first = loop {
        match body.next().await {
            Some(Ok(chunk)) if chunk.is_empty() => {}
            Some(Ok(chunk)) => break chunk,
            Some(Err(error)) => {
                return Err(AppError::BadRequest(format!("The upload broke off: {error}")).into());
            }
            None => return Err(AppError::BadRequest("The recording is empty.".into()).into()),
        }
    };
    // A body sent without its length is cut off at the limit (and the upload aborted).
    let mut received = 0_u64;
    let chunks = futures_util::stream::once(async move { Ok(first) })
        .chain(body)
        .map(move |chunk| {
            let chunk = chunk.map_err(|error| error.to_string())?;
            received += chunk.len() as u64;
            if received > MAX_RECORDING_BYTES {
                return Err("over the size limit".to_owned());
            }
            Ok(chunk)
        })
        .boxed();
    let record_id = uuid::Uuid::now_v7().to_string();
    let size = state
        .blobs
        .put(&local::incoming_key(&record_id), chunks)
        .await
        .map_err(|error| {
            tracing::warn!(%error, session = %entry.session_id, "a recording upload failed");
            AppError::Unavailable("The recording could not be kept. Try again.".into())
        })?;
    local::queue_recording_report(&state.db, &entry, &record_id, unix_now()).await?;
    tracing::info!(session = %entry.session_id, %record_id, size, "received the built-in room's recording");
    Ok(RecordingReceived {
        record_id,
        size_bytes: size,
    })
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct SignedLink {
    /// Unix seconds.
    expires: i64,
    signature: String,
}

/// A local store's recording, through the link `GET /api/sessions/{id}/recordings` handed out
/// (with R2 the links point at R2 instead). Anyone holding a current link may fetch it, as with
/// a presigned R2 link.
#[utoipa::path(
    get,
    path = "/api/blobs/{key}",
    tag = "video",
    params(("key" = String, Path, description = "The blob's key"), SignedLink),
    responses(
        (status = 200, description = "The file", content_type = "video/webm"),
        (status = 403, description = "The link is not one this app signed, or has expired", body = ErrorBody),
    )
)]
pub async fn signed_blob(
    State(state): State<AppState>,
    ApiPath(key): ApiPath<String>,
    axum::extract::Query(link): axum::extract::Query<SignedLink>,
) -> Result<axum::response::Response, ApiError> {
    let chunks = state
        .blobs
        .open_signed(&key, link.expires, &link.signature, unix_now())
        .await
        .map_err(|error| match error {
            BlobError::NotFound(_) => {
                AppError::Forbidden("This link has expired or is not valid.".into())
            }
            BlobError::Unavailable(error) => {
                tracing::warn!(%error, %key, "could not read a blob");
                AppError::Unavailable("The recording is unavailable right now. Try again.".into())
            }
        })?;
    let body =
        axum::body::Body::from_stream(chunks.map(|chunk| chunk.map_err(std::io::Error::other)));
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                domain::recording::content_type(&key),
            ),
            // Compressing video gains nothing: the compression layer leaves encoded bodies be.
            (axum::http::header::CONTENT_ENCODING, "identity"),
            (axum::http::header::CACHE_CONTROL, "private, max-age=900"),
        ],
        body,
    )
        .into_response())
}
