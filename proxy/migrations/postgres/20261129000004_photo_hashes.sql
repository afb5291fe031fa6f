-- Perceptual hashes of the photos of campaigns that catch duplicates, kept
-- after the photos themselves are gone (a hash shows nothing of the receipt).
CREATE TABLE photo_hashes (
    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    campaign      TEXT NOT NULL,
    hash          TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE INDEX photo_hashes_campaign ON photo_hashes (campaign, created_at);
