//! Demo money, in local mode. When the demo data is first seeded and the local Stripe stands in,
//! two demo students pay for Rust Foundations and have taken sessions with a Student-Teacher, so
//! the payments page and a Student-Teacher's earnings have something to show on the first run.
//!
//! The payment takes the real path: a Checkout Session opened through the payments service, paid
//! as the local Checkout page pays it (its `checkout.session.completed` recorded in the local
//! Stripe's event log and queued for the webhook), and that event applied through the service the
//! webhook calls; the queued delivery later lands as a redelivery and changes nothing. The
//! sessions lie in the past, where booking cannot put them, so they are written as booked, and
//! their Student-Teacher marks them taught through the usual service call.

use crate::adapters::stripe::events;
use backend::AppState;
use backend::auth::SessionUser;
use backend::seed::demo_id;
use backend::store::booking::{self as booking_store, NewBooking};
use backend::store::{new_id, unix_now};
use wire::error::AppError;

/// Who paid, and who taught them: one pair for each e2e project, so neither changes what the
/// other sees.
const PURCHASES: &[(&str, &str)] = &[
    ("omar.farouk@example.com", "priya.raman@example.com"),
    ("rosa.martinez@example.com", "jonas.weber@example.com"),
];

const HOUR: i64 = 3600;

/// Each student's sessions: (hours ago it started, hours ago its Student-Teacher marked it
/// taught). One long enough ago to be available, one whose student may still dispute it (held),
/// and one that ended and waits to be marked.
const SESSIONS: &[(i64, Option<i64>)] = &[(5 * 24, Some(4 * 24)), (27, Some(24)), (3, None)];

/// Pays and teaches the demo purchases. Run once, right after the demo data is seeded.
pub async fn seed(state: &AppState) -> Result<(), AppError> {
    let course_id = demo_id("course", "rust-foundations");
    // Paid a week ago, before the sessions it paid for.
    let paid_at = unix_now() - 7 * 24 * HOUR;
    for (student_email, teacher_email) in PURCHASES {
        let student = demo_user(state, student_email).await?;
        let teacher = demo_user(state, teacher_email).await?;
        let started = backend::services::payments::start_enrollment_checkout(
            &state.db,
            state.payments.as_ref(),
            &state.settings.public_url,
            &student,
            &course_id,
            paid_at,
        )
        .await?;
        let session = crate::dev_stripe::load_session(state, &started.id)
            .await
            .map_err(|_| AppError::Internal)?;
        let event_id = crate::dev_stripe::pay_in_full(state, &started.id, &session)
            .await?
            .ok_or(AppError::Internal)?;
        let payload: String =
            sqlx::query_scalar("SELECT payload FROM dev_stripe_events WHERE id = $1")
                .bind(&event_id)
                .fetch_one(state.db.pool())
                .await?;
        let event = events::parse(&payload).map_err(|problem| {
            tracing::error!(%problem, "the local Stripe's own event could not be read");
            AppError::Internal
        })?;
        backend::services::payments::apply_event(&state.db, &event, paid_at).await?;
        take_sessions(state, &student, &teacher, &course_id).await?;
    }
    Ok(())
}

async fn demo_user(state: &AppState, email: &str) -> Result<SessionUser, AppError> {
    backend::store::users::find_login(&state.db, email)
        .await?
        .map(|(user, _)| user)
        .ok_or(AppError::Internal)
}

/// Books the demo sessions as they were, and marks those taught that were.
async fn take_sessions(
    state: &AppState,
    student: &SessionUser,
    teacher: &SessionUser,
    course_id: &str,
) -> Result<(), AppError> {
    // On the hour, as the booking page offers them.
    let now = unix_now() / HOUR * HOUR;
    let mut booked = Vec::new();
    {
        let mut tx = state.db.begin_write().await?;
        let enrollment =
            backend::store::learning::find_enrollment_for(&mut tx, &student.id, course_id)
                .await?
                .ok_or(AppError::Internal)?;
        for (hours_ago, marked) in SESSIONS {
            let id = new_id();
            let start = now - hours_ago * HOUR;
            booking_store::insert_booking(
                &mut tx,
                &NewBooking {
                    id: &id,
                    st_id: &teacher.id,
                    student_id: &student.id,
                    course_id,
                    enrollment_id: &enrollment.id,
                    session: (start, start + HOUR),
                    blocked: (start, start + HOUR + 15 * 60),
                    status: domain::booking::BookingStatus::Scheduled.as_str(),
                    hold_expires_at: None,
                    free_cancel_hours: 24,
                },
                start - 3 * 24 * HOUR,
            )
            .await?;
            if !booking_store::spend_credit(&mut tx, &enrollment.id, &id).await? {
                return Err(AppError::Internal);
            }
            booked.push((id, marked.map(|hours_ago| now - hours_ago * HOUR)));
        }
        tx.commit().await?;
    }
    for (id, marked_at) in booked {
        if let Some(marked_at) = marked_at {
            backend::services::booking::mark_taught(&state.db, teacher, &id, marked_at).await?;
        }
    }
    Ok(())
}
