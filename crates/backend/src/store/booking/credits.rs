//! Session credits of an enrollment: spent, returned and deferred ("schedule later").

use super::*;

/// (enrollment id, credits left, credits deferred) of the student in the course.
pub async fn enrollment_credits(
    conn: &mut AnyConnection,
    student_id: &str,
    course_id: &str,
) -> Result<Option<(String, i64, i64)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, session_credits, deferred_credits FROM enrollments
          WHERE student_id = $1 AND course_id = $2 AND ended_at IS NULL",
    )
    .bind(student_id)
    .bind(course_id)
    .fetch_optional(conn)
    .await?)
}

/// Spends one credit (a deferred one first) on a booking, which records the payment that bought
/// the credit (the enrollment's latest; none for an admin's enrollment): its session is paid
/// from that payment's pool only. False when no credit is left.
pub async fn spend_credit(
    conn: &mut AnyConnection,
    enrollment_id: &str,
    booking_id: &str,
) -> Result<bool, AppError> {
    let result = sqlx::query(
        "UPDATE enrollments
            SET session_credits = session_credits - 1,
                deferred_credits = CASE WHEN deferred_credits > 0 THEN deferred_credits - 1
                                        ELSE 0 END
          WHERE id = $1 AND session_credits > 0",
    )
    .bind(enrollment_id)
    .execute(&mut *conn)
    .await?;
    if result.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE bookings SET paid_by = (
             SELECT id FROM payments WHERE enrollment_id = $1 AND booking_id IS NULL
              ORDER BY paid_at DESC, id DESC LIMIT 1)
          WHERE id = $2",
    )
    .bind(enrollment_id)
    .bind(booking_id)
    .execute(conn)
    .await?;
    Ok(true)
}

/// Gives the credit a session was booked on back to its enrollment, only while the payment that
/// bought it (`bookings.paid_by`) is not refunded in full: a refunded payment's credits went
/// back as money, and a credit of it returned after the student enrolled again would be paid
/// from a pool that never covered it. False when nothing was given back.
pub async fn return_credit(conn: &mut AnyConnection, booking_id: &str) -> Result<bool, AppError> {
    let returned = sqlx::query(
        "UPDATE enrollments SET session_credits = session_credits + 1
          WHERE id = (SELECT enrollment_id FROM bookings WHERE id = $1)
            AND NOT EXISTS (SELECT 1 FROM bookings b JOIN payments p ON p.id = b.paid_by
                             WHERE b.id = $1 AND p.refunded_cents >= p.amount_cents)",
    )
    .bind(booking_id)
    .execute(conn)
    .await?;
    Ok(returned.rows_affected() == 1)
}

/// Marks one more unbooked credit as "schedule later"; false when every credit is deferred.
pub async fn defer_credit(conn: &mut AnyConnection, enrollment_id: &str) -> Result<bool, AppError> {
    let result = sqlx::query(
        "UPDATE enrollments SET deferred_credits = deferred_credits + 1
          WHERE id = $1 AND deferred_credits < session_credits",
    )
    .bind(enrollment_id)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}
