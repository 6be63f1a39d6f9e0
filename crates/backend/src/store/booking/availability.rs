//! An S-T's availability as stored: weekly hours, date overrides and the cancellation policy.

use super::*;

/// An S-T's availability as stored: rules in their zone plus the cancellation policy.
#[derive(Clone, Debug)]
pub struct StoredAvailability {
    pub time_zone_name: String,
    pub rules: Rules,
    pub policy: CancellationPolicy,
}

/// One row of [`load_availability`]'s query: which part it is, then that part's columns.
type AvailabilityRow = (
    i64,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);
const SETTINGS: i64 = 0;
const WEEKLY: i64 = 1;
const OVERRIDE: i64 = 2;

/// The S-T's rules, or `None` when they have not set availability (nothing is bookable).
pub async fn load_availability(
    conn: &mut AnyConnection,
    st_id: &str,
) -> Result<Option<StoredAvailability>, AppError> {
    // Settings, weekly hours and date overrides in one statement: booking reads them inside the
    // write turn, where every round trip to the database holds up the writers queued behind.
    let rows: Vec<AvailabilityRow> = sqlx::query_as(
        "SELECT CAST(0 AS BIGINT), u.time_zone, a.session_minutes, a.step_minutes,
                a.buffer_before_minutes, a.buffer_after_minutes, a.minimum_notice_minutes,
                a.horizon_days, a.free_cancel_hours
           FROM st_availability a JOIN users u ON u.id = a.st_id
          WHERE a.st_id = $1
         UNION ALL
         SELECT CAST(1 AS BIGINT), NULL, NULL, weekday, start_minute, end_minute,
                NULL, NULL, NULL
           FROM st_weekly_hours WHERE st_id = $1
         UNION ALL
         SELECT CAST(2 AS BIGINT), on_date, kind, start_minute, end_minute,
                NULL, NULL, NULL, NULL
           FROM st_date_overrides WHERE st_id = $1
         ORDER BY 1, 2, 4, 5",
    )
    .bind(st_id)
    .fetch_all(&mut *conn)
    .await?;
    let Some((zone, lengths, step, before, after, notice, horizon, free_cancel_hours)) =
        rows.iter().find(|row| row.0 == SETTINGS).and_then(|row| {
            Some((
                row.1.clone()?,
                row.2.clone()?,
                row.3?,
                row.4?,
                row.5?,
                row.6?,
                row.7?,
                row.8?,
            ))
        })
    else {
        return Ok(None);
    };
    let weekly = rows
        .iter()
        .filter(|row| row.0 == WEEKLY)
        .filter_map(|row| Some((row.3?, row.4?, row.5?)));
    let overrides = rows
        .iter()
        .filter(|row| row.0 == OVERRIDE)
        .filter_map(|row| Some((row.1.clone()?, row.2.clone()?, row.3, row.4)));
    let time_zone = TimeZone::get(&zone).unwrap_or(TimeZone::UTC);
    let rules = Rules {
        time_zone,
        weekly: weekly
            .filter_map(|(weekday, start, end)| {
                Some(WeeklyHours {
                    weekday: Weekday::from_monday_one_offset(weekday as i8).ok()?,
                    start: DayTime::from_minute(start)?,
                    end: DayTime::from_minute(end)?,
                })
            })
            .collect(),
        overrides: overrides
            .filter_map(|(on_date, kind, start, end)| {
                let date: Date = on_date.parse().ok()?;
                Some(match kind.as_str() {
                    "day_off" => DateOverride::DayOff(date),
                    _ => DateOverride::ExtraHours {
                        date,
                        start: DayTime::from_minute(start?)?,
                        end: DayTime::from_minute(end?)?,
                    },
                })
            })
            .collect(),
        session_minutes: lengths
            .split(',')
            .filter_map(|length| length.trim().parse().ok())
            .collect(),
        step_minutes: step,
        buffer_before_minutes: before,
        buffer_after_minutes: after,
        minimum_notice_minutes: notice,
        horizon_days: horizon,
    };
    Ok(Some(StoredAvailability {
        time_zone_name: zone,
        rules,
        policy: CancellationPolicy {
            free_until_hours_before: free_cancel_hours,
        },
    }))
}

/// The S-T's availability settings, written whole (weekly hours replaced).
pub struct AvailabilityUpdate<'a> {
    pub st_id: &'a str,
    pub session_minutes: &'a [i64],
    pub step_minutes: i64,
    pub buffer_before_minutes: i64,
    pub buffer_after_minutes: i64,
    pub minimum_notice_minutes: i64,
    pub horizon_days: i64,
    pub free_cancel_hours: i64,
    /// (ISO weekday, start minute, end minute)
    pub weekly: &'a [(i64, i64, i64)],
}

pub async fn save_availability(
    conn: &mut AnyConnection,
    update: &AvailabilityUpdate<'_>,
    now: i64,
) -> Result<(), AppError> {
    let lengths = update
        .session_minutes
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    sqlx::query(
        "INSERT INTO st_availability (st_id, session_minutes, step_minutes, buffer_before_minutes,
                                      buffer_after_minutes, minimum_notice_minutes, horizon_days,
                                      free_cancel_hours, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (st_id) DO UPDATE SET
            session_minutes = excluded.session_minutes, step_minutes = excluded.step_minutes,
            buffer_before_minutes = excluded.buffer_before_minutes,
            buffer_after_minutes = excluded.buffer_after_minutes,
            minimum_notice_minutes = excluded.minimum_notice_minutes,
            horizon_days = excluded.horizon_days, free_cancel_hours = excluded.free_cancel_hours,
            updated_at = excluded.updated_at",
    )
    .bind(update.st_id)
    .bind(lengths)
    .bind(update.step_minutes)
    .bind(update.buffer_before_minutes)
    .bind(update.buffer_after_minutes)
    .bind(update.minimum_notice_minutes)
    .bind(update.horizon_days)
    .bind(update.free_cancel_hours)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM st_weekly_hours WHERE st_id = $1")
        .bind(update.st_id)
        .execute(&mut *conn)
        .await?;
    for (weekday, start, end) in update.weekly {
        sqlx::query(
            "INSERT INTO st_weekly_hours (st_id, weekday, start_minute, end_minute)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(update.st_id)
        .bind(*weekday)
        .bind(*start)
        .bind(*end)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn add_override(
    conn: &mut AnyConnection,
    st_id: &str,
    on_date: &str,
    hours: Option<(i64, i64)>,
) -> Result<String, AppError> {
    let id = crate::store::new_id();
    sqlx::query(
        "INSERT INTO st_date_overrides (id, st_id, on_date, kind, start_minute, end_minute)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(st_id)
    .bind(on_date)
    .bind(if hours.is_some() {
        "extra_hours"
    } else {
        "day_off"
    })
    .bind(hours.map(|(start, _)| start))
    .bind(hours.map(|(_, end)| end))
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

pub async fn remove_override(
    conn: &mut AnyConnection,
    st_id: &str,
    override_id: &str,
) -> Result<bool, AppError> {
    let result = sqlx::query("DELETE FROM st_date_overrides WHERE id = $1 AND st_id = $2")
        .bind(override_id)
        .bind(st_id)
        .execute(conn)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// (id, date, start minute, end minute); no hours = day off.
pub async fn list_overrides(
    conn: &mut AnyConnection,
    st_id: &str,
    from_date: &str,
) -> Result<Vec<(String, String, Option<i64>, Option<i64>)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, on_date, start_minute, end_minute FROM st_date_overrides
          WHERE st_id = $1 AND on_date >= $2 ORDER BY on_date, start_minute",
    )
    .bind(st_id)
    .bind(from_date)
    .fetch_all(conn)
    .await?)
}
