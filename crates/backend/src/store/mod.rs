//! Queries. Each function is one statement or a few in the caller's transaction; services decide
//! transaction boundaries.

pub mod booking;
pub mod catalog;
pub mod learning;
pub mod outbox;
pub mod payments;
pub mod secrets;
pub mod users;

use wire::error::AppError;

/// Current time as Unix seconds (UTC), the storage format of every timestamp.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs() as i64)
        .unwrap_or_default()
}

/// A new opaque, time-ordered id.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// `Ok(false)` when an insert hit a unique constraint (someone got there first), so callers can
/// turn that into a domain answer instead of an error.
pub fn inserted_unless_duplicate<T>(result: Result<T, sqlx::Error>) -> Result<bool, AppError> {
    match result {
        Ok(_) => Ok(true),
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Ok(false),
        Err(error) => Err(error.into()),
    }
}
