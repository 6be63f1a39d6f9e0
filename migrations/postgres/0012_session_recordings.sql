-- A session's recordings. The video service reports a file ready (PlugNmeet's
-- recording_proceeded, or the built-in room's upload); an outbox job then copies it into the
-- blob store (Cloudflare R2, or a local directory) and fills in blob_key. Playback is through a
-- short-lived signed URL for the session's two participants and admins.
CREATE TABLE session_recordings (
    record_id TEXT PRIMARY KEY,
    booking_id TEXT NOT NULL REFERENCES bookings (id),
    -- The service's own name for the file (its extension says the container).
    file_path TEXT NOT NULL,
    -- Measured when it was copied.
    size_bytes BIGINT,
    reported_at BIGINT NOT NULL,
    blob_key TEXT,
    stored_at BIGINT
);
CREATE INDEX session_recordings_by_booking ON session_recordings (booking_id, reported_at);
