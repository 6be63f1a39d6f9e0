//! Paying for a course: opening a Checkout Session and how a checkout stands.

use serde::{Deserialize, Serialize};

/// The Checkout Session to send the browser to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckoutStarted {
    /// Stripe's Checkout Session id (`cs_…`).
    pub id: String,
    pub url: String,
}

/// Where a checkout the student came back from stands (SDSH's "Confirming your payment…").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CheckoutState {
    /// Paid at Stripe, but its webhook has not landed yet (or not paid yet).
    Confirming,
    /// The enrollment exists.
    Confirmed,
    /// Expired or failed: nothing was charged.
    NotPaid,
    /// Paid, but not as priced: an admin will sort it out.
    NeedsAttention,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckoutStatus {
    pub state: CheckoutState,
    pub course_id: String,
    pub course_title: String,
}

/// What the page a student returns to from Checkout says.
pub const PAYMENT_FAILED: &str = "Payment failed. Please try again.";
pub const CHECKOUT_CANCELLED: &str = "Checkout cancelled — you have not been charged.";
