//! RFC 5545 calendar files for booked sessions, built with the `icalendar` crate (escaping,
//! line folding and UTC date-times are its job, not ours). The UID is stable per session and
//! SEQUENCE rises with every reschedule or cancellation, so calendar apps update the event they
//! already hold instead of adding a second one.

use crate::backend::store::booking::BookingRow;
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};

fn utc(seconds: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}

pub fn uid(booking_id: &str) -> String {
    format!("{booking_id}@peerloop")
}

pub fn session_calendar(booking: &BookingRow, public_url: &str, now: i64) -> String {
    let cancelled = booking.status == "cancelled";
    let event = Event::new()
        .uid(&uid(&booking.id))
        .sequence(u32::try_from(booking.sequence).unwrap_or_default())
        .timestamp(utc(now))
        .starts(utc(booking.start_at))
        .ends(utc(booking.end_at))
        .summary(&format!(
            "PeerLoop: {} with {}",
            booking.course_title, booking.st_name
        ))
        .description(&format!(
            "1-on-1 session of \"{}\" between {} (Student-Teacher) and {} (student). Join from {public_url}/sessions/{}",
            booking.course_title, booking.st_name, booking.student_name, booking.id
        ))
        .url(&format!("{public_url}/sessions/{}", booking.id))
        .status(if cancelled {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        })
        .done();
    let mut calendar = Calendar::new();
    calendar.name("PeerLoop").push(event);
    calendar.done().to_string()
}

pub fn filename(booking_id: &str) -> String {
    format!("peerloop-session-{booking_id}.ics")
}
