-- A fully refunded enrollment ends: it keeps its history (progress, past sessions) but grants
-- nothing more, and enrolling again starts it afresh.
ALTER TABLE enrollments ADD COLUMN ended_at BIGINT;
