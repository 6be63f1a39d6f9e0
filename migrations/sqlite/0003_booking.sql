-- Booking: Student-Teacher availability rules, booked sessions, idempotency keys, session
-- credits and the outbox. Times are Unix seconds (UTC); local times are minutes after midnight
-- in the S-T's own time zone (users.time_zone).

-- 1-on-1 sessions that come with an enrollment, and how many the student put off for later.
ALTER TABLE enrollments ADD COLUMN session_credits BIGINT NOT NULL DEFAULT 4
    CHECK (session_credits >= 0);
ALTER TABLE enrollments ADD COLUMN deferred_credits BIGINT NOT NULL DEFAULT 0
    CHECK (deferred_credits >= 0);

CREATE TABLE st_availability (
    st_id TEXT PRIMARY KEY REFERENCES users (id),
    -- Session lengths offered, in minutes, comma-separated ("30,60").
    session_minutes TEXT NOT NULL,
    step_minutes BIGINT NOT NULL CHECK (step_minutes > 0),
    buffer_before_minutes BIGINT NOT NULL CHECK (buffer_before_minutes >= 0),
    buffer_after_minutes BIGINT NOT NULL CHECK (buffer_after_minutes >= 0),
    minimum_notice_minutes BIGINT NOT NULL CHECK (minimum_notice_minutes >= 0),
    horizon_days BIGINT NOT NULL CHECK (horizon_days > 0),
    -- Cancelling or rescheduling is free until this many hours before the start.
    free_cancel_hours BIGINT NOT NULL CHECK (free_cancel_hours >= 0),
    updated_at BIGINT NOT NULL
);

CREATE TABLE st_weekly_hours (
    st_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- ISO weekday: 1 = Monday ... 7 = Sunday.
    weekday BIGINT NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    start_minute BIGINT NOT NULL CHECK (start_minute BETWEEN 0 AND 1440),
    end_minute BIGINT NOT NULL CHECK (end_minute BETWEEN 0 AND 1440),
    CHECK (start_minute < end_minute)
);
CREATE INDEX st_weekly_hours_by_st ON st_weekly_hours (st_id);

CREATE TABLE st_date_overrides (
    id TEXT PRIMARY KEY,
    st_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The S-T's local date, YYYY-MM-DD.
    on_date TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('day_off', 'extra_hours')),
    start_minute BIGINT,
    end_minute BIGINT
);
CREATE INDEX st_date_overrides_by_st ON st_date_overrides (st_id, on_date);

CREATE TABLE bookings (
    id TEXT PRIMARY KEY,
    st_id TEXT NOT NULL REFERENCES users (id),
    student_id TEXT NOT NULL REFERENCES users (id),
    course_id TEXT NOT NULL REFERENCES courses (id),
    enrollment_id TEXT NOT NULL REFERENCES enrollments (id),
    start_at BIGINT NOT NULL,
    end_at BIGINT NOT NULL,
    -- The session with the S-T's buffers around it: what no other active booking may overlap.
    blocked_start BIGINT NOT NULL,
    blocked_end BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN
        ('pending_payment', 'scheduled', 'in_progress', 'completed', 'cancelled', 'no_show')),
    -- A pending_payment booking holds its slot until then.
    hold_expires_at BIGINT,
    -- RFC 5545 SEQUENCE of the calendar event: rises with every reschedule or cancellation.
    sequence BIGINT NOT NULL DEFAULT 0,
    cancelled_by TEXT REFERENCES users (id),
    cancelled_at BIGINT,
    -- Cancelled inside the free-cancellation window (only the S-T may).
    late_cancellation BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK (start_at < end_at AND blocked_start <= start_at AND end_at <= blocked_end)
);
-- No exclusion constraints in SQLite: bookings are written inside BEGIN IMMEDIATE (one writer
-- at a time) with the overlap check in the same transaction.
CREATE INDEX bookings_by_st ON bookings (st_id, start_at);
CREATE INDEX bookings_by_student ON bookings (student_id, start_at);
CREATE INDEX bookings_holds ON bookings (hold_expires_at) WHERE status = 'pending_payment';

-- A retried POST /api/sessions with the same key returns the booking the first one made.
CREATE TABLE idempotency_keys (
    user_id TEXT NOT NULL REFERENCES users (id),
    key TEXT NOT NULL,
    -- The request the key was first used for, canonicalised: a different request is refused.
    request TEXT NOT NULL,
    booking_id TEXT NOT NULL REFERENCES bookings (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, key)
);

-- Work to do after a commit (emails, reminders), written in the same transaction as the change
-- that causes it and drained by a worker with retries.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    run_at BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'dead')),
    attempts BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    done_at BIGINT
);
CREATE INDEX outbox_due ON outbox (status, run_at);

-- Local mode's mailbox: every email the built-in mailer "sent", shown at /dev/mailbox.
CREATE TABLE dev_mailbox (
    id TEXT PRIMARY KEY,
    -- The sender's idempotency key: a retried send is stored once.
    idempotency_key TEXT NOT NULL UNIQUE,
    sent_to TEXT NOT NULL,
    subject TEXT NOT NULL,
    html TEXT NOT NULL,
    text_body TEXT NOT NULL,
    attachment_name TEXT,
    attachment_type TEXT,
    attachment TEXT,
    sent_at BIGINT NOT NULL
);
