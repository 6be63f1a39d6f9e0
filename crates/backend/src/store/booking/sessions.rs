//! Booked sessions: inserting, finding, listing, moving and changing their status, and the
//! overlap checks the booking rules need.

use super::*;

/// Active sessions of the S-T whose blocked time touches `[from, to)`, other than `except`.
pub async fn active_sessions(
    conn: &mut AnyConnection,
    st_id: &str,
    from: i64,
    to: i64,
    except: Option<&str>,
) -> Result<Vec<Interval>, AppError> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(&format!(
        "SELECT start_at, end_at FROM bookings
          WHERE st_id = $1 AND status IN {ACTIVE_STATUSES}
            AND blocked_start < $3 AND blocked_end > $2 AND id <> $4
          ORDER BY start_at"
    ))
    .bind(st_id)
    .bind(from)
    .bind(to)
    .bind(except.unwrap_or(""))
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(start, end)| Interval {
            start: timestamp(start),
            end: timestamp(end),
        })
        .collect())
}

/// Busy intervals (sessions with their buffers) of the S-T overlapping `[from, to)`.
pub async fn busy_intervals(
    conn: &mut AnyConnection,
    st_id: &str,
    from: i64,
    to: i64,
) -> Result<Vec<(i64, i64)>, AppError> {
    Ok(sqlx::query_as(&format!(
        "SELECT blocked_start, blocked_end FROM bookings
          WHERE st_id = $1 AND status IN {ACTIVE_STATUSES}
            AND blocked_start < $3 AND blocked_end > $2
          ORDER BY blocked_start"
    ))
    .bind(st_id)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?)
}

/// Whether the student has another active session overlapping `[start, end)`.
pub async fn student_is_busy(
    conn: &mut AnyConnection,
    student_id: &str,
    start: i64,
    end: i64,
    except: Option<&str>,
) -> Result<bool, AppError> {
    let count: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM bookings
          WHERE student_id = $1 AND status IN {ACTIVE_STATUSES}
            AND start_at < $3 AND end_at > $2 AND id <> $4"
    ))
    .bind(student_id)
    .bind(start)
    .bind(end)
    .bind(except.unwrap_or(""))
    .fetch_one(conn)
    .await?;
    Ok(count > 0)
}

/// What a booking must know first, in one round trip: whether the S-T teaches the course, and
/// the student's enrollment in it (id, credits left).
pub async fn booking_grounds(
    conn: &mut AnyConnection,
    st_id: &str,
    student_id: &str,
    course_id: &str,
) -> Result<(bool, Option<(String, i64)>), AppError> {
    let (certified, enrollment_id, credits): (i64, Option<String>, Option<i64>) = sqlx::query_as(
        "SELECT CAST(CASE WHEN EXISTS (SELECT 1 FROM st_certifications
                                            WHERE user_id = $1 AND course_id = $3)
                              THEN 1 ELSE 0 END AS BIGINT),
                    e.id, e.session_credits
               FROM (SELECT 1 AS one) probe
               LEFT JOIN enrollments e ON e.student_id = $2 AND e.course_id = $3
                                       AND e.ended_at IS NULL",
    )
    .bind(st_id)
    .bind(student_id)
    .bind(course_id)
    .fetch_one(conn)
    .await?;
    Ok((certified == 1, enrollment_id.zip(credits)))
}

/// In one round trip: the S-T's active sessions that start within `neighbourhood` (wide enough
/// that no session starting outside it can reach the one being booked), and whether the
/// student has an active session overlapping `session` (none lasts over `longest_secs`). The
/// start-time bounds let both halves read a range of their index instead of every session.
pub async fn booking_clashes(
    conn: &mut AnyConnection,
    st_id: &str,
    neighbourhood: (i64, i64),
    student_id: &str,
    session: (i64, i64),
    longest_secs: i64,
) -> Result<(Vec<Interval>, bool), AppError> {
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(&format!(
        "SELECT CAST(0 AS BIGINT), start_at, end_at FROM bookings
          WHERE st_id = $1 AND start_at >= $2 AND start_at < $3
            AND status IN {ACTIVE_STATUSES}
         UNION ALL
         SELECT CAST(1 AS BIGINT), start_at, end_at FROM bookings
          WHERE student_id = $4 AND start_at > $7 AND start_at < $6 AND end_at > $5
            AND status IN {ACTIVE_STATUSES}
         ORDER BY 1, 2"
    ))
    .bind(st_id)
    .bind(neighbourhood.0)
    .bind(neighbourhood.1)
    .bind(student_id)
    .bind(session.0)
    .bind(session.1)
    .bind(session.0 - longest_secs)
    .fetch_all(conn)
    .await?;
    let student_busy = rows.iter().any(|(students, _, _)| *students == 1);
    let booked = rows
        .into_iter()
        .filter(|(students, _, _)| *students == 0)
        .map(|(_, start, end)| Interval {
            start: timestamp(start),
            end: timestamp(end),
        })
        .collect();
    Ok((booked, student_busy))
}

pub struct NewBooking<'a> {
    pub id: &'a str,
    pub st_id: &'a str,
    pub student_id: &'a str,
    pub course_id: &'a str,
    pub enrollment_id: &'a str,
    pub session: (i64, i64),
    pub blocked: (i64, i64),
    pub status: &'a str,
    pub hold_expires_at: Option<i64>,
    /// The cancellation policy the student was shown; it stays with the booking.
    pub free_cancel_hours: i64,
}

/// Inserts a booking. The raw error is returned so the caller can tell an exclusion-constraint
/// violation (Postgres: the time was taken meanwhile) from a failure.
pub async fn insert_booking(
    conn: &mut AnyConnection,
    booking: &NewBooking<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO bookings (id, st_id, student_id, course_id, enrollment_id, start_at, end_at,
                               blocked_start, blocked_end, status, hold_expires_at, created_at,
                               updated_at, free_cancel_hours)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13)",
    )
    .bind(booking.id)
    .bind(booking.st_id)
    .bind(booking.student_id)
    .bind(booking.course_id)
    .bind(booking.enrollment_id)
    .bind(booking.session.0)
    .bind(booking.session.1)
    .bind(booking.blocked.0)
    .bind(booking.blocked.1)
    .bind(booking.status)
    .bind(booking.hold_expires_at)
    .bind(now)
    .bind(booking.free_cancel_hours)
    .execute(conn)
    .await
    .map(drop)
}

/// Which of the two overlap constraints a Postgres error violated, if any.
#[derive(Debug, PartialEq, Eq)]
pub enum Overlap {
    StudentTeacher,
    Student,
}

pub fn overlap_violation(error: &sqlx::Error) -> Option<Overlap> {
    let sqlx::Error::Database(error) = error else {
        return None;
    };
    // 23P01: exclusion_violation.
    if error.code().as_deref() != Some("23P01") {
        return None;
    }
    Some(match error.constraint() {
        Some("bookings_student_free") => Overlap::Student,
        _ => Overlap::StudentTeacher,
    })
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct BookingRow {
    pub id: String,
    pub st_id: String,
    pub student_id: String,
    pub course_id: String,
    pub enrollment_id: String,
    pub start_at: i64,
    pub end_at: i64,
    pub status: String,
    pub sequence: i64,
    pub late_cancellation: i64,
    pub st_name: String,
    pub st_email: String,
    pub st_time_zone: String,
    pub student_name: String,
    pub student_email: String,
    pub student_time_zone: String,
    pub course_title: String,
    pub cancelled_by: Option<String>,
    /// The policy frozen at booking (`None` only for bookings made before it was stored).
    pub free_cancel_hours: Option<i64>,
    pub updated_at: i64,
}

impl BookingRow {
    /// The cancellation policy this booking was made under.
    pub fn policy(&self) -> CancellationPolicy {
        self.free_cancel_hours
            .map(|hours| CancellationPolicy {
                free_until_hours_before: hours,
            })
            .unwrap_or_default()
    }
}

const BOOKING_SELECT: &str = "SELECT b.id, b.st_id, b.student_id, b.course_id, b.enrollment_id,
        b.start_at, b.end_at, b.status, b.sequence,
        CASE WHEN b.late_cancellation THEN 1 ELSE 0 END AS late_cancellation,
        t.name AS st_name, t.email AS st_email, t.time_zone AS st_time_zone,
        s.name AS student_name, s.email AS student_email, s.time_zone AS student_time_zone,
        c.title AS course_title, b.cancelled_by, b.free_cancel_hours, b.updated_at
   FROM bookings b
   JOIN users t ON t.id = b.st_id
   JOIN users s ON s.id = b.student_id
   JOIN courses c ON c.id = b.course_id";

pub async fn find_booking(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<BookingRow>, AppError> {
    Ok(sqlx::query_as(&format!("{BOOKING_SELECT} WHERE b.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

/// The user's sessions as student or as S-T, soonest first.
pub async fn bookings_of(
    conn: &mut AnyConnection,
    user_id: &str,
    as_teacher: bool,
) -> Result<Vec<BookingRow>, AppError> {
    let column = if as_teacher {
        "b.st_id"
    } else {
        "b.student_id"
    };
    Ok(sqlx::query_as(&format!(
        "{BOOKING_SELECT} WHERE {column} = $1 ORDER BY b.start_at, b.id"
    ))
    .bind(user_id)
    .fetch_all(conn)
    .await?)
}

/// Compare-and-set status change; false when the booking was not in `from` any more.
pub async fn set_status(
    conn: &mut AnyConnection,
    id: &str,
    from: &str,
    to: &str,
    now: i64,
) -> Result<bool, AppError> {
    let result = sqlx::query(
        "UPDATE bookings SET status = $3, updated_at = $4 WHERE id = $1 AND status = $2",
    )
    .bind(id)
    .bind(from)
    .bind(to)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn record_cancellation(
    conn: &mut AnyConnection,
    id: &str,
    from_status: &str,
    by: &str,
    late: bool,
    now: i64,
) -> Result<bool, AppError> {
    let result = sqlx::query(
        "UPDATE bookings SET status = 'cancelled', cancelled_by = $3, cancelled_at = $5,
                late_cancellation = $4, sequence = sequence + 1, updated_at = $5
          WHERE id = $1 AND status = $2",
    )
    .bind(id)
    .bind(from_status)
    .bind(by)
    .bind(late)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Cancels a session its Student-Teacher did not come to (the video room ended without them):
/// nobody chose to cancel it, so no one is recorded as cancelling. Compare-and-set on the status.
pub async fn record_absence(
    conn: &mut AnyConnection,
    id: &str,
    from_status: &str,
    now: i64,
) -> Result<bool, AppError> {
    let result = sqlx::query(
        "UPDATE bookings SET status = 'cancelled', cancelled_at = $3, sequence = sequence + 1,
                updated_at = $3
          WHERE id = $1 AND status = $2",
    )
    .bind(id)
    .bind(from_status)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Moves a booking to a new time (same id), raising its calendar SEQUENCE. Compare-and-set on
/// the sequence the caller read.
pub async fn move_booking(
    conn: &mut AnyConnection,
    id: &str,
    sequence: i64,
    session: (i64, i64),
    blocked: (i64, i64),
    late: bool,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(&format!(
        "UPDATE bookings SET start_at = $3, end_at = $4, blocked_start = $5, blocked_end = $6,
                sequence = sequence + 1, updated_at = $8,
                late_cancellation = CASE WHEN $7 THEN TRUE ELSE late_cancellation END
          WHERE id = $1 AND sequence = $2 AND status IN {ACTIVE_STATUSES}"
    ))
    .bind(id)
    .bind(sequence)
    .bind(session.0)
    .bind(session.1)
    .bind(blocked.0)
    .bind(blocked.1)
    .bind(late)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Pending-payment bookings whose hold has expired: (id, enrollment id).
pub async fn expired_holds(conn: &mut AnyConnection, now: i64) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM bookings WHERE status = 'pending_payment' AND hold_expires_at <= $1",
    )
    .bind(now)
    .fetch_all(conn)
    .await?)
}

/// A certified S-T of a course as its listing shows them.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CourseTeacherRow {
    pub id: String,
    pub name: String,
    pub time_zone: String,
    pub sessions_taught: i64,
    /// Stars their students gave them, in all and how many times.
    pub total_stars: i64,
    pub ratings: i64,
}

/// Certified S-Ts of a course with their time zone, sessions taught and ratings (feedback
/// about them from the students of their sessions, not about them as anyone's student).
pub async fn course_student_teachers(
    conn: &mut AnyConnection,
    course_id: &str,
) -> Result<Vec<CourseTeacherRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT u.id, u.name, u.time_zone,
                (SELECT COUNT(*) FROM bookings b
                  WHERE b.st_id = u.id AND b.status = 'completed') AS sessions_taught,
                (SELECT COALESCE(SUM(f.stars), 0) FROM session_feedback f
                   JOIN bookings b ON b.id = f.booking_id
                  WHERE b.st_id = u.id AND f.about_id = u.id) AS total_stars,
                (SELECT COUNT(*) FROM session_feedback f
                   JOIN bookings b ON b.id = f.booking_id
                  WHERE b.st_id = u.id AND f.about_id = u.id) AS ratings
           FROM st_certifications s JOIN users u ON u.id = s.user_id
          WHERE s.course_id = $1
          ORDER BY u.name",
    )
    .bind(course_id)
    .fetch_all(conn)
    .await?)
}

/// A booking's dispute as `dispute_of` reads it: `disputed_at`, and whether an admin found the
/// session happened, as an integer (booleans read back as integers on both databases through
/// sqlx's Any driver), for a query over `bookings b`.
pub const DISPUTE_COLUMNS: &str = "b.disputed_at,
    CAST(CASE WHEN b.dispute_session_happened THEN 1
              WHEN NOT b.dispute_session_happened THEN 0 END AS BIGINT) AS happened";

/// What is known of a session's dispute, from `DISPUTE_COLUMNS`: `happened` is only set once an
/// admin decided.
pub fn dispute_of(disputed_at: Option<i64>, happened: Option<i64>) -> domain::earnings::Dispute {
    use domain::earnings::Dispute;
    match (disputed_at, happened) {
        (None, _) => Dispute::None,
        (Some(_), None) => Dispute::Open,
        (Some(_), Some(happened)) => Dispute::Decided {
            happened: happened == 1,
        },
    }
}
