-- Accounts, sessions, login throttling, enrollment progress and the Student-Teacher ladder.
ALTER TABLE users ADD COLUMN password_hash TEXT;
ALTER TABLE users ADD COLUMN is_admin BOOLEAN NOT NULL DEFAULT FALSE;
-- Raised by "log out everywhere" and password changes; sessions carry the value they began with.
ALTER TABLE users ADD COLUMN session_epoch BIGINT NOT NULL DEFAULT 0;
-- Whether mail reaches this address: ok, bounced, complained or failed (set by email webhooks).
ALTER TABLE users ADD COLUMN email_status TEXT NOT NULL DEFAULT 'ok';

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- One row per failed login; throttling counts rows for the account and for the client address.
CREATE TABLE login_failures (
    subject TEXT NOT NULL,
    failed_at BIGINT NOT NULL
);
CREATE INDEX login_failures_by_subject ON login_failures (subject, failed_at);

CREATE TABLE enrollments (
    id TEXT PRIMARY KEY,
    student_id TEXT NOT NULL REFERENCES users (id),
    course_id TEXT NOT NULL REFERENCES courses (id),
    status TEXT NOT NULL CHECK (status IN ('active', 'completed')),
    enrolled_at BIGINT NOT NULL,
    completed_at BIGINT,
    UNIQUE (student_id, course_id)
);
CREATE INDEX enrollments_by_course ON enrollments (course_id);

CREATE TABLE module_completions (
    enrollment_id TEXT NOT NULL REFERENCES enrollments (id) ON DELETE CASCADE,
    module_id TEXT NOT NULL REFERENCES course_modules (id) ON DELETE CASCADE,
    completed_at BIGINT NOT NULL,
    PRIMARY KEY (enrollment_id, module_id)
);

CREATE TABLE teaching_applications (
    id TEXT PRIMARY KEY,
    course_id TEXT NOT NULL REFERENCES courses (id),
    applicant_id TEXT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'declined')),
    motivation TEXT NOT NULL,
    decline_reason TEXT,
    created_at BIGINT NOT NULL,
    decided_at BIGINT,
    decided_by TEXT REFERENCES users (id)
);
-- At most one open application per person and course.
CREATE UNIQUE INDEX teaching_applications_one_pending
    ON teaching_applications (course_id, applicant_id) WHERE status = 'pending';

-- A Student-Teacher certification: who may teach which course.
CREATE TABLE st_certifications (
    course_id TEXT NOT NULL REFERENCES courses (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    certified_at BIGINT NOT NULL,
    PRIMARY KEY (course_id, user_id)
);
CREATE INDEX st_certifications_by_user ON st_certifications (user_id);
