//! Sessions held in a video room: the room of each session, the joins and leaves the video
//! service reported, its events as received, and the feedback given afterwards.

use super::*;
use domain::attendance::Presence;

/// The room a session is held in, named after it: one per session, and within PlugNmeet's
/// `^[a-zA-Z0-9-_]+$` (booking ids are UUIDs).
pub fn room_id_of(booking_id: &str) -> String {
    format!("session-{booking_id}")
}

/// Records that the session's room is open; kept as it was when it already is.
pub async fn record_room(
    conn: &mut AnyConnection,
    booking_id: &str,
    room_id: &str,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO session_rooms (booking_id, room_id, opened_at) VALUES ($1, $2, $3)
         ON CONFLICT (booking_id) DO NOTHING",
    )
    .bind(booking_id)
    .bind(room_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The session held in a room, and when the room finished (if it has).
pub async fn session_of_room(
    conn: &mut AnyConnection,
    room_id: &str,
) -> Result<Option<(String, Option<i64>)>, AppError> {
    Ok(
        sqlx::query_as("SELECT booking_id, finished_at FROM session_rooms WHERE room_id = $1")
            .bind(room_id)
            .fetch_optional(conn)
            .await?,
    )
}

/// Marks the room finished; false when it already was (a repeated `room_finished`).
pub async fn finish_room(
    conn: &mut AnyConnection,
    booking_id: &str,
    at: i64,
) -> Result<bool, AppError> {
    Ok(sqlx::query(
        "UPDATE session_rooms SET finished_at = $2 WHERE booking_id = $1 AND finished_at IS NULL",
    )
    .bind(booking_id)
    .bind(at)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Stores a verified video event; false when its id was stored before (a redelivery).
pub async fn record_video_event(
    conn: &mut AnyConnection,
    event: &crate::video::ReceivedVideoEvent,
    now: i64,
) -> Result<bool, AppError> {
    Ok(sqlx::query(
        "INSERT INTO video_events (id, type, room_id, created, payload, received_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
    )
    .bind(&event.id)
    .bind(&event.kind)
    .bind(&event.room_id)
    .bind(event.created)
    .bind(&event.payload)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

pub async fn record_presence(
    conn: &mut AnyConnection,
    event_id: &str,
    booking_id: &str,
    user_id: &str,
    presence: Presence,
    at: i64,
) -> Result<(), AppError> {
    let presence = match presence {
        Presence::Joined => "joined",
        Presence::Left => "left",
    };
    sqlx::query(
        "INSERT INTO session_attendance (event_id, booking_id, user_id, presence, at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO NOTHING",
    )
    .bind(event_id)
    .bind(booking_id)
    .bind(user_id)
    .bind(presence)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Sessions still to be held or in progress, whose room reported someone's presence, that were
/// due to end by `ended_by`: those a sweep settles from the presence recorded.
pub async fn rooms_to_settle(
    conn: &mut AnyConnection,
    ended_by: i64,
) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT b.id FROM bookings b
          WHERE b.status IN ('scheduled', 'in_progress') AND b.end_at <= $1
            AND EXISTS (SELECT 1 FROM session_attendance a WHERE a.booking_id = b.id)
          ORDER BY b.end_at",
    )
    .bind(ended_by)
    .fetch_all(conn)
    .await?)
}

/// Whether the session's room reported anyone's presence.
pub async fn anyone_present(conn: &mut AnyConnection, booking_id: &str) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM session_attendance WHERE booking_id = $1",
    )
    .bind(booking_id)
    .fetch_one(conn)
    .await?
        > 0)
}

/// One participant's joins and leaves in a session's room, in any order.
pub async fn presence_of(
    conn: &mut AnyConnection,
    booking_id: &str,
    user_id: &str,
) -> Result<Vec<(i64, Presence)>, AppError> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT at, presence FROM session_attendance WHERE booking_id = $1 AND user_id = $2",
    )
    .bind(booking_id)
    .bind(user_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(at, presence)| {
            let presence = if presence == "joined" {
                Presence::Joined
            } else {
                Presence::Left
            };
            (at, presence)
        })
        .collect())
}

/// Stores one participant's feedback on a session; false when they gave it before.
pub async fn insert_feedback(
    conn: &mut AnyConnection,
    booking_id: &str,
    author_id: &str,
    about_id: &str,
    feedback: &domain::attendance::Feedback,
    now: i64,
) -> Result<bool, AppError> {
    Ok(sqlx::query(
        "INSERT INTO session_feedback (booking_id, author_id, about_id, stars, comment, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (booking_id, author_id) DO NOTHING",
    )
    .bind(booking_id)
    .bind(author_id)
    .bind(about_id)
    .bind(i64::from(feedback.stars()))
    .bind(feedback.comment())
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Whether this participant has given feedback on the session.
pub async fn gave_feedback(
    conn: &mut AnyConnection,
    booking_id: &str,
    author_id: &str,
) -> Result<bool, AppError> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM session_feedback WHERE booking_id = $1 AND author_id = $2",
    )
    .bind(booking_id)
    .bind(author_id)
    .fetch_one(conn)
    .await?;
    Ok(count > 0)
}
