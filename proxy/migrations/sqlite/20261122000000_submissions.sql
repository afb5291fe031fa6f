-- Submissions and the photos waiting to be forwarded. Times are Unix milliseconds.
CREATE TABLE submissions (
    id              TEXT PRIMARY KEY,
    campaign        TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    status          TEXT NOT NULL,
    -- The provider's id for it, once the provider has acknowledged it.
    provider_ref    TEXT,
    -- JSON of api::Outcome, once final.
    outcome         TEXT,
    qr              TEXT,
    merchant        TEXT,
    user_id         TEXT,
    offers          TEXT,
    -- Upstream failures in a row; drives the backoff.
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    -- A worker owns the row until then.
    lease_until     INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (campaign, idempotency_key)
);

CREATE INDEX submissions_due ON submissions (next_attempt_at)
    WHERE status IN ('queued', 'processing');

-- Kept until the provider has acknowledged the submission, so an upstream outage
-- loses nothing.
CREATE TABLE photos (
    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    content_type  TEXT NOT NULL,
    bytes         BLOB NOT NULL,
    PRIMARY KEY (submission_id, position)
);
