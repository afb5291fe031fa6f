-- The outbox of verdicts to the brand's backend: written in the same
-- transaction as the status change it tells, delivered (at least once, retried
-- until the receiver answers 2xx) by the notifier. `id` is the `webhook-id`,
-- the same on every attempt, so a receiver can drop repeats.
CREATE TABLE notifications (
    id              TEXT PRIMARY KEY,
    submission_id   TEXT NOT NULL,
    campaign        TEXT NOT NULL,
    payload         TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until     INTEGER,
    lease_token     TEXT,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    -- Once the receiver answered 2xx; or given up after days of trying.
    delivered_at    INTEGER,
    abandoned_at    INTEGER
);

CREATE INDEX notifications_due ON notifications (next_attempt_at)
    WHERE delivered_at IS NULL AND abandoned_at IS NULL;
