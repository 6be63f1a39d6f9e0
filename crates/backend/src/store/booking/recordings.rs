//! A session's recordings: reported by the video service, then copied into the blob store.

use super::*;

/// A recording as reported, and where it is kept once copied.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct RecordingRow {
    pub record_id: String,
    pub booking_id: String,
    pub file_path: String,
    pub size_bytes: Option<i64>,
    pub reported_at: i64,
    pub blob_key: Option<String>,
    pub stored_at: Option<i64>,
}

/// Records a reported recording; false when it was reported before (PlugNmeet may repeat
/// `recording_proceeded` under a new event id).
pub async fn record_recording(
    conn: &mut AnyConnection,
    record_id: &str,
    booking_id: &str,
    file_path: &str,
    now: i64,
) -> Result<bool, AppError> {
    Ok(sqlx::query(
        "INSERT INTO session_recordings (record_id, booking_id, file_path, reported_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT (record_id) DO NOTHING",
    )
    .bind(record_id)
    .bind(booking_id)
    .bind(file_path)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

const RECORDING_COLUMNS: &str =
    "record_id, booking_id, file_path, size_bytes, reported_at, blob_key, stored_at";

pub async fn recording(
    conn: &mut AnyConnection,
    record_id: &str,
) -> Result<Option<RecordingRow>, AppError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {RECORDING_COLUMNS} FROM session_recordings WHERE record_id = $1"
    ))
    .bind(record_id)
    .fetch_optional(conn)
    .await?)
}

/// How many recordings were reported for a session (kept or not yet).
pub async fn recordings_reported(
    conn: &mut AnyConnection,
    booking_id: &str,
) -> Result<i64, AppError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM session_recordings WHERE booking_id = $1")
            .bind(booking_id)
            .fetch_one(conn)
            .await?,
    )
}

/// A session's recordings already in the blob store, oldest first.
pub async fn stored_recordings_of(
    conn: &mut AnyConnection,
    booking_id: &str,
) -> Result<Vec<RecordingRow>, AppError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {RECORDING_COLUMNS} FROM session_recordings
         WHERE booking_id = $1 AND blob_key IS NOT NULL ORDER BY reported_at, record_id"
    ))
    .bind(booking_id)
    .fetch_all(conn)
    .await?)
}

/// Notes where the recording was copied to; false when another worker noted it first.
pub async fn mark_recording_stored(
    conn: &mut AnyConnection,
    record_id: &str,
    blob_key: &str,
    size_bytes: i64,
    now: i64,
) -> Result<bool, AppError> {
    Ok(sqlx::query(
        "UPDATE session_recordings SET blob_key = $2, size_bytes = $3, stored_at = $4
         WHERE record_id = $1 AND blob_key IS NULL",
    )
    .bind(record_id)
    .bind(blob_key)
    .bind(size_bytes)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}
