//! Availability rules, bookings, session credits and idempotency keys.

use domain::availability::{DateOverride, DayTime, Interval, Rules, WeeklyHours};
use domain::booking::CancellationPolicy;
use jiff::Timestamp;
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use sqlx::AnyConnection;
use wire::error::AppError;

mod availability;
mod credits;
mod idempotency;
mod recordings;
mod rooms;
mod sessions;

pub use availability::*;
pub use credits::*;
pub use idempotency::*;
pub use recordings::*;
pub use rooms::*;
pub use sessions::*;

/// Statuses that hold their time (`BookingStatus::is_active`), for SQL.
pub const ACTIVE_STATUSES: &str = "('pending_payment', 'scheduled', 'in_progress')";

pub fn timestamp(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds).unwrap_or(Timestamp::UNIX_EPOCH)
}
