//! A Student-Teacher's availability rules as the TDSH editor shows and saves them.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AvailabilitySettings {
    pub time_zone: String,
    /// Each day's hours as typed, e.g. "09:00-17:00", Monday first (`domain::availability::WEEKDAYS`).
    pub weekly: Vec<String>,
    /// Each offered length and whether it is on.
    pub lengths: Vec<(i64, bool)>,
    pub buffer_before_minutes: i64,
    pub buffer_after_minutes: i64,
    pub minimum_notice_hours: i64,
    pub horizon_days: i64,
    pub free_cancel_hours: i64,
    pub overrides: Vec<OverrideRow>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OverrideRow {
    pub id: String,
    pub date: String,
    /// "Day off" or "Extra hours 10:00-12:00".
    pub label: String,
}
