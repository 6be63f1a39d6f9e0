-- Each refund PeerLoop asked Stripe for, once Stripe took it, under the idempotency key it was
-- asked with. Until Stripe's charge.refunded confirms it, an asked refund is not refundable
-- again: a later refund asks only for what is neither refunded nor asked for.
CREATE TABLE refund_requests (
    idempotency_key TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES payments (id),
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    requested_at BIGINT NOT NULL
);
CREATE INDEX refund_requests_by_payment ON refund_requests (payment_id);
