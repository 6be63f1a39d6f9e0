//! The real Stripe: Checkout Sessions and refunds through async-stripe, Stripe's typed Rust
//! client (so the parameter names and encoding follow Stripe's API specification, not our
//! spelling of it).

use crate::config::StripeConfig;
use backend::payments::{
    CheckoutRequest, OpenedCheckout, PaymentError, PaymentGateway, RefundRequest,
};
use std::time::Duration;
use stripe::{IdempotencyKey, RequestStrategy, StripeError, StripeRequest as _};
use stripe_checkout::CheckoutSessionMode;
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionLineItemsPriceData,
    CreateCheckoutSessionPaymentIntentData, ProductData,
};

/// How long one request to Stripe may take before the student is told to try again.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug)]
pub struct StripeApi {
    /// `None` when the configured key or base URL was refused: every request then fails
    /// clearly instead of the server failing to start on a typo.
    client: Result<stripe::Client, String>,
}

impl StripeApi {
    pub fn new(config: StripeConfig) -> Self {
        // async-stripe appends "v1/…" to the base: it must end in a slash.
        let base = format!("{}/", config.api_base.trim_end_matches('/'));
        let client = stripe::ClientBuilder::new(config.secret_key.expose())
            .url(base)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|error| error.to_string());
        if let Err(error) = &client {
            tracing::error!(%error, "the Stripe client could not be built; payments will fail");
        }
        StripeApi { client }
    }
}

impl StripeApi {
    /// The client, and the key that makes a repeat of this request the same request to Stripe.
    fn client_and_key(&self, key: &str) -> Result<(&stripe::Client, IdempotencyKey), PaymentError> {
        let client = self
            .client
            .as_ref()
            .map_err(|error| PaymentError::Rejected(error.clone()))?;
        let key = IdempotencyKey::new(key)
            .map_err(|error| PaymentError::Rejected(format!("idempotency key: {error}")))?;
        Ok((client, key))
    }
}

fn classify(error: StripeError) -> PaymentError {
    match error {
        StripeError::Stripe(api, status) => {
            let message = format!(
                "Stripe answered {status}: {}",
                api.message
                    .clone()
                    .unwrap_or_else(|| api.type_.as_str().to_owned())
            );
            if matches!(status, 409 | 424 | 429 | 500..=599) {
                PaymentError::Unavailable(message)
            } else {
                PaymentError::Rejected(message)
            }
        }
        StripeError::ClientError(message) => {
            PaymentError::Unavailable(format!("Stripe unreachable: {message}"))
        }
        StripeError::Timeout => PaymentError::Unavailable("Stripe timed out".into()),
        StripeError::JSONDeserialize(message) => {
            PaymentError::Unavailable(format!("unreadable answer from Stripe: {message}"))
        }
        StripeError::ConfigError(message) => PaymentError::Rejected(message),
    }
}

#[async_trait::async_trait]
impl PaymentGateway for StripeApi {
    async fn open_checkout(
        &self,
        request: &CheckoutRequest,
    ) -> Result<OpenedCheckout, PaymentError> {
        let Ok(currency) = request.currency.parse::<stripe_types::Currency>();
        let mut price_data = CreateCheckoutSessionLineItemsPriceData::new(currency);
        price_data.unit_amount = Some(request.amount_cents);
        price_data.product_data = Some(ProductData::new(request.product_name.as_str()));
        let mut line_item = CreateCheckoutSessionLineItems::new();
        line_item.price_data = Some(price_data);
        line_item.quantity = Some(1);
        let metadata: std::collections::HashMap<String, String> =
            request.metadata.iter().cloned().collect();
        let mut payment_intent_data = CreateCheckoutSessionPaymentIntentData::new();
        payment_intent_data.transfer_group = Some(request.transfer_group.clone());
        payment_intent_data.metadata = Some(metadata.clone());
        let (client, key) = self.client_and_key(&request.checkout_id)?;
        let session = CreateCheckoutSession::new()
            .mode(CheckoutSessionMode::Payment)
            .line_items(vec![line_item])
            .success_url(request.success_url.as_str())
            .cancel_url(request.cancel_url.as_str())
            .client_reference_id(request.checkout_id.as_str())
            .customer_email(request.customer_email.as_str())
            .expires_at(request.expires_at)
            .metadata(metadata)
            .payment_intent_data(payment_intent_data)
            .customize()
            // One attempt under the checkout's id: the student is waiting, and a request that
            // reached Stripe but lost its answer can only ever open this one session.
            .request_strategy(RequestStrategy::Idempotent(key))
            .send(client)
            .await
            .map_err(classify)?;
        let id = session.id.as_str().to_owned();
        let url = session
            .url
            .ok_or_else(|| PaymentError::Rejected(format!("Checkout Session {id} has no url")))?;
        Ok(OpenedCheckout { id, url })
    }

    async fn refund(&self, request: &RefundRequest) -> Result<(), PaymentError> {
        let (client, key) = self.client_and_key(&request.idempotency_key)?;
        let metadata: std::collections::HashMap<String, String> =
            request.metadata.iter().cloned().collect();
        stripe_core::refund::CreateRefund::new()
            .payment_intent(request.payment_intent_id.as_str())
            .amount(request.amount_cents)
            .metadata(metadata)
            .customize()
            .request_strategy(RequestStrategy::Idempotent(key))
            .send(client)
            .await
            .map_err(classify)?;
        Ok(())
    }
}
