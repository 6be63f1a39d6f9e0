-- The video room of a session: one per session, opened when its first participant joins.
CREATE TABLE session_rooms (
    booking_id TEXT PRIMARY KEY REFERENCES bookings (id),
    room_id TEXT NOT NULL UNIQUE,
    opened_at BIGINT NOT NULL,
    -- When the video service reported the room finished; the session's outcome was decided then.
    finished_at BIGINT
);

-- Every join and leave the video service reported, keyed by its event: a redelivery is one row.
-- Seconds present are computed from these (domain::attendance), so reports arriving out of order
-- add up the same.
CREATE TABLE session_attendance (
    event_id TEXT PRIMARY KEY,
    booking_id TEXT NOT NULL REFERENCES bookings (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    presence TEXT NOT NULL CHECK (presence IN ('joined', 'left')),
    at BIGINT NOT NULL
);
CREATE INDEX session_attendance_by_booking ON session_attendance (booking_id, user_id, at);

-- The video service's webhook events as received, by id (deduplication and audit).
CREATE TABLE video_events (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    room_id TEXT,
    created BIGINT NOT NULL,
    payload TEXT NOT NULL,
    received_at BIGINT NOT NULL
);

-- Each participant's feedback on a completed session, about the other one; a Student-Teacher's
-- rating is the feedback about them.
CREATE TABLE session_feedback (
    booking_id TEXT NOT NULL REFERENCES bookings (id),
    author_id TEXT NOT NULL REFERENCES users (id),
    about_id TEXT NOT NULL REFERENCES users (id),
    stars INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    comment TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (booking_id, author_id)
);
CREATE INDEX session_feedback_about ON session_feedback (about_id);
