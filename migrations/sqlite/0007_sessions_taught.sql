-- A session taught: when its Student-Teacher marked it (or the video service reported it), and
-- the student's dispute of it, decided by an admin.
ALTER TABLE bookings ADD COLUMN taught_at BIGINT;
ALTER TABLE bookings ADD COLUMN disputed_at BIGINT;
ALTER TABLE bookings ADD COLUMN dispute_reason TEXT;
ALTER TABLE bookings ADD COLUMN dispute_decided_at BIGINT;
-- The admin's decision: did the session happen?
ALTER TABLE bookings ADD COLUMN dispute_session_happened BOOLEAN;
CREATE INDEX bookings_disputed ON bookings (disputed_at) WHERE disputed_at IS NOT NULL;
