//! Paying for a course: opening a Checkout Session, and what the pages say about it.

use serde::{Deserialize, Serialize};

/// The Checkout Session to send the browser to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckoutStarted {
    /// Stripe's Checkout Session id (`cs_…`).
    pub id: String,
    pub url: String,
}

/// What the page a student returns to from Checkout says.
pub const PAYMENT_FAILED: &str = "Payment failed. Please try again.";
pub const CHECKOUT_CANCELLED: &str = "Checkout cancelled — you have not been charged.";
/// A dispute's reason is blank or too long.
pub const DISPUTE_REASON_INVALID: &str = "Say what happened, in at most 1,000 characters.";
/// Stripe could not be reached to open a checkout.
pub const PAYMENTS_UNAVAILABLE: &str = "Payments are unavailable right now. Please try again.";

/// One payment on the payments page (`/payments`): a creator's courses', or all for an admin.
/// Amounts come formatted ("$49.00"): the page only shows them, and the browser then needs no
/// money decoding of its own.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaymentLine {
    pub payment_id: String,
    /// The day it was paid, in the viewer's time zone ("27 Nov 2026").
    pub paid_on: String,
    pub course_title: String,
    pub student_name: String,
    pub amount: String,
    /// What was refunded so far, when anything was.
    pub refunded: Option<String>,
    /// The creator's share as it stands in the ledger (after refunds).
    pub creator_share: String,
    /// Whether anything is left to refund.
    pub refundable: bool,
    /// Names the refund its form asks for, fresh each time the page is shown.
    pub refund_request: String,
}

/// One movement of the viewer's earnings as a Student-Teacher: a session taught, or money taken
/// back from it (a refund of the student's payment, a dispute the student won).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeachingEarning {
    /// "Tue 1 Dec 2026, 10:00–11:00 · Rust Foundations with Sam Rivera", or for a refund the day
    /// it came and whose payment it was.
    pub summary: String,
    /// "$12.25", or "−$12.25" taken back.
    pub amount: String,
    /// "Held until Sat 5 Dec, 14:00", "Available", "Refunded to the student", …
    pub standing: String,
}

/// A Student-Teacher's earnings in one currency: held while their students may dispute the
/// sessions, and available for payout.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EarningTotals {
    pub held: String,
    pub available: String,
}

/// A session the viewer taught that has ended and waits to be marked taught.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionToMark {
    pub session_id: String,
    pub when: String,
    pub course_title: String,
    pub student_name: String,
}

/// The payments page: the lines, and what the viewer earned from them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaymentsOverview {
    pub lines: Vec<PaymentLine>,
    /// The viewer's creator earnings in the ledger, per currency ("$73.50").
    pub earned: Vec<String>,
    /// For admins: whether the ledger's invariants hold (the hourly reconciliation's check).
    pub ledger_sound: Option<bool>,
    /// For admins: checkouts paid but not as priced, or paid twice, which granted nothing and
    /// need a person (one line each, with the reason).
    pub flagged: Vec<String>,
    /// The viewer's earnings as a Student-Teacher, per currency, and where they came from.
    pub teaching_totals: Vec<EarningTotals>,
    pub teaching: Vec<TeachingEarning>,
    /// Sessions the viewer taught that ended and are not marked taught yet.
    pub to_mark: Vec<SessionToMark>,
    /// For admins: sessions marked taught that their student disputes, to decide.
    pub disputes: Vec<OpenDispute>,
}

/// A session whose student says it did not take place.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpenDispute {
    pub session_id: String,
    /// E.g. "Rust Foundations, Tue 1 Dec 2026, 10:00–11:00: Sam Rivera with Priya Raman".
    pub summary: String,
    /// The student's words.
    pub reason: String,
}

/// Shown after a refund is asked for: the ledger follows Stripe's confirmation.
pub const REFUND_REQUESTED: &str = "Refund requested. It shows here as soon as Stripe confirms it.";
