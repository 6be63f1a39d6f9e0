//! Checkouts, payments, ledger postings, received Stripe events and instructor-feed access, as
//! stored. Every function runs in the caller's connection or transaction.

use domain::ledger::Movement;
use sqlx::AnyConnection;
use wire::error::AppError;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CheckoutRow {
    pub id: String,
    pub stripe_session_id: Option<String>,
    pub purpose: String,
    pub user_id: String,
    pub course_id: String,
    pub booking_id: Option<String>,
    pub amount_cents: i64,
    pub currency: String,
    pub status: String,
    pub url: Option<String>,
    pub payment_failed_at: Option<i64>,
    pub expires_at: i64,
}

const CHECKOUT_COLUMNS: &str = "SELECT id, stripe_session_id, purpose, user_id, course_id, \
     booking_id, amount_cents, currency, status, url, payment_failed_at, expires_at FROM checkouts";

pub struct NewCheckout<'a> {
    pub id: &'a str,
    pub purpose: &'a str,
    pub user_id: &'a str,
    pub course_id: &'a str,
    pub booking_id: Option<&'a str>,
    pub amount_cents: i64,
    pub currency: &'a str,
    pub expires_at: i64,
}

pub async fn insert_checkout(
    conn: &mut AnyConnection,
    checkout: &NewCheckout<'_>,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO checkouts (id, purpose, user_id, course_id, booking_id, amount_cents,
                                currency, status, expires_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'creating', $8, $9, $9)",
    )
    .bind(checkout.id)
    .bind(checkout.purpose)
    .bind(checkout.user_id)
    .bind(checkout.course_id)
    .bind(checkout.booking_id)
    .bind(checkout.amount_cents)
    .bind(checkout.currency)
    .bind(checkout.expires_at)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The student's open enrollment checkout for a course that is still good for `until`, to send
/// a second click to the same Checkout Session instead of opening another.
pub async fn reusable_enrollment_checkout(
    conn: &mut AnyConnection,
    user_id: &str,
    course_id: &str,
    until: i64,
) -> Result<Option<CheckoutRow>, AppError> {
    Ok(sqlx::query_as(&format!(
        "{CHECKOUT_COLUMNS} WHERE user_id = $1 AND course_id = $2 AND purpose = 'enrollment'
            AND status = 'open' AND url IS NOT NULL AND expires_at > $3
          ORDER BY created_at DESC LIMIT 1"
    ))
    .bind(user_id)
    .bind(course_id)
    .bind(until)
    .fetch_optional(conn)
    .await?)
}

/// A checkout for the same thing as `checkout` (the same held session, or the same student's
/// enrollment in the same course) that is being opened at Stripe now (begun since
/// `creating_since`) or is open and still good for `until`: the one a concurrent click waits for
/// instead of opening another.
pub async fn checkout_in_flight(
    conn: &mut AnyConnection,
    checkout: &NewCheckout<'_>,
    creating_since: i64,
    until: i64,
) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM checkouts
          WHERE purpose = $1 AND user_id = $2 AND course_id = $3
            AND (booking_id = $4 OR ($4 IS NULL AND booking_id IS NULL))
            AND ((status = 'creating' AND created_at >= $5)
                 OR (status = 'open' AND url IS NOT NULL AND expires_at > $6))
          ORDER BY created_at DESC LIMIT 1",
    )
    .bind(checkout.purpose)
    .bind(checkout.user_id)
    .bind(checkout.course_id)
    .bind(checkout.booking_id)
    .bind(creating_since)
    .bind(until)
    .fetch_optional(conn)
    .await?)
}

/// A checkout's status and, once open, its Stripe Checkout Session and link.
pub async fn checkout_progress(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<(String, Option<String>, Option<String>)>, AppError> {
    Ok(
        sqlx::query_as("SELECT status, stripe_session_id, url FROM checkouts WHERE id = $1")
            .bind(id)
            .fetch_optional(conn)
            .await?,
    )
}

/// The open checkout of a held session that is still good for `until`.
pub async fn reusable_session_checkout(
    conn: &mut AnyConnection,
    booking_id: &str,
    until: i64,
) -> Result<Option<CheckoutRow>, AppError> {
    Ok(sqlx::query_as(&format!(
        "{CHECKOUT_COLUMNS} WHERE booking_id = $1 AND purpose = 'session'
            AND status = 'open' AND url IS NOT NULL AND expires_at > $2
          ORDER BY created_at DESC LIMIT 1"
    ))
    .bind(booking_id)
    .bind(until)
    .fetch_optional(conn)
    .await?)
}

/// Keeps a held session held until at least `until` (a checkout for it stays open that long);
/// false when it is no longer held.
pub async fn hold_until(
    conn: &mut AnyConnection,
    booking_id: &str,
    until: i64,
    now: i64,
) -> Result<bool, AppError> {
    let held = sqlx::query(
        "UPDATE bookings
            SET hold_expires_at = CASE WHEN hold_expires_at < $2 THEN $2 ELSE hold_expires_at END,
                updated_at = $3
          WHERE id = $1 AND status = 'pending_payment' AND hold_expires_at > $3",
    )
    .bind(booking_id)
    .bind(until)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(held.rows_affected() == 1)
}

/// Ends a session's hold: `to` is `scheduled` (paid) or `cancelled` (released). False when it
/// was no longer held (compare and set).
pub async fn end_hold(
    conn: &mut AnyConnection,
    booking_id: &str,
    to: domain::booking::BookingStatus,
    now: i64,
) -> Result<bool, AppError> {
    let ended = sqlx::query(
        "UPDATE bookings SET status = $2, hold_expires_at = NULL, updated_at = $3
          WHERE id = $1 AND status = 'pending_payment'",
    )
    .bind(booking_id)
    .bind(to.as_str())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(ended.rows_affected() == 1)
}

/// What a course charges for one session beyond an enrollment's credits, in its currency;
/// `None` when it sells no single sessions (or there is no such course).
pub async fn session_price(
    conn: &mut AnyConnection,
    course_id: &str,
) -> Result<Option<(i64, String)>, AppError> {
    let row: Option<(Option<i64>, String)> =
        sqlx::query_as("SELECT session_price_cents, currency FROM courses WHERE id = $1")
            .bind(course_id)
            .fetch_optional(conn)
            .await?;
    Ok(row.and_then(|(cents, currency)| Some((cents?, currency))))
}

/// Sets (or with `None` stops) a course's price per session.
pub async fn set_session_price(
    conn: &mut AnyConnection,
    course_id: &str,
    cents: Option<i64>,
) -> Result<(), AppError> {
    sqlx::query("UPDATE courses SET session_price_cents = $2 WHERE id = $1")
        .bind(course_id)
        .bind(cents)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records Stripe's answer: the checkout is open at `url`.
pub async fn mark_opened(
    conn: &mut AnyConnection,
    id: &str,
    stripe_session_id: &str,
    url: &str,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE checkouts SET status = 'open', stripe_session_id = $2, url = $3, updated_at = $4
          WHERE id = $1 AND status = 'creating'",
    )
    .bind(id)
    .bind(stripe_session_id)
    .bind(url)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn mark_failed(conn: &mut AnyConnection, id: &str, now: i64) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE checkouts SET status = 'failed', updated_at = $2
          WHERE id = $1 AND status = 'creating'",
    )
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The checkout a Stripe session belongs to: by Stripe's id, or by ours (an event may arrive
/// before Stripe's answer to the request that opened it was recorded).
pub async fn find_for_session(
    conn: &mut AnyConnection,
    stripe_session_id: &str,
    checkout_id: Option<&str>,
) -> Result<Option<CheckoutRow>, AppError> {
    Ok(sqlx::query_as(&format!(
        "{CHECKOUT_COLUMNS} WHERE stripe_session_id = $1 OR (id = $2 AND stripe_session_id IS NULL)"
    ))
    .bind(stripe_session_id)
    .bind(checkout_id)
    .fetch_optional(conn)
    .await?)
}

pub async fn find_checkout(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<CheckoutRow>, AppError> {
    Ok(sqlx::query_as(&format!("{CHECKOUT_COLUMNS} WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

/// Moves a checkout from an unsettled state to `status` (compare and set): `false` when it
/// was already settled, e.g. by a redelivered or concurrent event.
pub async fn settle(
    conn: &mut AnyConnection,
    id: &str,
    status: &str,
    flag_reason: Option<&str>,
    stripe_session_id: &str,
    now: i64,
) -> Result<bool, AppError> {
    Ok(sqlx::query(
        "UPDATE checkouts
            SET status = $2, flag_reason = $3, stripe_session_id = $4, updated_at = $5
          WHERE id = $1 AND status IN ('creating', 'open', 'failed')",
    )
    .bind(id)
    .bind(status)
    .bind(flag_reason)
    .bind(stripe_session_id)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Flags a checkout for the admins, whatever it was: money came that it could not grant.
pub async fn flag(
    conn: &mut AnyConnection,
    id: &str,
    reason: &str,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE checkouts SET status = 'flagged', flag_reason = $2, updated_at = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(reason)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn note_payment_failure(
    conn: &mut AnyConnection,
    id: &str,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE checkouts SET payment_failed_at = $2, updated_at = $2
          WHERE id = $1 AND status = 'open'",
    )
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub struct NewPayment<'a> {
    pub id: &'a str,
    pub checkout: &'a CheckoutRow,
    pub payment_intent_id: Option<&'a str>,
    pub creator_id: &'a str,
    pub enrollment_id: Option<&'a str>,
    pub sessions: i64,
}

pub async fn insert_payment(
    conn: &mut AnyConnection,
    payment: &NewPayment<'_>,
    now: i64,
) -> Result<(), AppError> {
    let checkout = payment.checkout;
    sqlx::query(
        "INSERT INTO payments (id, checkout_id, payment_intent_id, user_id, course_id, creator_id,
                               enrollment_id, booking_id, amount_cents, currency, sessions, paid_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(payment.id)
    .bind(&checkout.id)
    .bind(payment.payment_intent_id)
    .bind(&checkout.user_id)
    .bind(&checkout.course_id)
    .bind(payment.creator_id)
    .bind(payment.enrollment_id)
    .bind(&checkout.booking_id)
    .bind(checkout.amount_cents)
    .bind(&checkout.currency)
    .bind(payment.sessions)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes a movement's postings (one statement), all under one movement id.
pub async fn post(
    conn: &mut AnyConnection,
    movement: &Movement,
    payment_id: &str,
    currency: &str,
    booking_id: Option<&str>,
    now: i64,
) -> Result<(), AppError> {
    if movement.is_empty() {
        return Ok(());
    }
    // Numbered placeholders written out: sqlx's query builder numbers them only for one
    // database, and this statement runs on both. $1-$5 are shared by every row.
    let rows: Vec<String> = (0..movement.postings().len())
        .map(|row| {
            let first = row * 4 + 6;
            format!(
                "(${}, $1, $2, ${}, ${}, ${}, $3, $4, $5)",
                first,
                first + 1,
                first + 2,
                first + 3
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO ledger_entries
           (id, movement_id, payment_id, account, kind, amount_cents, currency, booking_id,
            created_at) VALUES {}",
        rows.join(", ")
    );
    let mut insert = sqlx::query(&sql)
        .bind(super::new_id())
        .bind(payment_id)
        .bind(currency)
        .bind(booking_id)
        .bind(now);
    for posting in movement.postings() {
        insert = insert
            .bind(super::new_id())
            .bind(posting.account.key())
            .bind(posting.kind.as_str())
            .bind(posting.amount_cents);
    }
    insert.execute(conn).await?;
    Ok(())
}

/// Stores a verified event; `false` when its id was stored before (a redelivery).
pub async fn record_event(
    conn: &mut AnyConnection,
    event: &crate::payments::ReceivedEvent,
    now: i64,
) -> Result<bool, AppError> {
    Ok(sqlx::query(
        "INSERT INTO stripe_events (id, type, created, object_id, payload, received_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
    )
    .bind(&event.id)
    .bind(&event.kind)
    .bind(event.created)
    .bind(&event.object_id)
    .bind(&event.payload)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Lets a student read their creator's feed (IFED); kept if already granted.
pub async fn grant_feed_access(
    conn: &mut AnyConnection,
    instructor_id: &str,
    follower_id: &str,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO instructor_followers (instructor_id, follower_id, created_at)
         VALUES ($1, $2, $3) ON CONFLICT (instructor_id, follower_id) DO NOTHING",
    )
    .bind(instructor_id)
    .bind(follower_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn has_feed_access(
    conn: &mut AnyConnection,
    instructor_id: &str,
    follower_id: &str,
) -> Result<bool, AppError> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM instructor_followers WHERE instructor_id = $1 AND follower_id = $2",
    )
    .bind(instructor_id)
    .bind(follower_id)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// The ledger's invariants, each as the number of rows breaking it (all zero when sound):
/// movements that do not sum to zero, payments whose splits differ from amount − refunds, and
/// earners below zero.
pub async fn invariant_breaches(conn: &mut AnyConnection) -> Result<LedgerBreaches, AppError> {
    let unbalanced: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT movement_id FROM ledger_entries GROUP BY movement_id
                                HAVING SUM(amount_cents) <> 0) AS m",
    )
    .fetch_one(&mut *conn)
    .await?;
    let mismatched_payments: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM payments p
          WHERE p.amount_cents - p.refunded_cents <>
                COALESCE((SELECT SUM(amount_cents) FROM ledger_entries e
                           WHERE e.payment_id = p.id AND e.account <> 'stripe_clearing'), 0)",
    )
    .fetch_one(&mut *conn)
    .await?;
    let negative_earners: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT account FROM ledger_entries
                                WHERE account LIKE 'creator:%' OR account LIKE 'st:%'
                                   OR account LIKE 'pool:%'
                                GROUP BY account, currency HAVING SUM(amount_cents) < 0) AS a",
    )
    .fetch_one(conn)
    .await?;
    Ok(LedgerBreaches {
        unbalanced_movements: unbalanced,
        mismatched_payments,
        negative_earners,
    })
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LedgerBreaches {
    pub unbalanced_movements: i64,
    pub mismatched_payments: i64,
    pub negative_earners: i64,
}

impl LedgerBreaches {
    pub fn is_sound(&self) -> bool {
        *self == LedgerBreaches::default()
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PaymentRow {
    pub id: String,
    pub user_id: String,
    pub creator_id: String,
    pub enrollment_id: Option<String>,
    /// The one session a per-session payment paid for.
    pub booking_id: Option<String>,
    pub amount_cents: i64,
    pub refunded_cents: i64,
    pub currency: String,
}

pub async fn find_payment_by_intent(
    conn: &mut AnyConnection,
    payment_intent_id: &str,
) -> Result<Option<PaymentRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, user_id, creator_id, enrollment_id, booking_id, amount_cents, refunded_cents,
                currency
           FROM payments WHERE payment_intent_id = $1",
    )
    .bind(payment_intent_id)
    .fetch_optional(conn)
    .await?)
}

/// Serialises, until the transaction ends, every transaction that locks the same `key`: a
/// PaymentIntent's id (a refund and the completion it may overtake must not miss each other;
/// releases and disputes of the payment take it too), or a student's enrollment in a course.
/// Postgres takes an advisory lock; SQLite has one writer at a time anyway.
pub async fn lock_until_commit(
    conn: &mut AnyConnection,
    backend: crate::db::Backend,
    key: &str,
) -> Result<(), AppError> {
    if backend == crate::db::Backend::Postgres {
        sqlx::query(
            "SELECT CAST(1 AS BIGINT) FROM (SELECT pg_advisory_xact_lock(hashtext($1))) AS held",
        )
        .bind(key)
        .fetch_one(conn)
        .await?;
    }
    Ok(())
}

/// An account's balance in each currency it holds.
pub async fn balances_by_currency(
    conn: &mut AnyConnection,
    account: &str,
) -> Result<Vec<(String, i64)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT currency, CAST(SUM(amount_cents) AS BIGINT) FROM ledger_entries
          WHERE account = $1 GROUP BY currency ORDER BY currency",
    )
    .bind(account)
    .fetch_all(conn)
    .await?)
}

/// An account's balance in one currency (the sum of its postings in it): a payout pays one
/// currency, and cents of two never add up.
pub async fn balance(
    conn: &mut AnyConnection,
    account: &str,
    currency: &str,
) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) FROM ledger_entries
          WHERE account = $1 AND currency = $2",
    )
    .bind(account)
    .bind(currency)
    .fetch_one(conn)
    .await?)
}

/// The Student-Teacher accounts that still hold money from a payment's pool, with how much
/// (their postings on this payment: releases, less what refunds and disputes took back), most
/// recent first.
pub async fn released_to(
    conn: &mut AnyConnection,
    payment_id: &str,
) -> Result<Vec<(String, i64)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT account, CAST(SUM(amount_cents) AS BIGINT) FROM ledger_entries
          WHERE payment_id = $1 AND account LIKE 'st:%'
          GROUP BY account HAVING SUM(amount_cents) > 0
          ORDER BY MAX(created_at) DESC, account",
    )
    .bind(payment_id)
    .fetch_all(conn)
    .await?)
}

/// What an account holds from one payment (the sum of its postings on it).
pub async fn held_from(
    conn: &mut AnyConnection,
    payment_id: &str,
    account: &str,
) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) FROM ledger_entries
          WHERE payment_id = $1 AND account = $2",
    )
    .bind(payment_id)
    .bind(account)
    .fetch_one(conn)
    .await?)
}

/// Records a payment's cumulative refunds, if they still stand at `before` (compare and set).
pub async fn set_refunded(
    conn: &mut AnyConnection,
    payment_id: &str,
    before: i64,
    total: i64,
) -> Result<bool, AppError> {
    Ok(
        sqlx::query(
            "UPDATE payments SET refunded_cents = $3 WHERE id = $1 AND refunded_cents = $2",
        )
        .bind(payment_id)
        .bind(before)
        .bind(total)
        .execute(conn)
        .await?
        .rows_affected()
            == 1,
    )
}

/// The payloads of the `charge.refunded` events received for a PaymentIntent (they may come
/// before the payment is recorded).
pub async fn refund_events_for(
    conn: &mut AnyConnection,
    payment_intent_id: &str,
) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT payload FROM stripe_events WHERE type = 'charge.refunded' AND object_id = $1",
    )
    .bind(payment_intent_id)
    .fetch_all(conn)
    .await?)
}

/// Closes the creator's feed to a student, unless another live enrollment in one of the
/// creator's courses keeps it open.
pub async fn revoke_feed_access_unless_enrolled(
    conn: &mut AnyConnection,
    instructor_id: &str,
    follower_id: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "DELETE FROM instructor_followers
          WHERE instructor_id = $1 AND follower_id = $2
            AND NOT EXISTS (SELECT 1 FROM enrollments e JOIN courses c ON c.id = e.course_id
                             WHERE e.student_id = $2 AND c.creator_id = $1
                               AND e.ended_at IS NULL)",
    )
    .bind(instructor_id)
    .bind(follower_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// A payment with what a refund decision needs.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RefundablePayment {
    pub id: String,
    pub payment_intent_id: Option<String>,
    pub creator_id: String,
    pub amount_cents: i64,
    pub refunded_cents: i64,
    pub currency: String,
}

impl RefundablePayment {
    /// What may still be refunded: neither refunded (confirmed by Stripe) nor asked for, given
    /// the refunds asked for so far (`requested_cents`, confirmed ones included).
    pub fn still_refundable(&self, requested_cents: i64) -> i64 {
        (self.amount_cents - self.refunded_cents.max(requested_cents)).max(0)
    }
}

/// Records a refund Stripe took under `idempotency_key`; a repeat of the key changes nothing.
pub async fn record_refund_request(
    conn: &mut AnyConnection,
    idempotency_key: &str,
    payment_id: &str,
    amount_cents: i64,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO refund_requests (idempotency_key, payment_id, amount_cents, requested_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(idempotency_key)
    .bind(payment_id)
    .bind(amount_cents)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The amount of the refund asked for under `idempotency_key`, if it was.
pub async fn refund_request(
    conn: &mut AnyConnection,
    idempotency_key: &str,
) -> Result<Option<i64>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT amount_cents FROM refund_requests WHERE idempotency_key = $1")
            .bind(idempotency_key)
            .fetch_optional(conn)
            .await?,
    )
}

/// The total of the refunds asked for on a payment (confirmed or not).
pub async fn refunds_requested(
    conn: &mut AnyConnection,
    payment_id: &str,
) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) FROM refund_requests
          WHERE payment_id = $1",
    )
    .bind(payment_id)
    .fetch_one(conn)
    .await?)
}

pub async fn find_refundable(
    conn: &mut AnyConnection,
    payment_id: &str,
) -> Result<Option<RefundablePayment>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, payment_intent_id, creator_id, amount_cents, refunded_cents, currency
           FROM payments WHERE id = $1",
    )
    .bind(payment_id)
    .fetch_optional(conn)
    .await?)
}

/// The payment for this one session (pay per session), unless it was refunded in full.
pub async fn session_payment(
    conn: &mut AnyConnection,
    booking_id: &str,
) -> Result<Option<RefundablePayment>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, payment_intent_id, creator_id, amount_cents, refunded_cents, currency
           FROM payments WHERE booking_id = $1 AND refunded_cents < amount_cents",
    )
    .bind(booking_id)
    .fetch_optional(conn)
    .await?)
}
