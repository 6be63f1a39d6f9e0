-- Users, courses and their modules. Ids are UUIDv7 text; times are Unix seconds (UTC).
CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    -- lowercased email: addresses are unique case-insensitively
    email_normalized TEXT NOT NULL UNIQUE,
    time_zone TEXT NOT NULL DEFAULT 'UTC',
    bio TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

CREATE TABLE courses (
    id TEXT PRIMARY KEY NOT NULL,
    creator_id TEXT NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    description TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('beginner', 'intermediate', 'advanced')),
    price_cents BIGINT NOT NULL CHECK (price_cents >= 0),
    currency TEXT NOT NULL CHECK (currency IN ('usd', 'eur', 'gbp')),
    published BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL
);
CREATE INDEX courses_by_creator ON courses (creator_id);

CREATE TABLE course_modules (
    id TEXT PRIMARY KEY NOT NULL,
    course_id TEXT NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    duration_minutes BIGINT NOT NULL CHECK (duration_minutes > 0),
    UNIQUE (course_id, position)
);
