//! Booking a session: the request, its idempotency key, and the one write transaction that
//! checks every integrity rule and queues the emails.

use super::*;

/// What `POST /api/sessions` asks for.
pub struct BookingRequest<'a> {
    pub st_id: &'a str,
    pub course_id: &'a str,
    pub start_at: &'a str,
    pub duration_minutes: i64,
}

/// The result of a booking request: the session, and whether this request created it (a
/// retried request with the same idempotency key gets the first one's session).
pub struct Booked {
    pub session: Session,
    pub created: bool,
}

/// The first booking made with this idempotency key, if the key was used for this very
/// request; a different request under the same key is refused.
async fn replayed(
    conn: &mut AnyConnection,
    user_id: &str,
    key: &str,
    request: &str,
) -> Result<Option<Session>, AppError> {
    let Some((first_request, booking_id)) = store::find_idempotency_key(conn, user_id, key).await?
    else {
        return Ok(None);
    };
    if first_request != request {
        return Err(AppError::BadRequest(
            "This Idempotency-Key was already used for a different booking request.".into(),
        ));
    }
    Ok(Some(session_of(&load_booking(conn, &booking_id).await?)?))
}

fn validate_request(request: &BookingRequest<'_>) -> Result<Timestamp, AppError> {
    let mut fields = FieldErrors::default();
    let start = request.start_at.trim().parse::<Timestamp>();
    if start.is_err() {
        fields.add(
            "start_at",
            "Use an RFC 3339 date and time, e.g. 2026-12-01T15:00:00Z.",
        );
    }
    if !(1..=MAX_SESSION_MINUTES).contains(&request.duration_minutes) {
        fields.add(
            "duration_minutes",
            format!("Sessions last 1 to {MAX_SESSION_MINUTES} minutes."),
        );
    }
    if request.st_id.trim().is_empty() {
        fields.add("st_id", "Choose a Student-Teacher.");
    }
    if request.course_id.trim().is_empty() {
        fields.add("course_id", "Choose a course.");
    }
    match start {
        Ok(start) if fields.is_empty() => Ok(start),
        _ => Err(AppError::Invalid(fields)),
    }
}

pub const IDEMPOTENCY_KEY_MAX: usize = 255;

fn no_sessions_left() -> AppError {
    AppError::Conflict("You have no sessions left in this course.".into())
}

/// Books a session for the signed-in student. See the module docs for the integrity rules.
pub async fn book(
    db: &Db,
    user: &SessionUser,
    request: &BookingRequest<'_>,
    idempotency_key: Option<&str>,
    now: i64,
) -> Result<Booked, AppError> {
    let start = validate_request(request)?;
    if let Some(key) = idempotency_key
        && (key.is_empty() || key.len() > IDEMPOTENCY_KEY_MAX)
    {
        return Err(AppError::BadRequest(format!(
            "Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_MAX} characters."
        )));
    }
    if request.st_id == user.id {
        return Err(AppError::BadRequest(
            "You can't book a session with yourself.".into(),
        ));
    }
    let canonical = format!(
        "{}|{}|{}|{}",
        request.st_id,
        request.course_id,
        start.as_second(),
        request.duration_minutes
    );
    let attempt = book_once(db, user, request, start, idempotency_key, &canonical, now).await;
    match (attempt, idempotency_key) {
        // A concurrent request with the same key may have won (Postgres): answer with its
        // booking rather than a conflict.
        (Err(AppError::Conflict(message)), Some(key)) => {
            let mut conn = db.pool().acquire().await?;
            match replayed(&mut conn, &user.id, key, &canonical).await? {
                Some(session) => Ok(Booked {
                    session,
                    created: false,
                }),
                None => Err(AppError::Conflict(message)),
            }
        }
        (result, _) => result,
    }
}

async fn book_once(
    db: &Db,
    user: &SessionUser,
    request: &BookingRequest<'_>,
    start: Timestamp,
    idempotency_key: Option<&str>,
    canonical: &str,
    now: i64,
) -> Result<Booked, AppError> {
    let mut tx = db.begin_write().await?;
    if let Some(key) = idempotency_key
        && let Some(session) = replayed(&mut tx, &user.id, key, canonical).await?
    {
        return Ok(Booked {
            session,
            created: false,
        });
    }
    // Each statement is a round trip to SQLite's connection thread while this process's other
    // writers wait (db.rs), so the checks are read in as few statements as they can be.
    let (certified, enrollment) =
        store::booking_grounds(&mut tx, request.st_id, &user.id, request.course_id).await?;
    if !certified {
        return Err(AppError::NotFound(
            "This Student-Teacher doesn't teach this course.".into(),
        ));
    }
    let Some((enrollment_id, credits)) = enrollment else {
        return Err(AppError::Forbidden(
            "Enroll in this course to book sessions.".into(),
        ));
    };
    // Without a credit, a course that sells single sessions holds the slot for its payment
    // (pay per session: the booking waits as pending_payment until Checkout's time runs out).
    let hold_until = if credits > 0 {
        None
    } else if crate::store::payments::session_price(&mut tx, request.course_id)
        .await?
        .is_some()
    {
        Some(now + crate::services::payments::CHECKOUT_OPEN_SECS)
    } else {
        return Err(no_sessions_left());
    };
    let Some(stored) = store::load_availability(&mut tx, request.st_id).await? else {
        return Err(AppError::Conflict(
            SlotRefusal::OutsideAvailability.to_string(),
        ));
    };
    let wanted = (
        start.as_second(),
        start.as_second() + request.duration_minutes * 60,
    );
    let (booked, student_is_busy) = store::booking_clashes(
        &mut tx,
        request.st_id,
        (wanted.0 - NEIGHBOURHOOD_SECS, wanted.0 + NEIGHBOURHOOD_SECS),
        &user.id,
        wanted,
        MAX_SESSION_MINUTES * 60,
    )
    .await?;
    let slot = check_slot(
        &stored.rules,
        &booked,
        timestamp(now),
        start,
        request.duration_minutes,
    )
    .map_err(refusal)?;
    let session = (slot.start.as_second(), slot.end.as_second());
    if student_is_busy {
        return Err(student_busy());
    }
    let blocked = stored.rules.blocked(Interval {
        start: slot.start,
        end: slot.end,
    });
    let id = new_id();
    let insert = store::insert_booking(
        &mut tx,
        &NewBooking {
            id: &id,
            st_id: request.st_id,
            student_id: &user.id,
            course_id: request.course_id,
            enrollment_id: &enrollment_id,
            session,
            blocked: (blocked.start.as_second(), blocked.end.as_second()),
            status: match hold_until {
                Some(_) => BookingStatus::PendingPayment.as_str(),
                None => BookingStatus::Scheduled.as_str(),
            },
            hold_expires_at: hold_until,
            free_cancel_hours: stored.policy.free_until_hours_before,
        },
        now,
    )
    .await;
    if let Err(error) = insert {
        return Err(match store::overlap_violation(&error) {
            Some(Overlap::StudentTeacher) => time_taken(),
            Some(Overlap::Student) => student_busy(),
            None => error.into(),
        });
    }
    if hold_until.is_none() && !store::spend_credit(&mut tx, &enrollment_id, &id).await? {
        return Err(no_sessions_left());
    }
    if let Some(key) = idempotency_key
        && !store::insert_idempotency_key(&mut tx, &user.id, key, canonical, &id, now).await?
    {
        // The same key is being used by a concurrent request that got there first.
        return Err(time_taken());
    }
    // A held slot is confirmed (and emailed about) when its payment arrives.
    if hold_until.is_none() {
        outbox::enqueue_all(&mut tx, &confirmation_jobs(&id, session.0, now)?, now).await?;
    }
    tx.commit().await?;
    // Read back after the commit, so the next writer need not wait for it.
    let row = load_booking(&mut *db.pool().acquire().await?, &id).await?;
    tracing::info!(booking_id = %id, st_id = %request.st_id, "session booked");
    Ok(Booked {
        session: session_of(&row)?,
        created: true,
    })
}
