-- Every photo fingerprint gets a number in the order it was committed, so an
-- instance's in-memory index of a campaign's fingerprints reads only those
-- written since its last read. AUTOINCREMENT: a number is never given twice,
-- even after the newest row is erased.
CREATE TABLE photo_hashes_numbered (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    campaign      TEXT NOT NULL,
    hash          TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
INSERT INTO photo_hashes_numbered (submission_id, campaign, hash, created_at)
    SELECT submission_id, campaign, hash, created_at FROM photo_hashes ORDER BY rowid;
DROP TABLE photo_hashes;
ALTER TABLE photo_hashes_numbered RENAME TO photo_hashes;
CREATE INDEX photo_hashes_campaign ON photo_hashes (campaign, created_at);
CREATE INDEX photo_hashes_campaign_seq ON photo_hashes (campaign, seq);

CREATE TABLE erased_photo_hashes_numbered (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    erased_id  TEXT NOT NULL REFERENCES erased_receipts (id) ON DELETE CASCADE,
    campaign   TEXT NOT NULL,
    hash       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
INSERT INTO erased_photo_hashes_numbered (erased_id, campaign, hash, created_at)
    SELECT erased_id, campaign, hash, created_at FROM erased_photo_hashes ORDER BY rowid;
DROP TABLE erased_photo_hashes;
ALTER TABLE erased_photo_hashes_numbered RENAME TO erased_photo_hashes;
CREATE INDEX erased_photo_hashes_campaign ON erased_photo_hashes (campaign, created_at);
CREATE INDEX erased_photo_hashes_campaign_seq ON erased_photo_hashes (campaign, seq);
