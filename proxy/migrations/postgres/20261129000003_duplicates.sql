-- What identifies a receipt, to catch the same one sent again (per campaign):
-- its fiscal QR (drive, document, sign) and what the provider read (store,
-- date, time, total); and, for a duplicate, the earlier submission it matched.
ALTER TABLE submissions ADD COLUMN qr_key TEXT;
ALTER TABLE submissions ADD COLUMN receipt_key TEXT;
ALTER TABLE submissions ADD COLUMN duplicate_of TEXT;

CREATE INDEX submissions_qr_key ON submissions (campaign, qr_key);
CREATE INDEX submissions_receipt_key ON submissions (campaign, receipt_key);
