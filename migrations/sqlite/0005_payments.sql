-- Money in: the Checkout Sessions PeerLoop opens, payments, the earnings ledger, the Stripe
-- events received, and who may read an instructor's feed. Amounts are integer cents in the
-- row's currency; times are Unix seconds (UTC).

-- A Checkout Session PeerLoop asked Stripe for: what it priced, for whom, and how it ended.
CREATE TABLE checkouts (
    id TEXT PRIMARY KEY,
    -- Stripe's id (cs_...), once Stripe answered.
    stripe_session_id TEXT UNIQUE,
    purpose TEXT NOT NULL CHECK (purpose IN ('enrollment', 'session')),
    user_id TEXT NOT NULL REFERENCES users (id),
    course_id TEXT NOT NULL REFERENCES courses (id),
    booking_id TEXT REFERENCES bookings (id),
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    currency TEXT NOT NULL,
    -- creating: Stripe is being asked; open: the student may pay; paid; expired;
    -- failed: Stripe could not be asked; flagged: paid, but not as priced (flag_reason), so
    -- nothing was granted and an admin must look.
    status TEXT NOT NULL CHECK (status IN
        ('creating', 'open', 'paid', 'expired', 'failed', 'flagged')),
    flag_reason TEXT,
    url TEXT,
    -- When a card was last declined while it was open: the page the student returns to says so.
    payment_failed_at BIGINT,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX checkouts_by_user ON checkouts (user_id, created_at);

-- Money received for a checkout.
CREATE TABLE payments (
    id TEXT PRIMARY KEY,
    checkout_id TEXT NOT NULL UNIQUE REFERENCES checkouts (id),
    payment_intent_id TEXT UNIQUE,
    user_id TEXT NOT NULL REFERENCES users (id),
    course_id TEXT NOT NULL REFERENCES courses (id),
    creator_id TEXT NOT NULL REFERENCES users (id),
    enrollment_id TEXT REFERENCES enrollments (id),
    booking_id TEXT REFERENCES bookings (id),
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    -- Stripe's amount_refunded: cumulative.
    refunded_cents BIGINT NOT NULL DEFAULT 0
        CHECK (refunded_cents >= 0 AND refunded_cents <= amount_cents),
    currency TEXT NOT NULL,
    -- How many sessions its Student-Teacher pool pays for.
    sessions BIGINT NOT NULL CHECK (sessions >= 0),
    paid_at BIGINT NOT NULL
);
CREATE INDEX payments_by_user ON payments (user_id, paid_at);
CREATE INDEX payments_by_course ON payments (course_id, paid_at);

-- The earnings ledger, double entry: the postings of one movement sum to zero. Accounts are
-- keys: stripe_clearing, platform, creator:<user>, pool:<payment>, st:<user>.
CREATE TABLE ledger_entries (
    id TEXT PRIMARY KEY,
    movement_id TEXT NOT NULL,
    payment_id TEXT NOT NULL REFERENCES payments (id),
    account TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('payment', 'release', 'refund', 'absorbed')),
    amount_cents BIGINT NOT NULL,
    currency TEXT NOT NULL,
    -- The session a release was for.
    booking_id TEXT REFERENCES bookings (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX ledger_by_account ON ledger_entries (account, created_at);
CREATE INDEX ledger_by_payment ON ledger_entries (payment_id);

-- Every verified Stripe event, by id, written in the transaction that applies it: a
-- redelivery finds its row and changes nothing.
CREATE TABLE stripe_events (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    created BIGINT NOT NULL,
    -- What it was about (cs_..., pi_..., ch_...), so an event that came early can be found later.
    object_id TEXT,
    payload TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX stripe_events_by_object ON stripe_events (object_id);

-- Who may read an instructor's feed (IFED): granted on enrollment.
CREATE TABLE instructor_followers (
    instructor_id TEXT NOT NULL REFERENCES users (id),
    follower_id TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (instructor_id, follower_id)
);
CREATE INDEX instructor_followers_by_follower ON instructor_followers (follower_id);

-- Local mode's Stripe: the Checkout Sessions it opened and the events it sent (/dev/stripe).
CREATE TABLE dev_stripe_checkout_sessions (
    id TEXT PRIMARY KEY,
    -- The Checkout Session as Stripe's API returns it (JSON).
    object TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE dev_stripe_events (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    -- The event as Stripe sends it (JSON), signed afresh at each delivery.
    payload TEXT NOT NULL,
    created BIGINT NOT NULL,
    -- The HTTP status of the last delivery to the webhook endpoint.
    last_status BIGINT,
    delivered_at BIGINT
);
CREATE INDEX dev_stripe_events_by_created ON dev_stripe_events (created);
