//! The learning loop: a student completes a course's modules, applies to teach it, and the
//! course's creator approves (making them a Student-Teacher) or declines with a reason.
//! Each step is a transition `apply(state, event) -> Result<state>`.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrollmentStatus {
    Active,
    Completed,
}

impl EnrollmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EnrollmentStatus::Active => "active",
            EnrollmentStatus::Completed => "completed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "active" => Some(EnrollmentStatus::Active),
            "completed" => Some(EnrollmentStatus::Completed),
            _ => None,
        }
    }
}

/// Progress through a course's modules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub completed_modules: usize,
    pub total_modules: usize,
}

impl Progress {
    pub fn is_complete(self) -> bool {
        self.total_modules > 0 && self.completed_modules >= self.total_modules
    }

    pub fn percent(self) -> u8 {
        if self.total_modules == 0 {
            return 0;
        }
        let ratio = self.completed_modules.min(self.total_modules) * 100 / self.total_modules;
        ratio as u8
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LadderError {
    #[error("This course is already complete.")]
    AlreadyCompleted,
    #[error("Finish every module of the course before applying to teach it.")]
    CourseNotCompleted,
    #[error("You already teach this course.")]
    AlreadyTeaching,
    #[error("Your application to teach this course is already waiting for a decision.")]
    ApplicationPending,
    #[error("This application has already been decided.")]
    AlreadyDecided,
    #[error("Give a reason so the applicant knows what to improve.")]
    ReasonRequired,
}

/// An enrollment after one more module is marked complete. Completing the last module completes
/// the course; a completed course takes no more changes.
pub fn complete_module(
    status: EnrollmentStatus,
    after: Progress,
) -> Result<EnrollmentStatus, LadderError> {
    match status {
        EnrollmentStatus::Completed => Err(LadderError::AlreadyCompleted),
        EnrollmentStatus::Active if after.is_complete() => Ok(EnrollmentStatus::Completed),
        EnrollmentStatus::Active => Ok(EnrollmentStatus::Active),
    }
}

/// What stands between a student and teaching a course.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TeachingEligibility {
    pub enrollment: Option<EnrollmentStatus>,
    pub already_teaching: bool,
    pub has_pending_application: bool,
}

pub fn may_apply_to_teach(facts: TeachingEligibility) -> Result<(), LadderError> {
    if facts.already_teaching {
        Err(LadderError::AlreadyTeaching)
    } else if facts.enrollment != Some(EnrollmentStatus::Completed) {
        Err(LadderError::CourseNotCompleted)
    } else if facts.has_pending_application {
        Err(LadderError::ApplicationPending)
    } else {
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    Pending,
    Approved,
    Declined,
}

impl ApplicationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationStatus::Pending => "pending",
            ApplicationStatus::Approved => "approved",
            ApplicationStatus::Declined => "declined",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "pending" => Some(ApplicationStatus::Pending),
            "approved" => Some(ApplicationStatus::Approved),
            "declined" => Some(ApplicationStatus::Declined),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Decline { reason: String },
}

pub const MAX_REASON_CHARS: usize = 1000;

/// A pending application after the creator's decision. Only pending applications can be decided,
/// and a decline needs a reason.
pub fn decide(
    status: ApplicationStatus,
    decision: &Decision,
) -> Result<ApplicationStatus, LadderError> {
    if status != ApplicationStatus::Pending {
        return Err(LadderError::AlreadyDecided);
    }
    match decision {
        Decision::Approve => Ok(ApplicationStatus::Approved),
        Decision::Decline { reason } if reason.trim().is_empty() => {
            Err(LadderError::ReasonRequired)
        }
        Decision::Decline { .. } => Ok(ApplicationStatus::Declined),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(done: usize, total: usize) -> Progress {
        Progress {
            completed_modules: done,
            total_modules: total,
        }
    }

    #[test]
    fn the_last_module_completes_the_course() {
        assert_eq!(
            complete_module(EnrollmentStatus::Active, progress(2, 3)),
            Ok(EnrollmentStatus::Active)
        );
        assert_eq!(
            complete_module(EnrollmentStatus::Active, progress(3, 3)),
            Ok(EnrollmentStatus::Completed)
        );
        assert_eq!(
            complete_module(EnrollmentStatus::Completed, progress(3, 3)),
            Err(LadderError::AlreadyCompleted)
        );
    }

    #[test]
    fn a_course_without_modules_is_never_complete() {
        assert!(!progress(0, 0).is_complete());
        assert_eq!(progress(0, 0).percent(), 0);
        assert_eq!(progress(1, 3).percent(), 33);
        assert_eq!(progress(3, 3).percent(), 100);
    }

    #[test]
    fn only_graduates_without_a_pending_application_may_apply() {
        let graduate = TeachingEligibility {
            enrollment: Some(EnrollmentStatus::Completed),
            already_teaching: false,
            has_pending_application: false,
        };
        assert_eq!(may_apply_to_teach(graduate), Ok(()));
        assert_eq!(
            may_apply_to_teach(TeachingEligibility {
                enrollment: Some(EnrollmentStatus::Active),
                ..graduate
            }),
            Err(LadderError::CourseNotCompleted)
        );
        assert_eq!(
            may_apply_to_teach(TeachingEligibility {
                enrollment: None,
                ..graduate
            }),
            Err(LadderError::CourseNotCompleted)
        );
        assert_eq!(
            may_apply_to_teach(TeachingEligibility {
                has_pending_application: true,
                ..graduate
            }),
            Err(LadderError::ApplicationPending)
        );
        assert_eq!(
            may_apply_to_teach(TeachingEligibility {
                already_teaching: true,
                ..graduate
            }),
            Err(LadderError::AlreadyTeaching)
        );
    }

    #[test]
    fn applications_are_decided_once_and_declines_need_a_reason() {
        use ApplicationStatus::*;
        assert_eq!(decide(Pending, &Decision::Approve), Ok(Approved));
        let decline = Decision::Decline {
            reason: "Needs more practice with lifetimes".into(),
        };
        assert_eq!(decide(Pending, &decline), Ok(Declined));
        let blank = Decision::Decline {
            reason: "  ".into(),
        };
        assert_eq!(decide(Pending, &blank), Err(LadderError::ReasonRequired));
        for decided in [Approved, Declined] {
            assert_eq!(
                decide(decided, &Decision::Approve),
                Err(LadderError::AlreadyDecided)
            );
        }
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for status in [EnrollmentStatus::Active, EnrollmentStatus::Completed] {
            assert_eq!(EnrollmentStatus::parse(status.as_str()), Some(status));
        }
        for status in [
            ApplicationStatus::Pending,
            ApplicationStatus::Approved,
            ApplicationStatus::Declined,
        ] {
            assert_eq!(ApplicationStatus::parse(status.as_str()), Some(status));
        }
    }
}
