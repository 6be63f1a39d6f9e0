//! Stripe's event JSON, read into what the payment services act on. Only the fields PeerLoop
//! uses are read; the whole body is stored as received.

use backend::payments::{CompletedCheckout, PaymentEvent, ReceivedEvent};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Envelope {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    created: i64,
    data: Data,
}

#[derive(Deserialize)]
struct Data {
    object: Value,
}

#[derive(Deserialize)]
struct CheckoutSession {
    id: String,
    client_reference_id: Option<String>,
    payment_status: String,
    amount_total: Option<i64>,
    currency: Option<String>,
    /// An id, or the PaymentIntent itself when expanded.
    payment_intent: Option<Value>,
}

/// Reads a verified body; an error names what is wrong with it.
pub fn parse(payload: &str) -> Result<ReceivedEvent, String> {
    let envelope: Envelope =
        serde_json::from_str(payload).map_err(|error| format!("not a Stripe event: {error}"))?;
    let object = &envelope.data.object;
    let mut object_id = object["id"].as_str().map(str::to_owned);
    let event = match envelope.kind.as_str() {
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
            let session: CheckoutSession = serde_json::from_value(object.clone())
                .map_err(|error| format!("not a Checkout Session: {error}"))?;
            PaymentEvent::CheckoutCompleted(CompletedCheckout {
                session_id: session.id,
                checkout_id: session.client_reference_id,
                payment_status: session.payment_status,
                amount_total: session.amount_total.unwrap_or_default(),
                currency: session.currency.unwrap_or_default(),
                payment_intent_id: session.payment_intent.and_then(|intent| match intent {
                    Value::String(id) => Some(id),
                    expanded => expanded["id"].as_str().map(str::to_owned),
                }),
            })
        }
        // A delayed payment method (a bank debit) that failed after Checkout completed unpaid.
        "checkout.session.async_payment_failed" => match object["client_reference_id"].as_str() {
            Some(checkout_id) => PaymentEvent::PaymentFailed {
                checkout_id: checkout_id.to_owned(),
            },
            None => PaymentEvent::Other,
        },
        "checkout.session.expired" => PaymentEvent::CheckoutExpired {
            session_id: object_id
                .clone()
                .ok_or("a Checkout Session without an id")?,
        },
        "payment_intent.payment_failed" => match object["metadata"]["checkout_id"].as_str() {
            Some(checkout_id) => PaymentEvent::PaymentFailed {
                checkout_id: checkout_id.to_owned(),
            },
            None => PaymentEvent::Other,
        },
        // A charge with no PaymentIntent was not made by one of our Checkout Sessions: kept
        // (answered 200, so Stripe does not retry it for days), not acted on.
        "charge.refunded" if object["payment_intent"].is_null() => PaymentEvent::Other,
        "charge.refunded" => {
            let payment_intent_id = match &object["payment_intent"] {
                Value::String(id) => id.clone(),
                expanded => expanded["id"]
                    .as_str()
                    .ok_or("a refunded charge without its PaymentIntent")?
                    .to_owned(),
            };
            let amount_refunded = object["amount_refunded"]
                .as_i64()
                .ok_or("a refunded charge without amount_refunded")?;
            object_id = Some(payment_intent_id.clone());
            PaymentEvent::ChargeRefunded {
                payment_intent_id,
                amount_refunded,
            }
        }
        _ => PaymentEvent::Other,
    };
    Ok(ReceivedEvent {
        id: envelope.id,
        kind: envelope.kind,
        created: envelope.created,
        object_id,
        payload: payload.to_owned(),
        event,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_completed_checkout_is_read_with_its_amount_and_reference() {
        let event = parse(
            r#"{"id":"evt_1","object":"event","api_version":"2026-06-24.dahlia","created":1700000000,
                "livemode":false,"pending_webhooks":1,"type":"checkout.session.completed",
                "data":{"object":{"id":"cs_test_1","object":"checkout.session",
                "client_reference_id":"chk_1","payment_status":"paid","amount_total":4900,
                "currency":"usd","payment_intent":"pi_1"}}}"#,
        )
        .unwrap();
        assert_eq!(event.id, "evt_1");
        assert_eq!(event.object_id.as_deref(), Some("cs_test_1"));
        assert_eq!(
            event.event,
            PaymentEvent::CheckoutCompleted(CompletedCheckout {
                session_id: "cs_test_1".into(),
                checkout_id: Some("chk_1".into()),
                payment_status: "paid".into(),
                amount_total: 4900,
                currency: "usd".into(),
                payment_intent_id: Some("pi_1".into()),
            })
        );
    }

    #[test]
    fn a_refunded_charge_without_a_payment_intent_is_kept_not_refused() {
        let event = parse(
            r#"{"id":"evt_5","type":"charge.refunded","created":1,
                "data":{"object":{"id":"ch_5","object":"charge","amount_refunded":100,
                "payment_intent":null}}}"#,
        )
        .unwrap();
        assert_eq!(event.event, PaymentEvent::Other);
    }

    #[test]
    fn a_failed_delayed_payment_is_a_payment_failure_of_its_checkout() {
        let event = parse(
            r#"{"id":"evt_4","type":"checkout.session.async_payment_failed","created":1,
                "data":{"object":{"id":"cs_4","client_reference_id":"chk_4",
                "payment_status":"unpaid"}}}"#,
        )
        .unwrap();
        assert_eq!(
            event.event,
            PaymentEvent::PaymentFailed {
                checkout_id: "chk_4".into()
            }
        );
    }

    #[test]
    fn unknown_types_are_kept_and_broken_bodies_refused() {
        let event = parse(
            r#"{"id":"evt_2","type":"customer.created","created":1,"data":{"object":{"id":"cus_1"}}}"#,
        )
        .unwrap();
        assert_eq!(event.event, PaymentEvent::Other);
        assert!(parse("{}").is_err());
        assert!(parse(r#"{"id":"evt_3","type":"checkout.session.completed","created":1,"data":{"object":{"id":"cs"}}}"#).is_err());
    }
}
