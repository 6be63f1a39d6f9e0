//! The emails about a session, in HTML and plain text, with times in the recipient's zone.

use crate::backend::mail::{Attachment, Email};
use crate::backend::services::booking::{EmailKind, SessionEmailJob, times_in, when_in};
use crate::backend::store::booking::BookingRow;
use crate::domain::booking::Party;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One email about `row` for one participant. The outbox job id is the idempotency key, so a
/// retried send is delivered once.
pub fn session_email(
    row: &BookingRow,
    job: &SessionEmailJob,
    job_id: &str,
    public_url: &str,
    now: i64,
) -> Email {
    let (to, name, zone, other, other_zone) = match job.recipient {
        Party::Student => (
            &row.student_email,
            &row.student_name,
            &row.student_time_zone,
            &row.st_name,
            &row.st_time_zone,
        ),
        Party::StudentTeacher => (
            &row.st_email,
            &row.st_name,
            &row.st_time_zone,
            &row.student_name,
            &row.student_time_zone,
        ),
    };
    let when = format!("{} ({zone})", when_in(row.start_at, row.end_at, zone));
    let their_time = times_in(row.start_at, row.end_at, other_zone);
    let course = &row.course_title;
    let link = format!("{public_url}/sessions/{}", row.id);
    let (subject, headline) = match job.kind {
        EmailKind::Confirmed => (
            format!("Session booked: {course} with {other}"),
            format!("Your session of {course} with {other} is booked."),
        ),
        EmailKind::Rescheduled => (
            format!("Session moved: {course} with {other}"),
            format!("Your session of {course} with {other} has a new time."),
        ),
        EmailKind::Cancelled => (
            format!("Session cancelled: {course} with {other}"),
            format!("Your session of {course} with {other} is cancelled."),
        ),
        EmailKind::Reminder => (
            format!("Reminder: {course} with {other} at {when}"),
            format!("Your session of {course} with {other} is coming up."),
        ),
    };
    let text = format!(
        "Hi {name},\n\n{headline}\n\nWhen: {when}\nFor {other}: {their_time}\n\nDetails and joining: {link}\n\n— PeerLoop\n"
    );
    let html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif\">\
         <p>Hi {},</p><p>{}</p>\
         <p><strong>When:</strong> {}<br><strong>For {}:</strong> {}</p>\
         <p><a href=\"{}\">Session details and joining</a></p><p>— PeerLoop</p></body></html>",
        escape(name),
        escape(&headline),
        escape(&when),
        escape(other),
        escape(&their_time),
        escape(&link),
    );
    let attachment = (job.kind != EmailKind::Reminder).then(|| Attachment {
        filename: crate::backend::ics::filename(&row.id),
        content_type: "text/calendar; charset=utf-8".into(),
        content: crate::backend::ics::session_calendar(row, public_url, now),
    });
    Email {
        idempotency_key: job_id.to_owned(),
        to: to.clone(),
        subject,
        html,
        text,
        attachment,
    }
}
