//! Booking 1-on-1 sessions: free slots, booking with its integrity rules, cancel, reschedule,
//! "schedule later", and the emails each change queues. Every change is one write transaction
//! (`Db::begin_write`), and the same pure slot function (`domain::availability`) decides what is
//! listed and what is accepted.

use crate::auth::SessionUser;
use crate::db::Db;
use crate::store::booking::{self as store, BookingRow, NewBooking, Overlap, timestamp};
use crate::store::new_id;
use crate::store::outbox::{self, NewJob};
use domain::account::FieldErrors;
use domain::availability::{Interval, Slot, SlotRefusal, check_slot, free_slots};
use domain::booking::{self, BookingError, BookingEvent, BookingStatus, CancellationPolicy, Party};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use sqlx::AnyConnection;
use wire::error::AppError;
use wire::sessions::{
    Availability, BusyInterval, BusyTimes, CourseStudentTeacher, CourseStudentTeachers,
    DeferredCredit, EnrollmentCredits, FreeSlot, Session, SessionDetail, SessionLists,
};

mod book;
mod changes;
mod emails;
mod recordings;
mod room;
mod slots;
mod taught;
mod view;

pub use book::*;
pub use changes::*;
pub use emails::*;
pub use recordings::*;
pub use room::*;
pub use slots::*;
pub use taught::*;
pub use view::*;

/// The longest range one availability or busy-times request may cover.
pub const MAX_RANGE_DAYS: i64 = 62;
/// The longest session anyone may offer, in minutes.
pub const MAX_SESSION_MINUTES: i64 = 240;
/// Buffers and sessions are shorter than this, so bookings further away cannot conflict.
const NEIGHBOURHOOD_SECS: i64 = 2 * 86_400;
pub const UNABLE_TO_BOOK: &str = "Unable to book. Please try again.";
const SESSION_EMAIL: &str = "session_email";
const NOT_A_PARTICIPANT: &str = "You're not part of this session.";

fn slot_json(slot: &Slot) -> FreeSlot {
    FreeSlot {
        start_at: slot.start.to_string(),
        end_at: slot.end.to_string(),
        duration_minutes: slot.duration_minutes,
    }
}

fn refusal(refusal: SlotRefusal) -> AppError {
    match refusal {
        SlotRefusal::LengthNotOffered => {
            let mut fields = FieldErrors::default();
            fields.add("duration_minutes", refusal.to_string());
            AppError::Invalid(fields)
        }
        _ => AppError::Conflict(refusal.to_string()),
    }
}

fn booking_error(error: BookingError) -> AppError {
    match error {
        BookingError::TooLateForStudent { .. } => AppError::Forbidden(error.to_string()),
        _ => AppError::Conflict(error.to_string()),
    }
}

fn time_taken() -> AppError {
    AppError::Conflict(SlotRefusal::Taken.to_string())
}

fn student_busy() -> AppError {
    AppError::Conflict("You already have a session at this time. Select another.".into())
}

fn parse_instant(field: &str, text: &str) -> Result<Timestamp, AppError> {
    text.trim().parse::<Timestamp>().map_err(|_| {
        let mut fields = FieldErrors::default();
        fields.add(
            field,
            "Use an RFC 3339 date and time, e.g. 2026-12-01T15:00:00Z.",
        );
        AppError::Invalid(fields)
    })
}

/// A validated `[from, to)` query range: both given (or defaulted), in order, and bounded.
pub fn parse_range(
    from: Option<&str>,
    to: Option<&str>,
    now: i64,
) -> Result<(Timestamp, Timestamp), AppError> {
    let from = match from {
        Some(text) => parse_instant("from", text)?,
        None => timestamp(now),
    };
    let to = match to {
        Some(text) => parse_instant("to", text)?,
        None => from + SignedDuration::from_hours(24 * 14),
    };
    if to <= from {
        return Err(AppError::BadRequest("`to` must be after `from`.".into()));
    }
    if to.duration_since(from) > SignedDuration::from_hours(24 * MAX_RANGE_DAYS) {
        return Err(AppError::BadRequest(format!(
            "The range may cover at most {MAX_RANGE_DAYS} days."
        )));
    }
    Ok((from, to))
}

fn st_not_found() -> AppError {
    AppError::NotFound("We couldn't find that Student-Teacher.".into())
}

async fn ensure_student_teacher(conn: &mut AnyConnection, st_id: &str) -> Result<(), AppError> {
    if !crate::store::learning::teaches_any_course(conn, st_id).await? {
        return Err(st_not_found());
    }
    Ok(())
}

fn session_of(row: &BookingRow) -> Result<Session, AppError> {
    Ok(Session {
        id: row.id.clone(),
        st_id: row.st_id.clone(),
        student_id: row.student_id.clone(),
        course_id: row.course_id.clone(),
        start_at: timestamp(row.start_at).to_string(),
        end_at: timestamp(row.end_at).to_string(),
        status: status_of(row)?,
    })
}

fn status_of(row: &BookingRow) -> Result<BookingStatus, AppError> {
    BookingStatus::parse(&row.status).ok_or_else(|| {
        tracing::error!(status = %row.status, "booking row holds an unknown status");
        AppError::Internal
    })
}

async fn load_booking(conn: &mut AnyConnection, id: &str) -> Result<BookingRow, AppError> {
    store::find_booking(conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound("We couldn't find that session.".into()))
}

fn participant(user: &SessionUser, row: &BookingRow) -> Result<Party, AppError> {
    if user.id == row.student_id {
        Ok(Party::Student)
    } else if user.id == row.st_id {
        Ok(Party::StudentTeacher)
    } else {
        Err(AppError::Forbidden(NOT_A_PARTICIPANT.into()))
    }
}

fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap_or(TimeZone::UTC)
}
