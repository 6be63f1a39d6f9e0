//! A session's recordings: each one the video service reports ready is copied into the blob
//! store by an outbox job (so a slow or failing download is retried, never lost), and played
//! back by the session's participants through short-lived signed links.

use super::*;
use crate::blobs::{BlobError, BlobStore};
use crate::video::{VideoError, VideoService};
use domain::access::{Access, authorize};
use wire::sessions::{Recording, Recordings};

/// The outbox job that copies one recording into the blob store.
pub const RECORDING_JOB_KIND: &str = "store_recording";

/// How long a playback link works: enough to start watching (a player that has started keeps
/// its connection), short enough that a shared link soon stops working.
pub const PLAYBACK_LINK_SECS: u64 = 15 * 60;

#[derive(serde::Serialize, serde::Deserialize)]
pub struct RecordingJob {
    pub record_id: String,
}

/// Notes a reported recording and queues its copy, in the caller's transaction; a recording
/// reported before is left as it is.
pub(super) async fn note_recording(
    conn: &mut AnyConnection,
    booking_id: &str,
    record_id: &str,
    file_path: &str,
    now: i64,
) -> Result<bool, AppError> {
    if !store::record_recording(conn, record_id, booking_id, file_path, now).await? {
        return Ok(false);
    }
    let job = serde_json::to_value(RecordingJob {
        record_id: record_id.to_owned(),
    })
    .map_err(|_| AppError::Internal)?;
    outbox::enqueue(conn, RECORDING_JOB_KIND, &job, now, now).await?;
    Ok(true)
}

/// Why a recording could not be copied.
#[derive(Debug, thiserror::Error)]
pub enum RecordingCopyError {
    /// Worth another try later (a service unreachable, the database busy).
    #[error("{0}")]
    Retry(String),
    /// Another try would fail the same way.
    #[error("{0}")]
    GiveUp(String),
}

impl From<AppError> for RecordingCopyError {
    fn from(error: AppError) -> Self {
        RecordingCopyError::Retry(error.to_string())
    }
}

/// Copies a reported recording from the video service into the blob store, with no
/// transaction open while the bytes move. Copying one already copied does nothing; two workers
/// copying the same one write the same bytes under the same key, and the first to finish
/// records it.
pub async fn copy_recording(
    db: &Db,
    video: &dyn VideoService,
    blobs: &dyn BlobStore,
    record_id: &str,
    now: i64,
) -> Result<(), RecordingCopyError> {
    let recording = {
        let mut conn = db.pool().acquire().await.map_err(AppError::from)?;
        store::recording(&mut conn, record_id).await?
    }
    .ok_or_else(|| RecordingCopyError::GiveUp(format!("no recording {record_id}")))?;
    if recording.blob_key.is_some() {
        forget_service_copy(video, record_id).await;
        return Ok(());
    }
    let key = domain::recording::blob_key(
        &recording.booking_id,
        &recording.record_id,
        &recording.file_path,
    );
    let chunks = video
        .download_recording(record_id)
        .await
        .map_err(|error| match error {
            VideoError::Unavailable(error) => RecordingCopyError::Retry(error),
            VideoError::Rejected(error) => RecordingCopyError::GiveUp(error),
        })?;
    let size = blobs.put(&key, chunks).await.map_err(|error| match error {
        BlobError::Unavailable(error) => RecordingCopyError::Retry(error),
        BlobError::NotFound(error) => RecordingCopyError::GiveUp(error),
    })?;
    let size = i64::try_from(size).map_err(|_| RecordingCopyError::GiveUp("too big".into()))?;
    let mut conn = db.write_connection().await.map_err(AppError::from)?;
    if store::mark_recording_stored(&mut conn, record_id, &key, size, now).await? {
        tracing::info!(%record_id, booking_id = %recording.booking_id, %key, size, "stored a recording");
    }
    drop(conn);
    forget_service_copy(video, record_id).await;
    Ok(())
}

/// Lets the video service drop its copy of a recording now kept here. A failure leaves a copy
/// behind, not a recording lost: it is logged, and the job is done.
async fn forget_service_copy(video: &dyn VideoService, record_id: &str) {
    if let Err(error) = video.recording_kept(record_id).await {
        tracing::warn!(%error, %record_id, "the video service's copy of a kept recording stays");
    }
}

/// A session's stored recordings with fresh playback links, for its participants and admins
/// only (403 "You're not part of this session." for anyone else).
pub async fn recordings(
    db: &Db,
    blobs: &dyn BlobStore,
    user: &SessionUser,
    id: &str,
    now: i64,
) -> Result<Recordings, AppError> {
    let (row, stored) = {
        let mut conn = db.pool().acquire().await?;
        let row = load_booking(&mut conn, id).await?;
        authorize(
            Some(&user.actor()),
            Access::SessionRecording {
                student_id: &row.student_id,
                student_teacher_id: &row.st_id,
            },
        )?;
        let stored = store::stored_recordings_of(&mut conn, &row.id).await?;
        (row, stored)
    };
    let mut recordings = Vec::with_capacity(stored.len());
    for recording in stored {
        let Some(key) = recording.blob_key else {
            continue;
        };
        let link = blobs
            .signed_url(&key, PLAYBACK_LINK_SECS, now)
            .await
            .map_err(|error| {
                tracing::warn!(%error, %key, "could not sign a playback link");
                AppError::Unavailable("Recordings are unavailable right now. Try again.".into())
            })?;
        recordings.push(Recording {
            record_id: recording.record_id,
            recorded_at: recording.reported_at,
            size_bytes: recording.size_bytes.unwrap_or_default(),
            content_type: domain::recording::content_type(&key).to_owned(),
            url: link.url,
            url_expires_at: link.expires_at,
        });
    }
    Ok(Recordings {
        session_id: row.id,
        recordings,
    })
}

/// The most recordings one session keeps (a recording per time the room was held, with room
/// to spare for a reconnect or two).
pub const MAX_RECORDINGS_PER_SESSION: i64 = 10;

/// How long after its join window closes a session's recording may still be uploaded (a long
/// recording on a slow line).
pub const RECORDING_UPLOAD_GRACE_SECS: i64 = 2 * 3600;

/// The room the Student-Teacher's browser uploads the built-in room's recording for: only the
/// session's Student-Teacher (403 for anyone else), and only for a session whose room was opened
/// and held (in progress or completed), up to two hours after its join window closed, at most
/// [`MAX_RECORDINGS_PER_SESSION`] times (409 otherwise, saying why).
pub async fn recording_room(
    db: &Db,
    user: &SessionUser,
    id: &str,
    now: i64,
) -> Result<RoomEntry, AppError> {
    let mut conn = db.pool().acquire().await?;
    let row = load_booking(&mut conn, id).await?;
    if participant(user, &row)? != Party::StudentTeacher {
        return Err(AppError::Forbidden(
            "Only the Student-Teacher records a session.".into(),
        ));
    }
    let room_id = store::room_id_of(&row.id);
    if store::session_of_room(&mut conn, &room_id).await?.is_none() {
        return Err(AppError::Conflict(
            "This session's room was never opened, so there is nothing to record.".into(),
        ));
    }
    if !matches!(
        status_of(&row)?,
        BookingStatus::InProgress | BookingStatus::Completed
    ) {
        return Err(AppError::Conflict(
            "This session was not held, so it has no recording to keep.".into(),
        ));
    }
    if now > domain::attendance::settles_by(row.end_at) + RECORDING_UPLOAD_GRACE_SECS {
        return Err(AppError::Conflict(
            "The time to upload this session's recording is over.".into(),
        ));
    }
    if store::recordings_reported(&mut conn, &row.id).await? >= MAX_RECORDINGS_PER_SESSION {
        return Err(AppError::Conflict(format!(
            "This session already has {MAX_RECORDINGS_PER_SESSION} recordings."
        )));
    }
    Ok(RoomEntry {
        session_id: row.id,
        room_id,
        user_id: user.id.clone(),
        name: row.st_name,
        is_admin: true,
    })
}
