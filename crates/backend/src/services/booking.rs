//! Booking 1-on-1 sessions: free slots, booking with its integrity rules, cancel, reschedule,
//! "schedule later", and the emails each change queues. Every change is one write transaction
//! (`Db::begin_write`), and the same pure slot function (`domain::availability`) decides what is
//! listed and what is accepted.

use crate::auth::SessionUser;
use crate::db::Db;
use crate::store::booking::{self as store, BookingRow, NewBooking, Overlap, timestamp};
use crate::store::{new_id, outbox};
use domain::account::FieldErrors;
use domain::availability::{Interval, Slot, SlotRefusal, check_slot, free_slots};
use domain::booking::{self, BookingError, BookingEvent, BookingStatus, CancellationPolicy, Party};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use sqlx::AnyConnection;
use wire::error::AppError;
use wire::sessions::{
    Availability, BusyInterval, BusyTimes, CourseStudentTeacher, CourseStudentTeachers,
    DeferredCredit, EnrollmentCredits, FreeSlot, Session, SessionDetail, SessionLists,
};

/// The longest range one availability or busy-times request may cover.
pub const MAX_RANGE_DAYS: i64 = 62;
/// The longest session anyone may offer, in minutes.
pub const MAX_SESSION_MINUTES: i64 = 240;
/// Buffers and sessions are shorter than this, so bookings further away cannot conflict.
const NEIGHBOURHOOD_SECS: i64 = 2 * 86_400;
pub const UNABLE_TO_BOOK: &str = "Unable to book. Please try again.";
const SESSION_EMAIL: &str = "session_email";
const NOT_A_PARTICIPANT: &str = "You're not part of this session.";

fn slot_json(slot: &Slot) -> FreeSlot {
    FreeSlot {
        start_at: slot.start.to_string(),
        end_at: slot.end.to_string(),
        duration_minutes: slot.duration_minutes,
    }
}

fn refusal(refusal: SlotRefusal) -> AppError {
    match refusal {
        SlotRefusal::LengthNotOffered => {
            let mut fields = FieldErrors::default();
            fields.add("duration_minutes", refusal.to_string());
            AppError::Invalid(fields)
        }
        _ => AppError::Conflict(refusal.to_string()),
    }
}

fn booking_error(error: BookingError) -> AppError {
    match error {
        BookingError::TooLateForStudent { .. } => AppError::Forbidden(error.to_string()),
        _ => AppError::Conflict(error.to_string()),
    }
}

fn time_taken() -> AppError {
    AppError::Conflict(SlotRefusal::Taken.to_string())
}

fn student_busy() -> AppError {
    AppError::Conflict("You already have a session at this time. Select another.".into())
}

fn parse_instant(field: &str, text: &str) -> Result<Timestamp, AppError> {
    text.trim().parse::<Timestamp>().map_err(|_| {
        let mut fields = FieldErrors::default();
        fields.add(
            field,
            "Use an RFC 3339 date and time, e.g. 2026-12-01T15:00:00Z.",
        );
        AppError::Invalid(fields)
    })
}

/// A validated `[from, to)` query range: both given (or defaulted), in order, and bounded.
pub fn parse_range(
    from: Option<&str>,
    to: Option<&str>,
    now: i64,
) -> Result<(Timestamp, Timestamp), AppError> {
    let from = match from {
        Some(text) => parse_instant("from", text)?,
        None => timestamp(now),
    };
    let to = match to {
        Some(text) => parse_instant("to", text)?,
        None => from + SignedDuration::from_hours(24 * 14),
    };
    if to <= from {
        return Err(AppError::BadRequest("`to` must be after `from`.".into()));
    }
    if to.duration_since(from) > SignedDuration::from_hours(24 * MAX_RANGE_DAYS) {
        return Err(AppError::BadRequest(format!(
            "The range may cover at most {MAX_RANGE_DAYS} days."
        )));
    }
    Ok((from, to))
}

fn st_not_found() -> AppError {
    AppError::NotFound("We couldn't find that Student-Teacher.".into())
}

async fn ensure_student_teacher(conn: &mut AnyConnection, st_id: &str) -> Result<(), AppError> {
    if !crate::store::learning::teaches_any_course(conn, st_id).await? {
        return Err(st_not_found());
    }
    Ok(())
}

/// Free slots of one S-T in `[from, to)`, from the S-T's rules and active bookings.
async fn free_slots_of(
    conn: &mut AnyConnection,
    st_id: &str,
    from: Timestamp,
    to: Timestamp,
    now: i64,
) -> Result<(String, Vec<Slot>), AppError> {
    let Some(stored) = store::load_availability(conn, st_id).await? else {
        let zone: Option<String> = sqlx::query_scalar("SELECT time_zone FROM users WHERE id = $1")
            .bind(st_id)
            .fetch_optional(&mut *conn)
            .await?;
        return Ok((zone.unwrap_or_else(|| "UTC".into()), Vec::new()));
    };
    let booked = store::active_sessions(
        conn,
        st_id,
        from.as_second() - NEIGHBOURHOOD_SECS,
        to.as_second() + NEIGHBOURHOOD_SECS,
        None,
    )
    .await?;
    let slots = free_slots(
        &stored.rules,
        &booked,
        timestamp(now),
        Interval {
            start: from,
            end: to,
        },
    );
    Ok((stored.time_zone_name, slots))
}

pub async fn availability(
    db: &Db,
    st_id: &str,
    from: Timestamp,
    to: Timestamp,
    now: i64,
) -> Result<Availability, AppError> {
    let mut conn = db.pool().acquire().await?;
    ensure_student_teacher(&mut conn, st_id).await?;
    let (time_zone, slots) = free_slots_of(&mut conn, st_id, from, to, now).await?;
    Ok(Availability {
        st_id: st_id.to_owned(),
        time_zone,
        slots: slots.iter().map(slot_json).collect(),
    })
}

pub async fn busy_times(
    db: &Db,
    st_id: &str,
    from: Timestamp,
    to: Timestamp,
) -> Result<BusyTimes, AppError> {
    let mut conn = db.pool().acquire().await?;
    ensure_student_teacher(&mut conn, st_id).await?;
    let busy = store::busy_intervals(&mut conn, st_id, from.as_second(), to.as_second()).await?;
    Ok(BusyTimes {
        st_id: st_id.to_owned(),
        busy: busy
            .into_iter()
            .map(|(start, end)| BusyInterval {
                start_at: timestamp(start).to_string(),
                end_at: timestamp(end).to_string(),
            })
            .collect(),
    })
}

/// The course's certified S-Ts, each with their next free slot (looked for in the next
/// `MAX_RANGE_DAYS` days).
pub async fn course_student_teachers(
    db: &Db,
    course_id: &str,
    now: i64,
) -> Result<CourseStudentTeachers, AppError> {
    // Never hold a connection while asking the pool for another: enough concurrent requests
    // doing that each hold one and wait forever for a second.
    if crate::store::catalog::find_published(db, course_id)
        .await?
        .is_none()
    {
        return Err(AppError::course_not_found());
    }
    let mut conn = db.pool().acquire().await?;
    let teachers = store::course_student_teachers(&mut conn, course_id).await?;
    let from = timestamp(now);
    let to = from + SignedDuration::from_hours(24 * MAX_RANGE_DAYS);
    let mut sts = Vec::with_capacity(teachers.len());
    for (id, name, time_zone, sessions_taught) in teachers {
        let (_, slots) = free_slots_of(&mut conn, &id, from, to, now).await?;
        sts.push(CourseStudentTeacher {
            next_free_slot: slots.iter().min_by_key(|slot| slot.start).map(slot_json),
            id,
            name,
            time_zone,
            rating: None,
            sessions_taught,
        });
    }
    Ok(CourseStudentTeachers {
        course_id: course_id.to_owned(),
        sts,
    })
}

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

fn session_of(row: &BookingRow) -> Result<Session, AppError> {
    Ok(Session {
        id: row.id.clone(),
        st_id: row.st_id.clone(),
        student_id: row.student_id.clone(),
        course_id: row.course_id.clone(),
        start_at: timestamp(row.start_at).to_string(),
        end_at: timestamp(row.end_at).to_string(),
        status: status_of(row)?,
    })
}

fn status_of(row: &BookingRow) -> Result<BookingStatus, AppError> {
    BookingStatus::parse(&row.status).ok_or_else(|| {
        tracing::error!(status = %row.status, "booking row holds an unknown status");
        AppError::Internal
    })
}

async fn load_booking(conn: &mut AnyConnection, id: &str) -> Result<BookingRow, AppError> {
    store::find_booking(conn, id)
        .await?
        .ok_or_else(|| AppError::NotFound("We couldn't find that session.".into()))
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
    if !crate::store::learning::is_certified(&mut tx, request.st_id, request.course_id).await? {
        return Err(AppError::NotFound(
            "This Student-Teacher doesn't teach this course.".into(),
        ));
    }
    let Some((enrollment_id, credits, _)) =
        store::enrollment_credits(&mut tx, &user.id, request.course_id).await?
    else {
        return Err(AppError::Forbidden(
            "Enroll in this course to book sessions.".into(),
        ));
    };
    if credits <= 0 {
        return Err(AppError::Conflict(
            "You have no sessions left in this course.".into(),
        ));
    }
    let Some(stored) = store::load_availability(&mut tx, request.st_id).await? else {
        return Err(AppError::Conflict(
            SlotRefusal::OutsideAvailability.to_string(),
        ));
    };
    let booked = store::active_sessions(
        &mut tx,
        request.st_id,
        start.as_second() - NEIGHBOURHOOD_SECS,
        start.as_second() + NEIGHBOURHOOD_SECS,
        None,
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
    if store::student_is_busy(&mut tx, &user.id, session.0, session.1, None).await? {
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
            status: BookingStatus::Scheduled.as_str(),
            hold_expires_at: None,
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
    if !store::spend_credit(&mut tx, &enrollment_id).await? {
        return Err(AppError::Conflict(
            "You have no sessions left in this course.".into(),
        ));
    }
    if let Some(key) = idempotency_key
        && !store::insert_idempotency_key(&mut tx, &user.id, key, canonical, &id, now).await?
    {
        // The same key is being used by a concurrent request that got there first.
        return Err(time_taken());
    }
    enqueue_emails(&mut tx, &id, EmailKind::Confirmed, 0, now).await?;
    enqueue_reminders(&mut tx, &id, 0, session.0, now).await?;
    let row = load_booking(&mut tx, &id).await?;
    tx.commit().await?;
    tracing::info!(booking_id = %id, st_id = %request.st_id, "session booked");
    Ok(Booked {
        session: session_of(&row)?,
        created: true,
    })
}

/// Which email a queued job sends; stored in the outbox payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailKind {
    Confirmed,
    Rescheduled,
    Cancelled,
    Reminder,
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

async fn enqueue_emails(
    conn: &mut AnyConnection,
    booking_id: &str,
    kind: EmailKind,
    sequence: i64,
    run_at: i64,
) -> Result<(), AppError> {
    for recipient in [Party::Student, Party::StudentTeacher] {
        let job = SessionEmailJob {
            booking_id: booking_id.to_owned(),
            recipient,
            kind,
            sequence,
        };
        let payload = serde_json::to_value(&job).map_err(|_| AppError::Internal)?;
        outbox::enqueue(conn, SESSION_EMAIL, &payload, run_at, run_at).await?;
    }
    Ok(())
}

/// Reminders 24 h and 1 h before the start (those still in the future).
async fn enqueue_reminders(
    conn: &mut AnyConnection,
    booking_id: &str,
    sequence: i64,
    start: i64,
    now: i64,
) -> Result<(), AppError> {
    for before in [24 * 3600, 3600] {
        let run_at = start - before;
        if run_at > now {
            enqueue_emails(conn, booking_id, EmailKind::Reminder, sequence, run_at).await?;
        }
    }
    Ok(())
}

pub const SESSION_EMAIL_KIND: &str = SESSION_EMAIL;

fn participant(user: &SessionUser, row: &BookingRow) -> Result<Party, AppError> {
    if user.id == row.student_id {
        Ok(Party::Student)
    } else if user.id == row.st_id {
        Ok(Party::StudentTeacher)
    } else {
        Err(AppError::Forbidden(NOT_A_PARTICIPANT.into()))
    }
}

/// `GET /api/sessions/:id`: participants only.
pub async fn get_session(db: &Db, user: &SessionUser, id: &str) -> Result<Session, AppError> {
    let mut conn = db.pool().acquire().await?;
    let row = load_booking(&mut conn, id).await?;
    participant(user, &row)?;
    session_of(&row)
}

fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap_or(TimeZone::UTC)
}

/// "Tue 1 Dec 2026, 10:00–11:00" in `zone_name`.
pub fn when_in(start: i64, end: i64, zone_name: &str) -> String {
    let zone = zone(zone_name);
    let start = timestamp(start).to_zoned_datetime(zone.clone());
    let end = timestamp(end).to_zoned_datetime(zone);
    format!(
        "{}–{}",
        start.strftime("%a %-d %b %Y, %H:%M"),
        end.strftime("%H:%M")
    )
}

/// "15:30–16:30 in Asia/Kolkata".
pub fn times_in(start: i64, end: i64, zone_name: &str) -> String {
    let zone = zone(zone_name);
    format!(
        "{}–{} in {zone_name}",
        timestamp(start)
            .to_zoned_datetime(zone.clone())
            .strftime("%H:%M"),
        timestamp(end).to_zoned_datetime(zone).strftime("%H:%M")
    )
}

fn detail(
    row: &BookingRow,
    role: Party,
    policy: CancellationPolicy,
    now: i64,
) -> Result<SessionDetail, AppError> {
    let (viewer_zone, other_zone, with_name) = match role {
        Party::Student => (&row.student_time_zone, &row.st_time_zone, &row.st_name),
        Party::StudentTeacher => (&row.st_time_zone, &row.student_time_zone, &row.student_name),
    };
    let status = status_of(row)?;
    let can_change = status.is_active() && policy.may_change(role, now, row.start_at).is_ok();
    Ok(SessionDetail {
        session: session_of(row)?,
        course_title: row.course_title.clone(),
        with_name: with_name.clone(),
        viewer_role: role,
        viewer_time_zone: viewer_zone.clone(),
        when_viewer: when_in(row.start_at, row.end_at, viewer_zone),
        when_other: times_in(row.start_at, row.end_at, other_zone),
        is_upcoming: row.end_at > now && status.is_active(),
        late_cancellation: row.late_cancellation != 0,
        can_change,
        policy: policy.describe(),
    })
}

/// A session as its participant sees it (its own page).
pub async fn session_detail(
    db: &Db,
    user: &SessionUser,
    id: &str,
    now: i64,
) -> Result<SessionDetail, AppError> {
    let mut conn = db.pool().acquire().await?;
    let row = load_booking(&mut conn, id).await?;
    let role = participant(user, &row)?;
    detail(&row, role, row.policy(), now)
}

/// SDSH (as student) or TDSH (as S-T): upcoming sessions soonest first, past ones latest first.
pub async fn session_lists(
    db: &Db,
    user: &SessionUser,
    as_teacher: bool,
    now: i64,
) -> Result<SessionLists, AppError> {
    let mut conn = db.pool().acquire().await?;
    let rows = store::bookings_of(&mut conn, &user.id, as_teacher).await?;
    let role = if as_teacher {
        Party::StudentTeacher
    } else {
        Party::Student
    };
    let mut lists = SessionLists {
        upcoming: Vec::new(),
        past: Vec::new(),
        deferred: Vec::new(),
    };
    for row in rows {
        let entry = detail(&row, role, row.policy(), now)?;
        if entry.is_upcoming {
            lists.upcoming.push(entry);
        } else {
            lists.past.push(entry);
        }
    }
    lists.past.reverse();
    if !as_teacher {
        let deferred: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT e.id, c.id, c.title, e.deferred_credits
               FROM enrollments e JOIN courses c ON c.id = e.course_id
              WHERE e.student_id = $1 AND e.deferred_credits > 0
              ORDER BY c.title",
        )
        .bind(&user.id)
        .fetch_all(&mut *conn)
        .await?;
        lists.deferred = deferred
            .into_iter()
            .map(
                |(enrollment_id, course_id, course_title, deferred_credits)| DeferredCredit {
                    enrollment_id,
                    course_id,
                    course_title,
                    deferred_credits,
                },
            )
            .collect();
    }
    Ok(lists)
}

/// Cancels a session for either participant under the policy it was booked with; the slot is freed and the
/// student's credit returned.
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
    if status == BookingStatus::Scheduled {
        store::return_credit(&mut tx, &row.enrollment_id).await?;
    }
    enqueue_emails(&mut tx, id, EmailKind::Cancelled, row.sequence + 1, now).await?;
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
    enqueue_emails(&mut tx, id, EmailKind::Rescheduled, sequence, now).await?;
    enqueue_reminders(&mut tx, id, sequence, session.0, now).await?;
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

/// The session's calendar file, for its participants: (file name, text).
pub async fn calendar_export(
    db: &Db,
    user: &SessionUser,
    id: &str,
    public_url: &str,
) -> Result<(String, String), AppError> {
    let mut conn = db.pool().acquire().await?;
    let row = load_booking(&mut conn, id).await?;
    participant(user, &row)?;
    Ok((
        crate::ics::filename(id),
        crate::ics::session_calendar(&row, public_url),
    ))
}

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
