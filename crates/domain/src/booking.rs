//! A booked 1-on-1 session's life: its states, the events that move it, and the cancellation
//! policy. Pure: the services load the facts, ask here, and write the answer with a
//! compare-and-set update.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    /// Waiting for payment; holds its slot until the hold expires.
    PendingPayment,
    Scheduled,
    InProgress,
    Completed,
    Cancelled,
    NoShow,
}

impl BookingStatus {
    pub const ALL: [BookingStatus; 6] = [
        BookingStatus::PendingPayment,
        BookingStatus::Scheduled,
        BookingStatus::InProgress,
        BookingStatus::Completed,
        BookingStatus::Cancelled,
        BookingStatus::NoShow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BookingStatus::PendingPayment => "pending_payment",
            BookingStatus::Scheduled => "scheduled",
            BookingStatus::InProgress => "in_progress",
            BookingStatus::Completed => "completed",
            BookingStatus::Cancelled => "cancelled",
            BookingStatus::NoShow => "no_show",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }

    /// Whether the booking holds its time: active bookings may not overlap.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            BookingStatus::PendingPayment | BookingStatus::Scheduled | BookingStatus::InProgress
        )
    }

    pub fn label(self) -> &'static str {
        match self {
            BookingStatus::PendingPayment => "Awaiting payment",
            BookingStatus::Scheduled => "Scheduled",
            BookingStatus::InProgress => "In progress",
            BookingStatus::Completed => "Completed",
            BookingStatus::Cancelled => "Cancelled",
            BookingStatus::NoShow => "Missed",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BookingEvent {
    PaymentConfirmed,
    HoldExpired,
    Started,
    Finished,
    MarkedNoShow,
    /// The video room ended without its Student-Teacher: the session is given back.
    TeacherAbsent,
    Cancelled,
    Rescheduled,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BookingError {
    #[error("This session can no longer be changed.")]
    NotChangeable,
    #[error(
        "This session can't be cancelled within {hours} hours of its start. Contact your Student-Teacher."
    )]
    TooLateForStudent { hours: i64 },
    #[error("This session has already started.")]
    AlreadyStarted,
}

/// The one transition function of a booking.
pub fn apply(status: BookingStatus, event: BookingEvent) -> Result<BookingStatus, BookingError> {
    use BookingEvent as E;
    use BookingStatus as S;
    match (status, event) {
        (S::PendingPayment, E::PaymentConfirmed) => Ok(S::Scheduled),
        (S::PendingPayment, E::HoldExpired) => Ok(S::Cancelled),
        (S::PendingPayment | S::Scheduled, E::Cancelled) => Ok(S::Cancelled),
        (S::PendingPayment | S::Scheduled, E::Rescheduled) => Ok(status),
        (S::Scheduled, E::Started) => Ok(S::InProgress),
        (S::Scheduled | S::InProgress, E::Finished) => Ok(S::Completed),
        // The room's end decides a session that started (the teacher alone came) as well as one
        // nobody came to.
        (S::Scheduled | S::InProgress, E::MarkedNoShow) => Ok(S::NoShow),
        (S::Scheduled | S::InProgress, E::TeacherAbsent) => Ok(S::Cancelled),
        _ => Err(BookingError::NotChangeable),
    }
}

/// Who is acting on a booking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Student,
    StudentTeacher,
}

/// When a session may be cancelled or rescheduled for free. Stored with the S-T's availability.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancellationPolicy {
    pub free_until_hours_before: i64,
}

impl Default for CancellationPolicy {
    fn default() -> Self {
        CancellationPolicy {
            free_until_hours_before: 24,
        }
    }
}

impl CancellationPolicy {
    /// The policy in words, shown before a booking is confirmed and beside the cancel button.
    pub fn describe(self) -> String {
        let hours = self.free_until_hours_before;
        format!(
            "Free to cancel or reschedule until {hours} hours before the session. After that, only the Student-Teacher can cancel or reschedule, and it is recorded."
        )
    }

    /// Whether `party` may cancel or reschedule a session starting at `start` (Unix seconds)
    /// now; `Ok(true)` means allowed but late (recorded against the S-T).
    pub fn may_change(self, party: Party, now: i64, start: i64) -> Result<bool, BookingError> {
        if now >= start {
            return Err(BookingError::AlreadyStarted);
        }
        let late = start - now < self.free_until_hours_before * 3600;
        match (late, party) {
            (false, _) => Ok(false),
            (true, Party::StudentTeacher) => Ok(true),
            (true, Party::Student) => Err(BookingError::TooLateForStudent {
                hours: self.free_until_hours_before,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use BookingEvent as E;
    use BookingStatus as S;

    #[test]
    fn statuses_round_trip_through_text() {
        for status in S::ALL {
            assert_eq!(S::parse(status.as_str()), Some(status));
        }
        assert_eq!(S::parse("booked"), None);
    }

    #[test]
    fn only_pending_scheduled_and_in_progress_hold_time() {
        let active: Vec<_> = S::ALL.into_iter().filter(|s| s.is_active()).collect();
        assert_eq!(active, [S::PendingPayment, S::Scheduled, S::InProgress]);
    }

    #[test]
    fn the_happy_path_and_the_hold_expiry() {
        assert_eq!(
            apply(S::PendingPayment, E::PaymentConfirmed),
            Ok(S::Scheduled)
        );
        assert_eq!(apply(S::Scheduled, E::Started), Ok(S::InProgress));
        assert_eq!(apply(S::InProgress, E::Finished), Ok(S::Completed));
        assert_eq!(apply(S::PendingPayment, E::HoldExpired), Ok(S::Cancelled));
        assert_eq!(apply(S::Scheduled, E::MarkedNoShow), Ok(S::NoShow));
        assert_eq!(apply(S::Scheduled, E::Rescheduled), Ok(S::Scheduled));
    }

    #[test]
    fn the_video_room_decides_absences_before_and_after_the_start() {
        assert_eq!(apply(S::InProgress, E::MarkedNoShow), Ok(S::NoShow));
        assert_eq!(apply(S::Scheduled, E::TeacherAbsent), Ok(S::Cancelled));
        assert_eq!(apply(S::InProgress, E::TeacherAbsent), Ok(S::Cancelled));
        assert_eq!(
            apply(S::PendingPayment, E::TeacherAbsent),
            Err(BookingError::NotChangeable)
        );
    }

    #[test]
    fn ended_sessions_cannot_change() {
        let every_event = [
            E::PaymentConfirmed,
            E::HoldExpired,
            E::Started,
            E::Finished,
            E::MarkedNoShow,
            E::TeacherAbsent,
            E::Cancelled,
            E::Rescheduled,
        ];
        for status in [S::Completed, S::Cancelled, S::NoShow] {
            for event in every_event {
                assert_eq!(
                    apply(status, event),
                    Err(BookingError::NotChangeable),
                    "{status:?} + {event:?}"
                );
            }
        }
        assert_eq!(
            apply(S::InProgress, E::Cancelled),
            Err(BookingError::NotChangeable)
        );
        assert_eq!(
            apply(S::Scheduled, E::HoldExpired),
            Err(BookingError::NotChangeable)
        );
    }

    #[test]
    fn the_default_policy_is_free_until_24_hours_before() {
        let policy = CancellationPolicy::default();
        let start = 1_000_000;
        let day = 24 * 3600;
        assert_eq!(
            policy.may_change(Party::Student, start - day, start),
            Ok(false)
        );
        assert_eq!(
            policy.may_change(Party::Student, start - day + 1, start),
            Err(BookingError::TooLateForStudent { hours: 24 })
        );
        assert_eq!(
            policy.may_change(Party::StudentTeacher, start - day + 1, start),
            Ok(true)
        );
        assert_eq!(
            policy.may_change(Party::StudentTeacher, start, start),
            Err(BookingError::AlreadyStarted)
        );
        assert!(policy.describe().contains("24 hours"));
    }
}
