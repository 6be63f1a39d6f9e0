//! Changes to a booked session: cancel, reschedule, "schedule later", and releasing expired
//! payment holds.

use super::*;

/// Cancels a session for either participant under the policy it was booked with; the slot is
/// freed and the student's credit returned (or a single session's payment refunded).
pub async fn cancel(
    db: &Db,
    user: &SessionUser,
    id: &str,
    now: i64,
) -> Result<SessionDetail, AppError> {
    let mut tx = db.begin_write().await?;
    let row = load_booking(&mut tx, id).await?;
    let role = participant(user, &row)?;
    let status = status_of(&row)?;
    booking::apply(status, BookingEvent::Cancelled).map_err(booking_error)?;
    let policy = row.policy();
    let late = policy
        .may_change(role, now, row.start_at)
        .map_err(booking_error)?;
    if !store::record_cancellation(&mut tx, id, status.as_str(), &user.id, late, now).await? {
        return Err(AppError::Conflict(
            "This session changed meanwhile. Reload and try again.".into(),
        ));
    }
    // What the session was paid with goes back: a single session's payment is refunded, a
    // credit returns to the enrollment.
    if status == BookingStatus::Scheduled
        && !crate::services::payments::queue_session_refund(&mut tx, id, now).await?
    {
        store::return_credit(&mut tx, id).await?;
    }
    let jobs = emails(id, EmailKind::Cancelled, row.sequence + 1, now)?;
    outbox::enqueue_all(&mut tx, &jobs, now).await?;
    let row = load_booking(&mut tx, id).await?;
    tx.commit().await?;
    tracing::info!(booking_id = %id, late, "session cancelled");
    detail(&row, role, policy, now)
}

/// Moves a session to another free slot of the same length; it keeps its id and its calendar
/// event (SEQUENCE rises).
pub async fn reschedule(
    db: &Db,
    user: &SessionUser,
    id: &str,
    start_at: &str,
    now: i64,
) -> Result<SessionDetail, AppError> {
    let start = parse_instant("start_at", start_at)?;
    let mut tx = db.begin_write().await?;
    let row = load_booking(&mut tx, id).await?;
    let role = participant(user, &row)?;
    let status = status_of(&row)?;
    booking::apply(status, BookingEvent::Rescheduled).map_err(booking_error)?;
    let Some(stored) = store::load_availability(&mut tx, &row.st_id).await? else {
        return Err(AppError::Conflict(
            SlotRefusal::OutsideAvailability.to_string(),
        ));
    };
    let policy = row.policy();
    let late = policy
        .may_change(role, now, row.start_at)
        .map_err(booking_error)?;
    let booked = store::active_sessions(
        &mut tx,
        &row.st_id,
        start.as_second() - NEIGHBOURHOOD_SECS,
        start.as_second() + NEIGHBOURHOOD_SECS,
        Some(id),
    )
    .await?;
    let duration = (row.end_at - row.start_at) / 60;
    let slot =
        check_slot(&stored.rules, &booked, timestamp(now), start, duration).map_err(refusal)?;
    let session = (slot.start.as_second(), slot.end.as_second());
    if store::student_is_busy(&mut tx, &row.student_id, session.0, session.1, Some(id)).await? {
        return Err(student_busy());
    }
    let blocked = stored.rules.blocked(Interval {
        start: slot.start,
        end: slot.end,
    });
    let moved = store::move_booking(
        &mut tx,
        id,
        row.sequence,
        session,
        (blocked.start.as_second(), blocked.end.as_second()),
        late,
        now,
    )
    .await;
    match moved {
        Ok(true) => {}
        Ok(false) => {
            return Err(AppError::Conflict(
                "This session changed meanwhile. Reload and try again.".into(),
            ));
        }
        Err(error) => {
            return Err(match store::overlap_violation(&error) {
                Some(Overlap::StudentTeacher) => time_taken(),
                Some(Overlap::Student) => student_busy(),
                None => error.into(),
            });
        }
    }
    let sequence = row.sequence + 1;
    let mut jobs = emails(id, EmailKind::Rescheduled, sequence, now)?;
    jobs.extend(reminders(id, sequence, session.0, now)?);
    outbox::enqueue_all(&mut tx, &jobs, now).await?;
    let row = load_booking(&mut tx, id).await?;
    tx.commit().await?;
    tracing::info!(booking_id = %id, late, "session rescheduled");
    detail(&row, role, policy, now)
}

/// "Schedule later": marks one unbooked credit of the student's enrollment as deferred.
pub async fn defer(
    db: &Db,
    user: &SessionUser,
    enrollment_id: &str,
) -> Result<EnrollmentCredits, AppError> {
    let mut tx = db.begin_write().await?;
    let enrollment = crate::store::learning::find_enrollment(&mut tx, enrollment_id)
        .await?
        .ok_or_else(|| AppError::NotFound("We couldn't find that enrollment.".into()))?;
    domain::access::authorize(
        Some(&user.actor()),
        domain::access::Access::Enrollment {
            student_id: &enrollment.student_id,
        },
    )?;
    if !store::defer_credit(&mut tx, enrollment_id).await? {
        return Err(AppError::Conflict(
            "Every session left in this course is already set to schedule later.".into(),
        ));
    }
    let (_, session_credits, deferred_credits) =
        store::enrollment_credits(&mut tx, &enrollment.student_id, &enrollment.course_id)
            .await?
            .ok_or(AppError::Internal)?;
    tx.commit().await?;
    Ok(EnrollmentCredits {
        enrollment_id: enrollment_id.to_owned(),
        course_id: enrollment.course_id,
        session_credits,
        deferred_credits,
    })
}

/// Releases pending-payment bookings whose hold has expired. Returns how many were released.
pub async fn release_expired_holds(db: &Db, now: i64) -> Result<usize, AppError> {
    let mut tx = db.begin_write().await?;
    let expired = store::expired_holds(&mut tx, now).await?;
    let mut released = 0;
    for id in &expired {
        let next = booking::apply(BookingStatus::PendingPayment, BookingEvent::HoldExpired)
            .map_err(booking_error)?;
        if store::set_status(
            &mut tx,
            id,
            BookingStatus::PendingPayment.as_str(),
            next.as_str(),
            now,
        )
        .await?
        {
            released += 1;
        }
    }
    tx.commit().await?;
    if released > 0 {
        tracing::info!(released, "released expired booking holds");
    }
    Ok(released)
}

/// Ends an enrollment whose payment was refunded in full, in the caller's transaction: its
/// credits go, and its sessions still to come are cancelled (see `cancel_if_upcoming`).
/// Returns how many sessions were cancelled.
pub async fn end_enrollment(
    conn: &mut AnyConnection,
    enrollment_id: &str,
    now: i64,
) -> Result<usize, AppError> {
    sqlx::query(
        "UPDATE enrollments SET ended_at = $2, session_credits = 0, deferred_credits = 0
          WHERE id = $1 AND ended_at IS NULL",
    )
    .bind(enrollment_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let upcoming: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM bookings
          WHERE enrollment_id = $1 AND start_at > $2
            AND status IN ('pending_payment', 'scheduled')",
    )
    .bind(enrollment_id)
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    let mut cancelled = 0;
    for id in &upcoming {
        if cancel_if_upcoming(conn, id, now).await? {
            cancelled += 1;
        }
    }
    Ok(cancelled)
}

/// Cancels a session that has not started, in the caller's transaction, because its money went
/// back: both participants of a booked session are emailed, and a session paid for on its own
/// is refunded (a held one was never confirmed, so nobody is told). Returns whether it was
/// cancelled.
pub async fn cancel_if_upcoming(
    conn: &mut AnyConnection,
    id: &str,
    now: i64,
) -> Result<bool, AppError> {
    let row = load_booking(conn, id).await?;
    let status = status_of(&row)?;
    if row.start_at <= now || booking::apply(status, BookingEvent::Cancelled).is_err() {
        return Ok(false);
    }
    let cancelled = sqlx::query(
        "UPDATE bookings SET status = 'cancelled', cancelled_at = $3, sequence = sequence + 1,
                updated_at = $3
          WHERE id = $1 AND status = $2",
    )
    .bind(id)
    .bind(status.as_str())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if cancelled.rows_affected() != 1 {
        return Ok(false);
    }
    if status == BookingStatus::Scheduled {
        let jobs = emails(id, EmailKind::Cancelled, row.sequence + 1, now)?;
        outbox::enqueue_all(conn, &jobs, now).await?;
        crate::services::payments::queue_session_refund(conn, id, now).await?;
    }
    Ok(true)
}
