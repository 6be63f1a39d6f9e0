-- Pay per session: what a course charges, in its currency, for a session beyond an
-- enrollment's credits. NULL when the course sells no single sessions.
ALTER TABLE courses ADD COLUMN session_price_cents BIGINT CHECK (session_price_cents > 0);
