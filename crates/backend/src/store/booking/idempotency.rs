//! Idempotency keys of booking requests, kept for a day.

use super::*;

/// Forgets idempotency keys created before `before` (the hourly sweep; keys are honoured for a
/// day).
pub async fn forget_idempotency_keys(
    conn: &mut AnyConnection,
    before: i64,
) -> Result<u64, AppError> {
    Ok(
        sqlx::query("DELETE FROM idempotency_keys WHERE created_at <= $1")
            .bind(before)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// (canonical request, booking id) stored for this user's idempotency key.
pub async fn find_idempotency_key(
    conn: &mut AnyConnection,
    user_id: &str,
    key: &str,
) -> Result<Option<(String, String)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT request, booking_id FROM idempotency_keys WHERE user_id = $1 AND key = $2",
    )
    .bind(user_id)
    .bind(key)
    .fetch_optional(conn)
    .await?)
}

pub async fn insert_idempotency_key(
    conn: &mut AnyConnection,
    user_id: &str,
    key: &str,
    request: &str,
    booking_id: &str,
    now: i64,
) -> Result<bool, AppError> {
    crate::store::inserted_unless_duplicate(
        sqlx::query(
            "INSERT INTO idempotency_keys (user_id, key, request, booking_id, created_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(user_id)
        .bind(key)
        .bind(request)
        .bind(booking_id)
        .bind(now)
        .execute(conn)
        .await,
    )
}
