//! The one authorization policy. Every service asks `authorize` before reading or changing
//! something that belongs to someone; nothing else decides access.

/// Who is asking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_id: String,
    pub is_admin: bool,
}

/// What they want to do, with the facts the decision depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access<'a> {
    /// See or change an enrollment: its progress, applying to teach from it.
    Enrollment { student_id: &'a str },
    /// Decide someone's application to teach a course.
    DecideApplication { course_creator_id: &'a str },
    /// See the applications and Student-Teachers of a creator's courses.
    CreatorDashboard { creator_id: &'a str },
    /// Enroll a student without payment (admins, and the demo data).
    EnrollWithoutPayment,
    /// Refund a payment for a course: its creator, and admins.
    RefundPayment { course_creator_id: &'a str },
    /// Set a course's price per session: its creator, and admins.
    PriceSessions { course_creator_id: &'a str },
    /// Watch a session's recordings: its two participants, and admins.
    SessionRecording {
        student_id: &'a str,
        student_teacher_id: &'a str,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Denial {
    /// Nobody is logged in: pages redirect to log in, REST answers 401.
    NotLoggedIn,
    /// Logged in, but not allowed; the message is shown as is.
    Forbidden(&'static str),
}

pub fn authorize(actor: Option<&Actor>, access: Access<'_>) -> Result<(), Denial> {
    let actor = actor.ok_or(Denial::NotLoggedIn)?;
    if actor.is_admin {
        return Ok(());
    }
    let allowed = match access {
        Access::Enrollment { student_id } => actor.user_id == student_id,
        Access::DecideApplication { course_creator_id } => actor.user_id == course_creator_id,
        Access::CreatorDashboard { creator_id } => actor.user_id == creator_id,
        Access::EnrollWithoutPayment => false,
        Access::RefundPayment { course_creator_id }
        | Access::PriceSessions { course_creator_id } => actor.user_id == course_creator_id,
        Access::SessionRecording {
            student_id,
            student_teacher_id,
        } => actor.user_id == student_id || actor.user_id == student_teacher_id,
    };
    if allowed {
        Ok(())
    } else {
        Err(Denial::Forbidden(match access {
            Access::Enrollment { .. } => "That enrollment belongs to someone else.",
            Access::DecideApplication { .. } => {
                "Only the course's creator can decide applications to teach it."
            }
            Access::CreatorDashboard { .. } => "That dashboard belongs to another creator.",
            Access::EnrollWithoutPayment => "Only an admin can enroll students without payment.",
            Access::RefundPayment { .. } => {
                "Only the course's creator or an admin can refund its payments."
            }
            Access::PriceSessions { .. } => {
                "Only the course's creator or an admin can price its sessions."
            }
            Access::SessionRecording { .. } => "You're not part of this session.",
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str) -> Actor {
        Actor {
            user_id: id.into(),
            is_admin: false,
        }
    }

    #[test]
    fn nobody_logged_in_is_never_allowed() {
        for access in [
            Access::Enrollment { student_id: "s" },
            Access::DecideApplication {
                course_creator_id: "c",
            },
            Access::CreatorDashboard { creator_id: "c" },
            Access::EnrollWithoutPayment,
            Access::RefundPayment {
                course_creator_id: "c",
            },
            Access::PriceSessions {
                course_creator_id: "c",
            },
            Access::SessionRecording {
                student_id: "s",
                student_teacher_id: "t",
            },
        ] {
            assert_eq!(authorize(None, access), Err(Denial::NotLoggedIn));
        }
    }

    #[test]
    fn owners_are_allowed_and_others_forbidden() {
        let cases = [
            (
                Access::Enrollment {
                    student_id: "owner",
                },
                true,
            ),
            (
                Access::DecideApplication {
                    course_creator_id: "owner",
                },
                true,
            ),
            (
                Access::CreatorDashboard {
                    creator_id: "owner",
                },
                true,
            ),
            (Access::EnrollWithoutPayment, false),
            (
                Access::RefundPayment {
                    course_creator_id: "owner",
                },
                true,
            ),
            (
                Access::PriceSessions {
                    course_creator_id: "owner",
                },
                true,
            ),
        ];
        for (access, owner_allowed) in cases {
            assert_eq!(
                authorize(Some(&user("owner")), access).is_ok(),
                owner_allowed,
                "{access:?}"
            );
            assert!(
                matches!(
                    authorize(Some(&user("someone-else")), access),
                    Err(Denial::Forbidden(_))
                ),
                "{access:?}"
            );
        }
    }

    #[test]
    fn admins_may_do_everything() {
        let admin = Actor {
            user_id: "admin".into(),
            is_admin: true,
        };
        assert_eq!(
            authorize(Some(&admin), Access::EnrollWithoutPayment),
            Ok(())
        );
        assert_eq!(
            authorize(Some(&admin), Access::Enrollment { student_id: "s" }),
            Ok(())
        );
    }

    #[test]
    fn a_sessions_recordings_are_for_its_two_participants() {
        let recording = Access::SessionRecording {
            student_id: "student",
            student_teacher_id: "teacher",
        };
        assert_eq!(authorize(Some(&user("student")), recording), Ok(()));
        assert_eq!(authorize(Some(&user("teacher")), recording), Ok(()));
        assert_eq!(
            authorize(Some(&user("someone-else")), recording),
            Err(Denial::Forbidden("You're not part of this session."))
        );
    }
}
