-- Keys this deployment generates for itself, shared by every app server on the database
-- (e.g. the key that signs CSRF cookies). Created on first start.
CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- A login attempt is reserved (counted) before its password is checked; a successful attempt
-- removes its own reservation by this id.
ALTER TABLE login_failures ADD COLUMN attempt_id TEXT;
CREATE INDEX login_failures_by_attempt ON login_failures (attempt_id);
-- One row per throttled subject, locked while an attempt is counted and reserved, so parallel
-- attempts are counted one after another on every backend.
CREATE TABLE login_throttle (
    subject TEXT PRIMARY KEY,
    touched_at BIGINT NOT NULL
);

-- The free-cancellation window shown when the session was booked: cancel and reschedule keep
-- to it even after the Student-Teacher changes their policy.
ALTER TABLE bookings ADD COLUMN free_cancel_hours BIGINT;
UPDATE bookings SET free_cancel_hours = (
    SELECT a.free_cancel_hours FROM st_availability a WHERE a.st_id = bookings.st_id);

-- The worker that holds a job's lease: only it may finish the job.
ALTER TABLE outbox ADD COLUMN lease_token TEXT;
-- The message as first built, so every retry sends the same bytes under the same key.
ALTER TABLE outbox ADD COLUMN rendered TEXT;

-- Sign-ups waiting for their email to be confirmed. The account is created only when the link
-- in the confirmation email is used, so a sign-up answers the same whether or not the address
-- already has an account (the owner of a taken address is told by email instead).
CREATE TABLE signup_requests (
    id TEXT PRIMARY KEY,
    -- SHA-256 of the token in the emailed link; the token itself is never stored here.
    token_hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    email_normalized TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX signup_requests_expiry ON signup_requests (expires_at);
