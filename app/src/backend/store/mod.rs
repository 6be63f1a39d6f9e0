//! Queries. Each function is one statement or a few in the caller's transaction; services decide
//! transaction boundaries.

pub mod catalog;
pub mod learning;
pub mod users;

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
