//! Money in: opening a Checkout Session for an enrollment, and applying the payment provider's
//! events. An event is stored by id in the same transaction as its effect, so a redelivery
//! changes nothing, and each effect is a compare-and-set on the checkout, so two servers
//! applying the same payment make one enrollment.

use crate::auth::SessionUser;
use crate::db::Db;
use crate::payments::{
    CheckoutRequest, CompletedCheckout, PaymentError, PaymentEvent, PaymentGateway, ReceivedEvent,
    RefundRequest,
};
use crate::store::payments::{self as store, NewCheckout, NewPayment};
use crate::store::{learning, new_id, outbox};
use domain::booking::{BookingEvent, BookingStatus};
use sqlx::AnyConnection;
use wire::error::AppError;
use wire::payments::CheckoutStarted;

/// How long a Checkout Session stays open: Stripe's minimum, so a held slot is not held long.
pub const CHECKOUT_OPEN_SECS: i64 = 30 * 60;
/// A checkout with less time left than this is not offered again; a new one is opened.
const REUSE_MARGIN_SECS: i64 = 5 * 60;

pub const PAYMENT_EMAIL_KIND: &str = "payment_email";

/// An email about money, queued in the outbox.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PaymentEmailJob {
    /// A paid enrollment: welcome, and how to start.
    Welcome { enrollment_id: String },
    /// A single session's payment that came after its hold was released, refunded in full.
    LateSessionPaymentRefunded { payment_id: String },
}

/// The outbox job that asks Stripe to refund a payment in full (`RefundJob`): the refund leaves
/// the transaction that decided it, so a slow Stripe holds no lock and a retry is the same
/// refund (one idempotency key).
pub const REFUND_JOB_KIND: &str = "payment_refund";

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "refund", rename_all = "snake_case")]
pub enum RefundJob {
    /// All that a recorded payment has left.
    Payment { payment_id: String },
    /// A charge that granted nothing and was never recorded as a payment: a course paid for
    /// while the student was already enrolled in it (a second tab, or an admin's enrollment).
    Unclaimed {
        checkout_id: String,
        payment_intent_id: String,
        amount_cents: i64,
    },
}

/// Queues a refund job in the caller's transaction.
async fn queue_refund(conn: &mut AnyConnection, job: &RefundJob, now: i64) -> Result<(), AppError> {
    let payload = serde_json::to_value(job).map_err(|_| AppError::Internal)?;
    outbox::enqueue(conn, REFUND_JOB_KIND, &payload, now, now).await?;
    Ok(())
}

/// Queues, in the caller's transaction, the refund in full of the payment that paid for this
/// one session (pay per session). Returns false when no such payment stands.
pub async fn queue_session_refund(
    conn: &mut AnyConnection,
    booking_id: &str,
    now: i64,
) -> Result<bool, AppError> {
    let Some(payment) = store::session_payment(conn, booking_id).await? else {
        return Ok(false);
    };
    let job = RefundJob::Payment {
        payment_id: payment.id,
    };
    queue_refund(conn, &job, now).await?;
    Ok(true)
}

/// Runs a queued `RefundJob`: asks Stripe for all the payment has left (nothing left, nothing
/// asked), or for an unclaimed charge in full.
pub async fn refund_in_full(
    db: &Db,
    gateway: &dyn PaymentGateway,
    job: &RefundJob,
) -> Result<(), PaymentError> {
    let payment_id = match job {
        RefundJob::Payment { payment_id } => payment_id,
        RefundJob::Unclaimed {
            checkout_id,
            payment_intent_id,
            amount_cents,
        } => {
            gateway
                .refund(&RefundRequest {
                    payment_intent_id: payment_intent_id.clone(),
                    amount_cents: *amount_cents,
                    idempotency_key: format!("refund-unclaimed-{checkout_id}"),
                    metadata: vec![("checkout_id".into(), checkout_id.clone())],
                })
                .await?;
            tracing::info!(checkout = %checkout_id, amount = amount_cents, "unclaimed charge refunded");
            return Ok(());
        }
    };
    let (payment, requested) = {
        let mut conn = db.pool().acquire().await.map_err(unavailable)?;
        let payment = store::find_refundable(&mut conn, payment_id)
            .await
            .map_err(unavailable)?;
        let requested = store::refunds_requested(&mut conn, payment_id)
            .await
            .map_err(unavailable)?;
        (payment, requested)
    };
    let Some(payment) = payment else {
        return Err(PaymentError::Rejected(format!("no payment {payment_id}")));
    };
    // What another refund (a creator's, still unconfirmed) asked for is not asked again: Stripe
    // would refuse the whole amount, and the student would never get the rest.
    let left = payment.still_refundable(requested);
    if left <= 0 {
        return Ok(());
    }
    let key = repeat_safe_refund_key(&payment, payment.amount_cents - payment.refunded_cents);
    ask_and_record(db, gateway, &payment, left, &key).await?;
    tracing::info!(payment = %payment.id, amount = left, "refunded in full automatically");
    Ok(())
}

/// Asks Stripe for a refund and records it as asked (see `store::record_refund_request`).
async fn ask_and_record(
    db: &Db,
    gateway: &dyn PaymentGateway,
    payment: &store::RefundablePayment,
    amount: i64,
    key: &str,
) -> Result<(), PaymentError> {
    ask_refund(gateway, payment, amount, key.to_owned()).await?;
    let mut conn = db.pool().acquire().await.map_err(unavailable)?;
    store::record_refund_request(
        &mut conn,
        key,
        &payment.id,
        amount,
        crate::store::unix_now(),
    )
    .await
    .map_err(unavailable)
}

fn unavailable(error: impl std::fmt::Display) -> PaymentError {
    PaymentError::Unavailable(error.to_string())
}

/// The idempotency key of a refund asked for without a request key of its own: the payment, its
/// refunds so far and the amount, so a repeat of the request (a double click, a retry, the
/// creator and an admin asking at once) is the same refund at Stripe until Stripe confirms it.
fn repeat_safe_refund_key(payment: &store::RefundablePayment, amount: i64) -> String {
    format!("refund-{}-{}-{amount}", payment.id, payment.refunded_cents)
}

/// The longest key a client may give a refund request (`Idempotency-Key`, or the payments
/// page's form): with the payment's id it stays within Stripe's 255 characters.
pub const REFUND_REQUEST_KEY_MAX: usize = 200;

/// Asks Stripe to refund `amount` of a payment, as the refund `idempotency_key` names.
async fn ask_refund(
    gateway: &dyn PaymentGateway,
    payment: &store::RefundablePayment,
    amount: i64,
    idempotency_key: String,
) -> Result<(), PaymentError> {
    let Some(payment_intent_id) = payment.payment_intent_id.clone() else {
        return Err(PaymentError::Rejected(format!(
            "payment {} has no Stripe charge to refund",
            payment.id
        )));
    };
    gateway
        .refund(&RefundRequest {
            payment_intent_id,
            amount_cents: amount,
            idempotency_key,
            // Only what the key already determines: two requests under one key send the same
            // request, and Stripe makes it once.
            metadata: vec![("payment_id".into(), payment.id.clone())],
        })
        .await
}

fn payments_unavailable() -> AppError {
    AppError::Unavailable(wire::payments::PAYMENTS_UNAVAILABLE.into())
}

/// Opens (or reopens) the Checkout Session that enrolls the signed-in student in a course.
pub async fn start_enrollment_checkout(
    db: &Db,
    gateway: &dyn PaymentGateway,
    public_url: &str,
    user: &SessionUser,
    course_id: &str,
    now: i64,
) -> Result<CheckoutStarted, AppError> {
    let course = crate::store::catalog::find_published(db.pool(), course_id)
        .await?
        .ok_or_else(|| AppError::NotFound("We couldn't find that course.".into()))?;
    {
        let mut conn = db.pool().acquire().await?;
        if learning::find_enrollment_for(&mut conn, &user.id, course_id)
            .await?
            .is_some()
        {
            return Err(AppError::Conflict(
                "You're already enrolled in this course.".into(),
            ));
        }
        if let Some(open) = store::reusable_enrollment_checkout(
            &mut conn,
            &user.id,
            course_id,
            now + REUSE_MARGIN_SECS,
        )
        .await?
            && let (Some(id), Some(url)) = (open.stripe_session_id, open.url)
        {
            return Ok(CheckoutStarted { id, url });
        }
    }
    if course.price_cents <= 0 {
        return Err(AppError::BadRequest(
            "This course has no price to pay; ask an admin to enroll you.".into(),
        ));
    }
    let checkout_id = new_id();
    let expires_at = now + CHECKOUT_OPEN_SECS;
    let checkout = NewCheckout {
        id: &checkout_id,
        purpose: "enrollment",
        user_id: &user.id,
        course_id,
        booking_id: None,
        amount_cents: course.price_cents,
        currency: &course.currency,
        expires_at,
    };
    let request = CheckoutRequest {
        checkout_id: checkout_id.clone(),
        product_name: course.title.clone(),
        amount_cents: course.price_cents,
        currency: course.currency.clone(),
        customer_email: user.email.clone(),
        // The course rides along so SDSH knows which enrollment to wait for.
        success_url: format!(
            "{public_url}/dashboard?checkout={{CHECKOUT_SESSION_ID}}&course={course_id}"
        ),
        cancel_url: format!("{public_url}/checkout/{checkout_id}/cancelled"),
        expires_at,
        transfer_group: format!("enrollment_{checkout_id}"),
        metadata: vec![
            ("checkout_id".into(), checkout_id.clone()),
            ("course_id".into(), course_id.to_owned()),
            ("user_id".into(), user.id.clone()),
        ],
    };
    open_checkout(db, gateway, &checkout, None, &request, now).await
}

/// Records a checkout, asks the provider to open it (outside any transaction: a slow answer
/// holds no lock), and records the answer. `hold` is the held session it pays for, whose hold
/// is stretched to the checkout's end in the transaction that records it.
async fn open_checkout(
    db: &Db,
    gateway: &dyn PaymentGateway,
    checkout: &NewCheckout<'_>,
    hold: Option<&str>,
    request: &CheckoutRequest,
    now: i64,
) -> Result<CheckoutStarted, AppError> {
    {
        let mut tx = db.begin_write().await?;
        // One Checkout Session per hold (or per student and course) under any concurrency: a
        // double click that comes while Stripe is still answering the first (300-800 ms) waits
        // for that one instead of opening a second that could be paid too. The lock orders the
        // clicks on Postgres; SQLite's write transaction already does.
        let lock = format!(
            "checkout:{}:{}:{}",
            checkout.user_id,
            checkout.course_id,
            checkout.booking_id.unwrap_or_default()
        );
        store::lock_until_commit(&mut tx, db.backend(), &lock).await?;
        if let Some(booking_id) = hold
            && !store::hold_until(&mut tx, booking_id, checkout.expires_at, now).await?
        {
            return Err(hold_ended());
        }
        let creating_since = now - CHECKOUT_CREATING_SECS;
        let reusable_until = now + REUSE_MARGIN_SECS;
        if let Some(in_flight) =
            store::checkout_in_flight(&mut tx, checkout, creating_since, reusable_until).await?
        {
            tx.commit().await?;
            return opened_checkout(db, &in_flight).await;
        }
        store::insert_checkout(&mut tx, checkout, now).await?;
        tx.commit().await?;
    }
    let opened = gateway.open_checkout(request).await;
    let mut tx = db.begin_write().await?;
    let result = match opened {
        Ok(opened) => {
            store::mark_opened(&mut tx, checkout.id, &opened.id, &opened.url, now).await?;
            Ok(CheckoutStarted {
                id: opened.id,
                url: opened.url,
            })
        }
        Err(error) => {
            match &error {
                PaymentError::Unavailable(detail) => {
                    tracing::warn!(%detail, "could not open a Checkout Session")
                }
                PaymentError::Rejected(detail) => {
                    tracing::error!(%detail, "the payment provider refused a Checkout Session")
                }
            }
            store::mark_failed(&mut tx, checkout.id, now).await?;
            Err(payments_unavailable())
        }
    };
    tx.commit().await?;
    result
}

/// How long a checkout may be `creating` (waiting for Stripe's answer, which the client gives up
/// on well before) before a new click stops waiting for it.
const CHECKOUT_CREATING_SECS: i64 = 30;

/// The Checkout Session of a checkout another request is opening: waits for Stripe's answer to
/// it, as that request does.
async fn opened_checkout(db: &Db, checkout_id: &str) -> Result<CheckoutStarted, AppError> {
    let deadline = tokio::time::Instant::now()
        + std::time::Duration::from_secs(CHECKOUT_CREATING_SECS.unsigned_abs());
    loop {
        let progress = {
            let mut conn = db.pool().acquire().await?;
            store::checkout_progress(&mut conn, checkout_id).await?
        };
        match progress {
            Some((status, Some(id), Some(url))) if status == "open" => {
                return Ok(CheckoutStarted { id, url });
            }
            Some((status, ..)) if status == "creating" => {}
            _ => return Err(payments_unavailable()),
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(payments_unavailable());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

fn hold_ended() -> AppError {
    AppError::Conflict(HOLD_ENDED.into())
}

/// Said when a held session's time ran out before it was paid.
pub const HOLD_ENDED: &str =
    "The time held for this session has run out, so it was released. Choose a time again.";

/// Opens (or reopens) the Checkout Session that pays for one held session (pay per session),
/// for the student who holds it. The hold lasts as long as the Checkout Session stays open.
pub async fn start_session_checkout(
    db: &Db,
    gateway: &dyn PaymentGateway,
    public_url: &str,
    user: &SessionUser,
    booking_id: &str,
    now: i64,
) -> Result<CheckoutStarted, AppError> {
    let mut conn = db.pool().acquire().await?;
    let held: Option<(String, String, String, Option<i64>, String)> = sqlx::query_as(
        "SELECT b.student_id, b.course_id, b.status, b.hold_expires_at, c.title
           FROM bookings b JOIN courses c ON c.id = b.course_id WHERE b.id = $1",
    )
    .bind(booking_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((student_id, course_id, status, hold_expires_at, course_title)) = held else {
        return Err(AppError::NotFound("We couldn't find that session.".into()));
    };
    if student_id != user.id {
        return Err(AppError::Forbidden(
            "Only the session's student can pay for it.".into(),
        ));
    }
    if status != BookingStatus::PendingPayment.as_str() {
        return Err(match status.as_str() {
            "cancelled" => hold_ended(),
            _ => AppError::Conflict("This session is not waiting for a payment.".into()),
        });
    }
    if hold_expires_at.is_none_or(|until| until <= now) {
        return Err(hold_ended());
    }
    if let Some(open) = store::reusable_session_checkout(&mut conn, booking_id, now).await?
        && let (Some(id), Some(url)) = (open.stripe_session_id, open.url)
    {
        return Ok(CheckoutStarted { id, url });
    }
    let Some((price_cents, currency)) = store::session_price(&mut conn, &course_id).await? else {
        return Err(AppError::Conflict(
            "This course no longer sells single sessions.".into(),
        ));
    };
    drop(conn);
    let checkout_id = new_id();
    let expires_at = now + CHECKOUT_OPEN_SECS;
    let checkout = NewCheckout {
        id: &checkout_id,
        purpose: "session",
        user_id: &user.id,
        course_id: &course_id,
        booking_id: Some(booking_id),
        amount_cents: price_cents,
        currency: &currency,
        expires_at,
    };
    let request = CheckoutRequest {
        checkout_id: checkout_id.clone(),
        product_name: format!("1-on-1 session: {course_title}"),
        amount_cents: price_cents,
        currency: currency.clone(),
        customer_email: user.email.clone(),
        success_url: format!("{public_url}/sessions/{booking_id}?checkout={{CHECKOUT_SESSION_ID}}"),
        cancel_url: format!("{public_url}/checkout/{checkout_id}/cancelled"),
        expires_at,
        transfer_group: format!("session_{booking_id}"),
        metadata: vec![
            ("checkout_id".into(), checkout_id.clone()),
            ("course_id".into(), course_id.clone()),
            ("session_id".into(), booking_id.to_owned()),
            ("user_id".into(), user.id.clone()),
        ],
    };
    open_checkout(db, gateway, &checkout, Some(booking_id), &request, now).await
}

/// Asks Stripe to refund `amount_cents` of a payment (all that is left when `None`), for the
/// course's creator or an admin. The ledger moves when Stripe's `charge.refunded` arrives.
/// Returns the amount asked for.
pub async fn refund_payment(
    db: &Db,
    gateway: &dyn PaymentGateway,
    user: &SessionUser,
    payment_id: &str,
    amount_cents: Option<i64>,
    request_key: Option<&str>,
) -> Result<i64, AppError> {
    if let Some(key) = request_key
        && (key.is_empty()
            || key.len() > REFUND_REQUEST_KEY_MAX
            || !key.bytes().all(|byte| byte.is_ascii_graphic()))
    {
        return Err(AppError::BadRequest(format!(
            "Idempotency-Key must be 1 to {REFUND_REQUEST_KEY_MAX} visible ASCII characters."
        )));
    }
    let mut conn = db.pool().acquire().await?;
    let payment = store::find_refundable(&mut conn, payment_id)
        .await?
        .ok_or_else(|| AppError::NotFound("We couldn't find that payment.".into()))?;
    domain::access::authorize(
        Some(&user.actor()),
        domain::access::Access::RefundPayment {
            course_creator_id: &payment.creator_id,
        },
    )?;
    let unconfirmed = payment.amount_cents - payment.refunded_cents;
    if unconfirmed == 0 {
        return Err(AppError::Conflict(
            "This payment is already refunded in full.".into(),
        ));
    }
    // Each request its client names is a refund of its own (two deliberate refunds of one
    // amount, asked before Stripe confirms the first, are two); one it does not name is keyed
    // so that a repeat makes no second refund. A request made before is answered as it was.
    let key = match request_key {
        Some(key) => format!("refund-{}-{key}", payment.id),
        None => repeat_safe_refund_key(&payment, amount_cents.unwrap_or(unconfirmed)),
    };
    if let Some(asked) = store::refund_request(&mut conn, &key).await? {
        return Ok(asked);
    }
    // Refunds asked for and not yet confirmed are not refundable again: asking beyond them is
    // bad input, not Stripe's trouble.
    let left = payment.still_refundable(store::refunds_requested(&mut conn, &payment.id).await?);
    drop(conn);
    let amount = amount_cents.unwrap_or(left);
    if !(1..=left).contains(&amount) {
        let most = super::stored_money(left, &payment.currency)?;
        return Err(AppError::BadRequest(format!(
            "A refund is at least one cent and at most what is left: {most}."
        )));
    }
    if payment.payment_intent_id.is_none() {
        return Err(AppError::Conflict(
            "This payment has no Stripe charge to refund.".into(),
        ));
    }
    ask_and_record(db, gateway, &payment, amount, &key)
        .await
        .map_err(|error| {
            match &error {
                PaymentError::Unavailable(detail) => tracing::warn!(%detail, "refund not made"),
                PaymentError::Rejected(detail) => {
                    tracing::error!(%detail, "Stripe refused a refund")
                }
            }
            AppError::Unavailable(UNABLE_TO_PROCESS.into())
        })?;
    tracing::info!(payment = %payment.id, amount, by = %user.id, "refund requested");
    Ok(amount)
}

/// The seed's message when Stripe cannot do what was asked.
pub const UNABLE_TO_PROCESS: &str = "Unable to process. Please try again.";

/// What a verified event did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// Stored and applied (or stored only, for types PeerLoop does not act on).
    Applied,
    /// Seen before: nothing changed.
    Duplicate,
}

/// Stores and applies one verified event, in one transaction.
pub async fn apply_event(db: &Db, event: &ReceivedEvent, now: i64) -> Result<Applied, AppError> {
    let mut tx = db.begin_write().await?;
    let payment_intent = match &event.event {
        PaymentEvent::CheckoutCompleted(completed) => completed.payment_intent_id.as_deref(),
        PaymentEvent::ChargeRefunded {
            payment_intent_id, ..
        } => Some(payment_intent_id.as_str()),
        _ => None,
    };
    if let Some(payment_intent) = payment_intent {
        store::lock_until_commit(&mut tx, db.backend(), payment_intent).await?;
    }
    if !store::record_event(&mut tx, event, now).await? {
        return Ok(Applied::Duplicate);
    }
    match &event.event {
        PaymentEvent::CheckoutCompleted(completed) if completed.payment_status == "paid" => {
            complete_checkout(&mut tx, db.backend(), completed, now).await?
        }
        PaymentEvent::CheckoutExpired { session_id } => {
            if let Some(checkout) = store::find_for_session(&mut tx, session_id, None).await?
                && store::settle(&mut tx, &checkout.id, "expired", None, session_id, now).await?
                && let Some(booking_id) = &checkout.booking_id
            {
                release_hold(&mut tx, booking_id, now).await?;
            }
        }
        PaymentEvent::PaymentFailed { checkout_id } => {
            store::note_payment_failure(&mut tx, checkout_id, now).await?
        }
        PaymentEvent::ChargeRefunded {
            payment_intent_id,
            amount_refunded,
        } => refund_up_to(&mut tx, payment_intent_id, *amount_refunded, now).await?,
        // Unpaid completions (a delayed method still settling) wait for
        // `async_payment_succeeded`; other types are kept for the record.
        PaymentEvent::CheckoutCompleted(_) | PaymentEvent::Other => {}
    }
    tx.commit().await?;
    Ok(Applied::Applied)
}

/// A paid checkout: the enrollment with its credits, the payment, its split in the ledger, the
/// creator's feed opened to the student, and the welcome email, or a flag for an admin when
/// it was not paid as priced.
async fn complete_checkout(
    conn: &mut AnyConnection,
    backend: crate::db::Backend,
    completed: &CompletedCheckout,
    now: i64,
) -> Result<(), AppError> {
    let Some(checkout) = store::find_for_session(
        conn,
        &completed.session_id,
        completed.checkout_id.as_deref(),
    )
    .await?
    else {
        tracing::warn!(session = %completed.session_id, "a completed Checkout Session that PeerLoop did not open");
        return Ok(());
    };
    if completed.amount_total != checkout.amount_cents
        || !completed.currency.eq_ignore_ascii_case(&checkout.currency)
    {
        let reason = format!(
            "paid {} {}, priced {} {}",
            completed.amount_total, completed.currency, checkout.amount_cents, checkout.currency
        );
        tracing::error!(checkout = %checkout.id, %reason, "a checkout was not paid as priced");
        store::settle(
            conn,
            &checkout.id,
            "flagged",
            Some(&reason),
            &completed.session_id,
            now,
        )
        .await?;
        return Ok(());
    }
    if checkout.stripe_session_id.as_deref() == Some(completed.session_id.as_str())
        && matches!(checkout.status.as_str(), "paid" | "flagged")
    {
        // This payment, applied before (under another event id).
        return Ok(());
    }
    match checkout.purpose.as_str() {
        "enrollment" => enroll(conn, backend, &checkout, completed, now).await?,
        "session" => confirm_held_session(conn, &checkout, completed, now).await?,
        other => {
            tracing::error!(checkout = %checkout.id, purpose = %other, "no handler for this checkout purpose");
            return Ok(());
        }
    }
    // Refunds that arrived before this completion apply now.
    if let Some(payment_intent) = &completed.payment_intent_id {
        let refunded = store::refund_events_for(conn, payment_intent)
            .await?
            .iter()
            .filter_map(|payload| {
                serde_json::from_str::<serde_json::Value>(payload).ok()?["data"]["object"]
                    ["amount_refunded"]
                    .as_i64()
            })
            .max();
        if let Some(refunded) = refunded {
            refund_up_to(conn, payment_intent, refunded, now).await?;
        }
    }
    Ok(())
}

/// The payment of a checkout, recorded with its split.
async fn record_payment(
    conn: &mut AnyConnection,
    checkout: &store::CheckoutRow,
    completed: &CompletedCheckout,
    enrollment_id: Option<&str>,
    sessions: i64,
    now: i64,
) -> Result<String, AppError> {
    let creator_id: String = sqlx::query_scalar("SELECT creator_id FROM courses WHERE id = $1")
        .bind(&checkout.course_id)
        .fetch_one(&mut *conn)
        .await?;
    let payment_id = new_id();
    store::insert_payment(
        conn,
        &NewPayment {
            id: &payment_id,
            checkout,
            payment_intent_id: completed.payment_intent_id.as_deref(),
            creator_id: &creator_id,
            enrollment_id,
            sessions,
        },
        now,
    )
    .await?;
    let movement =
        domain::ledger::payment_received(&payment_id, &creator_id, checkout.amount_cents);
    store::post(conn, &movement, &payment_id, &checkout.currency, None, now).await?;
    Ok(creator_id)
}

/// A paid single session: the held booking is confirmed (and both participants emailed), its
/// Student-Teacher's share waits in the payment's pool until it is taught. When the hold was
/// released before the money came, the money goes back in full and the student is told.
async fn confirm_held_session(
    conn: &mut AnyConnection,
    checkout: &store::CheckoutRow,
    completed: &CompletedCheckout,
    now: i64,
) -> Result<(), AppError> {
    let Some(booking_id) = checkout.booking_id.as_deref() else {
        tracing::error!(checkout = %checkout.id, "a session checkout without its session");
        return Err(AppError::Internal);
    };
    if !store::settle(conn, &checkout.id, "paid", None, &completed.session_id, now).await? {
        return refund_late_payment(conn, checkout, completed, now).await;
    }
    record_payment(conn, checkout, completed, None, 1, now).await?;
    let start_at: i64 = sqlx::query_scalar("SELECT start_at FROM bookings WHERE id = $1")
        .bind(booking_id)
        .fetch_one(&mut *conn)
        .await?;
    if store::end_hold(
        conn,
        booking_id,
        held_session_after(BookingEvent::PaymentConfirmed)?,
        now,
    )
    .await?
    {
        let jobs = crate::services::booking::confirmation_jobs(booking_id, start_at, now)?;
        outbox::enqueue_all(conn, &jobs, now).await?;
        tracing::info!(booking_id, "held session paid and booked");
        return Ok(());
    }
    // The slot went (the hold ran out, the student cancelled, or another payment booked it)
    // before this money came: this payment goes back, never the one that booked it.
    let payment_id: String = sqlx::query_scalar("SELECT id FROM payments WHERE checkout_id = $1")
        .bind(&checkout.id)
        .fetch_one(&mut *conn)
        .await?;
    let refund = RefundJob::Payment {
        payment_id: payment_id.clone(),
    };
    queue_refund(conn, &refund, now).await?;
    let job = PaymentEmailJob::LateSessionPaymentRefunded { payment_id };
    let payload = serde_json::to_value(&job).map_err(|_| AppError::Internal)?;
    outbox::enqueue(conn, PAYMENT_EMAIL_KIND, &payload, now, now).await?;
    tracing::warn!(
        booking_id,
        "a session was paid after its hold was released; refunding"
    );
    Ok(())
}

/// A paid enrollment: the enrollment with its credits, the payment, the creator's feed opened
/// to the student, and the welcome email.
async fn enroll(
    conn: &mut AnyConnection,
    backend: crate::db::Backend,
    checkout: &store::CheckoutRow,
    completed: &CompletedCheckout,
    now: i64,
) -> Result<(), AppError> {
    // Two checkouts of one student for one course (two tabs) may complete at the same moment at
    // two servers: one enrolls, the other then finds the enrollment and is flagged.
    store::lock_until_commit(
        conn,
        backend,
        &format!("enrollment:{}:{}", checkout.user_id, checkout.course_id),
    )
    .await?;
    if learning::find_enrollment_for(conn, &checkout.user_id, &checkout.course_id)
        .await?
        .is_some()
    {
        // Enrolled meanwhile (an admin, or a second checkout paid first): nothing is granted
        // twice, and the money goes back by itself; admins still see it flagged.
        store::settle(
            conn,
            &checkout.id,
            "flagged",
            Some("already enrolled when the payment arrived; refunded automatically"),
            &completed.session_id,
            now,
        )
        .await?;
        if let Some(payment_intent_id) = &completed.payment_intent_id {
            let job = RefundJob::Unclaimed {
                checkout_id: checkout.id.clone(),
                payment_intent_id: payment_intent_id.clone(),
                amount_cents: completed.amount_total,
            };
            queue_refund(conn, &job, now).await?;
        }
        return Ok(());
    }
    if !store::settle(conn, &checkout.id, "paid", None, &completed.session_id, now).await? {
        return refund_late_payment(conn, checkout, completed, now).await;
    }
    let enrollment_id = learning::enroll(conn, &checkout.user_id, &checkout.course_id, now).await?;
    let credits: i64 = sqlx::query_scalar("SELECT session_credits FROM enrollments WHERE id = $1")
        .bind(&enrollment_id)
        .fetch_one(&mut *conn)
        .await?;
    let creator_id = record_payment(
        conn,
        checkout,
        completed,
        Some(&enrollment_id),
        credits,
        now,
    )
    .await?;
    store::grant_feed_access(conn, &creator_id, &checkout.user_id, now).await?;
    let job = PaymentEmailJob::Welcome { enrollment_id };
    let payload = serde_json::to_value(&job).map_err(|_| AppError::Internal)?;
    outbox::enqueue(conn, PAYMENT_EMAIL_KIND, &payload, now, now).await?;
    Ok(())
}

/// Money that came for a checkout no longer open (it had expired, or was settled otherwise
/// meanwhile): nothing is granted for it, the charge goes back in full by itself, and the
/// checkout is flagged for the admins. Money received is always granted, refunded or flagged.
async fn refund_late_payment(
    conn: &mut AnyConnection,
    checkout: &store::CheckoutRow,
    completed: &CompletedCheckout,
    now: i64,
) -> Result<(), AppError> {
    let was = store::find_checkout(conn, &checkout.id)
        .await?
        .map_or_else(|| "gone".to_owned(), |checkout| checkout.status);
    let Some(payment_intent_id) = &completed.payment_intent_id else {
        let reason = format!("paid after it was {was}, with no PaymentIntent to refund");
        tracing::error!(checkout = %checkout.id, %reason, "money to return by hand");
        return store::flag(conn, &checkout.id, &reason, now).await;
    };
    let reason = format!("paid after it was {was}; refunded automatically");
    tracing::warn!(checkout = %checkout.id, %reason, "a late payment");
    store::flag(conn, &checkout.id, &reason, now).await?;
    let job = RefundJob::Unclaimed {
        checkout_id: checkout.id.clone(),
        payment_intent_id: payment_intent_id.clone(),
        amount_cents: completed.amount_total,
    };
    queue_refund(conn, &job, now).await
}

/// What a held session becomes on `event` (domain::booking's state machine).
fn held_session_after(event: BookingEvent) -> Result<BookingStatus, AppError> {
    domain::booking::apply(BookingStatus::PendingPayment, event).map_err(|error| {
        tracing::error!(%error, "a held session cannot take this event");
        AppError::Internal
    })
}

/// A held session whose checkout expired unpaid is free again, unless another of its checkouts
/// is still open.
async fn release_hold(
    conn: &mut AnyConnection,
    booking_id: &str,
    now: i64,
) -> Result<(), AppError> {
    if store::reusable_session_checkout(conn, booking_id, now)
        .await?
        .is_some()
    {
        return Ok(());
    }
    if store::end_hold(
        conn,
        booking_id,
        held_session_after(BookingEvent::HoldExpired)?,
        now,
    )
    .await?
    {
        tracing::info!(booking_id, "hold released: its checkout expired");
    }
    Ok(())
}

/// Brings a payment's refunds up to Stripe's cumulative `amount_refunded`: reverses the newly
/// refunded part of its splits (domain::ledger::refund), and when it is refunded in full, ends
/// its enrollment and closes the creator's feed unless another enrollment keeps it open. A
/// lower or equal total (an older event, a redelivery) changes nothing, so refund events may
/// come in any order. Before the payment exists nothing happens: its completion applies the
/// refunds received so far.
async fn refund_up_to(
    conn: &mut AnyConnection,
    payment_intent_id: &str,
    amount_refunded: i64,
    now: i64,
) -> Result<(), AppError> {
    let Some(payment) = store::find_payment_by_intent(conn, payment_intent_id).await? else {
        return Ok(());
    };
    let total = amount_refunded.min(payment.amount_cents);
    if total <= payment.refunded_cents {
        return Ok(());
    }
    let creator = domain::ledger::Account::Creator(payment.creator_id.clone());
    let pool = domain::ledger::Account::Pool(payment.id.clone());
    // Each teacher gives back at most what they hold from this payment, and never more than
    // their balance (what was not paid out).
    let mut released_to = Vec::new();
    for (account, from_this_payment) in store::released_to(conn, &payment.id).await? {
        let available = store::balance(conn, &account, &payment.currency).await?;
        let Some(domain::ledger::Account::StudentTeacher(id)) =
            domain::ledger::Account::parse(&account)
        else {
            continue;
        };
        released_to.push((id, from_this_payment.min(available)));
    }
    let facts = domain::ledger::RefundFacts {
        payment_id: payment.id.clone(),
        creator_id: payment.creator_id.clone(),
        amount: payment.amount_cents,
        refunded_before: payment.refunded_cents,
        refunded_total: total,
        pool_held: store::balance(conn, &pool.key(), &payment.currency).await?,
        creator_available: store::held_from(conn, &payment.id, &creator.key())
            .await?
            .min(store::balance(conn, &creator.key(), &payment.currency).await?),
        released_to,
    };
    if !store::set_refunded(conn, &payment.id, payment.refunded_cents, total).await? {
        // Unreachable while the PaymentIntent is locked; refuse rather than reverse twice.
        return Err(AppError::Conflict(
            "The payment changed meanwhile; Stripe will deliver the event again.".into(),
        ));
    }
    let movement = domain::ledger::refund(&facts);
    store::post(conn, &movement, &payment.id, &payment.currency, None, now).await?;
    if total == payment.amount_cents
        && let Some(booking_id) = &payment.booking_id
        && crate::services::booking::cancel_if_upcoming(conn, booking_id, now).await?
    {
        tracing::info!(payment = %payment.id, "single session refunded in full and cancelled");
    }
    if total == payment.amount_cents
        && let Some(enrollment_id) = &payment.enrollment_id
    {
        let cancelled = crate::services::booking::end_enrollment(conn, enrollment_id, now).await?;
        store::revoke_feed_access_unless_enrolled(conn, &payment.creator_id, &payment.user_id)
            .await?;
        tracing::info!(payment = %payment.id, cancelled, "enrollment refunded in full and ended");
    }
    Ok(())
}

/// Where the student lands after leaving Checkout without paying (the course page, or the held
/// session's page), and what to tell them: a declined card, or a plain cancel. `None` for a
/// checkout that is not theirs.
pub async fn cancelled_checkout(
    db: &Db,
    user_id: &str,
    checkout_id: &str,
) -> Result<Option<String>, AppError> {
    let mut conn = db.pool().acquire().await?;
    let Some(checkout) = store::find_checkout(&mut conn, checkout_id).await? else {
        return Ok(None);
    };
    if checkout.user_id != user_id {
        return Ok(None);
    }
    let notice = if checkout.payment_failed_at.is_some() {
        "failed"
    } else {
        "cancelled"
    };
    let page = match &checkout.booking_id {
        Some(booking_id) => format!("/sessions/{}", path_segment(booking_id)),
        None => format!("/courses/{}", path_segment(&checkout.course_id)),
    };
    Ok(Some(format!("{page}?checkout={notice}")))
}

fn path_segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

/// The email a queued payment job sends; `None` if what it is about is gone.
pub async fn email_for_job(
    db: &Db,
    job_id: &str,
    job: &PaymentEmailJob,
    public_url: &str,
) -> Result<Option<crate::mail::Email>, AppError> {
    match job {
        PaymentEmailJob::Welcome { enrollment_id } => {
            let found: Option<(String, String, String, String, i64)> = sqlx::query_as(
                "SELECT u.name, u.email, c.id, c.title, e.session_credits
                   FROM enrollments e JOIN users u ON u.id = e.student_id
                   JOIN courses c ON c.id = e.course_id
                  WHERE e.id = $1",
            )
            .bind(enrollment_id)
            .fetch_optional(db.pool())
            .await?;
            Ok(found.map(|(name, email, course_id, title, credits)| {
                crate::services::mail::welcome_email(
                    job_id, &name, &email, &course_id, &title, credits, public_url,
                )
            }))
        }
        PaymentEmailJob::LateSessionPaymentRefunded { payment_id } => {
            let found: Option<(String, String, String, String, i64, String)> = sqlx::query_as(
                "SELECT u.name, u.email, c.id, c.title, p.amount_cents, p.currency
                   FROM payments p JOIN users u ON u.id = p.user_id
                   JOIN courses c ON c.id = p.course_id
                  WHERE p.id = $1",
            )
            .bind(payment_id)
            .fetch_optional(db.pool())
            .await?;
            let Some((name, email, course_id, title, cents, currency)) = found else {
                return Ok(None);
            };
            let amount = super::stored_money(cents, &currency)?.to_string();
            Ok(Some(crate::services::mail::late_session_payment_email(
                job_id, &name, &email, &course_id, &title, &amount, public_url,
            )))
        }
    }
}

/// Sets what a course charges per session beyond an enrollment's credits (`None`: it sells
/// none), for its creator or an admin.
pub async fn set_session_price(
    db: &Db,
    user: &SessionUser,
    course_id: &str,
    cents: Option<i64>,
) -> Result<(), AppError> {
    let cents = cents
        .map(domain::money::check_price)
        .transpose()
        .map_err(|error| AppError::BadRequest(format!("Check the price: {error}.")))?;
    let mut tx = db.begin_write().await?;
    let creator_id: Option<String> =
        sqlx::query_scalar("SELECT creator_id FROM courses WHERE id = $1")
            .bind(course_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(creator_id) = creator_id else {
        return Err(AppError::NotFound("We couldn't find that course.".into()));
    };
    domain::access::authorize(
        Some(&user.actor()),
        domain::access::Access::PriceSessions {
            course_creator_id: &creator_id,
        },
    )?;
    store::set_session_price(&mut tx, course_id, cents).await?;
    tx.commit().await?;
    tracing::info!(course_id, ?cents, by = %user.id, "price per session set");
    Ok(())
}

/// The ledger's invariants as of now (see `store::payments::invariant_breaches`).
pub async fn ledger_check(db: &Db) -> Result<store::LedgerBreaches, AppError> {
    let mut conn = db.pool().acquire().await?;
    store::invariant_breaches(&mut conn).await
}

/// The instructor's feed is open to them, to admins, and to whoever enrolled in one of their
/// courses (`instructor_followers`).
pub async fn require_feed_access(
    db: &Db,
    user: &SessionUser,
    instructor_id: &str,
) -> Result<(), AppError> {
    if user.id == instructor_id || user.is_admin {
        return Ok(());
    }
    let mut conn = db.pool().acquire().await?;
    if store::has_feed_access(&mut conn, instructor_id, &user.id).await? {
        Ok(())
    } else {
        Err(AppError::Forbidden("Enroll in a course to access".into()))
    }
}

/// One payment on the payments page, as the CSV export and the page both read it.
pub struct PaymentRecord {
    pub payment_id: String,
    pub paid_on: String,
    pub course_title: String,
    pub student_name: String,
    pub amount: domain::money::Money,
    pub refunded: domain::money::Money,
    pub creator_share: domain::money::Money,
}

/// The payments of the viewer's courses (every payment for an admin), newest first, with the
/// creator's share after refunds; the day each was paid is in the viewer's time zone.
pub async fn payment_records(db: &Db, user: &SessionUser) -> Result<Vec<PaymentRecord>, AppError> {
    type Row = (String, i64, String, String, i64, i64, String, i64);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT p.id, p.paid_at, c.title, u.name, p.amount_cents, p.refunded_cents, p.currency,
                CAST(COALESCE((SELECT SUM(e.amount_cents) FROM ledger_entries e
                                WHERE e.payment_id = p.id
                                  AND e.account = 'creator:' || p.creator_id), 0) AS BIGINT)
           FROM payments p JOIN courses c ON c.id = p.course_id JOIN users u ON u.id = p.user_id
          WHERE p.creator_id = $1 OR $2
          ORDER BY p.paid_at DESC, p.id DESC LIMIT 500",
    )
    .bind(&user.id)
    .bind(user.is_admin)
    .fetch_all(db.pool())
    .await?;
    let zone = jiff::tz::TimeZone::get(&user.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    rows.into_iter()
        .map(
            |(
                payment_id,
                paid_at,
                course_title,
                student_name,
                amount,
                refunded,
                currency,
                share,
            )| {
                let paid_on = jiff::Timestamp::from_second(paid_at)
                    .map(|at| {
                        at.to_zoned_datetime(zone.clone())
                            .strftime("%-d %b %Y")
                            .to_string()
                    })
                    .unwrap_or_default();
                Ok(PaymentRecord {
                    payment_id,
                    paid_on,
                    course_title,
                    student_name,
                    amount: super::stored_money(amount, &currency)?,
                    refunded: super::stored_money(refunded, &currency)?,
                    creator_share: super::stored_money(share, &currency)?,
                })
            },
        )
        .collect()
}

/// An earner's balance per currency, as shown ("$73.50").
async fn earnings_shown(conn: &mut AnyConnection, account: &str) -> Result<Vec<String>, AppError> {
    store::balances_by_currency(conn, account)
        .await?
        .into_iter()
        .map(|(currency, cents)| {
            super::stored_money(cents, &currency).map(|money| money.to_string())
        })
        .collect()
}

/// The viewer's side as a Student-Teacher: what they earned, held and available, line by line,
/// and the sessions that ended and wait to be marked taught.
async fn teaching_side(
    conn: &mut AnyConnection,
    user: &SessionUser,
) -> Result<
    (
        Vec<wire::payments::EarningTotals>,
        Vec<wire::payments::TeachingEarning>,
        Vec<wire::payments::SessionToMark>,
    ),
    AppError,
> {
    let now = crate::store::unix_now();
    let totals = super::earnings::totals(conn, user, now)
        .await?
        .into_iter()
        .map(|totals| wire::payments::EarningTotals {
            held: totals.held.to_string(),
            available: totals.available.to_string(),
        })
        .collect();
    let teaching = super::earnings::earning_lines(conn, user, now)
        .await?
        .into_iter()
        .map(|line| wire::payments::TeachingEarning {
            summary: match &line.session {
                Some(session) => format!(
                    "{session} · {} with {}",
                    line.course_title, line.student_name
                ),
                None => format!(
                    "{} · {}: {}'s payment",
                    line.on, line.course_title, line.student_name
                ),
            },
            amount: line.amount_shown(),
            standing: line.standing,
        })
        .collect();
    let waiting: Vec<(String, i64, i64, String, String)> = sqlx::query_as(
        "SELECT b.id, b.start_at, b.end_at, c.title, u.name
           FROM bookings b JOIN courses c ON c.id = b.course_id JOIN users u ON u.id = b.student_id
          WHERE b.st_id = $1 AND b.status IN ('scheduled', 'in_progress') AND b.end_at <= $2
          ORDER BY b.start_at LIMIT 100",
    )
    .bind(&user.id)
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    let to_mark = waiting
        .into_iter()
        .map(
            |(session_id, start, end, course_title, student_name)| wire::payments::SessionToMark {
                session_id,
                when: crate::services::booking::when_in(start, end, &user.time_zone),
                course_title,
                student_name,
            },
        )
        .collect();
    Ok((totals, teaching, to_mark))
}

/// Disputed sessions waiting for an admin, oldest first, in the admin's zone.
async fn open_disputes(
    conn: &mut AnyConnection,
    time_zone: &str,
) -> Result<Vec<wire::payments::OpenDispute>, AppError> {
    // Session, start, end, course, student, teacher, the student's reason.
    type DisputeRow = (String, i64, i64, String, String, String, Option<String>);
    let rows: Vec<DisputeRow> = sqlx::query_as(
        "SELECT b.id, b.start_at, b.end_at, c.title, su.name, tu.name, b.dispute_reason
           FROM bookings b JOIN courses c ON c.id = b.course_id
           JOIN users su ON su.id = b.student_id JOIN users tu ON tu.id = b.st_id
          WHERE b.disputed_at IS NOT NULL AND b.dispute_decided_at IS NULL
          ORDER BY b.disputed_at LIMIT 100",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(session_id, start, end, title, student, teacher, reason)| {
                wire::payments::OpenDispute {
                    summary: format!(
                        "{title}, {}: {student} with {teacher}",
                        crate::services::booking::when_in(start, end, time_zone)
                    ),
                    session_id,
                    reason: reason.unwrap_or_default(),
                }
            },
        )
        .collect())
}

/// The payments page: the viewer's payment records, their creator earnings, for admins whether
/// the ledger reconciles and the disputes to decide.
pub async fn payments_overview(
    db: &Db,
    user: &SessionUser,
) -> Result<wire::payments::PaymentsOverview, AppError> {
    let lines = payment_records(db, user)
        .await?
        .into_iter()
        .map(|record| wire::payments::PaymentLine {
            refundable: record.refunded.cents < record.amount.cents,
            refund_request: crate::store::new_id(),
            refunded: (record.refunded.cents > 0).then(|| record.refunded.to_string()),
            amount: record.amount.to_string(),
            creator_share: record.creator_share.to_string(),
            payment_id: record.payment_id,
            paid_on: record.paid_on,
            course_title: record.course_title,
            student_name: record.student_name,
        })
        .collect();
    let mut conn = db.pool().acquire().await?;
    let creator = domain::ledger::Account::Creator(user.id.clone()).key();
    let earned = earnings_shown(&mut conn, &creator).await?;
    let (ledger_sound, flagged) = if user.is_admin {
        let flagged: Vec<(String, String, String, i64, String, Option<String>)> = sqlx::query_as(
            "SELECT k.stripe_session_id, u.email, c.title, k.amount_cents, k.currency, k.flag_reason
               FROM checkouts k JOIN users u ON u.id = k.user_id JOIN courses c ON c.id = k.course_id
              WHERE k.status = 'flagged' ORDER BY k.updated_at DESC LIMIT 100",
        )
        .fetch_all(&mut *conn)
        .await?;
        let flagged = flagged
            .into_iter()
            .map(|(session, email, title, cents, currency, reason)| {
                let priced = super::stored_money(cents, &currency)
                    .map(|money| money.to_string())
                    .unwrap_or_default();
                format!(
                    "{email}, {title} ({priced}, Stripe {session}): {}",
                    reason.unwrap_or_default()
                )
            })
            .collect();
        (
            Some(store::invariant_breaches(&mut conn).await?.is_sound()),
            flagged,
        )
    } else {
        (None, Vec::new())
    };
    let (teaching_totals, teaching, to_mark) = teaching_side(&mut conn, user).await?;
    let disputes = if user.is_admin {
        open_disputes(&mut conn, &user.time_zone).await?
    } else {
        Vec::new()
    };
    Ok(wire::payments::PaymentsOverview {
        disputes,
        lines,
        earned,
        ledger_sound,
        flagged,
        teaching_totals,
        teaching,
        to_mark,
    })
}
