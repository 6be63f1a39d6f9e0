//! The built-in room, used when PlugNmeet is not configured: rooms need no opening, and a join
//! token is an HS256 JWT of this database's own video key (the same key its room's reports to
//! `/api/webhooks/plugnmeet` are signed with), naming the room, the participant and whether
//! they run it, valid for ten minutes.

use backend::VideoWebhookKey;
use backend::video::{JoinRequest, JoinToken, RoomRequest, VideoError, VideoService};
use jsonwebtoken::{EncodingKey, Header};
use serde::Serialize;

const TOKEN_VALID_SECS: i64 = 600;

#[derive(Debug)]
pub struct LocalRooms {
    key: VideoWebhookKey,
    public_url: String,
}

impl LocalRooms {
    pub fn new(key: VideoWebhookKey, public_url: String) -> Self {
        LocalRooms { key, public_url }
    }
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
            &EncodingKey::from_secret(self.key.api_secret.as_bytes()),
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
}
