//! A session held in its video room: joining it inside its window, what the video service
//! reports (joins, leaves, the room's end) and what the end makes of the session, and the
//! feedback each participant gives afterwards.

use super::*;
use crate::video::{JoinRequest, ReceivedVideoEvent, RoomRequest, VideoError, VideoEvent};
use domain::attendance::{self, JoinWindow, Outcome, Presence};
use wire::sessions::{FeedbackGiven, UNABLE_TO_CONNECT, VIDEO_UNAVAILABLE, VideoJoin};

fn video_error(error: VideoError) -> AppError {
    tracing::warn!(%error, "joining a session's room failed");
    match error {
        VideoError::Unavailable(_) => AppError::Unavailable(VIDEO_UNAVAILABLE.into()),
        VideoError::Rejected(_) => AppError::Unavailable(UNABLE_TO_CONNECT.into()),
    }
}

/// Who may be in a session's room now: one of its two participants, while the session is paid
/// for and still to be held, inside the join window (15 minutes before the start to 15 minutes
/// after the end). Otherwise the 403 or 409 that says why.
async fn joinable(
    db: &Db,
    user: &SessionUser,
    id: &str,
    now: i64,
) -> Result<(BookingRow, Party), AppError> {
    let row = {
        let mut conn = db.pool().acquire().await?;
        load_booking(&mut conn, id).await?
    };
    let party = participant(user, &row)?;
    match status_of(&row)? {
        BookingStatus::Scheduled | BookingStatus::InProgress => {}
        BookingStatus::PendingPayment => {
            return Err(AppError::Conflict(
                "This session is not paid for yet, so its room is closed.".into(),
            ));
        }
        BookingStatus::Cancelled => {
            return Err(AppError::Conflict("This session was cancelled.".into()));
        }
        BookingStatus::Completed | BookingStatus::NoShow => {
            return Err(AppError::Conflict("This session is over.".into()));
        }
    }
    match attendance::join_window(row.start_at, row.end_at, now) {
        JoinWindow::Open => Ok((row, party)),
        JoinWindow::OpensAt(opens) => Err(AppError::Conflict(format!(
            "You can join from {} (15 minutes before the start).",
            instant_in(opens, &user.time_zone)
        ))),
        JoinWindow::Closed => Err(AppError::Conflict(
            "This session's time to join is over.".into(),
        )),
    }
}

/// A participant at a session's room, before or after entering it: what the room's signalling
/// needs to know about them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomEntry {
    pub session_id: String,
    pub room_id: String,
    pub user_id: String,
    pub name: String,
    pub is_admin: bool,
}

/// Checks that `user` may be at the session's room now (as [`join_room`] does, with the same
/// errors), without opening it.
pub async fn room_entry(
    db: &Db,
    user: &SessionUser,
    id: &str,
    now: i64,
) -> Result<RoomEntry, AppError> {
    let (row, party) = joinable(db, user, id, now).await?;
    let name = match party {
        Party::Student => row.student_name,
        Party::StudentTeacher => row.st_name,
    };
    Ok(RoomEntry {
        room_id: store::room_id_of(&row.id),
        session_id: row.id,
        user_id: user.id.clone(),
        name,
        is_admin: party == Party::StudentTeacher,
    })
}

/// Opens the session's room if it is not open yet and issues the participant a token for it:
/// the Student-Teacher as the room's admin. Only for those [`room_entry`] lets in. Nothing is
/// written until the video service has opened the room, and the outside calls are made with no
/// write transaction open (opening holds only a lock of the room's name, so it happens once). Both failures of the video service are 503s, told apart by their message:
/// unreachable ("Video service unavailable. Try again.") or refusing ("Unable to connect.").
pub async fn join_room(
    db: &Db,
    video: &dyn crate::video::VideoService,
    user: &SessionUser,
    id: &str,
    now: i64,
) -> Result<VideoJoin, AppError> {
    let (row, party) = joinable(db, user, id, now).await?;
    let room_id = store::room_id_of(&row.id);
    let room = RoomRequest {
        room_id: room_id.clone(),
        title: format!("{} with {}", row.course_title, row.st_name),
        duration_minutes: (row.end_at - row.start_at) / 60
            + (attendance::JOIN_OPENS_BEFORE_SECS + attendance::JOIN_GRACE_AFTER_SECS) / 60,
    };
    {
        // Both participants' first joins may come at once: the room is opened by one at a time
        // (the second then finds it active), across app servers, with no write held meanwhile.
        let _opening = db.hold(&format!("open {room_id}")).await?;
        video.open_room(&room).await.map_err(video_error)?;
        let mut tx = db.begin_write().await?;
        store::record_room(&mut tx, &row.id, &room_id, now).await?;
        tx.commit().await?;
    }
    let is_admin = party == Party::StudentTeacher;
    let (name, user_id) = match party {
        Party::Student => (&row.student_name, &row.student_id),
        Party::StudentTeacher => (&row.st_name, &row.st_id),
    };
    let token = video
        .join_token(&JoinRequest {
            session_id: row.id.clone(),
            room_id: room_id.clone(),
            user_id: user_id.clone(),
            name: name.clone(),
            is_admin,
        })
        .await
        .map_err(video_error)?;
    tracing::info!(booking_id = %row.id, ?party, "issued a join token");
    Ok(VideoJoin {
        session_id: row.id,
        room_id,
        token: token.token,
        url: token.url,
        is_admin,
    })
}

/// What a video event did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VideoApplied {
    /// Seen before (same id): nothing changed.
    Duplicate,
    /// Not about a session's room, or nothing to act on.
    Ignored,
    Recorded,
    /// The room ended before the session's time was over: it is closed, and nothing is decided
    /// (either side may open it again; see `attendance::room_end_settles`).
    ClosedEarly,
    /// The room's end decided the session.
    Decided(Outcome),
}

/// Applies a verified video event in one transaction, once per event id. Joins and leaves are
/// kept as reported and added up from the whole record, so they may come in any order; the
/// first join starts the session. The room's end (the first `room_finished`; a repeat changes
/// nothing) decides the session from who was present: both, it is completed and the
/// Student-Teacher's share is released (`complete`, as when they mark it taught); the student
/// alone absent, a no-show with the credit spent; the Student-Teacher absent, it is cancelled and
/// what it cost the student comes back, and both are told. A session already decided otherwise
/// (marked taught, cancelled) keeps its status. A recording reported ready is noted and its copy
/// into the blob store queued (once per recording, whichever event reports it).
pub async fn apply_video_event(
    db: &Db,
    event: &ReceivedVideoEvent,
    now: i64,
) -> Result<VideoApplied, AppError> {
    let mut tx = db.begin_write().await?;
    if !store::record_video_event(&mut tx, event, now).await? {
        return Ok(VideoApplied::Duplicate);
    }
    let room = match &event.room_id {
        Some(room_id) => store::session_of_room(&mut tx, room_id).await?,
        None => None,
    };
    let Some((booking_id, _)) = room else {
        tx.commit().await?;
        return Ok(VideoApplied::Ignored);
    };
    let row = load_booking(&mut tx, &booking_id).await?;
    let applied = match &event.event {
        VideoEvent::ParticipantJoined { user_id } | VideoEvent::ParticipantLeft { user_id }
            if *user_id == row.student_id || *user_id == row.st_id =>
        {
            let joined = matches!(event.event, VideoEvent::ParticipantJoined { .. });
            let presence = if joined {
                Presence::Joined
            } else {
                Presence::Left
            };
            store::record_presence(
                &mut tx,
                &event.id,
                &row.id,
                user_id,
                presence,
                event.created,
            )
            .await?;
            if joined && status_of(&row)? == BookingStatus::Scheduled {
                store::set_status(
                    &mut tx,
                    &row.id,
                    BookingStatus::Scheduled.as_str(),
                    BookingStatus::InProgress.as_str(),
                    now,
                )
                .await?;
            }
            VideoApplied::Recorded
        }
        VideoEvent::RecordingProceeded {
            record_id,
            file_path,
        } => {
            if note_recording(&mut tx, &row.id, record_id, file_path, now).await? {
                VideoApplied::Recorded
            } else {
                VideoApplied::Ignored
            }
        }
        VideoEvent::RoomFinished => {
            if !attendance::room_end_settles(row.end_at, event.created) {
                VideoApplied::ClosedEarly
            } else if store::finish_room(&mut tx, &row.id, event.created).await? {
                let until = event.created.min(attendance::settles_by(row.end_at));
                decide(&mut tx, db.backend(), &row, until, now).await?
            } else {
                VideoApplied::Ignored
            }
        }
        _ => VideoApplied::Ignored,
    };
    tx.commit().await?;
    tracing::info!(event = %event.id, kind = %event.kind, booking_id = %row.id, ?applied, "video event");
    Ok(applied)
}

/// Settles each session whose room saw someone but never reported an end that settles it, once
/// its join window has closed (`attendance::settles_by`): from the presence recorded, as the
/// room's end would have. A student who waited alone gets their session back; one settled
/// meanwhile (marked taught, a late webhook) is left as it is. Returns how many were settled.
pub async fn settle_unfinished_rooms(db: &Db, now: i64) -> Result<usize, AppError> {
    let due = {
        let mut conn = db.pool().acquire().await?;
        store::rooms_to_settle(&mut conn, now - attendance::JOIN_GRACE_AFTER_SECS).await?
    };
    let mut settled = 0;
    for id in due {
        let mut tx = db.begin_write().await?;
        let row = load_booking(&mut tx, &id).await?;
        let until = attendance::settles_by(row.end_at);
        store::finish_room(&mut tx, &row.id, until).await?;
        match decide(&mut tx, db.backend(), &row, until, now).await {
            Ok(VideoApplied::Decided(outcome)) => {
                tx.commit().await?;
                settled += 1;
                tracing::info!(booking_id = %id, ?outcome, "settled a session its room never ended");
            }
            Ok(_) => {}
            // Changed between the listing and now: the next sweep sees it as it is.
            Err(error) => tracing::warn!(%error, booking_id = %id, "could not settle a session"),
        }
    }
    Ok(settled)
}

/// The room's end decides a session still scheduled or in progress, from each side's presence
/// during the session's time up to `until`.
async fn decide(
    conn: &mut AnyConnection,
    backend: crate::db::Backend,
    row: &BookingRow,
    until: i64,
    now: i64,
) -> Result<VideoApplied, AppError> {
    let status = status_of(row)?;
    if !matches!(status, BookingStatus::Scheduled | BookingStatus::InProgress) {
        return Ok(VideoApplied::Ignored);
    }
    let student = seconds_in_room(conn, row, &row.student_id, until).await?;
    let teacher = seconds_in_room(conn, row, &row.st_id, until).await?;
    let outcome = attendance::outcome(student, teacher);
    match outcome {
        Outcome::Completed => complete(conn, backend, row, now).await?,
        Outcome::StudentAbsent => {
            booking::apply(status, BookingEvent::MarkedNoShow).map_err(booking_error)?;
            let from = status.as_str();
            if !store::set_status(conn, &row.id, from, BookingStatus::NoShow.as_str(), now).await? {
                return Err(changed_meanwhile());
            }
        }
        Outcome::TeacherAbsent => {
            booking::apply(status, BookingEvent::TeacherAbsent).map_err(booking_error)?;
            // Compare and set: the credit goes back only with the status that gives it back.
            if !store::record_absence(conn, &row.id, status.as_str(), now).await? {
                return Err(changed_meanwhile());
            }
            if !crate::services::payments::queue_session_refund(conn, &row.id, now).await? {
                store::return_credit(conn, &row.id).await?;
            }
            let jobs = emails(&row.id, EmailKind::TeacherAbsent, row.sequence + 1, now)?;
            outbox::enqueue_all(conn, &jobs, now).await?;
        }
    }
    Ok(VideoApplied::Decided(outcome))
}

/// A session another request changed between its reading and its writing (Postgres: the
/// Student-Teacher marking it taught meanwhile). The webhook answers 500, nothing of this
/// event is kept, and PlugNmeet's retry decides again from the session as it now is.
fn changed_meanwhile() -> AppError {
    tracing::warn!("a session changed while its room's end was applied; PlugNmeet will retry");
    AppError::Internal
}

/// A participant's seconds in the session's room during its scheduled time, up to `until`.
pub(super) async fn seconds_in_room(
    conn: &mut AnyConnection,
    row: &BookingRow,
    user_id: &str,
    until: i64,
) -> Result<i64, AppError> {
    let reports = store::presence_of(conn, &row.id, user_id).await?;
    Ok(attendance::seconds_present_during(
        &reports,
        row.start_at,
        until,
    ))
}

/// A participant's feedback on a completed session, about the other one: once each.
pub async fn give_feedback(
    db: &Db,
    user: &SessionUser,
    id: &str,
    stars: i64,
    comment: Option<&str>,
    now: i64,
) -> Result<FeedbackGiven, AppError> {
    let feedback = domain::attendance::Feedback::new(stars, comment).map_err(|error| {
        let mut fields = FieldErrors::default();
        let field = match error {
            domain::attendance::FeedbackError::Stars => "stars",
            domain::attendance::FeedbackError::CommentTooLong => "comment",
        };
        fields.add(field, error.to_string());
        AppError::Invalid(fields)
    })?;
    let mut tx = db.begin_write().await?;
    let row = load_booking(&mut tx, id).await?;
    let about = match participant(user, &row)? {
        Party::Student => &row.st_id,
        Party::StudentTeacher => &row.student_id,
    };
    if status_of(&row)? != BookingStatus::Completed {
        return Err(AppError::Conflict(
            "Feedback opens once the session is completed.".into(),
        ));
    }
    if !store::insert_feedback(&mut tx, &row.id, &user.id, about, &feedback, now).await? {
        return Err(AppError::Conflict(
            "You have already given feedback on this session.".into(),
        ));
    }
    tx.commit().await?;
    Ok(FeedbackGiven {
        session_id: row.id,
        stars: i64::from(feedback.stars()),
        comment: feedback.comment().map(str::to_owned),
    })
}
