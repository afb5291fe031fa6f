-- Every photo fingerprint carries the transaction that wrote it, so an
-- instance's in-memory index of a campaign's fingerprints reads only those
-- committed since its last read: everything from the oldest transaction that
-- was still running then (`pg_snapshot_xmin`), whatever order they committed in.
ALTER TABLE photo_hashes
    ADD COLUMN seq BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);
CREATE INDEX photo_hashes_campaign_seq ON photo_hashes (campaign, seq);

ALTER TABLE erased_photo_hashes
    ADD COLUMN seq BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);
CREATE INDEX erased_photo_hashes_campaign_seq ON erased_photo_hashes (campaign, seq);
