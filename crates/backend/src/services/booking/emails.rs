//! The emails a booking change queues in the outbox, and what a queued job sends when it runs.

use super::*;

/// Which email a queued job sends; stored in the outbox payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailKind {
    Confirmed,
    Rescheduled,
    Cancelled,
    Reminder,
    /// The room ended without the Student-Teacher: the session is given back to the student.
    TeacherAbsent,
}

/// An email job: one message about one booking to one participant. `sequence` is the
/// booking's calendar sequence when queued; a reminder whose booking moved since is dropped.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SessionEmailJob {
    pub booking_id: String,
    pub recipient: Party,
    pub kind: EmailKind,
    pub sequence: i64,
}

/// The email about a booking change to each participant, as outbox jobs.
pub(super) fn emails(
    booking_id: &str,
    kind: EmailKind,
    sequence: i64,
    run_at: i64,
) -> Result<Vec<NewJob<'static>>, AppError> {
    [Party::Student, Party::StudentTeacher]
        .into_iter()
        .map(|recipient| {
            let job = SessionEmailJob {
                booking_id: booking_id.to_owned(),
                recipient,
                kind,
                sequence,
            };
            Ok(NewJob {
                kind: SESSION_EMAIL,
                payload: serde_json::to_string(&job).map_err(|_| AppError::Internal)?,
                run_at,
            })
        })
        .collect()
}

/// A newly booked session's confirmation to both participants and its reminders.
pub(crate) fn confirmation_jobs(
    booking_id: &str,
    start: i64,
    now: i64,
) -> Result<Vec<NewJob<'static>>, AppError> {
    let mut jobs = emails(booking_id, EmailKind::Confirmed, 0, now)?;
    jobs.extend(reminders(booking_id, 0, start, now)?);
    Ok(jobs)
}

/// Reminders 24 h and 1 h before the start (those still in the future).
pub(super) fn reminders(
    booking_id: &str,
    sequence: i64,
    start: i64,
    now: i64,
) -> Result<Vec<NewJob<'static>>, AppError> {
    let mut jobs = Vec::new();
    for before in [24 * 3600, 3600] {
        let run_at = start - before;
        if run_at > now {
            jobs.extend(emails(booking_id, EmailKind::Reminder, sequence, run_at)?);
        }
    }
    Ok(jobs)
}

pub const SESSION_EMAIL_KIND: &str = SESSION_EMAIL;

/// Loads what an email job needs; `None` when the job no longer applies: the booking changed
/// since it was queued (a "booked" email delayed past a cancel, a reminder for a session that
/// moved), or a reminder for a session no longer scheduled.
pub async fn email_for_job(
    db: &Db,
    job_id: &str,
    job: &SessionEmailJob,
    public_url: &str,
) -> Result<Option<crate::mail::Email>, AppError> {
    let mut conn = db.pool().acquire().await?;
    let row = load_booking(&mut conn, &job.booking_id).await?;
    let superseded = row.sequence != job.sequence;
    let unscheduled_reminder =
        job.kind == EmailKind::Reminder && row.status != BookingStatus::Scheduled.as_str();
    if superseded || unscheduled_reminder {
        return Ok(None);
    }
    Ok(Some(crate::services::mail::session_email(
        &row, job, job_id, public_url,
    )))
}
