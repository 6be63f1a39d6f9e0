//! A session as its participants see it: one session, the dashboards' lists and the calendar
//! file, with times in the viewer's zone.

use super::*;
use crate::store::booking::DISPUTE_COLUMNS;
use domain::earnings::Dispute;

/// `GET /api/sessions/:id`: participants only.
pub async fn get_session(db: &Db, user: &SessionUser, id: &str) -> Result<Session, AppError> {
    let mut conn = db.pool().acquire().await?;
    let row = load_booking(&mut conn, id).await?;
    participant(user, &row)?;
    session_of(&row)
}

/// "Sat 5 Dec, 14:00" in `zone_name`: a moment of the coming days.
pub fn instant_in(at: i64, zone_name: &str) -> String {
    timestamp(at)
        .to_zoned_datetime(zone(zone_name))
        .strftime("%a %-d %b, %H:%M")
        .to_string()
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

pub(super) fn detail(
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
    let to_be_held = matches!(status, BookingStatus::Scheduled | BookingStatus::InProgress);
    let window = domain::attendance::join_window(row.start_at, row.end_at, now);
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
        payment_due: None,
        dispute_until: None,
        status_note: None,
        can_join: to_be_held && window == domain::attendance::JoinWindow::Open,
        join_opens: match window {
            domain::attendance::JoinWindow::OpensAt(opens) if to_be_held => {
                Some(instant_in(opens, viewer_zone))
            }
            _ => None,
        },
        join_opens_in: match window {
            domain::attendance::JoinWindow::OpensAt(opens) if to_be_held => Some(opens - now),
            _ => None,
        },
        feedback_due: false,
        recordings: Vec::new(),
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
    let mut shown = detail(&row, role, row.policy(), now)?;
    if role == Party::Student && shown.session.status == BookingStatus::PendingPayment {
        let price = crate::store::payments::session_price(&mut conn, &row.course_id).await?;
        let held_until: Option<i64> =
            sqlx::query_scalar("SELECT hold_expires_at FROM bookings WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *conn)
                .await?;
        if let (Some((cents, currency)), Some(until)) = (price, held_until) {
            let price = crate::services::stored_money(cents, &currency)?;
            let until = timestamp(until)
                .to_zoned_datetime(zone(&user.time_zone))
                .strftime("%H:%M");
            shown.payment_due = Some(format!(
                "Pay {price} by {until} to book this time. Until then it is held for you."
            ));
        }
    }
    if shown.session.status == BookingStatus::Completed {
        shown.feedback_due = !store::gave_feedback(&mut conn, id, &user.id).await?;
    }
    if role == Party::Student
        && matches!(
            shown.session.status,
            BookingStatus::Completed | BookingStatus::Cancelled
        )
    {
        (shown.dispute_until, shown.status_note) =
            student_state(&mut conn, &row, shown.session.status, &user.time_zone, now).await?;
    }
    Ok(shown)
}

/// What the student's view of a session says beyond its status.
#[derive(sqlx::FromRow)]
struct StudentFacts {
    taught_at: Option<i64>,
    cancelled_at: Option<i64>,
    /// Payments made for this session alone.
    paid_alone: i64,
    /// When its video room finished, if it was held in one.
    room_finished: Option<i64>,
    disputed_at: Option<i64>,
    happened: Option<i64>,
}

/// Where a completed or cancelled session stands for its student: until when they may dispute
/// it (48 hours from its marking as taught), and a note: how their dispute went, or why it was
/// cancelled when neither participant cancelled it.
async fn student_state(
    conn: &mut AnyConnection,
    row: &BookingRow,
    status: BookingStatus,
    time_zone: &str,
    now: i64,
) -> Result<(Option<String>, Option<String>), AppError> {
    let facts: StudentFacts = sqlx::query_as(&format!(
        "SELECT b.taught_at, b.cancelled_at,
                (SELECT COUNT(*) FROM payments WHERE booking_id = b.id) AS paid_alone,
                (SELECT finished_at FROM session_rooms WHERE booking_id = b.id) AS room_finished,
                {DISPUTE_COLUMNS}
           FROM bookings b WHERE b.id = $1"
    ))
    .bind(&row.id)
    .fetch_one(&mut *conn)
    .await?;
    let StudentFacts {
        taught_at,
        cancelled_at,
        paid_alone,
        room_finished,
        disputed_at,
        happened,
    } = facts;
    let dispute = store::dispute_of(disputed_at, happened);
    let until = match (taught_at, dispute) {
        (Some(at), Dispute::None) if domain::earnings::may_dispute(at, now) => Some(instant_in(
            at + domain::earnings::DISPUTE_WINDOW_SECS,
            time_zone,
        )),
        _ => None,
    };
    let note = match dispute {
        Dispute::Open => Some("You disputed this session. An admin will look at it and decide."),
        Dispute::Decided { happened: true } => {
            Some("You disputed this session; an admin found that it took place.")
        }
        Dispute::Decided { happened: false } => Some(
            "You disputed this session; an admin agreed it did not take place, and what you \
             paid for it came back to you.",
        ),
        // Nobody chose to cancel it: its hold ran out unpaid (no cancellation time is recorded
        // then), or its payment went back (a refund cancels what was still to come).
        Dispute::None if status == BookingStatus::Cancelled && row.cancelled_by.is_none() => {
            Some(match (cancelled_at, paid_alone > 0) {
                // Cancelled when its room ended: the Student-Teacher never came.
                (Some(_), paid) if room_finished.is_some() => {
                    if paid {
                        "Your Student-Teacher did not join, so this session was cancelled and \
                         your payment for it refunded in full."
                    } else {
                        "Your Student-Teacher did not join, so this session was cancelled and \
                         your credit returned: book another time."
                    }
                }
                (Some(_), _) => "This session was cancelled because your payment was refunded.",
                (None, true) => {
                    "This time was released before your payment arrived, so it was refunded in full."
                }
                (None, false) => {
                    "This time was released: it was not paid for in time. Nothing was charged."
                }
            })
        }
        Dispute::None => None,
    };
    Ok((until, note.map(str::to_owned)))
}

/// The page of a session just paid for (back from Checkout): Stripe's webhook usually lands
/// within a second of the redirect, so while the session is still held this asks again for up
/// to eight seconds before answering. The page then shows the booking without any polling in
/// the browser (with or without JavaScript); if the payment is still unconfirmed, it says so
/// and offers a refresh.
pub async fn session_detail_after_checkout(
    db: &Db,
    user: &SessionUser,
    id: &str,
) -> Result<SessionDetail, AppError> {
    let mut shown = session_detail(db, user, id, crate::store::unix_now()).await?;
    for _ in 0..40 {
        if shown.session.status != BookingStatus::PendingPayment {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        shown = session_detail(db, user, id, crate::store::unix_now()).await?;
    }
    Ok(shown)
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
