-- The payment whose session credit a booking spent, set when it is booked: a session is paid
-- from that payment's Student-Teacher pool only, so one booked before a full refund is never
-- paid from the payment of a later enrollment in the same course. NULL for a session paid on
-- its own (payments.booking_id points at it) and for credits no payment bought (an admin's
-- enrollment).
ALTER TABLE bookings ADD COLUMN paid_by TEXT REFERENCES payments (id);

-- Sessions booked before this column existed: the enrollment's payment current when each was
-- booked.
UPDATE bookings SET paid_by = (
    SELECT p.id FROM payments p
     WHERE p.enrollment_id = bookings.enrollment_id AND p.booking_id IS NULL
       AND p.paid_at <= bookings.created_at
     ORDER BY p.paid_at DESC, p.id DESC LIMIT 1)
 WHERE NOT EXISTS (SELECT 1 FROM payments own WHERE own.booking_id = bookings.id);
