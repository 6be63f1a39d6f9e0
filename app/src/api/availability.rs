//! A Student-Teacher's availability rules as the TDSH editor shows and saves them.

// The editor is a plain HTML form (it works without JavaScript), and a server function takes one
// argument per form field, so saving it takes many.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
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

#[server(prefix = "/rpc", endpoint = "my_availability", input = GetUrl)]
pub async fn get_my_availability() -> Result<AvailabilitySettings, AppError> {
    crate::backend::request::respond(
        async move {
            let (state, user) = crate::api::learning::signed_in().await?;
            crate::backend::services::availability::settings(
                &state.db,
                &user,
                crate::backend::store::unix_now(),
            )
            .await
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "save_availability")]
pub async fn save_availability(
    mon: String,
    tue: String,
    wed: String,
    thu: String,
    fri: String,
    sat: String,
    sun: String,
    length_30: Option<String>,
    length_45: Option<String>,
    length_60: Option<String>,
    length_90: Option<String>,
    buffer_before_minutes: String,
    buffer_after_minutes: String,
    minimum_notice_hours: String,
    horizon_days: String,
    free_cancel_hours: String,
) -> Result<(), AppError> {
    crate::backend::request::respond(
        async move {
            use crate::backend::services::availability::{SettingsForm, save};
            let (state, user) = crate::api::learning::signed_in().await?;
            let weekly = [&mon, &tue, &wed, &thu, &fri, &sat, &sun];
            let lengths = [
                (30, length_30.is_some()),
                (45, length_45.is_some()),
                (60, length_60.is_some()),
                (90, length_90.is_some()),
            ];
            let form = SettingsForm {
                weekly: weekly.map(String::as_str),
                lengths: lengths
                    .into_iter()
                    .filter(|(_, on)| *on)
                    .map(|(m, _)| m)
                    .collect(),
                buffer_before_minutes: &buffer_before_minutes,
                buffer_after_minutes: &buffer_after_minutes,
                minimum_notice_hours: &minimum_notice_hours,
                horizon_days: &horizon_days,
                free_cancel_hours: &free_cancel_hours,
            };
            let typed: Vec<(&str, &str)> = vec![
                ("mon", &mon),
                ("tue", &tue),
                ("wed", &wed),
                ("thu", &thu),
                ("fri", &fri),
                ("sat", &sat),
                ("sun", &sun),
                ("buffer_before_minutes", &buffer_before_minutes),
                ("buffer_after_minutes", &buffer_after_minutes),
                ("minimum_notice_hours", &minimum_notice_hours),
                ("horizon_days", &horizon_days),
                ("free_cancel_hours", &free_cancel_hours),
            ];
            crate::backend::flash::keep_failure(
                "availability",
                &typed,
                save(&state.db, &user, &form, crate::backend::store::unix_now()).await,
            )
            .await
        }
        .await,
    )
    .await
}

/// Adds a day off (no hours) or extra hours ("10:00-12:00") on one of the S-T's dates.
#[server(prefix = "/rpc", endpoint = "add_availability_override")]
pub async fn add_availability_override(date: String, hours: String) -> Result<(), AppError> {
    crate::backend::request::respond(
        async move {
            let (state, user) = crate::api::learning::signed_in().await?;
            crate::backend::flash::keep_failure(
                "override",
                &[("date", &date), ("hours", &hours)],
                crate::backend::services::availability::add_override(
                    &state.db,
                    &user,
                    &date,
                    &hours,
                    crate::backend::store::unix_now(),
                )
                .await,
            )
            .await
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "remove_availability_override")]
pub async fn remove_availability_override(id: String) -> Result<(), AppError> {
    crate::backend::request::respond(
        async move {
            let (state, user) = crate::api::learning::signed_in().await?;
            crate::backend::services::availability::remove_override(&state.db, &user, &id).await
        }
        .await,
    )
    .await
}
