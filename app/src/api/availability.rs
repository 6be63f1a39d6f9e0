//! A Student-Teacher's availability rules as the TDSH editor shows and saves them.

// The editor is a plain HTML form (it works without JavaScript), and a server function takes one
// argument per form field, so saving it takes many.
#![allow(clippy::too_many_arguments)]

use crate::api::codec::JsonText;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
pub use wire::availability::*;
use wire::error::AppError;

#[server(prefix = "/rpc", endpoint = "my_availability", input = GetUrl, output = JsonText)]
pub async fn get_my_availability() -> Result<AvailabilitySettings, AppError> {
    crate::ssr::request::respond(
        async move {
            let (state, user) = crate::ssr::signed_in().await?;
            backend::services::availability::settings(&state.db, &user, backend::store::unix_now())
                .await
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "save_availability", output = JsonText)]
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
    crate::ssr::request::respond(
        async move {
            use backend::services::availability::{SettingsForm, save};
            let (state, user) = crate::ssr::signed_in().await?;
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
            crate::ssr::flash::keep_failure(
                "availability",
                &typed,
                save(&state.db, &user, &form, backend::store::unix_now()).await,
            )
            .await
        }
        .await,
    )
    .await
}

/// Adds a day off (no hours) or extra hours ("10:00-12:00") on one of the S-T's dates.
#[server(prefix = "/rpc", endpoint = "add_availability_override", output = JsonText)]
pub async fn add_availability_override(date: String, hours: String) -> Result<(), AppError> {
    crate::ssr::request::respond(
        async move {
            let (state, user) = crate::ssr::signed_in().await?;
            crate::ssr::flash::keep_failure(
                "override",
                &[("date", &date), ("hours", &hours)],
                backend::services::availability::add_override(
                    &state.db,
                    &user,
                    &date,
                    &hours,
                    backend::store::unix_now(),
                )
                .await,
            )
            .await
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "remove_availability_override", output = JsonText)]
pub async fn remove_availability_override(id: String) -> Result<(), AppError> {
    crate::ssr::request::respond(
        async move {
            let (state, user) = crate::ssr::signed_in().await?;
            backend::services::availability::remove_override(&state.db, &user, &id).await
        }
        .await,
    )
    .await
}
