//! A Student-Teacher edits their availability: weekly hours in their zone, date overrides,
//! session lengths, buffers, notice, horizon and the cancellation policy.

use crate::auth::SessionUser;
use crate::db::Db;
use crate::store::booking::{self as store, AvailabilityUpdate};
use domain::account::FieldErrors;
use domain::availability::{
    MAX_BUFFER_MINUTES, MAX_FREE_CANCEL_HOURS, MAX_HORIZON_DAYS, MAX_NOTICE_HOURS, SESSION_LENGTHS,
    WEEKDAYS, format_clock, format_day_hours, parse_day_hours,
};
use wire::availability::{AvailabilitySettings, OverrideRow};
use wire::error::AppError;

async fn ensure_teaches(db: &Db, user: &SessionUser) -> Result<(), AppError> {
    let mut conn = db.pool().acquire().await?;
    if !crate::store::learning::teaches_any_course(&mut conn, &user.id).await? {
        return Err(AppError::Forbidden(
            "Only Student-Teachers set availability.".into(),
        ));
    }
    Ok(())
}

pub async fn settings(
    db: &Db,
    user: &SessionUser,
    now: i64,
) -> Result<AvailabilitySettings, AppError> {
    ensure_teaches(db, user).await?;
    let mut conn = db.pool().acquire().await?;
    let settings: Option<(String, i64, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT session_minutes, buffer_before_minutes, buffer_after_minutes,
                minimum_notice_minutes, horizon_days, free_cancel_hours
           FROM st_availability WHERE st_id = $1",
    )
    .bind(&user.id)
    .fetch_optional(&mut *conn)
    .await?;
    let weekly: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT weekday, start_minute, end_minute FROM st_weekly_hours
          WHERE st_id = $1 ORDER BY weekday, start_minute",
    )
    .bind(&user.id)
    .fetch_all(&mut *conn)
    .await?;
    let zone = jiff::tz::TimeZone::get(&user.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let today = store::timestamp(now)
        .to_zoned_datetime(zone)
        .date()
        .to_string();
    let overrides = store::list_overrides(&mut conn, &user.id, &today).await?;
    let (lengths, before, after, notice, horizon, cancel) =
        settings.unwrap_or_else(|| ("60".into(), 0, 15, 12 * 60, 60, 24));
    let offered: Vec<i64> = lengths.split(',').filter_map(|m| m.parse().ok()).collect();
    Ok(AvailabilitySettings {
        time_zone: user.time_zone.clone(),
        weekly: (1..=WEEKDAYS.len() as i64)
            .map(|weekday| {
                let windows: Vec<(i64, i64)> = weekly
                    .iter()
                    .filter(|(day, ..)| *day == weekday)
                    .map(|&(_, start, end)| (start, end))
                    .collect();
                format_day_hours(&windows)
            })
            .collect(),
        lengths: SESSION_LENGTHS
            .iter()
            .map(|m| (*m, offered.contains(m)))
            .collect(),
        buffer_before_minutes: before,
        buffer_after_minutes: after,
        minimum_notice_hours: notice / 60,
        horizon_days: horizon,
        free_cancel_hours: cancel,
        overrides: overrides
            .into_iter()
            .map(|(id, date, start, end)| OverrideRow {
                id,
                date,
                label: match (start, end) {
                    (Some(start), Some(end)) => {
                        format!("Extra hours {}-{}", format_clock(start), format_clock(end))
                    }
                    _ => "Day off".into(),
                },
            })
            .collect(),
    })
}

pub struct SettingsForm<'a> {
    /// Monday first.
    pub weekly: [&'a str; 7],
    pub lengths: Vec<i64>,
    pub buffer_before_minutes: &'a str,
    pub buffer_after_minutes: &'a str,
    pub minimum_notice_hours: &'a str,
    pub horizon_days: &'a str,
    pub free_cancel_hours: &'a str,
}

fn number(fields: &mut FieldErrors, name: &str, text: &str, max: i64, unit: &str) -> i64 {
    match text.trim().parse::<i64>() {
        Ok(value) if (0..=max).contains(&value) => value,
        _ => {
            fields.add(name, format!("Enter 0 to {max} {unit}."));
            0
        }
    }
}

pub async fn save(
    db: &Db,
    user: &SessionUser,
    form: &SettingsForm<'_>,
    now: i64,
) -> Result<(), AppError> {
    ensure_teaches(db, user).await?;
    let mut fields = FieldErrors::default();
    let mut weekly = Vec::new();
    for (index, text) in form.weekly.iter().enumerate() {
        match parse_day_hours(text) {
            Ok(windows) => weekly.extend(
                windows
                    .into_iter()
                    .map(|(start, end)| (index as i64 + 1, start, end)),
            ),
            Err(message) => fields.add(WEEKDAYS[index].0, message),
        }
    }
    let lengths: Vec<i64> = form
        .lengths
        .iter()
        .copied()
        .filter(|m| SESSION_LENGTHS.contains(m))
        .collect();
    if lengths.is_empty() {
        fields.add("lengths", "Offer at least one session length.");
    }
    let before = number(
        &mut fields,
        "buffer_before_minutes",
        form.buffer_before_minutes,
        MAX_BUFFER_MINUTES,
        "minutes",
    );
    let after = number(
        &mut fields,
        "buffer_after_minutes",
        form.buffer_after_minutes,
        MAX_BUFFER_MINUTES,
        "minutes",
    );
    let notice = number(
        &mut fields,
        "minimum_notice_hours",
        form.minimum_notice_hours,
        MAX_NOTICE_HOURS,
        "hours",
    );
    let horizon = number(
        &mut fields,
        "horizon_days",
        form.horizon_days,
        MAX_HORIZON_DAYS,
        "days",
    );
    if horizon == 0 && fields.get("horizon_days").is_none() {
        fields.add("horizon_days", "Let students book at least 1 day ahead.");
    }
    let cancel = number(
        &mut fields,
        "free_cancel_hours",
        form.free_cancel_hours,
        MAX_FREE_CANCEL_HOURS,
        "hours",
    );
    if !fields.is_empty() {
        return Err(AppError::Invalid(fields));
    }
    // Slots start on a grid as fine as the shortest session, at most every 30 minutes.
    let step = lengths.iter().copied().min().unwrap_or(30).min(30);
    let mut tx = db.begin_write().await?;
    store::save_availability(
        &mut tx,
        &AvailabilityUpdate {
            st_id: &user.id,
            session_minutes: &lengths,
            step_minutes: step,
            buffer_before_minutes: before,
            buffer_after_minutes: after,
            minimum_notice_minutes: notice * 60,
            horizon_days: horizon,
            free_cancel_hours: cancel,
            weekly: &weekly,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn add_override(
    db: &Db,
    user: &SessionUser,
    date: &str,
    hours: &str,
    now: i64,
) -> Result<(), AppError> {
    ensure_teaches(db, user).await?;
    let mut fields = FieldErrors::default();
    let zone = jiff::tz::TimeZone::get(&user.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let today = store::timestamp(now).to_zoned_datetime(zone).date();
    match date.trim().parse::<jiff::civil::Date>() {
        Ok(day) if day >= today => {}
        Ok(_) => fields.add("date", "Choose today or a later date."),
        Err(_) => fields.add("date", "Choose a date."),
    }
    let windows = parse_day_hours(hours).unwrap_or_else(|message| {
        fields.add("hours", message);
        Vec::new()
    });
    if windows.len() > 1 {
        fields.add("hours", "Add one range of extra hours at a time.");
    }
    if !fields.is_empty() {
        return Err(AppError::Invalid(fields));
    }
    let mut tx = db.begin_write().await?;
    store::add_override(&mut tx, &user.id, date.trim(), windows.first().copied()).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove_override(db: &Db, user: &SessionUser, id: &str) -> Result<(), AppError> {
    let mut conn = db.pool().acquire().await?;
    if !store::remove_override(&mut conn, &user.id, id).await? {
        return Err(AppError::NotFound("That date is not in your list.".into()));
    }
    Ok(())
}
