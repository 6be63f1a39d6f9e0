//! The real Stripe: Checkout Sessions through Stripe's REST API.

use crate::config::StripeConfig;
use backend::payments::{CheckoutRequest, OpenedCheckout, PaymentError, PaymentGateway};

#[derive(Debug)]
pub struct StripeApi {
    client: reqwest::Client,
    config: StripeConfig,
}

impl StripeApi {
    pub fn new(config: StripeConfig) -> Self {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .unwrap_or_default();
        StripeApi { client, config }
    }
}

/// The form fields of `POST /v1/checkout/sessions` for a request (Stripe's bracketed names).
pub fn checkout_form(request: &CheckoutRequest) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = [
        ("mode", "payment".to_owned()),
        ("line_items[0][quantity]", "1".to_owned()),
        (
            "line_items[0][price_data][currency]",
            request.currency.clone(),
        ),
        (
            "line_items[0][price_data][unit_amount]",
            request.amount_cents.to_string(),
        ),
        (
            "line_items[0][price_data][product_data][name]",
            request.product_name.clone(),
        ),
        ("success_url", request.success_url.clone()),
        ("cancel_url", request.cancel_url.clone()),
        ("client_reference_id", request.checkout_id.clone()),
        ("customer_email", request.customer_email.clone()),
        ("expires_at", request.expires_at.to_string()),
        (
            "payment_intent_data[transfer_group]",
            request.transfer_group.clone(),
        ),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect();
    for (key, value) in &request.metadata {
        form.push((format!("metadata[{key}]"), value.clone()));
        form.push((
            format!("payment_intent_data[metadata][{key}]"),
            value.clone(),
        ));
    }
    form
}

#[async_trait::async_trait]
impl PaymentGateway for StripeApi {
    async fn open_checkout(
        &self,
        request: &CheckoutRequest,
    ) -> Result<OpenedCheckout, PaymentError> {
        let response = self
            .client
            .post(format!("{}/v1/checkout/sessions", self.config.api_base))
            .bearer_auth(self.config.secret_key.expose())
            .header("Idempotency-Key", &request.checkout_id)
            .form(&checkout_form(request))
            .send()
            .await
            .map_err(|error| PaymentError::Unavailable(format!("Stripe unreachable: {error}")))?;
        let status = response.status();
        let body: serde_json::Value = response
            .json()
            .await
            .map_err(|error| PaymentError::Unavailable(format!("unreadable answer: {error}")))?;
        if !status.is_success() {
            let message = format!("Stripe answered {status}: {}", body["error"]["message"]);
            return Err(if status.is_server_error() || status.as_u16() == 429 {
                PaymentError::Unavailable(message)
            } else {
                PaymentError::Rejected(message)
            });
        }
        match (body["id"].as_str(), body["url"].as_str()) {
            (Some(id), Some(url)) => Ok(OpenedCheckout {
                id: id.to_owned(),
                url: url.to_owned(),
            }),
            _ => Err(PaymentError::Rejected(format!(
                "a Checkout Session without id or url: {body}"
            ))),
        }
    }
}
