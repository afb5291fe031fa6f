-- Submissions and the photos waiting to be forwarded, for PostgreSQL (several
-- proxy instances on one database). The same tables as the SQLite migrations
-- make; times are Unix milliseconds.
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
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    -- A worker owns the row until then, and renews it while it works.
    lease_until     BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    -- The provider account it goes to, so a callback finds its submission.
    provider        TEXT,
    -- Unusable provider answers in a row (`worker.max_malformed`).
    malformed       BIGINT NOT NULL DEFAULT 0,
    -- Which worker holds the lease.
    lease_token     TEXT,
    UNIQUE (campaign, idempotency_key)
);

CREATE INDEX submissions_due ON submissions (next_attempt_at)
    WHERE status IN ('queued', 'processing');

CREATE INDEX submissions_provider_ref ON submissions (provider, provider_ref);

-- Kept until the provider has acknowledged the submission, so an upstream outage
-- loses nothing.
CREATE TABLE photos (
    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    position      BIGINT NOT NULL,
    content_type  TEXT NOT NULL,
    bytes         BYTEA NOT NULL,
    PRIMARY KEY (submission_id, position)
);
