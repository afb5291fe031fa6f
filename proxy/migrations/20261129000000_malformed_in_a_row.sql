-- Unusable provider answers in a row (`worker.max_malformed`), apart from
-- `attempts`, which counts every upstream failure in a row for the backoff.
ALTER TABLE submissions ADD COLUMN malformed INTEGER NOT NULL DEFAULT 0;
