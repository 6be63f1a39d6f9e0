//! Booked 1-on-1 sessions as the REST API and the pages see them. Times on the wire are
//! RFC 3339 in UTC; pages get them pre-formatted in the viewer's zone as well.

use domain::booking::{BookingStatus, Party};
use serde::{Deserialize, Serialize};

/// A booked session: the seed's contract for `POST /api/sessions` and `GET /api/sessions/:id`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    pub id: String,
    pub st_id: String,
    pub student_id: String,
    pub course_id: String,
    /// RFC 3339, UTC.
    pub start_at: String,
    /// RFC 3339, UTC.
    pub end_at: String,
    pub status: BookingStatus,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FreeSlot {
    pub start_at: String,
    pub end_at: String,
    pub duration_minutes: i64,
}

/// `GET /api/sts/:id/availability`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Availability {
    pub st_id: String,
    /// The S-T's own IANA time zone.
    pub time_zone: String,
    pub slots: Vec<FreeSlot>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BusyInterval {
    pub start_at: String,
    pub end_at: String,
}

/// `GET /api/sts/:id/bookings`: when the S-T is busy (sessions with their buffers), and nothing
/// about who booked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BusyTimes {
    pub st_id: String,
    pub busy: Vec<BusyInterval>,
}

/// The video service could not be reached in time (503).
pub const VIDEO_UNAVAILABLE: &str = "Video service unavailable. Try again.";
/// The video service refused to open the room or issue a token (503 too); a retry may work.
pub const UNABLE_TO_CONNECT: &str = "Unable to connect.";

/// `POST /api/video/token`: the way into a session's video room.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VideoJoin {
    pub session_id: String,
    pub room_id: String,
    /// Short-lived and for one entry.
    pub token: String,
    /// Where the browser enters the room with the token.
    pub url: String,
    /// The Student-Teacher runs the room.
    pub is_admin: bool,
}

/// `POST /api/sessions/:id/feedback`: the feedback as kept.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedbackGiven {
    pub session_id: String,
    pub stars: i64,
    pub comment: Option<String>,
}

/// `GET /api/sessions/:id/recordings`: one recording of the session, with a link to play it
/// that works until `url_expires_at` (ask again for a fresh one).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Recording {
    pub record_id: String,
    /// Unix seconds: when the video service reported it ready.
    pub recorded_at: i64,
    pub size_bytes: i64,
    pub content_type: String,
    pub url: String,
    /// Unix seconds.
    pub url_expires_at: i64,
}

/// `GET /api/sessions/:id/recordings`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Recordings {
    pub session_id: String,
    pub recordings: Vec<Recording>,
}

/// A certified S-T of a course, as `GET /api/courses/:id/sts` lists them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CourseStudentTeacher {
    pub id: String,
    pub name: String,
    pub time_zone: String,
    /// Average stars students gave them, to one decimal; none until someone rates.
    pub rating: Option<f64>,
    /// How many ratings the average is of.
    pub rating_count: i64,
    pub sessions_taught: i64,
    /// The first free slot within the S-T's booking horizon, if any.
    pub next_free_slot: Option<FreeSlot>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CourseStudentTeachers {
    pub course_id: String,
    pub sts: Vec<CourseStudentTeacher>,
}

/// `POST /api/enrollments/:id/deferred`: the enrollment's credits after deferring one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrollmentCredits {
    pub enrollment_id: String,
    pub course_id: String,
    /// Sessions the student may still book.
    pub session_credits: i64,
    /// Of those, how many the student chose to schedule later.
    pub deferred_credits: i64,
}

/// A session as a participant sees it on SDSH, TDSH and its own page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionDetail {
    pub session: Session,
    pub course_title: String,
    /// The other participant's name.
    pub with_name: String,
    pub viewer_role: Party,
    pub viewer_time_zone: String,
    /// E.g. "Tue 1 Dec 2026, 10:00–11:00".
    pub when_viewer: String,
    /// The same time in the other participant's zone, e.g. "15:30–16:30 in Asia/Kolkata".
    pub when_other: String,
    pub is_upcoming: bool,
    pub late_cancellation: bool,
    pub can_change: bool,
    pub policy: String,
    /// To its student, while the session is held for its payment: what to pay and by when,
    /// e.g. "Pay $25.00 by 14:35 to book this time. Until then it is held for you."
    pub payment_due: Option<String>,
    /// To its student, once it was marked taught: until when they may dispute it (in their
    /// zone, e.g. "Thu 3 Dec, 14:00"), within 48 hours of the marking.
    pub dispute_until: Option<String>,
    /// To its student, what to know of where it stands: why it was cancelled when no one chose
    /// to (a released hold, a refund), or where their dispute of it stands.
    pub status_note: Option<String>,
    /// Its room may be joined now (15 minutes before the start to 15 minutes after the end).
    pub can_join: bool,
    /// When its room opens for joining, in the viewer's zone (e.g. "Tue 1 Dec, 09:45"), while
    /// that is still to come.
    pub join_opens: Option<String>,
    /// Seconds from the server's answer until its room opens, while that is still to come: the
    /// countdown a hydrated page shows (relative, so the viewer's clock does not matter).
    pub join_opens_in: Option<i64>,
    /// Completed, and the viewer has not given their feedback yet.
    pub feedback_due: bool,
    /// Its recordings on its room page once it is completed (empty elsewhere): each a link to
    /// play it (valid for 15 minutes) and what the link says, e.g. "Watch the recording
    /// (3.1 MB)". Pairs of text rather than `Recording`s: the browser bundle already holds their
    /// decoder, where a struct of its own would add one to every page.
    pub recordings: Vec<(String, String)>,
}

/// SDSH/TDSH session lists, plus the "schedule when ready" cards.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionLists {
    pub upcoming: Vec<SessionDetail>,
    pub past: Vec<SessionDetail>,
    pub deferred: Vec<DeferredCredit>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeferredCredit {
    pub enrollment_id: String,
    pub course_id: String,
    pub course_title: String,
    pub deferred_credits: i64,
}

/// Everything the booking page (SBOK) shows, in the viewer's zone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BookingPage {
    pub course_id: String,
    pub course_title: String,
    pub viewer_time_zone: String,
    /// The viewer's enrollment in the course, if any.
    pub credits: Option<EnrollmentCredits>,
    /// What one session costs beyond the enrollment's credits ("$25.00"), when the course
    /// sells single sessions.
    pub session_price: Option<String>,
    pub sts: Vec<StChoice>,
    pub calendar: Option<StCalendar>,
    /// When moving an existing session: which one, and when it is now.
    pub rescheduling: Option<Rescheduling>,
    /// Sent with the booking form, so a double submission books once.
    pub idempotency_key: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rescheduling {
    pub session_id: String,
    pub when: String,
    pub duration_minutes: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StChoice {
    pub id: String,
    pub name: String,
    pub time_zone: String,
    /// The next free time in the viewer's zone, e.g. "Tue 1 Dec 2026, 10:00–10:30".
    pub next_free: Option<String>,
    /// "Rated 4.5 of 5 (2 ratings)", or "No ratings yet".
    pub rating: String,
    pub selected: bool,
}

/// One S-T's month: which days have free slots, and the chosen day's slots.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StCalendar {
    pub st_id: String,
    pub st_name: String,
    pub st_time_zone: String,
    pub policy: String,
    /// YYYY-MM
    pub month: String,
    /// "December 2026"
    pub month_label: String,
    pub previous_month: Option<String>,
    pub next_month: Option<String>,
    /// Monday-first weeks; days of neighbouring months are padding.
    pub weeks: Vec<Vec<CalendarDay>>,
    pub day: Option<DaySlots>,
    /// The slot being confirmed, if it is still free.
    pub confirm: Option<SlotChoice>,
    /// Set when the requested slot is no longer free.
    pub unavailable: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CalendarDay {
    /// YYYY-MM-DD in the viewer's zone.
    pub date: String,
    pub day_of_month: i8,
    pub in_month: bool,
    pub has_slots: bool,
    pub is_today: bool,
    pub is_selected: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DaySlots {
    pub date: String,
    /// "Tuesday 1 December"
    pub label: String,
    pub slots: Vec<SlotChoice>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SlotChoice {
    pub start_at: String,
    pub duration_minutes: i64,
    /// In the viewer's zone: "10:00–11:00".
    pub label: String,
    /// In the S-T's zone: "16:30–17:30 in Asia/Kolkata".
    pub st_label: String,
}
