//! A booked session held in a video room: when its participants may join, how long each was
//! present (from join and leave reports that may come twice or out of order), what the room's
//! end makes of the session, and the feedback each gives afterwards.
//!
//! Times are Unix seconds (UTC).

/// The join button is live this long before a session starts…
pub const JOIN_OPENS_BEFORE_SECS: i64 = 15 * 60;
/// …and this long after it was due to end.
pub const JOIN_GRACE_AFTER_SECS: i64 = 15 * 60;

/// Where `now` falls against the time a session's participants may join it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinWindow {
    /// Not yet: it opens at this instant.
    OpensAt(i64),
    Open,
    /// The session and its grace time are over.
    Closed,
}

/// When the session from `start` to `end` may be joined, seen at `now`: from 15 minutes before
/// its start until 15 minutes after its end.
pub fn join_window(start: i64, end: i64, now: i64) -> JoinWindow {
    let opens = start - JOIN_OPENS_BEFORE_SECS;
    if now < opens {
        JoinWindow::OpensAt(opens)
    } else if now <= end + JOIN_GRACE_AFTER_SECS {
        JoinWindow::Open
    } else {
        JoinWindow::Closed
    }
}

/// One participant's report from the room.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    Joined,
    Left,
}

/// How many seconds a participant was in the room, from their join and leave reports in any
/// order, given once each (the webhook dedupes by event id). Reports are put in time order; a
/// stay runs from a join to the next leave, a second join before a leave changes nothing, a
/// leave with no join before it (its join was never reported) counts nothing, and a stay not
/// left by `room_end` ends there. Without `room_end` (the room is still open) an unfinished
/// stay counts nothing yet.
pub fn seconds_present(reports: &[(i64, Presence)], room_end: Option<i64>) -> i64 {
    stays(reports, room_end).map(|(from, to)| to - from).sum()
}

/// Each stay in the room, from its join to its leave (see [`seconds_present`]).
fn stays(reports: &[(i64, Presence)], room_end: Option<i64>) -> impl Iterator<Item = (i64, i64)> {
    let mut ordered = reports.to_vec();
    // At one instant a leave comes before a join: a reconnect is two stays, not one.
    ordered.sort_by_key(|&(at, presence)| (at, presence == Presence::Joined));
    let mut stays = Vec::new();
    let mut since = None;
    for (at, presence) in ordered {
        let at = room_end.map_or(at, |end| at.min(end));
        match (presence, since) {
            (Presence::Joined, None) => since = Some(at),
            (Presence::Left, Some(joined)) => {
                stays.push((joined, at));
                since = None;
            }
            (Presence::Joined, Some(_)) | (Presence::Left, None) => {}
        }
    }
    if let (Some(joined), Some(end)) = (since, room_end) {
        stays.push((joined, end));
    }
    stays.into_iter()
}

/// Seconds a participant was present during the session's own time: from its scheduled `start`
/// (waiting in the room before it counts nothing: an S-T who looks in early and leaves has not
/// taught) until `until`, the room's end or the last moment it could be joined. Reports are
/// taken as [`seconds_present`] takes them.
pub fn seconds_present_during(reports: &[(i64, Presence)], start: i64, until: i64) -> i64 {
    stays(reports, Some(until))
        .map(|(from, to)| (to.min(until) - from.max(start)).max(0))
        .sum()
}

/// Whether the room's end at `room_end` settles the session scheduled to end at `end`: only
/// once its scheduled time is over. An earlier end (the Student-Teacher pressing End, the video
/// service closing a room nobody is in) only closes the room: either side may open it again
/// inside the join window, and the session is settled by a later end or at [`settles_by`].
pub fn room_end_settles(end: i64, room_end: i64) -> bool {
    room_end >= end
}

/// When a session whose room saw someone but never reported a settling end is settled from the
/// presence recorded: once its join window has closed.
pub fn settles_by(end: i64) -> i64 {
    end + JOIN_GRACE_AFTER_SECS
}

/// What the end of the room makes of a session, from who was there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Both attended: the session is completed and its Student-Teacher earns it.
    Completed,
    /// The student did not come: a no-show, and the credit (or payment) is spent.
    StudentAbsent,
    /// The Student-Teacher did not come (whether or not the student did): the student gets their
    /// credit, or their payment for the session, back, and both are told.
    TeacherAbsent,
}

impl Outcome {
    /// Whether the student gets back what the session cost them.
    pub fn returns_to_student(self) -> bool {
        self == Outcome::TeacherAbsent
    }

    /// Whether the Student-Teacher is paid for the session.
    pub fn pays_teacher(self) -> bool {
        self == Outcome::Completed
    }
}

/// The session's outcome from each side's seconds in the room: a side attended when it was
/// present at all. The teacher's absence decides first: a student is never charged for a
/// session nobody taught.
pub fn outcome(student_seconds: i64, teacher_seconds: i64) -> Outcome {
    match (student_seconds > 0, teacher_seconds > 0) {
        (_, false) => Outcome::TeacherAbsent,
        (false, true) => Outcome::StudentAbsent,
        (true, true) => Outcome::Completed,
    }
}

/// The most characters a feedback comment may have.
pub const MAX_COMMENT_CHARS: usize = 2000;

/// Feedback on a completed session: 1 to 5 stars and an optional comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Feedback {
    stars: u8,
    comment: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FeedbackError {
    #[error("Choose from 1 to 5 stars.")]
    Stars,
    #[error("Keep your comment to 2,000 characters.")]
    CommentTooLong,
}

impl Feedback {
    /// Checks the stars and trims the comment; a blank comment is none.
    pub fn new(stars: i64, comment: Option<&str>) -> Result<Feedback, FeedbackError> {
        let stars = u8::try_from(stars)
            .ok()
            .filter(|stars| (1..=5).contains(stars))
            .ok_or(FeedbackError::Stars)?;
        let comment = comment.map(str::trim).filter(|comment| !comment.is_empty());
        if comment.is_some_and(|comment| comment.chars().count() > MAX_COMMENT_CHARS) {
            return Err(FeedbackError::CommentTooLong);
        }
        Ok(Feedback {
            stars,
            comment: comment.map(str::to_owned),
        })
    }

    pub fn stars(&self) -> u8 {
        self.stars
    }

    pub fn comment(&self) -> Option<&str> {
        self.comment.as_deref()
    }
}

/// A Student-Teacher's rating as shown: the average of their stars to one decimal ("4.7"),
/// computed in integers so every reader rounds alike (half up). None before any feedback.
pub fn average_stars(total_stars: i64, count: i64) -> Option<String> {
    let tenths = average_tenths(total_stars, count)?;
    Some(format!("{}.{}", tenths / 10, tenths % 10))
}

/// The same average in tenths of a star (47 for 4.7), for the API's number.
pub fn average_tenths(total_stars: i64, count: i64) -> Option<i64> {
    (count > 0).then(|| (total_stars * 10 * 2 + count) / (count * 2))
}

/// A Student-Teacher's rating as people read it, from its average in tenths of a star and how
/// many ratings it is of: "Rated 4.5 of 5 (2 ratings)".
pub fn rating_line(average_tenths: Option<i64>, count: i64) -> String {
    match average_tenths.filter(|_| count > 0) {
        None => "No ratings yet".to_owned(),
        Some(tenths) => format!(
            "Rated {}.{} of 5 ({count} rating{})",
            tenths / 10,
            tenths % 10,
            if count == 1 { "" } else { "s" }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Presence::{Joined, Left};
    use proptest::prelude::*;

    const START: i64 = 1_800_000_000;
    const END: i64 = START + 3600;

    #[test]
    fn the_room_opens_15_minutes_before_the_start_and_closes_15_minutes_after_the_end() {
        assert_eq!(
            join_window(START, END, START - 15 * 60 - 1),
            JoinWindow::OpensAt(START - 15 * 60)
        );
        assert_eq!(join_window(START, END, START - 15 * 60), JoinWindow::Open);
        assert_eq!(join_window(START, END, END + 15 * 60), JoinWindow::Open);
        assert_eq!(
            join_window(START, END, END + 15 * 60 + 1),
            JoinWindow::Closed
        );
    }

    #[test]
    fn stays_add_up_across_rejoins() {
        let reports = [
            (START, Joined),
            (START + 600, Left),
            (START + 900, Joined),
            (START + 1500, Left),
        ];
        assert_eq!(seconds_present(&reports, Some(END)), 1200);
    }

    #[test]
    fn a_stay_not_left_ends_with_the_room_and_counts_nothing_while_it_is_open() {
        let reports = [(START + 60, Joined)];
        assert_eq!(seconds_present(&reports, Some(END)), 3540);
        assert_eq!(seconds_present(&reports, None), 0);
    }

    #[test]
    fn a_leave_reported_before_its_join_is_put_in_order() {
        let reports = [(START + 600, Left), (START, Joined)];
        assert_eq!(seconds_present(&reports, Some(END)), 600);
    }

    #[test]
    fn a_leave_without_a_join_and_a_second_join_count_nothing_more() {
        let reports = [
            (START - 60, Left),
            (START, Joined),
            (START + 60, Joined),
            (START + 600, Left),
        ];
        assert_eq!(seconds_present(&reports, Some(END)), 600);
    }

    #[test]
    fn a_reconnect_at_one_instant_is_two_stays() {
        let reports = [
            (START + 300, Joined),
            (START, Joined),
            (START + 300, Left),
            (START + 900, Left),
        ];
        assert_eq!(seconds_present(&reports, Some(END)), 900);
    }

    #[test]
    fn reports_after_the_room_ended_count_up_to_its_end() {
        let reports = [(START, Joined), (END + 600, Left)];
        assert_eq!(seconds_present(&reports, Some(END)), 3600);
    }

    #[test]
    fn only_time_inside_the_session_counts() {
        // Looked in 14 minutes early for a minute, then gone: not there.
        let early = [(START - 14 * 60, Joined), (START - 13 * 60, Left)];
        assert_eq!(seconds_present_during(&early, START, END), 0);
        // Waiting from early on counts from the start; a stay not left ends at `until`.
        let waiting = [(START - 600, Joined)];
        assert_eq!(seconds_present_during(&waiting, START, END), 3600);
        assert_eq!(seconds_present_during(&waiting, START, START + 60), 60);
        let late = [(START + 600, Joined), (END + 600, Left)];
        assert_eq!(seconds_present_during(&late, START, END + 900), 3600);
        // A room that ended before the start: nobody was there.
        assert_eq!(seconds_present_during(&waiting, START, START - 60), 0);
    }

    #[test]
    fn a_rooms_end_settles_the_session_only_once_its_time_is_over() {
        assert!(!room_end_settles(END, START - 14 * 60));
        assert!(!room_end_settles(END, END - 1));
        assert!(room_end_settles(END, END));
        assert_eq!(settles_by(END), END + 15 * 60);
    }

    #[test]
    fn the_teachers_absence_gives_the_student_their_session_back() {
        assert_eq!(outcome(1200, 1200), Outcome::Completed);
        assert_eq!(outcome(0, 1200), Outcome::StudentAbsent);
        assert_eq!(outcome(1200, 0), Outcome::TeacherAbsent);
        assert_eq!(outcome(0, 0), Outcome::TeacherAbsent);
        assert!(Outcome::TeacherAbsent.returns_to_student());
        assert!(!Outcome::StudentAbsent.returns_to_student());
        assert!(Outcome::Completed.pays_teacher());
        assert!(!Outcome::StudentAbsent.pays_teacher());
    }

    #[test]
    fn feedback_is_one_to_five_stars_and_a_comment_of_at_most_2000_characters() {
        assert_eq!(Feedback::new(0, None), Err(FeedbackError::Stars));
        assert_eq!(Feedback::new(6, None), Err(FeedbackError::Stars));
        assert_eq!(Feedback::new(-1, None), Err(FeedbackError::Stars));
        assert_eq!(Feedback::new(256 + 4, None), Err(FeedbackError::Stars));
        let kept = Feedback::new(5, Some("  Clear and kind.  ")).unwrap();
        assert_eq!((kept.stars(), kept.comment()), (5, Some("Clear and kind.")));
        assert_eq!(Feedback::new(3, Some("   ")).unwrap().comment(), None);
        let long = "é".repeat(MAX_COMMENT_CHARS);
        assert!(Feedback::new(4, Some(&long)).is_ok());
        assert_eq!(
            Feedback::new(4, Some(&format!("{long}x"))),
            Err(FeedbackError::CommentTooLong)
        );
    }

    #[test]
    fn the_average_is_shown_to_one_decimal_rounded_half_up() {
        assert_eq!(average_stars(0, 0), None);
        assert_eq!(average_stars(5, 1).as_deref(), Some("5.0"));
        assert_eq!(average_stars(14, 3).as_deref(), Some("4.7"));
        assert_eq!(average_stars(9, 2).as_deref(), Some("4.5"));
        assert_eq!(average_stars(29, 20).as_deref(), Some("1.5"));
        assert_eq!(average_stars(7, 6).as_deref(), Some("1.2"));
    }

    fn reports() -> impl Strategy<Value = Vec<(i64, Presence)>> {
        proptest::collection::vec(
            (
                START - 600..END + 600,
                prop_oneof![Just(Joined), Just(Left)],
            ),
            0..12,
        )
    }

    proptest! {
        #[test]
        fn presence_does_not_depend_on_the_order_reports_arrive_in(
            reports in reports(),
            seed in any::<u64>(),
        ) {
            let mut shuffled = reports.clone();
            // A deterministic shuffle from the seed.
            let mut state = seed;
            for i in (1..shuffled.len()).rev() {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                shuffled.swap(i, (state >> 33) as usize % (i + 1));
            }
            prop_assert_eq!(
                seconds_present(&reports, Some(END)),
                seconds_present(&shuffled, Some(END))
            );
        }

        #[test]
        fn presence_during_the_session_is_never_more_than_its_time_nor_than_all_presence(
            reports in reports(),
            until in START - 600..END + 600,
        ) {
            let during = seconds_present_during(&reports, START, until);
            prop_assert!(during >= 0 && during <= (until - START).max(0));
            prop_assert!(during <= seconds_present(&reports, Some(until.max(START))));
        }

        #[test]
        fn presence_is_never_negative_nor_longer_than_the_room_was_open(reports in reports()) {
            let present = seconds_present(&reports, Some(END));
            let first = reports.iter().map(|&(at, _)| at).min().unwrap_or(END);
            prop_assert!(present >= 0);
            prop_assert!(present <= END - first.min(END));
        }

        #[test]
        fn the_average_lies_between_one_and_five(stars in proptest::collection::vec(1i64..=5, 1..50)) {
            let shown = average_stars(stars.iter().sum(), stars.len() as i64).unwrap();
            let tenths: i64 = shown.replace('.', "").parse().unwrap();
            prop_assert!((10..=50).contains(&tenths));
            let exact = stars.iter().sum::<i64>() as f64 / stars.len() as f64;
            prop_assert!((tenths as f64 / 10.0 - exact).abs() <= 0.05 + 1e-9);
        }
    }

    #[test]
    fn a_rating_reads_as_its_rounded_average_and_count() {
        let line = |stars, count| rating_line(average_tenths(stars, count), count);
        assert_eq!(line(0, 0), "No ratings yet");
        assert_eq!(line(5, 1), "Rated 5.0 of 5 (1 rating)");
        assert_eq!(line(9, 2), "Rated 4.5 of 5 (2 ratings)");
        assert_eq!(line(13, 3), "Rated 4.3 of 5 (3 ratings)");
    }
}
