//! The payments port: how the product asks a payment provider for a Checkout Session, and the
//! provider's events as the services apply them. Adapters (Stripe, the local Stripe) live in the
//! server crate, which also verifies and parses the webhooks into [`PaymentEvent`]s.

/// A Checkout Session to open: one line item, paid once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckoutRequest {
    /// Our checkout id: Stripe's `client_reference_id`, the `Idempotency-Key` of the request,
    /// and `metadata[checkout_id]` on the session and its PaymentIntent.
    pub checkout_id: String,
    pub product_name: String,
    pub amount_cents: i64,
    /// ISO 4217, lowercase.
    pub currency: String,
    pub customer_email: String,
    /// Contains `{CHECKOUT_SESSION_ID}`, which Stripe replaces.
    pub success_url: String,
    pub cancel_url: String,
    pub expires_at: i64,
    /// Ties the charge to the transfers that later pay teachers (separate charges and transfers).
    pub transfer_group: String,
    pub metadata: Vec<(String, String)>,
}

/// Stripe's answer: where to send the student.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenedCheckout {
    pub id: String,
    pub url: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    /// The provider could not be reached or failed; asking again later may work.
    #[error("payment provider unavailable: {0}")]
    Unavailable(String),
    /// The provider refused the request; asking again the same way will not help.
    #[error("payment provider refused the request: {0}")]
    Rejected(String),
}

/// A refund to ask for: part or all of what is left of a payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundRequest {
    pub payment_intent_id: String,
    pub amount_cents: i64,
    /// The same for a repeat of the same request (a double click), so one refund is made.
    pub idempotency_key: String,
    pub metadata: Vec<(String, String)>,
}

#[async_trait::async_trait]
pub trait PaymentGateway: Send + Sync + std::fmt::Debug {
    async fn open_checkout(
        &self,
        request: &CheckoutRequest,
    ) -> Result<OpenedCheckout, PaymentError>;

    /// Asks for a refund. The money moves in the ledger when Stripe's `charge.refunded`
    /// arrives, not here.
    async fn refund(&self, request: &RefundRequest) -> Result<(), PaymentError>;
}

/// A verified provider event, as received: stored whole, applied by what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedEvent {
    /// `evt_…`: unique; a redelivery carries the same id.
    pub id: String,
    /// Stripe's `type`, e.g. `checkout.session.completed`.
    pub kind: String,
    pub created: i64,
    /// The id of the object it is about (`cs_…`, `pi_…`); for charge events, the charge's
    /// PaymentIntent, which is what the payment is known by.
    pub object_id: Option<String>,
    /// The raw JSON body.
    pub payload: String,
    pub event: PaymentEvent,
}

/// What the services act on. Everything else is stored and acknowledged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentEvent {
    /// `checkout.session.completed` / `checkout.session.async_payment_succeeded`.
    CheckoutCompleted(CompletedCheckout),
    /// `checkout.session.expired`.
    CheckoutExpired {
        session_id: String,
    },
    /// `payment_intent.payment_failed` (a declined card) or
    /// `checkout.session.async_payment_failed` (a delayed method that failed) for one of our
    /// checkouts.
    PaymentFailed {
        checkout_id: String,
    },
    /// `charge.refunded`: `amount_refunded` is cumulative over all refunds of the charge.
    ChargeRefunded {
        payment_intent_id: String,
        amount_refunded: i64,
    },
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletedCheckout {
    pub session_id: String,
    /// Our checkout id (`client_reference_id`).
    pub checkout_id: Option<String>,
    /// `paid`, `unpaid` (a delayed method still settling) or `no_payment_required`.
    pub payment_status: String,
    pub amount_total: i64,
    pub currency: String,
    pub payment_intent_id: Option<String>,
}
