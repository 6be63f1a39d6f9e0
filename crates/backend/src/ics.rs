//! RFC 5545 calendar files for booked sessions, built with the `icalendar` crate (escaping,
//! line folding and UTC date-times are its job, not ours). The UID is stable per session and
//! SEQUENCE rises with every reschedule or cancellation, so calendar apps update the event they
//! already hold instead of adding a second one. METHOD says whether the file asks to add or update
//! the event (REQUEST) or to remove it (CANCEL); mail clients apply such "iTIP" files only when
//! they name the ORGANIZER (the Student-Teacher) and the ATTENDEE (the student). DTSTAMP is the
//! time of the booking's last change, so the same version of a session always gives the same
//! bytes (an email retried under one idempotency key must not change).

use crate::store::booking::BookingRow;
use icalendar::{Calendar, Component, Event, EventLike, EventStatus, Property};

fn utc(seconds: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}

pub fn uid(booking_id: &str) -> String {
    format!("{booking_id}@peerloop")
}

fn person(role: &str, name: &str, email: &str) -> Property {
    let mut property = Property::new(role, format!("mailto:{email}"));
    property.add_parameter("CN", name);
    if role == "ATTENDEE" {
        property
            .add_parameter("ROLE", "REQ-PARTICIPANT")
            .add_parameter("PARTSTAT", "ACCEPTED");
    }
    property.done()
}

/// The iTIP method of the booking's calendar file: remove the event once it is cancelled.
pub fn method(booking: &BookingRow) -> &'static str {
    if booking.status == "cancelled" {
        "CANCEL"
    } else {
        "REQUEST"
    }
}

pub fn session_calendar(booking: &BookingRow, public_url: &str) -> String {
    let cancelled = booking.status == "cancelled";
    let event = Event::new()
        .uid(&uid(&booking.id))
        .sequence(u32::try_from(booking.sequence).unwrap_or_default())
        .timestamp(utc(booking.updated_at))
        .append_property(person("ORGANIZER", &booking.st_name, &booking.st_email))
        .append_multi_property(person(
            "ATTENDEE",
            &booking.student_name,
            &booking.student_email,
        ))
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
    calendar
        .name("PeerLoop")
        .append_property(("METHOD", method(booking)))
        .push(event);
    calendar.done().to_string()
}

pub fn filename(booking_id: &str) -> String {
    format!("peerloop-session-{booking_id}.ics")
}
