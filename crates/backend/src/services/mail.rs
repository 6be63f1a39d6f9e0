//! The emails PeerLoop sends, in HTML and plain text: about a session (times in the
//! recipient's zone) and about an account (confirming a sign-up).

use crate::mail::{Attachment, Email};
use crate::services::booking::{EmailKind, SessionEmailJob, times_in, when_in};
use crate::store::booking::BookingRow;
use domain::booking::Party;

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
        EmailKind::TeacherAbsent => match job.recipient {
            Party::Student => (
                format!("Session missed by {other}: {course}"),
                format!(
                    "{other} did not join your session of {course}, so it is cancelled and \
                     comes back to you: your credit is returned to book again (a session paid \
                     for on its own is refunded in full)."
                ),
            ),
            Party::StudentTeacher => (
                format!("Session missed: {course} with {other}"),
                format!(
                    "You did not join your session of {course} with {other}, so it is \
                     cancelled and given back to them. You earn nothing for it."
                ),
            ),
        },
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
        filename: crate::ics::filename(&row.id),
        content_type: format!(
            "text/calendar; charset=utf-8; method={}",
            crate::ics::method(row)
        ),
        content: crate::ics::session_calendar(row, public_url),
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

/// A short account email: a greeting, paragraphs, one button-like link.
fn account_email(
    job_id: &str,
    to: &str,
    subject: String,
    name: &str,
    paragraphs: &[&str],
    (link_text, link): (&str, &str),
) -> Email {
    let text = format!(
        "Hi {name},\n\n{}\n\n{link_text}: {link}\n\n— PeerLoop\n",
        paragraphs.join("\n\n")
    );
    let html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif\"><p>Hi {},</p>{}\
         <p><a href=\"{}\">{}</a></p><p>— PeerLoop</p></body></html>",
        escape(name),
        paragraphs
            .iter()
            .map(|p| format!("<p>{}</p>", escape(p)))
            .collect::<String>(),
        escape(link),
        escape(link_text),
    );
    Email {
        idempotency_key: job_id.to_owned(),
        to: to.to_owned(),
        subject,
        html,
        text,
        attachment: None,
    }
}

/// The link that finishes a sign-up.
pub fn confirm_sign_up_email(
    job_id: &str,
    name: &str,
    email: &str,
    token: &str,
    public_url: &str,
) -> Email {
    let link = format!("{public_url}/signup/confirm?token={token}");
    account_email(
        job_id,
        email,
        "Confirm your email to finish signing up".into(),
        name,
        &[
            "Thanks for signing up for PeerLoop. Open the link below to confirm this is your \
             address and finish creating your account. The link works for 24 hours.",
            "If you didn't sign up, ignore this email: no account is created without it.",
        ],
        ("Finish signing up", &link),
    )
}

/// Someone signed up with an address that already has an account: its owner is told, and
/// the sign-up form said nothing about it.
pub fn sign_up_attempt_email(job_id: &str, name: &str, email: &str, public_url: &str) -> Email {
    let link = format!("{public_url}/login");
    account_email(
        job_id,
        email,
        "Someone tried to sign up with your email".into(),
        name,
        &[
            "Someone just tried to create a PeerLoop account with this address, which already \
             has one. If it was you, log in instead.",
            "If it wasn't you, nothing changed: your account and password are as they were.",
        ],
        ("Log in", &link),
    )
}

/// A paid enrollment: the course is open, and how to use its sessions.
pub fn welcome_email(
    job_id: &str,
    name: &str,
    email: &str,
    course_id: &str,
    course_title: &str,
    session_credits: i64,
    public_url: &str,
) -> Email {
    let link = format!("{public_url}/courses/{course_id}");
    let sessions = match session_credits {
        1 => "1-on-1 session".to_owned(),
        n => format!("{n} 1-on-1 sessions"),
    };
    let paragraphs = [
        format!("Welcome to {course_title}! Your payment went through and the course is yours."),
        format!(
            "Work through the modules at your own pace, and book your {sessions} with a \
             Student-Teacher whenever you are ready: from the course page or your dashboard."
        ),
        "You can also read and join your creator's feed now.".to_owned(),
    ];
    let paragraphs: Vec<&str> = paragraphs.iter().map(String::as_str).collect();
    account_email(
        job_id,
        email,
        format!("You're enrolled in {course_title}"),
        name,
        &paragraphs,
        ("Start the course", &link),
    )
}

/// A single session's payment came after its held time was released: refunded in full.
pub fn late_session_payment_email(
    job_id: &str,
    name: &str,
    email: &str,
    course_id: &str,
    course_title: &str,
    amount: &str,
    public_url: &str,
) -> Email {
    let link = format!("{public_url}/courses/{course_id}/book");
    let paragraphs = [
        format!(
            "Your payment of {amount} for a session of {course_title} arrived after the time \
             we held for you had been released, so the session could not be booked."
        ),
        format!(
            "We have refunded the {amount} in full. Depending on your bank it shows on your \
             statement within 5 to 10 days."
        ),
        "Choose another time whenever you like.".to_owned(),
    ];
    let paragraphs: Vec<&str> = paragraphs.iter().map(String::as_str).collect();
    account_email(
        job_id,
        email,
        format!("Refunded: your session of {course_title}"),
        name,
        &paragraphs,
        ("Choose another time", &link),
    )
}
