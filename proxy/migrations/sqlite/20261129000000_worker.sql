-- Unusable provider answers in a row (`worker.max_malformed`), apart from
-- `attempts`, which counts every upstream failure in a row for the backoff.
ALTER TABLE submissions ADD COLUMN malformed INTEGER NOT NULL DEFAULT 0;

-- Who holds the lease: a worker renews (and only its own) while the submission
-- is in hand.
ALTER TABLE submissions ADD COLUMN lease_token TEXT;
