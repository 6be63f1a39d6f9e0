//! The booking page (SBOK) as data: the course's S-Ts, one S-T's month with the days that have
//! free slots, the chosen day's slots and the slot being confirmed, all in the viewer's zone.
//! Slots come from the same function that accepts bookings.

use crate::auth::SessionUser;
use crate::db::Db;
use crate::services::booking::{course_student_teachers, session_detail, times_in, when_in};
use crate::store::booking::{self as store, timestamp};
use domain::availability::{Interval, free_slots};
use domain::booking::CancellationPolicy;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use wire::error::AppError;
use wire::sessions::{
    BookingPage, CalendarDay, DaySlots, EnrollmentCredits, Rescheduling, SlotChoice, StCalendar,
    StChoice,
};

/// How many months ahead of the current one the calendar lets you page.
const MONTHS_AHEAD: i64 = 3;

pub struct BookingQuery<'a> {
    pub course_id: &'a str,
    pub st_id: Option<&'a str>,
    pub month: Option<&'a str>,
    pub day: Option<&'a str>,
    pub start_at: Option<&'a str>,
    pub duration_minutes: Option<i64>,
    pub reschedule: Option<&'a str>,
}

fn local_start_of(date: Date, zone: &TimeZone) -> Timestamp {
    zone.to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

fn seconds_of(rfc3339: &str) -> i64 {
    rfc3339.parse::<Timestamp>().map_or(0, |at| at.as_second())
}

fn month_of(text: Option<&str>, today: Date) -> Date {
    text.and_then(|text| format!("{text}-01").parse::<Date>().ok())
        .unwrap_or_else(|| today.first_of_month())
}

pub async fn booking_page(
    db: &Db,
    user: &SessionUser,
    query: &BookingQuery<'_>,
    now: i64,
) -> Result<BookingPage, AppError> {
    let course = crate::store::catalog::find_published(db.pool(), query.course_id)
        .await?
        .ok_or_else(AppError::course_not_found)?;
    let rescheduling = match query.reschedule {
        Some(id) => {
            let detail = session_detail(db, user, id, now).await?;
            Some((
                detail.session.st_id.clone(),
                Rescheduling {
                    session_id: detail.session.id.clone(),
                    when: detail.when_viewer.clone(),
                    duration_minutes: (seconds_of(&detail.session.end_at)
                        - seconds_of(&detail.session.start_at))
                        / 60,
                },
            ))
        }
        None => None,
    };
    let st_id = rescheduling
        .as_ref()
        .map(|(st, _)| st.as_str())
        .or(query.st_id);
    let listed = course_student_teachers(db, query.course_id, now).await?;
    // Acquired only after every call that takes its own connection (see
    // `course_student_teachers`).
    let mut conn = db.pool().acquire().await?;
    let credits = store::enrollment_credits(&mut conn, &user.id, query.course_id)
        .await?
        .map(
            |(enrollment_id, session_credits, deferred_credits)| EnrollmentCredits {
                enrollment_id,
                course_id: query.course_id.to_owned(),
                session_credits,
                deferred_credits,
            },
        );
    let session_price =
        match crate::store::payments::session_price(&mut conn, query.course_id).await? {
            Some((cents, currency)) => {
                Some(crate::services::stored_money(cents, &currency)?.to_string())
            }
            None => None,
        };
    let viewer_zone = TimeZone::get(&user.time_zone).unwrap_or(TimeZone::UTC);
    let sts: Vec<StChoice> = listed
        .sts
        .iter()
        .filter(|st| st.id != user.id)
        .map(|st| StChoice {
            id: st.id.clone(),
            name: st.name.clone(),
            time_zone: st.time_zone.clone(),
            next_free: st.next_free_slot.as_ref().map(|slot| {
                when_in(
                    seconds_of(&slot.start_at),
                    seconds_of(&slot.end_at),
                    &user.time_zone,
                )
            }),
            rating: domain::attendance::rating_line(
                st.rating.map(|stars| (stars * 10.0).round() as i64),
                st.rating_count,
            ),
            selected: Some(st.id.as_str()) == st_id,
        })
        .collect();
    let calendar = match st_id.and_then(|id| listed.sts.iter().find(|st| st.id == id)) {
        Some(st) => Some(
            calendar(
                &mut conn,
                &st.id,
                &st.name,
                &st.time_zone,
                &viewer_zone,
                query,
                rescheduling.as_ref().map(|(_, r)| r),
                now,
            )
            .await?,
        ),
        None => None,
    };
    Ok(BookingPage {
        course_id: course.id,
        course_title: course.title,
        viewer_time_zone: user.time_zone.clone(),
        credits,
        session_price,
        sts,
        calendar,
        rescheduling: rescheduling.map(|(_, r)| r),
        // A fresh key per render: the confirm form sends it, so a resubmitted form books once.
        idempotency_key: crate::store::new_id(),
    })
}

#[allow(clippy::too_many_arguments)]
async fn calendar(
    conn: &mut sqlx::AnyConnection,
    st_id: &str,
    st_name: &str,
    st_zone_name: &str,
    viewer_zone: &TimeZone,
    query: &BookingQuery<'_>,
    rescheduling: Option<&Rescheduling>,
    now: i64,
) -> Result<StCalendar, AppError> {
    let today = timestamp(now).to_zoned_datetime(viewer_zone.clone()).date();
    let this_month = today.first_of_month();
    let last_month = this_month
        .checked_add((MONTHS_AHEAD as i32).months())
        .unwrap_or(this_month);
    let month = month_of(query.month, today).clamp(this_month, last_month);
    let next_month_start = month.checked_add(1.month()).unwrap_or(month);
    let stored = store::load_availability(conn, st_id).await?;
    let month_range = Interval {
        start: local_start_of(month, viewer_zone).max(timestamp(now)),
        end: local_start_of(next_month_start, viewer_zone),
    };
    let slots = match &stored {
        Some(stored) if month_range.start < month_range.end => {
            let booked = store::active_sessions(
                conn,
                st_id,
                month_range.start.as_second() - 2 * 86_400,
                month_range.end.as_second() + 2 * 86_400,
                rescheduling.map(|r| r.session_id.as_str()),
            )
            .await?;
            free_slots(&stored.rules, &booked, timestamp(now), month_range)
                .into_iter()
                .filter(|slot| {
                    rescheduling.is_none_or(|r| slot.duration_minutes == r.duration_minutes)
                })
                .collect()
        }
        _ => Vec::new(),
    };
    let local_date = |at: Timestamp| at.to_zoned_datetime(viewer_zone.clone()).date();
    let selected_day = query
        .day
        .and_then(|text| text.parse::<Date>().ok())
        .filter(|date| date.first_of_month() == month);
    let choice = |slot: &domain::availability::Slot| SlotChoice {
        start_at: slot.start.to_string(),
        duration_minutes: slot.duration_minutes,
        label: format!(
            "{}–{}",
            slot.start
                .to_zoned_datetime(viewer_zone.clone())
                .strftime("%H:%M"),
            slot.end
                .to_zoned_datetime(viewer_zone.clone())
                .strftime("%H:%M")
        ),
        st_label: times_in(slot.start.as_second(), slot.end.as_second(), st_zone_name),
    };
    let days_with_slots: std::collections::BTreeSet<Date> =
        slots.iter().map(|slot| local_date(slot.start)).collect();
    // Monday-first grid covering the month.
    let mut weeks = Vec::new();
    let offset = i64::from(month.weekday().to_monday_zero_offset());
    let mut date = month
        .checked_sub(SignedDuration::from_hours(24 * offset))
        .unwrap_or(month);
    while date < next_month_start {
        let mut week = Vec::with_capacity(7);
        for _ in 0..7 {
            week.push(CalendarDay {
                date: date.to_string(),
                day_of_month: date.day(),
                in_month: date.first_of_month() == month,
                has_slots: days_with_slots.contains(&date),
                is_today: date == today,
                is_selected: Some(date) == selected_day,
            });
            date = date.tomorrow().unwrap_or(date);
        }
        weeks.push(week);
    }
    let day = selected_day.map(|date| DaySlots {
        date: date.to_string(),
        label: date.strftime("%A %-d %B").to_string(),
        slots: slots
            .iter()
            .filter(|slot| local_date(slot.start) == date)
            .map(choice)
            .collect(),
    });
    let requested = query
        .start_at
        .and_then(|text| text.parse::<Timestamp>().ok())
        .zip(query.duration_minutes);
    let confirm = requested.and_then(|(start, minutes)| {
        slots
            .iter()
            .find(|slot| slot.start == start && slot.duration_minutes == minutes)
            .map(choice)
    });
    let unavailable = (requested.is_some() && confirm.is_none())
        .then(|| domain::availability::SlotRefusal::Taken.to_string());
    let policy = stored.map(|s| s.policy).unwrap_or_default();
    Ok(StCalendar {
        st_id: st_id.to_owned(),
        st_name: st_name.to_owned(),
        st_time_zone: st_zone_name.to_owned(),
        policy: CancellationPolicy::describe(policy),
        month: month.strftime("%Y-%m").to_string(),
        month_label: month.strftime("%B %Y").to_string(),
        previous_month: (month > this_month).then(|| {
            month
                .checked_sub(1.month())
                .unwrap_or(month)
                .strftime("%Y-%m")
                .to_string()
        }),
        next_month: (month < last_month).then(|| next_month_start.strftime("%Y-%m").to_string()),
        weeks,
        day,
        confirm,
        unavailable,
    })
}
