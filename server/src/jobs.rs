//! Background work: the outbox worker (emails and reminders, automatic refunds, copying
//! recordings into the blob store, and the local Stripe's and the built-in room's deliveries,
//! with retries and backoff), the release of expired booking holds, and
//! the hourly housekeeping sweep and ledger check. Every
//! app server runs them; a job's lease (with SKIP LOCKED on Postgres) and its lease token keep
//! two servers from finishing the same job, and the message kept from the first attempt makes
//! every retry send the same bytes under the same idempotency key, so the provider delivers it
//! once.

use crate::adapters::{stripe, video};
use backend::AppState;
use backend::mail::{Email, MailError};
use backend::services::accounts::{self, ACCOUNT_EMAIL_KIND, AccountEmailJob};
use backend::services::booking::{self, SESSION_EMAIL_KIND, SessionEmailJob};
use backend::services::payments::{self, PAYMENT_EMAIL_KIND, PaymentEmailJob};
use backend::session_store::DbSessionStore;
use backend::store::outbox::{self, Job};
use backend::store::{new_id, unix_now};
use std::time::Duration;
use tokio::sync::watch;
use tower_sessions::session_store::ExpiredDeletion;
use wire::error::AppError;

/// Seconds until the next attempt after `attempts` failures: 30 s doubling, at most an hour.
pub fn backoff_secs(attempts: i64) -> i64 {
    let doublings = attempts.saturating_sub(1).clamp(0, 7) as u32;
    (30_i64 << doublings).min(3600)
}

/// How long idempotency keys are honoured, finished jobs kept, and login failures counted.
const IDEMPOTENCY_KEY_SECS: i64 = 24 * 3600;
const DONE_JOB_SECS: i64 = 30 * 24 * 3600;

enum Outcome {
    Done,
    Retry(String),
    GiveUp(String),
}

/// The message a job sends: the one its first attempt kept, or a new one (then kept).
async fn message(state: &AppState, job: &Job) -> Result<Option<Email>, Outcome> {
    if let Some(kept) = &job.rendered {
        return serde_json::from_str(kept)
            .map(Some)
            .map_err(|_| Outcome::GiveUp("unreadable kept message".into()));
    }
    let unreadable = |_| Outcome::GiveUp("unreadable payload".into());
    let public_url = &state.settings.public_url;
    let built = match job.kind.as_str() {
        SESSION_EMAIL_KIND => {
            let payload: SessionEmailJob =
                serde_json::from_str(&job.payload).map_err(unreadable)?;
            booking::email_for_job(&state.db, &job.id, &payload, public_url).await
        }
        ACCOUNT_EMAIL_KIND => {
            let payload: AccountEmailJob =
                serde_json::from_str(&job.payload).map_err(unreadable)?;
            accounts::email_for_job(&state.db, &job.id, &payload, public_url).await
        }
        PAYMENT_EMAIL_KIND => {
            let payload: PaymentEmailJob =
                serde_json::from_str(&job.payload).map_err(unreadable)?;
            payments::email_for_job(&state.db, &job.id, &payload, public_url).await
        }
        other => return Err(Outcome::GiveUp(format!("unknown job kind {other}"))),
    };
    let email = match built {
        Ok(Some(email)) => email,
        Ok(None) => return Ok(None),
        Err(AppError::NotFound(message)) => return Err(Outcome::GiveUp(message)),
        Err(error) => return Err(Outcome::Retry(error.to_string())),
    };
    let kept = serde_json::to_string(&email).map_err(|e| Outcome::GiveUp(e.to_string()))?;
    // Every write of the worker queues with the requests' writers (db.rs `write_connection`).
    let mut conn = state
        .db
        .write_connection()
        .await
        .map_err(|e| Outcome::Retry(e.to_string()))?;
    match outbox::keep_rendered(&mut conn, job, &kept).await {
        Ok(true) => Ok(Some(email)),
        Ok(false) => Err(Outcome::Retry("lease lost before sending".into())),
        Err(error) => Err(Outcome::Retry(error.to_string())),
    }
}

/// How the local stand-ins post their events to this app's own webhook endpoints.
fn own_webhook_client() -> &'static reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default()
    })
}

/// The built-in room's delivery of one report to PlugNmeet's webhook endpoint.
async fn deliver_local_video_report(state: &AppState, job: &Job) -> Outcome {
    #[derive(serde::Deserialize)]
    struct Delivery {
        body: String,
    }
    if !state.settings.local_video {
        // Left from before PlugNmeet was configured: never sign them with its secret.
        return Outcome::GiveUp("the built-in room is off".into());
    }
    let Ok(delivery) = serde_json::from_str::<Delivery>(&job.payload) else {
        return Outcome::GiveUp("unreadable payload".into());
    };
    match video::local::deliver_report(
        own_webhook_client(),
        &state.settings.public_url,
        &state.video_webhook_key,
        &delivery.body,
    )
    .await
    {
        Ok(()) => Outcome::Done,
        Err(error) => Outcome::Retry(error),
    }
}

/// The local Stripe's delivery of one event to the webhook endpoint, as Stripe would send it.
async fn deliver_local_stripe_event(state: &AppState, job: &Job) -> Outcome {
    #[derive(serde::Deserialize)]
    struct Delivery {
        event_id: String,
    }
    if !state.settings.local_stripe {
        // Left from before Stripe's keys were set: never sign them with the real secret.
        return Outcome::GiveUp("the local Stripe is off".into());
    }
    let Ok(delivery) = serde_json::from_str::<Delivery>(&job.payload) else {
        return Outcome::GiveUp("unreadable payload".into());
    };
    let Some(secret) = state.stripe_webhook_secrets.first() else {
        return Outcome::GiveUp("no webhook signing secret".into());
    };
    match stripe::local::deliver(
        &state.db,
        own_webhook_client(),
        &state.settings.public_url,
        secret,
        &delivery.event_id,
    )
    .await
    {
        Ok(()) => Outcome::Done,
        Err(error) => Outcome::Retry(error),
    }
}

/// An automatic refund (a single session paid for after its slot went, or cancelled).
async fn refund(state: &AppState, job: &Job) -> Outcome {
    let Ok(refund) = serde_json::from_str::<payments::RefundJob>(&job.payload) else {
        return Outcome::GiveUp("unreadable payload".into());
    };
    match payments::refund_in_full(&state.db, state.payments.as_ref(), &refund).await {
        Ok(()) => Outcome::Done,
        Err(backend::payments::PaymentError::Unavailable(error)) => Outcome::Retry(error),
        // Money owed is never given up on: a refusal is retried with the backoff, and logged
        // as an error each time, until the attempts run out and the job stays dead for an admin.
        Err(backend::payments::PaymentError::Rejected(error)) => {
            tracing::error!(%error, job = %job.id, "Stripe refused an automatic refund; retrying");
            Outcome::Retry(error)
        }
    }
}

/// A recording the video service reported ready, copied into the blob store.
async fn copy_recording(state: &AppState, job: &Job) -> Outcome {
    let Ok(copy) = serde_json::from_str::<booking::RecordingJob>(&job.payload) else {
        return Outcome::GiveUp("unreadable payload".into());
    };
    match booking::copy_recording(
        &state.db,
        state.video.as_ref(),
        state.blobs.as_ref(),
        &copy.record_id,
        unix_now(),
    )
    .await
    {
        Ok(()) => Outcome::Done,
        Err(booking::RecordingCopyError::Retry(error)) => Outcome::Retry(error),
        Err(booking::RecordingCopyError::GiveUp(error)) => Outcome::GiveUp(error),
    }
}

async fn run(state: &AppState, job: &Job) -> Outcome {
    match job.kind.as_str() {
        stripe::local::DELIVERY_KIND => return deliver_local_stripe_event(state, job).await,
        video::local::REPORT_JOB_KIND => return deliver_local_video_report(state, job).await,
        payments::REFUND_JOB_KIND => return refund(state, job).await,
        booking::RECORDING_JOB_KIND => return copy_recording(state, job).await,
        _ => {}
    }
    let email = match message(state, job).await {
        Ok(Some(email)) => email,
        Ok(None) => return Outcome::Done,
        Err(outcome) => return outcome,
    };
    match state.mailer.send(&email).await {
        Ok(()) => Outcome::Done,
        Err(MailError::Temporary(message)) => Outcome::Retry(message),
        Err(MailError::Rejected(message)) => Outcome::GiveUp(message),
    }
}

/// Runs every job due by `clock()`, read afresh for each claim, until none is left or
/// `stopping()` says so (checked between jobs, so a job in flight always finishes). Returns how
/// many jobs were taken. Tests pass a clock ahead of time to make reminders and retries due.
pub async fn drain(
    state: &AppState,
    clock: impl Fn() -> i64,
    stopping: impl Fn() -> bool,
) -> Result<usize, AppError> {
    let mut taken = 0;
    while !stopping() {
        let lease_token = new_id();
        let job = {
            let mut conn = state.db.write_connection().await?;
            outbox::claim_next(
                &mut conn,
                state.db.backend(),
                clock(),
                state.settings.job_lease_secs,
                &lease_token,
            )
            .await?
        };
        let Some(job) = job else {
            return Ok(taken);
        };
        taken += 1;
        let outcome = run(state, &job).await;
        let mut conn = state.db.write_connection().await?;
        let now = clock();
        let still_ours = match outcome {
            Outcome::Done => outbox::mark_done(&mut conn, &job, now).await?,
            Outcome::Retry(error) => {
                tracing::warn!(job_id = %job.id, attempts = job.attempts, %error, "job failed; will retry");
                let retry_at = now + backoff_secs(job.attempts);
                outbox::mark_failed(&mut conn, &job, &error, retry_at).await?
            }
            Outcome::GiveUp(error) => {
                tracing::error!(job_id = %job.id, %error, "job failed for good");
                let parked = Job {
                    attempts: outbox::MAX_ATTEMPTS,
                    ..job.clone()
                };
                outbox::mark_failed(&mut conn, &parked, &error, now).await?
            }
        };
        if !still_ours {
            tracing::warn!(job_id = %job.id, "lease expired while the job ran; another worker's outcome stands");
        }
    }
    Ok(taken)
}

/// Every job due by `clock()`, for tests and tools that drive the outbox themselves.
pub async fn drain_due(state: &AppState, clock: impl Fn() -> i64) -> Result<usize, AppError> {
    drain(state, clock, || false).await
}

/// The hourly sweep: expired sessions, idempotency keys past their day, finished jobs past a
/// month, login failures past the throttle window, and sign-ups whose link expired.
pub async fn housekeeping(state: &AppState, now: i64) -> Result<(), AppError> {
    if let Err(error) = DbSessionStore::new(state.db.clone()).delete_expired().await {
        tracing::warn!(%error, "could not delete expired sessions");
    }
    let mut conn = state.db.write_connection().await?;
    backend::store::booking::forget_idempotency_keys(&mut conn, now - IDEMPOTENCY_KEY_SECS).await?;
    outbox::forget_done(&mut conn, now - DONE_JOB_SECS).await?;
    // The connection goes back before the next queries take their own (never hold one while
    // asking the pool for another).
    drop(conn);
    backend::store::users::forget_old_failures(&state.db, now - domain::account::LOGIN_WINDOW_SECS)
        .await?;
    backend::store::users::forget_expired_signups(&state.db, now).await?;
    Ok(())
}

/// The ledger's reconciliation: its invariants (every movement sums to zero; per payment, the
/// splits equal amount − refunds; no earner below zero), checked by query. A breach is logged
/// as an error on every check until it is repaired: money that does not add up must not go
/// unnoticed.
pub async fn reconcile_ledger(
    state: &AppState,
) -> Result<backend::store::payments::LedgerBreaches, AppError> {
    let breaches = payments::ledger_check(&state.db).await?;
    if !breaches.is_sound() {
        tracing::error!(
            unbalanced_movements = breaches.unbalanced_movements,
            mismatched_payments = breaches.mismatched_payments,
            negative_earners = breaches.negative_earners,
            "LEDGER OUT OF BALANCE: reconcile before paying anyone out"
        );
    }
    Ok(breaches)
}

/// The worker loop: drains due jobs, then sleeps `poll`; releases expired holds and settles
/// sessions whose room never ended each minute, and sweeps each hour. Returns once `stop` turns true, after the job in flight finished.
pub async fn run_forever(state: AppState, poll: Duration, mut stop: watch::Receiver<bool>) {
    let (mut last_hold_sweep, mut last_housekeeping) = (0, 0);
    while !*stop.borrow() {
        let stopping = stop.clone();
        // Asked to stop, or nobody left to ask (the sender was dropped): stop between jobs.
        let stop_now = || *stopping.borrow() || stopping.has_changed().is_err();
        if let Err(error) = drain(&state, unix_now, stop_now).await {
            tracing::warn!(%error, "outbox worker pass failed");
        }
        let now = unix_now();
        if now - last_hold_sweep >= 60 {
            last_hold_sweep = now;
            if let Err(error) = booking::release_expired_holds(&state.db, now).await {
                tracing::warn!(%error, "hold release failed");
            }
            if let Err(error) = booking::settle_unfinished_rooms(&state.db, now).await {
                tracing::warn!(%error, "settling sessions whose room never ended failed");
            }
        }
        if now - last_housekeeping >= 3600 {
            last_housekeeping = now;
            if let Err(error) = housekeeping(&state, now).await {
                tracing::warn!(%error, "housekeeping failed");
            }
            if let Err(error) = reconcile_ledger(&state).await {
                tracing::warn!(%error, "ledger reconciliation failed to run");
            }
        }
        tokio::select! {
            () = tokio::time::sleep(poll) => {}
            // A dropped sender means nobody can ask any more: stop as if asked.
            changed = stop.changed() => if changed.is_err() { break; },
        }
    }
    tracing::info!("outbox worker stopped");
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
