//! The built-in room, used when PlugNmeet is not configured: rooms need no opening, and a join
//! token is an HS256 JWT naming the room, the participant and whether they run it, valid for ten
//! minutes, under a key of its own ([`join_token_key`], derived from this database's video key,
//! so the key its room's reports to `/api/webhooks/plugnmeet` are signed with signs nothing
//! else). The room itself admits by the session cookie at its page's socket. The Student-Teacher's browser records the session and
//! uploads it when the room ends; it is kept in the blob store under `incoming/` and reported as
//! PlugNmeet reports a recording, so the same job copies it to where recordings are kept.

use backend::VideoWebhookKey;
use backend::blobs::{BlobError, BlobStore, ByteChunks};
use backend::video::{JoinRequest, JoinToken, RoomRequest, VideoError, VideoService};
use jsonwebtoken::{EncodingKey, Header};
use serde::Serialize;
use std::sync::Arc;

const TOKEN_VALID_SECS: i64 = 600;

/// The key join tokens are signed with: an HMAC-SHA256 of a fixed label under the video key's
/// secret, so the webhook's secret is never used for a token a browser holds, and nothing new
/// has to be kept.
pub fn join_token_key(video_secret: &str) -> Vec<u8> {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(video_secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(b"peerloop built-in room join token");
    mac.finalize().into_bytes().to_vec()
}

#[derive(Debug)]
pub struct LocalRooms {
    key: VideoWebhookKey,
    public_url: String,
    blobs: Arc<dyn BlobStore>,
}

impl LocalRooms {
    pub fn new(key: VideoWebhookKey, public_url: String, blobs: Arc<dyn BlobStore>) -> Self {
        LocalRooms {
            key,
            public_url,
            blobs,
        }
    }
}

/// Where an uploaded recording waits to be copied: the built-in room's "server".
pub fn incoming_key(record_id: &str) -> String {
    format!("incoming/{record_id}.webm")
}

#[derive(Serialize)]
struct JoinClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    name: &'a str,
    room_id: &'a str,
    is_admin: bool,
    nbf: i64,
    exp: i64,
}

#[async_trait::async_trait]
impl VideoService for LocalRooms {
    async fn open_room(&self, _room: &RoomRequest) -> Result<(), VideoError> {
        Ok(())
    }

    async fn join_token(&self, join: &JoinRequest) -> Result<JoinToken, VideoError> {
        let now = backend::store::unix_now();
        let claims = JoinClaims {
            iss: &self.key.api_key,
            sub: &join.user_id,
            name: &join.name,
            room_id: &join.room_id,
            is_admin: join.is_admin,
            nbf: now,
            exp: now + TOKEN_VALID_SECS,
        };
        let token = jsonwebtoken::encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(&join_token_key(&self.key.api_secret)),
        )
        .map_err(|error| VideoError::Rejected(format!("could not sign a join token: {error}")))?;
        // The room page itself, until the built-in video room is built.
        Ok(JoinToken {
            url: format!(
                "{}/sessions/{}/room?join=local",
                self.public_url, join.session_id
            ),
            token,
        })
    }

    /// The uploaded file waits under `incoming/` only until it is copied to where recordings are
    /// kept.
    async fn recording_kept(&self, record_id: &str) -> Result<(), VideoError> {
        self.blobs
            .delete(&incoming_key(record_id))
            .await
            .map_err(|error| VideoError::Unavailable(error.to_string()))
    }

    async fn download_recording(&self, record_id: &str) -> Result<ByteChunks, VideoError> {
        let safe = !record_id.is_empty()
            && record_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !safe {
            return Err(VideoError::Rejected(format!("no recording {record_id:?}")));
        }
        self.blobs
            .get(&incoming_key(record_id))
            .await
            .map_err(|error| match error {
                BlobError::NotFound(error) => VideoError::Rejected(error),
                BlobError::Unavailable(error) => VideoError::Unavailable(error),
            })
    }
}

/// The outbox job that delivers one of the built-in room's reports.
pub const REPORT_JOB_KIND: &str = "local_video_report";

/// What the built-in room reports, as PlugNmeet would.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Report {
    Joined,
    Left,
    Finished,
}

impl Report {
    fn event(self) -> &'static str {
        match self {
            Report::Joined => "participant_joined",
            Report::Left => "participant_left",
            Report::Finished => "room_finished",
        }
    }
}

/// Queues a report about `entry`'s room, in PlugNmeet's shape (protojson: snake_case, 64-bit
/// integers as strings), with its own event id and time; the outbox worker signs and posts it
/// to `/api/webhooks/plugnmeet` (retrying until it is taken), so the built-in room's attendance
/// goes through the same verification and rules as PlugNmeet's.
pub async fn queue_report(
    db: &backend::db::Db,
    entry: &backend::services::booking::RoomEntry,
    report: Report,
    now: i64,
) -> Result<(), wire::error::AppError> {
    let mut body = serde_json::json!({
        "event": report.event(),
        "id": uuid::Uuid::now_v7().to_string(),
        "created_at": now.to_string(),
        "room": { "room_id": entry.room_id, "sid": entry.room_id, "name": entry.session_id },
    });
    if report != Report::Finished {
        body["participant"] = serde_json::json!({
            "identity": entry.user_id,
            "name": entry.name,
            "is_admin": entry.is_admin,
        });
    }
    enqueue_report(db, &body, now).await
}

/// Queues the report that an uploaded recording (already under [`incoming_key`]) is ready, as
/// PlugNmeet's `recording_proceeded`.
pub async fn queue_recording_report(
    db: &backend::db::Db,
    entry: &backend::services::booking::RoomEntry,
    record_id: &str,
    now: i64,
) -> Result<(), wire::error::AppError> {
    let body = serde_json::json!({
        "event": "recording_proceeded",
        "id": uuid::Uuid::now_v7().to_string(),
        "created_at": now.to_string(),
        "room": { "room_id": entry.room_id, "sid": entry.room_id, "name": entry.session_id },
        "recording_info": {
            "record_id": record_id,
            "recorder_id": "peerloop-local",
            "file_path": incoming_key(record_id),
        },
    });
    enqueue_report(db, &body, now).await
}

async fn enqueue_report(
    db: &backend::db::Db,
    body: &serde_json::Value,
    now: i64,
) -> Result<(), wire::error::AppError> {
    let mut conn = db.write_connection().await?;
    backend::store::outbox::enqueue(
        &mut conn,
        REPORT_JOB_KIND,
        &serde_json::json!({ "body": body.to_string() }),
        now,
        now,
    )
    .await?;
    Ok(())
}

/// Signs and posts a queued report. `Err` asks for a retry.
pub async fn deliver_report(
    client: &reqwest::Client,
    public_url: &str,
    key: &VideoWebhookKey,
    body: &str,
) -> Result<(), String> {
    let token = super::webhook::sign(body.as_bytes(), key, backend::store::unix_now())
        .map_err(|error| error.to_string())?;
    let response = client
        .post(format!("{public_url}/api/webhooks/plugnmeet"))
        .header(reqwest::header::AUTHORIZATION, token)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_owned())
        .send()
        .await
        .map_err(|error| error.to_string())?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("the webhook answered {}", response.status()))
    }
}
