-- A photo that resembles an earlier submission's is only a suspicion: the
-- receipt goes on to the provider, and what it reads decides. This is the
-- earlier submission whose photo it resembled.
ALTER TABLE submissions ADD COLUMN photo_match_of TEXT;

-- What stops an erased shopper's receipt from being claimed again, and nothing
-- personal: its exact keys (fiscal QR, what the provider read) as keyed one-way
-- hashes, and its photos' fingerprints, with no link to the shopper nor to the
-- erased submission (`id` is new).
CREATE TABLE erased_receipts (
    id          TEXT PRIMARY KEY,
    campaign    TEXT NOT NULL,
    qr_key      TEXT,
    receipt_key TEXT,
    created_at  BIGINT NOT NULL
);

CREATE INDEX erased_receipts_qr_key ON erased_receipts (campaign, qr_key);
CREATE INDEX erased_receipts_receipt_key ON erased_receipts (campaign, receipt_key);

CREATE TABLE erased_photo_hashes (
    erased_id  TEXT NOT NULL REFERENCES erased_receipts (id) ON DELETE CASCADE,
    campaign   TEXT NOT NULL,
    hash       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE INDEX erased_photo_hashes_campaign ON erased_photo_hashes (campaign, created_at);
