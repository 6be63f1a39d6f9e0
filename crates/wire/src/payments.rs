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
/// Stripe could not be reached to open a checkout.
pub const PAYMENTS_UNAVAILABLE: &str = "Payments are unavailable right now. Please try again.";
