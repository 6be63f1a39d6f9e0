//! The earnings ledger's rules: how a payment is split, how the Student-Teachers' pool is
//! released session by session, and how a refund is reversed. Every movement is a set of
//! postings over accounts that sums to zero (double entry), so "all entries sum to zero" and
//! "no teacher balance below zero" are queries, not hopes. Amounts are integer cents.
//!
//! Sign convention: a posting credits its account with `amount_cents` (negative debits it). The
//! Stripe clearing account is where money enters and leaves: a payment debits it by the amount
//! and credits the platform, the creator and the payment's pool.

use serde::{Deserialize, Serialize};

/// The platform's share and the creator's share of every payment, in percent. The rest (70 %) is
/// the Student-Teachers' pool.
pub const PLATFORM_PERCENT: i64 = 15;
pub const CREATOR_PERCENT: i64 = 15;

/// How a payment divides. The rounding rule: each 15 % share is rounded down to the cent and the
/// pool takes the remainder, so the parts always sum to the amount exactly and the teachers are
/// never the ones short-changed by rounding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Split {
    pub platform: i64,
    pub creator: i64,
    pub pool: i64,
}

pub fn split(amount_cents: i64) -> Split {
    let platform = amount_cents * PLATFORM_PERCENT / 100;
    let creator = amount_cents * CREATOR_PERCENT / 100;
    Split {
        platform,
        creator,
        pool: amount_cents - platform - creator,
    }
}

/// Where money sits. Stored as text keys ("creator:<user id>").
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Account {
    /// Money at Stripe: debited when a payment arrives, credited when it is refunded.
    StripeClearing,
    Platform,
    /// A course creator's earnings.
    Creator(String),
    /// A payment's Student-Teacher pool, held until sessions are taught.
    Pool(String),
    /// A Student-Teacher's earnings.
    StudentTeacher(String),
}

impl Account {
    pub fn key(&self) -> String {
        match self {
            Account::StripeClearing => "stripe_clearing".into(),
            Account::Platform => "platform".into(),
            Account::Creator(id) => format!("creator:{id}"),
            Account::Pool(payment_id) => format!("pool:{payment_id}"),
            Account::StudentTeacher(id) => format!("st:{id}"),
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        match key.split_once(':') {
            None if key == "stripe_clearing" => Some(Account::StripeClearing),
            None if key == "platform" => Some(Account::Platform),
            Some(("creator", id)) if !id.is_empty() => Some(Account::Creator(id.into())),
            Some(("pool", id)) if !id.is_empty() => Some(Account::Pool(id.into())),
            Some(("st", id)) if !id.is_empty() => Some(Account::StudentTeacher(id.into())),
            _ => None,
        }
    }

    /// A person's earnings, which may never go below zero.
    pub fn is_earner(&self) -> bool {
        matches!(self, Account::Creator(_) | Account::StudentTeacher(_))
    }
}

/// Why a posting exists; shown on the Earnings pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A payment arrived and was split.
    Payment,
    /// A session was taught: part of the pool goes to its Student-Teacher.
    Release,
    /// A refund took money back from a share.
    Refund,
    /// A refund reached money already paid out; the platform bears it instead.
    Absorbed,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Payment => "payment",
            EntryKind::Release => "release",
            EntryKind::Refund => "refund",
            EntryKind::Absorbed => "absorbed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            EntryKind::Payment,
            EntryKind::Release,
            EntryKind::Refund,
            EntryKind::Absorbed,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Posting {
    pub account: Account,
    pub amount_cents: i64,
    pub kind: EntryKind,
}

/// Postings that sum to zero. Only this module builds them, so every movement balances.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Movement {
    postings: Vec<Posting>,
}

impl Movement {
    pub fn postings(&self) -> &[Posting] {
        &self.postings
    }

    pub fn is_empty(&self) -> bool {
        self.postings.is_empty()
    }

    fn post(&mut self, account: Account, amount_cents: i64, kind: EntryKind) {
        if amount_cents != 0 {
            self.postings.push(Posting {
                account,
                amount_cents,
                kind,
            });
        }
    }
}

/// A payment arrived: the clearing account gives the amount, the shares receive it.
pub fn payment_received(payment_id: &str, creator_id: &str, amount_cents: i64) -> Movement {
    let shares = split(amount_cents);
    let mut movement = Movement::default();
    movement.post(Account::StripeClearing, -amount_cents, EntryKind::Payment);
    movement.post(Account::Platform, shares.platform, EntryKind::Payment);
    movement.post(
        Account::Creator(creator_id.into()),
        shares.creator,
        EntryKind::Payment,
    );
    movement.post(
        Account::Pool(payment_id.into()),
        shares.pool,
        EntryKind::Payment,
    );
    movement
}

/// A session paid from this pool was taught: its Student-Teacher earns the held pool divided by
/// the sessions it still pays for (rounded down), and the last session takes what is left, so a
/// pool is always released to the cent. Refunds shrink the pool first, and the shares follow.
pub fn session_taught(
    payment_id: &str,
    student_teacher_id: &str,
    pool_held: i64,
    sessions_left: i64,
) -> Movement {
    let mut movement = Movement::default();
    if pool_held <= 0 || sessions_left <= 0 {
        return movement;
    }
    let share = pool_held / sessions_left;
    movement.post(Account::Pool(payment_id.into()), -share, EntryKind::Release);
    movement.post(
        Account::StudentTeacher(student_teacher_id.into()),
        share,
        EntryKind::Release,
    );
    movement
}

/// A session that did not happen after all (a dispute decided for the student): its release
/// goes back to the pool, from what the Student-Teacher still holds; what they were already paid
/// out the platform absorbs, so no teacher goes below zero.
pub fn release_reversed(
    payment_id: &str,
    student_teacher_id: &str,
    released: i64,
    student_teacher_available: i64,
) -> Movement {
    let mut movement = Movement::default();
    if released <= 0 {
        return movement;
    }
    let taken = released.min(student_teacher_available.max(0));
    movement.post(
        Account::StudentTeacher(student_teacher_id.into()),
        -taken,
        EntryKind::Release,
    );
    movement.post(Account::Platform, -(released - taken), EntryKind::Absorbed);
    movement.post(
        Account::Pool(payment_id.into()),
        released,
        EntryKind::Release,
    );
    movement
}

/// How much of each share the first `refunded` cents of refunds of a payment of `amount` take
/// back, cumulatively: each share's part only ever grows as `refunded` does (so no refund, however
/// small, moves a share against its direction), the parts add up to `refunded`, and at the whole
/// amount they are the payment's [`split`] exactly.
///
/// The rule, cent by cent: the platform's and creator's cents together are spread evenly over the
/// amount (`floor(refunded * (platform + creator) / amount)` of the first `refunded` cents), the
/// rest are the pool's; of the platform's and creator's, the platform's are spread evenly in turn.
pub fn refunded_shares(amount: i64, refunded: i64) -> Split {
    let whole = split(amount);
    let refunded = refunded.clamp(0, amount.max(0));
    let shared = whole.platform + whole.creator;
    let of_the_two = if amount > 0 {
        refunded * shared / amount
    } else {
        0
    };
    let platform = if shared > 0 {
        of_the_two * whole.platform / shared
    } else {
        0
    };
    Split {
        platform,
        creator: of_the_two - platform,
        pool: refunded - of_the_two,
    }
}

/// What a refund needs to know about the payment and the money it reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundFacts {
    pub payment_id: String,
    pub creator_id: String,
    /// What was paid.
    pub amount: i64,
    /// What was refunded before this refund, and in all including it (Stripe's
    /// `amount_refunded` is cumulative).
    pub refunded_before: i64,
    pub refunded_total: i64,
    /// The payment's pool still held.
    pub pool_held: i64,
    /// What the creator could give back without going below zero (earned, not paid out).
    pub creator_available: i64,
    /// Student-Teachers this pool was released to, with what each could give back, in the order
    /// money is taken back from them.
    pub released_to: Vec<(String, i64)>,
}

/// Reverses the refunded part of a payment's splits, proportionally to the cent: the shares of
/// the cumulative refund minus the shares of the earlier refunds ([`refunded_shares`]), so several
/// partial refunds end exactly where one full refund would, and none moves a share the wrong way. The teachers' part comes from the held pool first, then
/// from what the pool's Student-Teachers have not been paid out; money already paid out to a
/// creator or Student-Teacher is never taken into a negative balance: the platform absorbs it,
/// as a posting of its own.
pub fn refund(facts: &RefundFacts) -> Movement {
    let mut movement = Movement::default();
    let refunded = facts.refunded_total - facts.refunded_before;
    if refunded <= 0 {
        return movement;
    }
    let before = refunded_shares(facts.amount, facts.refunded_before);
    let after = refunded_shares(facts.amount, facts.refunded_total);
    let platform_part = after.platform - before.platform;
    let creator_part = after.creator - before.creator;
    let pool_part = after.pool - before.pool;

    movement.post(Account::StripeClearing, refunded, EntryKind::Refund);
    movement.post(Account::Platform, -platform_part, EntryKind::Refund);

    let from_creator = creator_part.min(facts.creator_available.max(0));
    movement.post(
        Account::Creator(facts.creator_id.clone()),
        -from_creator,
        EntryKind::Refund,
    );
    let mut absorbed = creator_part - from_creator;

    let from_pool = pool_part.min(facts.pool_held.max(0));
    movement.post(
        Account::Pool(facts.payment_id.clone()),
        -from_pool,
        EntryKind::Refund,
    );
    let mut still_owed = pool_part - from_pool;
    for (student_teacher_id, available) in &facts.released_to {
        let taken = still_owed.min((*available).max(0));
        movement.post(
            Account::StudentTeacher(student_teacher_id.clone()),
            -taken,
            EntryKind::Refund,
        );
        still_owed -= taken;
    }
    absorbed += still_owed;
    movement.post(Account::Platform, -absorbed, EntryKind::Absorbed);
    movement
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn sum(movement: &Movement) -> i64 {
        movement.postings().iter().map(|p| p.amount_cents).sum()
    }

    fn balance_of(movement: &Movement, account: &Account) -> i64 {
        movement
            .postings()
            .iter()
            .filter(|p| &p.account == account)
            .map(|p| p.amount_cents)
            .sum()
    }

    #[test]
    fn a_hundred_dollars_splits_fifteen_fifteen_seventy() {
        assert_eq!(
            split(10_000),
            Split {
                platform: 1_500,
                creator: 1_500,
                pool: 7_000
            }
        );
        // $0.99: the 15 % shares round down to 14 cents; the pool keeps the odd cents.
        assert_eq!(
            split(99),
            Split {
                platform: 14,
                creator: 14,
                pool: 71
            }
        );
    }

    #[test]
    fn a_payment_moves_money_from_clearing_to_the_three_shares() {
        let movement = payment_received("pay1", "creator1", 4_999);
        assert_eq!(sum(&movement), 0);
        assert_eq!(balance_of(&movement, &Account::StripeClearing), -4_999);
        assert_eq!(balance_of(&movement, &Account::Platform), 749);
        assert_eq!(
            balance_of(&movement, &Account::Creator("creator1".into())),
            749
        );
        assert_eq!(balance_of(&movement, &Account::Pool("pay1".into())), 3_501);
    }

    #[test]
    fn the_last_session_takes_what_is_left_of_the_pool() {
        // 7,001 cents over 4 sessions: 1,750 three times, then 1,751.
        let mut held = 7_001;
        let mut shares = Vec::new();
        for left in (1..=4).rev() {
            let movement = session_taught("pay1", "st1", held, left);
            let share = balance_of(&movement, &Account::StudentTeacher("st1".into()));
            shares.push(share);
            held -= share;
            assert_eq!(sum(&movement), 0);
        }
        assert_eq!(shares, vec![1_750, 1_750, 1_750, 1_751]);
        assert_eq!(held, 0);
        assert!(session_taught("pay1", "st1", 0, 1).is_empty());
    }

    #[test]
    fn a_full_refund_before_any_session_reverses_every_share() {
        let movement = refund(&RefundFacts {
            payment_id: "pay1".into(),
            creator_id: "c".into(),
            amount: 10_000,
            refunded_before: 0,
            refunded_total: 10_000,
            pool_held: 7_000,
            creator_available: 1_500,
            released_to: vec![],
        });
        assert_eq!(sum(&movement), 0);
        assert_eq!(balance_of(&movement, &Account::Platform), -1_500);
        assert_eq!(balance_of(&movement, &Account::Creator("c".into())), -1_500);
        assert_eq!(balance_of(&movement, &Account::Pool("pay1".into())), -7_000);
        assert!(
            movement
                .postings()
                .iter()
                .all(|p| p.kind == EntryKind::Refund)
        );
    }

    #[test]
    fn a_one_cent_refund_takes_a_cent_back_and_gives_none() {
        // $48.00: six cents refunded, then one more. Shares of the refunded amounts alone would
        // put 0/0/6 then 1/1/5, handing the pool a cent back.
        let facts = |before, total| RefundFacts {
            payment_id: "pay1".into(),
            creator_id: "c".into(),
            amount: 4_800,
            refunded_before: before,
            refunded_total: total,
            pool_held: 3_360,
            creator_available: 720,
            released_to: vec![],
        };
        let cent = refund(&facts(6, 7));
        assert_eq!(sum(&cent), 0);
        for account in [
            Account::Platform,
            Account::Creator("c".into()),
            Account::Pool("pay1".into()),
        ] {
            assert!(balance_of(&cent, &account) <= 0, "{account:?} given money");
        }
        assert_eq!(refunded_shares(4_800, 4_800), split(4_800));
        assert_eq!(refunded_shares(4_800, 0), split(0));
    }

    #[test]
    fn money_already_paid_out_is_absorbed_by_the_platform() {
        // Two of four sessions released ($35 to st1), and st1 was paid $20 of it; the creator
        // was paid everything. A full refund: the pool gives its $35, st1 its $15, and the
        // platform bears the $20 paid out to st1 and the creator's $15.
        let movement = refund(&RefundFacts {
            payment_id: "pay1".into(),
            creator_id: "c".into(),
            amount: 10_000,
            refunded_before: 0,
            refunded_total: 10_000,
            pool_held: 3_500,
            creator_available: 0,
            released_to: vec![("st1".into(), 1_500)],
        });
        assert_eq!(sum(&movement), 0);
        assert_eq!(balance_of(&movement, &Account::Pool("pay1".into())), -3_500);
        assert_eq!(
            balance_of(&movement, &Account::StudentTeacher("st1".into())),
            -1_500
        );
        assert_eq!(balance_of(&movement, &Account::Creator("c".into())), 0);
        let absorbed: i64 = movement
            .postings()
            .iter()
            .filter(|p| p.kind == EntryKind::Absorbed)
            .map(|p| p.amount_cents)
            .sum();
        assert_eq!(absorbed, -(2_000 + 1_500));
    }

    #[test]
    fn a_reversed_release_refills_the_pool_without_taking_a_teacher_below_zero() {
        let whole = release_reversed("pay1", "st1", 1_750, 5_000);
        assert_eq!(sum(&whole), 0);
        assert_eq!(balance_of(&whole, &Account::Pool("pay1".into())), 1_750);
        assert_eq!(
            balance_of(&whole, &Account::StudentTeacher("st1".into())),
            -1_750
        );
        // Paid out all but $5: the platform bears the rest.
        let paid_out = release_reversed("pay1", "st1", 1_750, 500);
        assert_eq!(sum(&paid_out), 0);
        assert_eq!(
            balance_of(&paid_out, &Account::StudentTeacher("st1".into())),
            -500
        );
        assert_eq!(balance_of(&paid_out, &Account::Platform), -1_250);
        assert!(release_reversed("pay1", "st1", 0, 100).is_empty());
    }

    #[test]
    fn account_keys_round_trip() {
        for account in [
            Account::StripeClearing,
            Account::Platform,
            Account::Creator("u1".into()),
            Account::Pool("p1".into()),
            Account::StudentTeacher("u2".into()),
        ] {
            assert_eq!(Account::parse(&account.key()), Some(account));
        }
        assert_eq!(Account::parse("creator:"), None);
        assert_eq!(Account::parse("bank"), None);
    }

    /// A model of the ledger for one payment: balances per account, and what was paid out to
    /// each earner (which a refund may not take back).
    #[derive(Default)]
    struct Book {
        balances: BTreeMap<Account, i64>,
        paid_out: BTreeMap<Account, i64>,
        refunded: i64,
        sessions_left: i64,
        released_to: Vec<String>,
    }

    impl Book {
        fn apply(&mut self, movement: &Movement) {
            assert_eq!(sum(movement), 0, "every movement balances");
            for posting in movement.postings() {
                *self.balances.entry(posting.account.clone()).or_default() += posting.amount_cents;
            }
        }

        fn balance(&self, account: &Account) -> i64 {
            self.balances.get(account).copied().unwrap_or_default()
        }

        fn available(&self, account: &Account) -> i64 {
            self.balance(account) - self.paid_out.get(account).copied().unwrap_or_default()
        }
    }

    #[derive(Clone, Debug)]
    enum Step {
        Teach(usize),
        PayOut(usize),
        Refund(i64),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0usize..3).prop_map(Step::Teach),
            (0usize..4).prop_map(Step::PayOut),
            (1i64..6_000).prop_map(Step::Refund),
        ]
    }

    proptest! {
        #[test]
        fn splits_always_sum_to_the_amount(amount in 0i64..100_000_000) {
            let shares = split(amount);
            prop_assert_eq!(shares.platform + shares.creator + shares.pool, amount);
            prop_assert!(shares.platform >= 0 && shares.creator >= 0);
            prop_assert!(shares.pool * 100 >= amount * 70);
        }

        #[test]
        fn partial_refunds_end_where_one_full_refund_does(
            amount in 1i64..1_000_000,
            cuts in proptest::collection::vec(0.0f64..1.0, 0..5),
        ) {
            let mut points: Vec<i64> = cuts.iter().map(|c| (c * amount as f64) as i64).collect();
            points.push(amount);
            points.sort_unstable();
            let mut before = 0;
            let mut totals: BTreeMap<Account, i64> = BTreeMap::new();
            for total in points {
                let facts = RefundFacts {
                    payment_id: "p".into(),
                    creator_id: "c".into(),
                    amount,
                    refunded_before: before,
                    refunded_total: total,
                    pool_held: i64::MAX / 4,
                    creator_available: i64::MAX / 4,
                    released_to: vec![],
                };
                for posting in refund(&facts).postings() {
                    *totals.entry(posting.account.clone()).or_default() += posting.amount_cents;
                }
                before = total.max(before);
            }
            let shares = split(amount);
            prop_assert_eq!(totals.get(&Account::Platform).copied().unwrap_or_default(), -shares.platform);
            prop_assert_eq!(totals.get(&Account::Creator("c".into())).copied().unwrap_or_default(), -shares.creator);
            prop_assert_eq!(totals.get(&Account::Pool("p".into())).copied().unwrap_or_default(), -shares.pool);
        }

        #[test]
        fn no_refund_moves_a_share_against_its_direction(
            amount in 1i64..1_000_000,
            refunds in proptest::collection::vec(1i64..500, 1..20),
        ) {
            let mut before = 0;
            for cents in refunds {
                let total = (before + cents).min(amount);
                let facts = RefundFacts {
                    payment_id: "p".into(),
                    creator_id: "c".into(),
                    amount,
                    refunded_before: before,
                    refunded_total: total,
                    pool_held: i64::MAX / 4,
                    creator_available: i64::MAX / 4,
                    released_to: vec![],
                };
                for posting in refund(&facts).postings() {
                    if posting.account != Account::StripeClearing {
                        prop_assert!(posting.amount_cents <= 0, "{:?} after {} of {}", posting, total, amount);
                    }
                }
                before = total;
            }
        }

        /// Any sequence of sessions taught, payouts and refunds keeps the ledger's invariants:
        /// every movement balances, no earner goes below zero or below what was paid out, the
        /// shares never exceed what was paid minus what was refunded.
        #[test]
        fn any_sequence_keeps_the_invariants(
            amount in 100i64..20_000,
            credits in 1i64..6,
            steps in proptest::collection::vec(step(), 0..24),
        ) {
            let teachers = ["st0", "st1", "st2"];
            let creator = Account::Creator("c".into());
            let pool = Account::Pool("p".into());
            let mut book = Book { sessions_left: credits, ..Book::default() };
            book.apply(&payment_received("p", "c", amount));
            for step in steps {
                match step {
                    Step::Teach(who) => {
                        if book.sessions_left > 0 && book.refunded < amount {
                            let movement = session_taught("p", teachers[who], book.balance(&pool), book.sessions_left);
                            book.apply(&movement);
                            book.sessions_left -= 1;
                            if !book.released_to.iter().any(|t| t == teachers[who]) {
                                book.released_to.push(teachers[who].into());
                            }
                        }
                    }
                    Step::PayOut(who) => {
                        let account = if who == 3 { creator.clone() } else { Account::StudentTeacher(teachers[who].into()) };
                        let available = book.available(&account);
                        *book.paid_out.entry(account).or_default() += available;
                    }
                    Step::Refund(cents) => {
                        let total = (book.refunded + cents).min(amount);
                        let facts = RefundFacts {
                            payment_id: "p".into(),
                            creator_id: "c".into(),
                            amount,
                            refunded_before: book.refunded,
                            refunded_total: total,
                            pool_held: book.balance(&pool),
                            creator_available: book.available(&creator),
                            released_to: book.released_to.iter()
                                .map(|t| (t.clone(), book.available(&Account::StudentTeacher(t.clone()))))
                                .collect(),
                        };
                        book.apply(&refund(&facts));
                        book.refunded = total;
                    }
                }
                let total: i64 = book.balances.values().sum();
                prop_assert_eq!(total, 0);
                for (account, balance) in &book.balances {
                    if account.is_earner() {
                        prop_assert!(*balance >= 0, "{:?} at {}", account, balance);
                        let paid = book.paid_out.get(account).copied().unwrap_or_default();
                        prop_assert!(*balance >= paid, "{:?} below its payouts", account);
                    }
                }
                prop_assert!(book.balance(&pool) >= 0);
                prop_assert_eq!(book.balance(&Account::StripeClearing), -(amount - book.refunded));
            }
        }
    }
}
