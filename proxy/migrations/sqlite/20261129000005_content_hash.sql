-- What a submission carries, as one digest: a retry with the same
-- Idempotency-Key must carry the same (NULL for rows stored before).
ALTER TABLE submissions ADD COLUMN content_hash TEXT;
