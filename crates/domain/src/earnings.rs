//! Where a Student-Teacher's earnings stand. A session marked taught releases its share to them
//! at once (see `ledger`), but its student may dispute it for 48 hours: until then, and while a
//! dispute waits for an admin, that share is held; after, it is available for payout.

/// How long after a session is marked taught its student may dispute it.
pub const DISPUTE_WINDOW_SECS: i64 = 48 * 3600;

/// Whether a session marked taught at `taught_at` may still be disputed at `now`.
pub fn may_dispute(taught_at: i64, now: i64) -> bool {
    now - taught_at <= DISPUTE_WINDOW_SECS
}

/// What is known of a taught session's dispute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dispute {
    None,
    /// Its student disputes it and no admin has decided yet.
    Open,
    /// An admin decided; `happened` is whether the session took place.
    Decided {
        happened: bool,
    },
}

/// Where the earning from one taught session stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Its student may dispute it until this instant (Unix seconds).
    HeldUntil(i64),
    /// Its student disputes it: held until an admin decides.
    Disputed,
    /// The session did not take place, an admin decided: the earning went back.
    TakenBack,
    /// The Student-Teacher's, to be paid out.
    Available,
}

impl Standing {
    /// Whether the money still waits on the student's say.
    pub fn is_held(self) -> bool {
        matches!(self, Standing::HeldUntil(_) | Standing::Disputed)
    }
}

/// Where the earning from a session marked taught at `taught_at` stands at `now`.
pub fn standing(taught_at: i64, dispute: Dispute, now: i64) -> Standing {
    match dispute {
        Dispute::Open => Standing::Disputed,
        Dispute::Decided { happened: false } => Standing::TakenBack,
        Dispute::Decided { happened: true } => Standing::Available,
        Dispute::None if may_dispute(taught_at, now) => {
            Standing::HeldUntil(taught_at + DISPUTE_WINDOW_SECS)
        }
        Dispute::None => Standing::Available,
    }
}

/// An earner's balance as (held, available): held is what the sessions still held left them
/// (their releases less what was taken back from them), but never more than the balance, since
/// a refund of the paying enrollment may already have taken it back without naming a session,
/// and never below zero. The rest is available.
pub fn held_and_available(balance: i64, held_by_sessions: i64) -> (i64, i64) {
    let held = held_by_sessions.clamp(0, balance.max(0));
    (held, balance - held)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TAUGHT: i64 = 1_800_000_000;

    #[test]
    fn an_earning_is_held_for_the_48_hours_its_student_may_dispute_it() {
        let until = TAUGHT + DISPUTE_WINDOW_SECS;
        assert_eq!(
            standing(TAUGHT, Dispute::None, TAUGHT),
            Standing::HeldUntil(until)
        );
        // The last second of the window still allows a dispute, so the money is still held.
        assert_eq!(
            standing(TAUGHT, Dispute::None, until),
            Standing::HeldUntil(until)
        );
        assert!(may_dispute(TAUGHT, until));
        assert_eq!(
            standing(TAUGHT, Dispute::None, until + 1),
            Standing::Available
        );
        assert!(!may_dispute(TAUGHT, until + 1));
    }

    #[test]
    fn a_dispute_holds_the_earning_until_an_admin_decides() {
        let long_after = TAUGHT + 10 * DISPUTE_WINDOW_SECS;
        assert_eq!(
            standing(TAUGHT, Dispute::Open, long_after),
            Standing::Disputed
        );
        assert_eq!(
            standing(TAUGHT, Dispute::Decided { happened: true }, TAUGHT + 60),
            Standing::Available
        );
        assert_eq!(
            standing(TAUGHT, Dispute::Decided { happened: false }, TAUGHT + 60),
            Standing::TakenBack
        );
        assert!(Standing::Disputed.is_held() && Standing::HeldUntil(TAUGHT).is_held());
        assert!(!Standing::Available.is_held() && !Standing::TakenBack.is_held());
    }

    #[test]
    fn a_refund_that_took_a_held_earning_back_leaves_nothing_held() {
        // 1,225 released for a session still held, then a refund took 1,225 back from the
        // Student-Teacher without naming the session.
        assert_eq!(held_and_available(0, 1_225), (0, 0));
        assert_eq!(held_and_available(2_450, 1_225), (1_225, 1_225));
        assert_eq!(held_and_available(1_000, 1_225), (1_000, 0));
    }

    proptest! {
        #[test]
        fn held_and_available_always_make_up_the_balance(
            balance in 0i64..10_000_000,
            held_by_sessions in -10_000_000i64..10_000_000,
        ) {
            let (held, available) = held_and_available(balance, held_by_sessions);
            prop_assert_eq!(held + available, balance);
            prop_assert!(held >= 0 && available >= 0);
            prop_assert!(held <= held_by_sessions.max(0));
        }
    }
}
