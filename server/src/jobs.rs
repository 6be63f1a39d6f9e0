//! Background work: the outbox worker (emails and reminders, with retries and backoff) and the
//! release of expired booking holds. Every app server runs them; the outbox lease (and SKIP
//! LOCKED on Postgres) keeps two servers from taking the same job at once.

use app::backend::AppState;
use app::backend::mail::MailError;
use app::backend::services::booking::{self, SESSION_EMAIL_KIND, SessionEmailJob};
use app::backend::store::outbox::{self, Job};
use app::backend::store::unix_now;
use app::error::AppError;
use std::time::Duration;

/// Seconds until the next attempt after `attempts` failures: 30 s doubling, at most an hour.
pub fn backoff_secs(attempts: i64) -> i64 {
    let doublings = attempts.saturating_sub(1).clamp(0, 7) as u32;
    (30_i64 << doublings).min(3600)
}

enum Outcome {
    Done,
    Retry(String),
    GiveUp(String),
}

async fn run(state: &AppState, job: &Job, now: i64) -> Outcome {
    if job.kind != SESSION_EMAIL_KIND {
        return Outcome::GiveUp(format!("unknown job kind {}", job.kind));
    }
    let Ok(payload) = serde_json::from_str::<SessionEmailJob>(&job.payload) else {
        return Outcome::GiveUp("unreadable payload".into());
    };
    let email = match booking::email_for_job(
        &state.db,
        &job.id,
        &payload,
        &state.settings.public_url,
        now,
    )
    .await
    {
        Ok(Some(email)) => email,
        Ok(None) => return Outcome::Done,
        Err(AppError::NotFound(message)) => return Outcome::GiveUp(message),
        Err(error) => return Outcome::Retry(error.to_string()),
    };
    match state.mailer.send(&email).await {
        Ok(()) => Outcome::Done,
        Err(MailError::Temporary(message)) => Outcome::Retry(message),
        Err(MailError::Rejected(message)) => Outcome::GiveUp(message),
    }
}

/// Runs every job due at `now`; returns how many were taken. Used by the worker loop and by
/// tests, which pass a `now` in the future to make reminders due.
pub async fn drain_due(state: &AppState, now: i64) -> Result<usize, AppError> {
    let mut taken = 0;
    loop {
        let job = {
            let mut conn = state.db.pool().acquire().await?;
            outbox::claim_next(&mut conn, state.db.backend(), now).await?
        };
        let Some(job) = job else {
            return Ok(taken);
        };
        taken += 1;
        let outcome = run(state, &job, now).await;
        let mut conn = state.db.pool().acquire().await?;
        match outcome {
            Outcome::Done => outbox::mark_done(&mut conn, &job.id, unix_now()).await?,
            Outcome::Retry(error) => {
                tracing::warn!(job_id = %job.id, attempts = job.attempts, %error, "job failed; will retry");
                let retry_at = now + backoff_secs(job.attempts);
                outbox::mark_failed(&mut conn, &job, &error, retry_at).await?;
            }
            Outcome::GiveUp(error) => {
                tracing::error!(job_id = %job.id, %error, "job failed for good");
                let parked = Job {
                    attempts: outbox::MAX_ATTEMPTS,
                    ..job
                };
                outbox::mark_failed(&mut conn, &parked, &error, now).await?;
            }
        }
    }
}

/// The worker loop: drains due jobs, then sleeps `poll`; releases expired holds each minute.
pub async fn run_forever(state: AppState, poll: Duration) {
    let mut last_hold_sweep = 0;
    loop {
        let now = unix_now();
        if let Err(error) = drain_due(&state, now).await {
            tracing::warn!(%error, "outbox worker pass failed");
        }
        if now - last_hold_sweep >= 60 {
            last_hold_sweep = now;
            if let Err(error) = booking::release_expired_holds(&state.db, now).await {
                tracing::warn!(%error, "hold release failed");
            }
        }
        tokio::time::sleep(poll).await;
    }
}

#[cfg(test)]
mod tests {
    use super::backoff_secs;

    #[test]
    fn backoff_doubles_from_thirty_seconds_up_to_an_hour() {
        let waits: Vec<i64> = (1..=9).map(backoff_secs).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    }
}
