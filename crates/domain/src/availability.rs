//! A Student-Teacher's availability rules → free slots, in UTC.
//!
//! Rules are data in the S-T's own IANA time zone: weekly hours, date overrides (days off, extra
//! hours), the session lengths offered, buffers, minimum notice and how far ahead students may
//! book. `free_slots` is the one function that decides both what is listed and, through
//! `check_slot`, what a booking may take, so the two can never disagree.
//!
//! Daylight saving time: local times are converted with jiff's "compatible" rule (a time in a
//! spring-forward gap moves forward past the gap; in a fall-back fold the earlier instant is
//! taken), and slots are stepped in absolute time from each window's start. A window from 01:00
//! to 04:00 therefore holds two hours of slots on a spring-forward night and four on a fall-back
//! night: every slot is exactly as long as offered, none is listed twice.

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeSet;

/// A local time of day as minutes after midnight, from 00:00 to 24:00 inclusive. A window may
/// end at 24:00 (the next midnight), which `jiff::civil::Time` cannot express: its last value
/// is 23:59:59.999…, and a window ending there would lose the last slot of the day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DayTime(i64);

impl DayTime {
    pub const MIDNIGHT: DayTime = DayTime(0);
    pub const END_OF_DAY: DayTime = DayTime(1440);

    /// `None` outside 00:00..=24:00.
    pub const fn from_minute(minute: i64) -> Option<DayTime> {
        if minute >= 0 && minute <= 1440 {
            Some(DayTime(minute))
        } else {
            None
        }
    }

    /// `hours:minutes`; panics outside 00:00..=24:00 (for constants and tests).
    pub const fn hm(hours: i64, minutes: i64) -> DayTime {
        match DayTime::from_minute(hours * 60 + minutes) {
            Some(time) => time,
            None => panic!("a time of day is between 00:00 and 24:00"),
        }
    }

    pub const fn minute(self) -> i64 {
        self.0
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct WeeklyHours {
    pub weekday: Weekday,
    pub start: DayTime,
    pub end: DayTime,
}

#[derive(Clone, Debug, PartialEq)]
pub enum DateOverride {
    /// No availability on this local date, whatever the weekly hours say.
    DayOff(Date),
    /// Availability on this local date on top of the weekly hours.
    ExtraHours {
        date: Date,
        start: DayTime,
        end: DayTime,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Rules {
    pub time_zone: TimeZone,
    pub weekly: Vec<WeeklyHours>,
    pub overrides: Vec<DateOverride>,
    /// Session lengths offered, in minutes.
    pub session_minutes: Vec<i64>,
    /// Slots start every this many minutes from the start of each window.
    pub step_minutes: i64,
    pub buffer_before_minutes: i64,
    pub buffer_after_minutes: i64,
    pub minimum_notice_minutes: i64,
    pub horizon_days: i64,
}

/// A span of absolute time, `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Interval {
    pub start: Timestamp,
    pub end: Timestamp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Slot {
    pub start: Timestamp,
    pub end: Timestamp,
    pub duration_minutes: i64,
}

/// Why a requested slot cannot be booked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SlotRefusal {
    #[error("This Student-Teacher doesn't offer sessions of that length.")]
    LengthNotOffered,
    #[error("That time has passed. Choose a later time.")]
    InThePast,
    #[error("That time is too soon to book. Choose a later time.")]
    TooSoon,
    #[error("That time is too far ahead to book yet.")]
    TooFarAhead,
    #[error("This time is no longer available. Select another.")]
    Taken,
    #[error("The Student-Teacher isn't available at that time.")]
    OutsideAvailability,
}

fn minutes(value: i64) -> SignedDuration {
    SignedDuration::from_mins(value)
}

impl Rules {
    /// The time a booking of `session` blocks: the session with its buffers. Two bookings may
    /// not block overlapping time.
    pub fn blocked(&self, session: Interval) -> Interval {
        Interval {
            start: session.start - minutes(self.buffer_before_minutes),
            end: session.end + minutes(self.buffer_after_minutes),
        }
    }

    fn conflicts(&self, candidate: Interval, booked: &[Interval]) -> bool {
        let wanted = self.blocked(candidate);
        booked.iter().any(|&session| {
            let taken = self.blocked(session);
            wanted.start < taken.end && taken.start < wanted.end
        })
    }

    /// The instant of `time` on the local `date`; 24:00 is the next day's midnight.
    fn at(&self, date: Date, time: DayTime) -> Option<Timestamp> {
        let local = date
            .to_datetime(Time::midnight())
            .checked_add(minutes(time.minute()))
            .ok()?;
        self.time_zone.to_timestamp(local).ok()
    }

    /// Availability windows, in absolute time, of the local dates `first..=last`.
    fn windows(&self, first: Date, last: Date) -> Vec<Interval> {
        let mut windows = Vec::new();
        let mut date = first;
        while date <= last {
            let day_off = self
                .overrides
                .iter()
                .any(|o| matches!(o, DateOverride::DayOff(d) if *d == date));
            let weekly = self
                .weekly
                .iter()
                .filter(|hours| !day_off && hours.weekday == date.weekday())
                .map(|hours| (hours.start, hours.end));
            let extra = self.overrides.iter().filter_map(|o| match o {
                DateOverride::ExtraHours {
                    date: d,
                    start,
                    end,
                } if *d == date => Some((*start, *end)),
                _ => None,
            });
            for (start, end) in weekly.chain(extra) {
                if let (Some(start), Some(end)) = (self.at(date, start), self.at(date, end))
                    && start < end
                {
                    windows.push(Interval { start, end });
                }
            }
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
        windows
    }
}

/// Free slots that start and end within `range`, given the sessions already `booked` (active
/// bookings, without buffers) and the current time. Sorted by start, then length.
pub fn free_slots(
    rules: &Rules,
    booked: &[Interval],
    now: Timestamp,
    range: Interval,
) -> Vec<Slot> {
    if rules.step_minutes <= 0 || range.start >= range.end {
        return Vec::new();
    }
    let earliest = now + minutes(rules.minimum_notice_minutes);
    let latest = now + SignedDuration::from_hours(24 * rules.horizon_days);
    let local_date = |at: Timestamp| rules.time_zone.to_datetime(at).date();
    // Local dates can begin up to a day before or after the UTC range's dates.
    let first = local_date(range.start)
        .yesterday()
        .unwrap_or(local_date(range.start));
    let last = local_date(range.end)
        .tomorrow()
        .unwrap_or(local_date(range.end));
    let mut slots = BTreeSet::new();
    for window in rules.windows(first, last) {
        for &length in rules.session_minutes.iter().filter(|&&m| m > 0) {
            let mut start = window.start;
            while start + minutes(length) <= window.end {
                let slot = Interval {
                    start,
                    end: start + minutes(length),
                };
                let bookable = slot.start >= range.start
                    && slot.end <= range.end
                    && slot.start >= earliest
                    && slot.start <= latest
                    && !rules.conflicts(slot, booked);
                if bookable {
                    slots.insert(Slot {
                        start: slot.start,
                        end: slot.end,
                        duration_minutes: length,
                    });
                }
                start += minutes(rules.step_minutes);
            }
        }
    }
    slots.into_iter().collect()
}

/// Whether a booking of `duration_minutes` at `start` may be taken now: exactly when
/// `free_slots` lists it. The refusal says why not.
pub fn check_slot(
    rules: &Rules,
    booked: &[Interval],
    now: Timestamp,
    start: Timestamp,
    duration_minutes: i64,
) -> Result<Slot, SlotRefusal> {
    if !rules.session_minutes.contains(&duration_minutes) {
        return Err(SlotRefusal::LengthNotOffered);
    }
    if start < now {
        return Err(SlotRefusal::InThePast);
    }
    if start < now + minutes(rules.minimum_notice_minutes) {
        return Err(SlotRefusal::TooSoon);
    }
    if start > now + SignedDuration::from_hours(24 * rules.horizon_days) {
        return Err(SlotRefusal::TooFarAhead);
    }
    let session = Interval {
        start,
        end: start + minutes(duration_minutes),
    };
    let listed = free_slots(rules, booked, now, session);
    if listed
        .iter()
        .any(|slot| slot.start == start && slot.duration_minutes == duration_minutes)
    {
        return Ok(Slot {
            start,
            end: session.end,
            duration_minutes,
        });
    }
    // Not listed: taken if it would be listed without the existing bookings.
    if free_slots(rules, &[], now, session)
        .iter()
        .any(|slot| slot.start == start && slot.duration_minutes == duration_minutes)
    {
        Err(SlotRefusal::Taken)
    } else {
        Err(SlotRefusal::OutsideAvailability)
    }
}

/// The week as the availability editor names it (form field, day), Monday first as ISO counts.
pub const WEEKDAYS: [(&str, &str); 7] = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
];

/// Limits of the availability editor, so no rule set can make slot listing expensive.
pub const SESSION_LENGTHS: [i64; 4] = [30, 45, 60, 90];
pub const MAX_BUFFER_MINUTES: i64 = 120;
pub const MAX_NOTICE_HOURS: i64 = 14 * 24;
pub const MAX_HORIZON_DAYS: i64 = 365;
pub const MAX_FREE_CANCEL_HOURS: i64 = 7 * 24;

/// "HH:MM" → minutes after midnight; "24:00" is the end of the day.
pub fn parse_clock(text: &str) -> Option<i64> {
    let (hours, minutes) = text.trim().split_once(':')?;
    let (hours, minutes): (i64, i64) = (hours.parse().ok()?, minutes.parse().ok()?);
    let total = hours * 60 + minutes;
    ((0..60).contains(&minutes) && (0..=1440).contains(&total)).then_some(total)
}

pub fn format_clock(minute: i64) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// One day's hours as typed: "09:00-12:00, 13:00-17:00" (empty = not available). Windows must
/// be in order and not overlap.
pub fn parse_day_hours(text: &str) -> Result<Vec<(i64, i64)>, String> {
    let mut windows: Vec<(i64, i64)> = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let parsed = part
            .split_once(['-', '–'])
            .and_then(|(start, end)| Some((parse_clock(start)?, parse_clock(end)?)));
        let Some((start, end)) = parsed else {
            return Err(format!("Write hours like 09:00-17:00 (not \"{part}\")."));
        };
        if start >= end {
            return Err(format!("{part}: the end must be after the start."));
        }
        if windows
            .last()
            .is_some_and(|&(_, previous_end)| start < previous_end)
        {
            return Err("List the hours in order, without overlaps.".into());
        }
        windows.push((start, end));
    }
    Ok(windows)
}

pub fn format_day_hours(windows: &[(i64, i64)]) -> String {
    windows
        .iter()
        .map(|&(start, end)| format!("{}-{}", format_clock(start), format_clock(end)))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn zone(name: &str) -> TimeZone {
        TimeZone::get(name).unwrap()
    }

    fn rules(zone_name: &str, weekly: Vec<WeeklyHours>) -> Rules {
        Rules {
            time_zone: zone(zone_name),
            weekly,
            overrides: vec![],
            session_minutes: vec![60],
            step_minutes: 60,
            buffer_before_minutes: 0,
            buffer_after_minutes: 0,
            minimum_notice_minutes: 0,
            horizon_days: 365,
        }
    }

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn day(zone_name: &str, on: Date) -> Interval {
        let tz = zone(zone_name);
        Interval {
            start: tz.to_timestamp(on.at(0, 0, 0, 0)).unwrap(),
            end: tz
                .to_timestamp(on.tomorrow().unwrap().at(0, 0, 0, 0))
                .unwrap(),
        }
    }

    fn starts(slots: &[Slot]) -> Vec<String> {
        slots.iter().map(|s| s.start.to_string()).collect()
    }

    const NIGHT: fn(Weekday) -> WeeklyHours = |weekday| WeeklyHours {
        weekday,
        start: DayTime::hm(1, 0),
        end: DayTime::hm(4, 0),
    };
    const LONG_AGO: &str = "2026-01-01T00:00:00Z";

    #[test]
    fn a_window_ending_at_midnight_offers_its_last_slot() {
        let late = |weekday| WeeklyHours {
            weekday,
            start: DayTime::hm(22, 0),
            end: DayTime::END_OF_DAY,
        };
        let rules = rules("Europe/Berlin", vec![late(Weekday::Wednesday)]);
        let slots = free_slots(
            &rules,
            &[],
            ts(LONG_AGO),
            day("Europe/Berlin", date(2026, 6, 17)),
        );
        assert_eq!(
            starts(&slots),
            ["2026-06-17T20:00:00Z", "2026-06-17T21:00:00Z"],
            "22:00 and 23:00 in Berlin (UTC+2)"
        );
        assert_eq!(
            check_slot(&rules, &[], ts(LONG_AGO), ts("2026-06-17T21:00:00Z"), 60),
            Ok(slots[1])
        );
    }

    #[test]
    fn day_hours_are_read_and_written_back_the_same() {
        assert_eq!(parse_day_hours(""), Ok(vec![]));
        let hours = parse_day_hours("09:00-12:00, 13:30 - 24:00").unwrap();
        assert_eq!(hours, [(540, 720), (810, 1440)]);
        assert_eq!(format_day_hours(&hours), "09:00-12:00, 13:30-24:00");
        assert!(parse_day_hours("9-5").unwrap_err().contains("09:00-17:00"));
        assert!(
            parse_day_hours("17:00-09:00")
                .unwrap_err()
                .contains("after the start")
        );
        assert!(
            parse_day_hours("09:00-12:00, 11:00-13:00")
                .unwrap_err()
                .contains("overlaps")
        );
        assert_eq!(parse_clock("24:01"), None);
        assert_eq!(parse_clock("10:60"), None);
    }

    #[test]
    fn a_spring_forward_night_holds_two_hours_of_slots() {
        // New York springs forward at 02:00 on 2026-03-08 (a Sunday): 01:00-04:00 is 2 hours.
        let rules = rules("America/New_York", vec![NIGHT(Weekday::Sunday)]);
        let slots = free_slots(
            &rules,
            &[],
            ts(LONG_AGO),
            day("America/New_York", date(2026, 3, 8)),
        );
        assert_eq!(
            starts(&slots),
            ["2026-03-08T06:00:00Z", "2026-03-08T07:00:00Z"]
        );
        assert!(slots.iter().all(|s| s.end - s.start == minutes(60)));
    }

    #[test]
    fn a_fall_back_night_holds_four_hours_of_slots() {
        // New York falls back at 02:00 on 2026-11-01: 01:00 EDT to 04:00 EST is 4 hours.
        let rules = rules("America/New_York", vec![NIGHT(Weekday::Sunday)]);
        let slots = free_slots(
            &rules,
            &[],
            ts(LONG_AGO),
            day("America/New_York", date(2026, 11, 1)),
        );
        assert_eq!(
            starts(&slots),
            [
                "2026-11-01T05:00:00Z",
                "2026-11-01T06:00:00Z",
                "2026-11-01T07:00:00Z",
                "2026-11-01T08:00:00Z"
            ]
        );
    }

    #[test]
    fn sydney_and_berlin_shift_against_each_other() {
        // Sydney leaves DST on 2026-04-05 (03:00 → 02:00); Berlin entered it on 2026-03-29.
        let weekday_nine_to_ten = |weekday| WeeklyHours {
            weekday,
            start: DayTime::hm(9, 0),
            end: DayTime::hm(10, 0),
        };
        let sydney = rules(
            "Australia/Sydney",
            vec![weekday_nine_to_ten(Weekday::Monday)],
        );
        let before = free_slots(
            &sydney,
            &[],
            ts(LONG_AGO),
            day("Australia/Sydney", date(2026, 3, 30)),
        );
        let after = free_slots(
            &sydney,
            &[],
            ts(LONG_AGO),
            day("Australia/Sydney", date(2026, 4, 6)),
        );
        assert_eq!(starts(&before), ["2026-03-29T22:00:00Z"]); // 09:00 AEDT, UTC+11
        assert_eq!(starts(&after), ["2026-04-05T23:00:00Z"]); // 09:00 AEST, UTC+10
        let kolkata = rules("Asia/Kolkata", vec![weekday_nine_to_ten(Weekday::Monday)]);
        let monday = free_slots(
            &kolkata,
            &[],
            ts(LONG_AGO),
            day("Asia/Kolkata", date(2026, 4, 6)),
        );
        assert_eq!(starts(&monday), ["2026-04-06T03:30:00Z"]); // UTC+05:30, no DST
    }

    #[test]
    fn overrides_buffers_notice_and_bookings_are_respected() {
        let mut rules = rules(
            "Europe/Berlin",
            vec![WeeklyHours {
                weekday: Weekday::Wednesday,
                start: DayTime::hm(9, 0),
                end: DayTime::hm(13, 0),
            }],
        );
        rules.overrides = vec![
            DateOverride::DayOff(date(2026, 6, 10)),
            DateOverride::ExtraHours {
                date: date(2026, 6, 13),
                start: DayTime::hm(10, 0),
                end: DayTime::hm(11, 0),
            },
        ];
        let now = ts(LONG_AGO);
        assert!(free_slots(&rules, &[], now, day("Europe/Berlin", date(2026, 6, 10))).is_empty());
        assert_eq!(
            starts(&free_slots(
                &rules,
                &[],
                now,
                day("Europe/Berlin", date(2026, 6, 13))
            )),
            ["2026-06-13T08:00:00Z"]
        );

        // A booking 10:00-11:00 local with 30-minute buffers blocks 09:00 and 11:00 too.
        rules.buffer_before_minutes = 30;
        rules.buffer_after_minutes = 30;
        let booked = [Interval {
            start: ts("2026-06-17T08:00:00Z"),
            end: ts("2026-06-17T09:00:00Z"),
        }];
        let june_17 = day("Europe/Berlin", date(2026, 6, 17));
        assert_eq!(
            starts(&free_slots(&rules, &booked, now, june_17)),
            ["2026-06-17T10:00:00Z"]
        );
        assert_eq!(
            check_slot(&rules, &booked, now, ts("2026-06-17T09:00:00Z"), 60),
            Err(SlotRefusal::Taken)
        );
        assert_eq!(
            check_slot(&rules, &booked, now, ts("2026-06-17T10:00:00Z"), 45),
            Err(SlotRefusal::LengthNotOffered)
        );
        assert_eq!(
            check_slot(&rules, &booked, now, ts("2026-06-17T13:00:00Z"), 60),
            Err(SlotRefusal::OutsideAvailability)
        );
        assert!(check_slot(&rules, &booked, now, ts("2026-06-17T10:00:00Z"), 60).is_ok());

        rules.minimum_notice_minutes = 120;
        let now = ts("2026-06-17T08:30:00Z");
        assert_eq!(
            check_slot(&rules, &[], now, ts("2026-06-17T10:00:00Z"), 60),
            Err(SlotRefusal::TooSoon)
        );
        assert_eq!(
            check_slot(&rules, &[], now, ts("2026-06-17T08:00:00Z"), 60),
            Err(SlotRefusal::InThePast)
        );
        rules.horizon_days = 1;
        assert_eq!(
            check_slot(&rules, &[], now, ts("2026-06-24T08:00:00Z"), 60),
            Err(SlotRefusal::TooFarAhead)
        );
    }

    /// The instant of a local time of day, written out case by case for the oracle.
    fn local_instant(tz: &TimeZone, date: Date, time: DayTime) -> Timestamp {
        let local = if time == DayTime::END_OF_DAY {
            date.tomorrow().unwrap().at(0, 0, 0, 0)
        } else {
            date.at((time.minute() / 60) as i8, (time.minute() % 60) as i8, 0, 0)
        };
        tz.to_timestamp(local).unwrap()
    }

    /// An independent oracle: every whole minute of the range is tried as a start, and a start is
    /// valid when it sits on a window's step grid, fits the window, and breaks no other rule.
    fn oracle(
        rules: &Rules,
        booked: &[Interval],
        now: Timestamp,
        range: Interval,
    ) -> BTreeSet<Slot> {
        let tz = &rules.time_zone;
        let mut windows = Vec::new();
        let mut date = tz.to_datetime(range.start).date().yesterday().unwrap();
        let last = tz.to_datetime(range.end).date().tomorrow().unwrap();
        while date <= last {
            let off = rules.overrides.contains(&DateOverride::DayOff(date));
            for hours in &rules.weekly {
                if !off && hours.weekday == date.weekday() {
                    windows.push((
                        local_instant(tz, date, hours.start),
                        local_instant(tz, date, hours.end),
                    ));
                }
            }
            for o in &rules.overrides {
                if let DateOverride::ExtraHours {
                    date: d,
                    start,
                    end,
                } = o
                    && *d == date
                {
                    windows.push((
                        local_instant(tz, date, *start),
                        local_instant(tz, date, *end),
                    ));
                }
            }
            date = date.tomorrow().unwrap();
        }
        let mut valid = BTreeSet::new();
        let mut start = range.start;
        while start < range.end {
            for &length in &rules.session_minutes {
                let end = start + minutes(length);
                let on_grid = windows.iter().any(|&(ws, we)| {
                    ws <= start && end <= we && (start - ws).as_mins() % rules.step_minutes == 0
                });
                let blocked = |s: Timestamp, e: Timestamp| {
                    (
                        s - minutes(rules.buffer_before_minutes),
                        e + minutes(rules.buffer_after_minutes),
                    )
                };
                let (ws, we) = blocked(start, end);
                let free = booked.iter().all(|b| {
                    let (bs, be) = blocked(b.start, b.end);
                    we <= bs || be <= ws
                });
                if on_grid
                    && free
                    && end <= range.end
                    && start >= now + minutes(rules.minimum_notice_minutes)
                    && start <= now + SignedDuration::from_hours(24 * rules.horizon_days)
                {
                    valid.insert(Slot {
                        start,
                        end,
                        duration_minutes: length,
                    });
                }
            }
            start += minutes(1);
        }
        valid
    }

    const ZONES: [&str; 4] = [
        "America/New_York",
        "Europe/Berlin",
        "Australia/Sydney",
        "Asia/Kolkata",
    ];
    /// Days of 2026 with a DST change in one of the zones (Kolkata has none).
    const TRANSITIONS: [Date; 4] = [
        date(2026, 3, 8),
        date(2026, 3, 29),
        date(2026, 4, 5),
        date(2026, 10, 4),
    ];

    fn weekday(index: u8) -> Weekday {
        Weekday::from_monday_zero_offset(index as i8).unwrap()
    }

    /// Every weekday gets a window, often one that runs to midnight (24:00) and often a night
    /// window across the hours in which DST changes happen, so most cases list slots on a
    /// transition day and at the very end of a day.
    fn arb_rules() -> impl Strategy<Value = Rules> {
        (
            0..ZONES.len(),
            prop::collection::vec((0i64..24, 1i64..25, any::<bool>(), any::<bool>()), 7),
            prop::sample::select(vec![15i64, 30, 60]),
            prop::sample::subsequence(vec![30i64, 45, 60, 90], 1..3),
            (0i64..3, 0i64..3, 0i64..300, 3i64..30),
        )
            .prop_map(
                |(zone_index, days, step, lengths, (before, after, notice, horizon))| {
                    let mut weekly = Vec::new();
                    for (index, (start, length, to_midnight, night)) in days.into_iter().enumerate()
                    {
                        let weekday = weekday(index as u8);
                        weekly.push(WeeklyHours {
                            weekday,
                            start: DayTime::hm(start, 0),
                            end: if to_midnight {
                                DayTime::END_OF_DAY
                            } else {
                                DayTime::hm((start + length).min(24), 0)
                            },
                        });
                        if night {
                            weekly.push(WeeklyHours {
                                weekday,
                                start: DayTime::hm(0, 30),
                                end: DayTime::hm(5, 30),
                            });
                        }
                    }
                    Rules {
                        time_zone: zone(ZONES[zone_index]),
                        weekly,
                        overrides: vec![],
                        session_minutes: lengths,
                        step_minutes: step,
                        buffer_before_minutes: before * 15,
                        buffer_after_minutes: after * 15,
                        minimum_notice_minutes: notice,
                        horizon_days: horizon,
                    }
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn slots_across_dst_changes_match_the_oracle(
            rules in arb_rules(),
            transition in 0..TRANSITIONS.len(),
            offset_hours in -36i64..36,
            span_hours in 24i64..72,
            booked_offsets in prop::collection::vec((0i64..48, 1i64..4), 0..4),
        ) {
            let anchor = rules.time_zone.to_timestamp(TRANSITIONS[transition].at(12, 0, 0, 0)).unwrap();
            let range = Interval {
                start: anchor + SignedDuration::from_hours(offset_hours),
                end: anchor + SignedDuration::from_hours(offset_hours + span_hours),
            };
            let now = range.start - SignedDuration::from_hours(2);
            let booked: Vec<Interval> = booked_offsets
                .into_iter()
                .map(|(at, length)| Interval {
                    start: range.start + minutes(at * 30),
                    end: range.start + minutes(at * 30 + length * 30),
                })
                .collect();
            let slots = free_slots(&rules, &booked, now, range);
            // Sorted and never listed twice.
            prop_assert!(slots.windows(2).all(|pair| pair[0] < pair[1]));
            for slot in &slots {
                // Exactly as long as offered: never shifted or stretched by a DST change.
                prop_assert_eq!(slot.end - slot.start, minutes(slot.duration_minutes));
                prop_assert_eq!(check_slot(&rules, &booked, now, slot.start, slot.duration_minutes), Ok(*slot));
            }
            // Nothing lost, nothing extra.
            let expected = oracle(&rules, &booked, now, range);
            prop_assert_eq!(slots.into_iter().collect::<BTreeSet<_>>(), expected);
        }
    }
}
