-- What identifies a PDF e-receipt, to catch the same one sent again (per
-- campaign): the hash of its text, else of its bytes. Kept, as a keyed hash,
-- for an erased shopper's receipts too.
ALTER TABLE submissions ADD COLUMN document_key TEXT;
CREATE INDEX submissions_document_key ON submissions (campaign, document_key);

ALTER TABLE erased_receipts ADD COLUMN document_key TEXT;
CREATE INDEX erased_receipts_document_key ON erased_receipts (campaign, document_key);
