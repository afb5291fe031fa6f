-- Where a campaign holds duplicates for a person, its photos are kept after
-- the provider has them, until then (Unix ms, the campaign's duplicates
-- window), so a reviewer sees a held receipt beside the earlier one. Past
-- it, the retention sweep drops them, unless a submission held for review
-- is, or matched, this one. An erasure drops them at once.
ALTER TABLE submissions ADD COLUMN photos_until BIGINT;
CREATE INDEX submissions_photos_until ON submissions (photos_until);
