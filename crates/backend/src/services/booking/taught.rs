//! A session taught: its Student-Teacher marks it once it has ended (the video service will
//! report it too, through the same `complete`), and their share of the paying enrollment's pool
//! is released to them. The student may dispute it within 48 hours; an admin decides, and a
//! session that did not happen gives the release back to the pool and the credit back to the
//! student.

use super::*;
use crate::store::payments as ledger_store;

/// Why a session whose room never saw its Student-Teacher cannot be marked taught.
pub const TEACHER_NOT_SEEN: &str = "The session's room never saw you during the session, so it \
     can't be marked taught. If you taught it elsewhere, contact support.";

/// Marks a past session taught, for its Student-Teacher; returns it as they see it.
pub async fn mark_taught(
    db: &Db,
    user: &SessionUser,
    id: &str,
    now: i64,
) -> Result<SessionDetail, AppError> {
    let mut tx = db.begin_write().await?;
    let row = load_booking(&mut tx, id).await?;
    if participant(user, &row)? != Party::StudentTeacher {
        return Err(AppError::Forbidden(
            "Only the session's Student-Teacher can mark it taught.".into(),
        ));
    }
    if now < row.end_at {
        return Err(AppError::Conflict(
            "You can mark a session taught once it has ended.".into(),
        ));
    }
    // Where the session's room saw anyone, it is the record of who came: a Student-Teacher it
    // never saw during the session is not paid on their word.
    let until = now.min(domain::attendance::settles_by(row.end_at));
    if store::anyone_present(&mut tx, &row.id).await?
        && seconds_in_room(&mut tx, &row, &row.st_id, until).await? == 0
    {
        return Err(AppError::Conflict(TEACHER_NOT_SEEN.into()));
    }
    complete(&mut tx, db.backend(), &row, now).await?;
    let row = load_booking(&mut tx, id).await?;
    tx.commit().await?;
    tracing::info!(booking_id = %id, "session marked taught");
    detail(&row, Party::StudentTeacher, row.policy(), now)
}

/// The one way a session becomes completed, in the caller's transaction: the status moves
/// (compare and set) and the Student-Teacher's share of the pool that paid for it is released.
pub async fn complete(
    conn: &mut AnyConnection,
    backend: crate::db::Backend,
    row: &BookingRow,
    now: i64,
) -> Result<(), AppError> {
    let status = status_of(row)?;
    booking::apply(status, BookingEvent::Finished).map_err(booking_error)?;
    let completed = sqlx::query(
        "UPDATE bookings SET status = 'completed', taught_at = $3, updated_at = $3
          WHERE id = $1 AND status = $2",
    )
    .bind(&row.id)
    .bind(status.as_str())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if completed.rows_affected() != 1 {
        return Err(AppError::Conflict(
            "This session changed meanwhile. Reload and try again.".into(),
        ));
    }
    release(conn, backend, row, now).await
}

/// Releases pool ÷ sessions still unpaid (domain::ledger::session_taught) from the payment for
/// the session (its own, or its enrollment's) to the session's Student-Teacher. An enrollment
/// nobody paid for (an admin's) has nothing to release.
async fn release(
    conn: &mut AnyConnection,
    backend: crate::db::Backend,
    row: &BookingRow,
    now: i64,
) -> Result<(), AppError> {
    // A session paid for on its own is paid from that payment; one booked on a credit from
    // the payment that bought the credit (bookings.paid_by). A refunded one pays nothing.
    let payment: Option<(String, Option<String>, i64, String)> = sqlx::query_as(
        "SELECT id, payment_intent_id, sessions, currency FROM payments
          WHERE (booking_id = $1 OR id = (SELECT paid_by FROM bookings WHERE id = $1))
            AND refunded_cents < amount_cents
          ORDER BY paid_at DESC, id DESC LIMIT 1",
    )
    .bind(&row.id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((payment_id, payment_intent, sessions, currency)) = payment else {
        return Ok(());
    };
    // The payment's money moves one change at a time: a refund or another release of the same
    // pool waits here, and what is read below is what it left.
    lock_payment(conn, backend, &payment_id, payment_intent.as_deref()).await?;
    // Sessions whose release still stands (a reversed one counts no more).
    let released: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT booking_id FROM ledger_entries
                                WHERE payment_id = $1 AND kind = 'release' AND account LIKE 'st:%'
                                GROUP BY booking_id HAVING SUM(amount_cents) > 0) AS standing",
    )
    .bind(&payment_id)
    .fetch_one(&mut *conn)
    .await?;
    let pool = domain::ledger::Account::Pool(payment_id.clone()).key();
    let held = ledger_store::balance(conn, &pool, &currency).await?;
    let movement =
        domain::ledger::session_taught(&payment_id, &row.st_id, held, sessions - released);
    ledger_store::post(conn, &movement, &payment_id, &currency, Some(&row.id), now).await
}

/// The lock Stripe's events about this payment take (its PaymentIntent's), so a release, a
/// dispute and a refund of one payment never read each other's balances half-way.
async fn lock_payment(
    conn: &mut AnyConnection,
    backend: crate::db::Backend,
    payment_id: &str,
    payment_intent: Option<&str>,
) -> Result<(), AppError> {
    ledger_store::lock_until_commit(conn, backend, payment_intent.unwrap_or(payment_id)).await
}

/// The student says a session marked taught did not happen (within 48 hours of the marking).
pub async fn dispute(
    db: &Db,
    user: &SessionUser,
    id: &str,
    reason: &str,
    now: i64,
) -> Result<(), AppError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        let mut fields = FieldErrors::default();
        fields.add("reason", wire::payments::DISPUTE_REASON_INVALID);
        return Err(AppError::Invalid(fields));
    }
    let mut tx = db.begin_write().await?;
    let row = load_booking(&mut tx, id).await?;
    if participant(user, &row)? != Party::Student {
        return Err(AppError::Forbidden(
            "Only the session's student can dispute it.".into(),
        ));
    }
    let taught_at: Option<i64> = sqlx::query_scalar("SELECT taught_at FROM bookings WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    match taught_at {
        Some(at) if row.status == BookingStatus::Completed.as_str() => {
            if !domain::earnings::may_dispute(at, now) {
                return Err(AppError::Conflict(
                    "The 48 hours to dispute this session have passed.".into(),
                ));
            }
        }
        _ => {
            return Err(AppError::Conflict(
                "Only a session marked taught can be disputed.".into(),
            ));
        }
    }
    let disputed = sqlx::query(
        "UPDATE bookings SET disputed_at = $2, dispute_reason = $3, updated_at = $2
          WHERE id = $1 AND disputed_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .bind(reason)
    .execute(&mut *tx)
    .await?;
    if disputed.rows_affected() != 1 {
        return Err(AppError::Conflict(
            "This session is already disputed.".into(),
        ));
    }
    tx.commit().await?;
    tracing::warn!(booking_id = %id, "session disputed by its student");
    Ok(())
}

/// An admin decides a dispute. If the session did not happen, its release goes back to the pool
/// (domain::ledger::release_reversed), the student's credit comes back (or a single session's
/// payment is refunded), and it is cancelled.
pub async fn decide_dispute(
    db: &Db,
    user: &SessionUser,
    id: &str,
    session_happened: bool,
    now: i64,
) -> Result<(), AppError> {
    if !user.is_admin {
        return Err(AppError::Forbidden(
            "Only an admin can decide a dispute.".into(),
        ));
    }
    let mut tx = db.begin_write().await?;
    let row = load_booking(&mut tx, id).await?;
    let decided = sqlx::query(
        "UPDATE bookings SET dispute_decided_at = $2, dispute_session_happened = $3,
                status = CASE WHEN $3 THEN status ELSE 'cancelled' END,
                sequence = CASE WHEN $3 THEN sequence ELSE sequence + 1 END, updated_at = $2
          WHERE id = $1 AND disputed_at IS NOT NULL AND dispute_decided_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .bind(session_happened)
    .execute(&mut *tx)
    .await?;
    if decided.rows_affected() != 1 {
        return Err(AppError::Conflict(
            "This session has no open dispute.".into(),
        ));
    }
    if !session_happened {
        let st = domain::ledger::Account::StudentTeacher(row.st_id.clone()).key();
        let released: Vec<(String, Option<String>, String, i64)> = sqlx::query_as(
            "SELECT e.payment_id, p.payment_intent_id, e.currency,
                    CAST(SUM(e.amount_cents) AS BIGINT)
               FROM ledger_entries e JOIN payments p ON p.id = e.payment_id
              WHERE e.booking_id = $1 AND e.kind = 'release' AND e.account = $2
              GROUP BY e.payment_id, p.payment_intent_id, e.currency",
        )
        .bind(id)
        .bind(&st)
        .fetch_all(&mut *tx)
        .await?;
        for (payment_id, payment_intent, currency, amount) in released {
            lock_payment(
                &mut tx,
                db.backend(),
                &payment_id,
                payment_intent.as_deref(),
            )
            .await?;
            // What a refund already took back from this payment is not taken twice.
            let still_held = ledger_store::held_from(&mut tx, &payment_id, &st).await?;
            let available = ledger_store::balance(&mut tx, &st, &currency).await?;
            let movement = domain::ledger::release_reversed(
                &payment_id,
                &row.st_id,
                amount.min(still_held),
                available,
            );
            ledger_store::post(&mut tx, &movement, &payment_id, &currency, Some(id), now).await?;
        }
        // What paid for it goes back: a single session's payment, or the credit.
        if !crate::services::payments::queue_session_refund(&mut tx, id, now).await? {
            store::return_credit(&mut tx, id).await?;
        }
    }
    tx.commit().await?;
    tracing::info!(booking_id = %id, session_happened, "dispute decided");
    Ok(())
}
