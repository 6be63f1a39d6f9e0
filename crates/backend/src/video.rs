//! The video port: how a booked session gets its room and its participants their way in, and the
//! room's events as the services apply them. Adapters (PlugNmeet, the built-in room) live in the
//! server crate, which also verifies and parses the webhooks into [`VideoEvent`]s.

/// The room of one session. Creating it again while it is open changes nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomRequest {
    /// `^[a-zA-Z0-9-_]+$` (PlugNmeet's rule), one per session.
    pub room_id: String,
    pub title: String,
    /// The room closes by itself this long after it opened, in minutes.
    pub duration_minutes: i64,
}

/// Someone entering a room; the Student-Teacher is its admin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinRequest {
    pub session_id: String,
    pub room_id: String,
    /// Our user id: the room reports this participant's joins and leaves under it.
    pub user_id: String,
    pub name: String,
    pub is_admin: bool,
}

/// A way into the room: a short-lived token and where the browser takes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinToken {
    pub token: String,
    pub url: String,
}

#[derive(Debug, thiserror::Error)]
pub enum VideoError {
    /// The service could not be reached, or did not answer in time.
    #[error("video service unavailable: {0}")]
    Unavailable(String),
    /// The service answered with an error.
    #[error("video service refused the request: {0}")]
    Rejected(String),
}

#[async_trait::async_trait]
pub trait VideoService: Send + Sync + std::fmt::Debug {
    /// Opens the session's room, or finds it open.
    async fn open_room(&self, room: &RoomRequest) -> Result<(), VideoError>;

    /// A token for one participant of an open room.
    async fn join_token(&self, join: &JoinRequest) -> Result<JoinToken, VideoError>;

    /// The file of a recording the service reported ready (`recording_proceeded`).
    async fn download_recording(
        &self,
        record_id: &str,
    ) -> Result<crate::blobs::ByteChunks, VideoError>;

    /// Told once a recording is kept in the blob store: the service may let its own copy go.
    async fn recording_kept(&self, _record_id: &str) -> Result<(), VideoError> {
        Ok(())
    }
}

/// A verified event from the video service, as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedVideoEvent {
    /// Unique per event; a redelivery carries the same id.
    pub id: String,
    /// The service's event name, e.g. `participant_joined`.
    pub kind: String,
    /// When it happened, Unix seconds.
    pub created: i64,
    pub room_id: Option<String>,
    /// The raw JSON body.
    pub payload: String,
    pub event: VideoEvent,
}

/// What the services act on. Everything else is stored and acknowledged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VideoEvent {
    ParticipantJoined {
        user_id: String,
    },
    ParticipantLeft {
        user_id: String,
    },
    RoomFinished,
    /// A recording's file is ready to be downloaded.
    RecordingProceeded {
        record_id: String,
        /// The service's name for the file; its extension says the container.
        file_path: String,
    },
    Other,
}
