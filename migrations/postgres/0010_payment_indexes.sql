-- Booking on a credit finds its enrollment's latest payment, and a session's page and its
-- release find the payment made for that session alone: neither scans every payment.
CREATE INDEX payments_by_enrollment ON payments (enrollment_id, paid_at);
CREATE INDEX payments_by_booking ON payments (booking_id);
