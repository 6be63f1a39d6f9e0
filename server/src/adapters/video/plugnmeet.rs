//! PlugNmeet's server API: JSON bodies POSTed under `/auth`, each signed with `HASH-SIGNATURE`,
//! the lowercase hex HMAC-SHA256 of the exact body bytes under the API secret, next to `API-KEY`
//! (see docs/integrations.md). Logical errors come back as HTTP 200 with `"status": false`.

use crate::config::PlugNmeetConfig;
use backend::blobs::ByteChunks;
use backend::video::{JoinRequest, JoinToken, RoomRequest, VideoError, VideoService};
use futures_util::StreamExt;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::time::Duration;

/// How long PlugNmeet keeps a room nobody is in before closing it (and reporting
/// `room_finished`): the join window's 15 minutes of grace, so someone who dropped out can come
/// back. Set rather than left to the server's default, which varies by install; a room closed
/// before the session's time is over only closes it (see `domain::attendance`).
const EMPTY_TIMEOUT_SECS: i64 = domain::attendance::JOIN_GRACE_AFTER_SECS;

#[derive(Debug)]
pub struct PlugNmeet {
    client: reqwest::Client,
    /// Recordings take long to download: no overall timeout, only one between chunks.
    downloads: reqwest::Client,
    config: PlugNmeetConfig,
    /// Where PlugNmeet reports the room's events (used when its server allows per-room
    /// webhooks; otherwise its global webhook setting must point here).
    webhook_url: String,
}

impl PlugNmeet {
    pub fn new(config: PlugNmeetConfig, public_url: &str) -> Self {
        // A participant waits on these calls to enter the room: past a few seconds, saying the
        // video service is unavailable is better than a spinner.
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(8))
            .build()
            .unwrap_or_default();
        let downloads = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .read_timeout(Duration::from_secs(60))
            .build()
            .unwrap_or_default();
        PlugNmeet {
            client,
            downloads,
            config,
            webhook_url: format!("{public_url}/api/webhooks/plugnmeet"),
        }
    }

    /// The body's signature: hex HMAC-SHA256 under the API secret.
    pub fn signature(secret: &str, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
            .expect("HMAC takes a key of any length");
        mac.update(body);
        hex::encode(mac.finalize().into_bytes())
    }

    /// POSTs `body` to `path`, serialized once and signed as sent; the answer when its `status`
    /// is true.
    async fn call(&self, path: &str, body: &Value) -> Result<Value, VideoError> {
        let bytes = serde_json::to_vec(body).map_err(|error| {
            VideoError::Rejected(format!("could not encode the request: {error}"))
        })?;
        let signature = Self::signature(self.config.api_secret.expose(), &bytes);
        let response = self
            .client
            .post(format!("{}{path}", self.config.server_url))
            .header("API-KEY", &self.config.api_key)
            .header("HASH-SIGNATURE", signature)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(bytes)
            .send()
            .await
            .map_err(|error| VideoError::Unavailable(format!("PlugNmeet {path}: {error}")))?;
        let status = response.status();
        if status.is_server_error() {
            return Err(VideoError::Unavailable(format!(
                "PlugNmeet {path}: {status}"
            )));
        }
        if !status.is_success() {
            return Err(VideoError::Rejected(format!(
                "PlugNmeet {path}: {status} (check PLUGNMEET_API_KEY and PLUGNMEET_API_SECRET)"
            )));
        }
        let answer: Value = response.json().await.map_err(|error| {
            VideoError::Unavailable(format!("PlugNmeet {path}: unreadable answer: {error}"))
        })?;
        if answer["status"] != Value::Bool(true) {
            return Err(VideoError::Rejected(format!(
                "PlugNmeet {path}: {} ({})",
                answer["msg"].as_str().unwrap_or("no message"),
                answer["status_code"].as_str().unwrap_or("no status code"),
            )));
        }
        Ok(answer)
    }
}

#[async_trait::async_trait]
impl VideoService for PlugNmeet {
    async fn open_room(&self, room: &RoomRequest) -> Result<(), VideoError> {
        let active = self
            .call(
                "/auth/room/isRoomActive",
                &json!({ "room_id": room.room_id }),
            )
            .await?;
        if active["is_active"] == Value::Bool(true) {
            return Ok(());
        }
        let body = json!({
            "room_id": room.room_id,
            "max_participants": 2,
            "empty_timeout": EMPTY_TIMEOUT_SECS,
            "metadata": {
                "room_title": room.title,
                "webhook_url": self.webhook_url,
                "room_features": {
                    "allow_webcams": true,
                    "allow_screen_share": true,
                    "allow_view_other_webcams": true,
                    "allow_view_other_users_list": true,
                    "room_duration": room.duration_minutes,
                    "recording_features": {
                        "is_allow": true,
                        "is_allow_cloud": true,
                        "is_allow_local": false,
                    },
                    "chat_features": { "is_allow": true },
                },
            },
        });
        self.call("/auth/room/create", &body).await?;
        Ok(())
    }

    async fn join_token(&self, join: &JoinRequest) -> Result<JoinToken, VideoError> {
        let body = json!({
            "room_id": join.room_id,
            "user_info": {
                "name": join.name,
                "user_id": join.user_id,
                "is_admin": join.is_admin,
                "user_metadata": { "is_admin": join.is_admin },
            },
        });
        let answer = self.call("/auth/room/getJoinToken", &body).await?;
        let token = answer["token"]
            .as_str()
            .filter(|token| !token.is_empty())
            .ok_or_else(|| VideoError::Rejected("PlugNmeet sent no join token".into()))?
            .to_owned();
        Ok(JoinToken {
            url: format!("{}/?access_token={token}", self.config.server_url),
            token,
        })
    }

    /// A download token for the recording, then its file from `/download/recording/<token>`
    /// (which may redirect to where PlugNmeet keeps it; reqwest follows).
    async fn download_recording(&self, record_id: &str) -> Result<ByteChunks, VideoError> {
        let answer = self
            .call(
                "/auth/recording/getDownloadToken",
                &json!({ "record_id": record_id }),
            )
            .await?;
        let token = answer["token"]
            .as_str()
            .filter(|token| !token.is_empty())
            .ok_or_else(|| VideoError::Rejected("PlugNmeet sent no download token".into()))?;
        let response = self
            .downloads
            .get(format!(
                "{}/download/recording/{token}",
                self.config.server_url
            ))
            .send()
            .await
            .map_err(|error| VideoError::Unavailable(format!("recording {record_id}: {error}")))?;
        let status = response.status();
        if status.is_server_error() {
            return Err(VideoError::Unavailable(format!(
                "recording {record_id}: {status}"
            )));
        }
        if !status.is_success() {
            return Err(VideoError::Rejected(format!(
                "recording {record_id}: {status}"
            )));
        }
        Ok(response
            .bytes_stream()
            .map(|chunk| chunk.map_err(|error| error.to_string()))
            .boxed())
    }
}
