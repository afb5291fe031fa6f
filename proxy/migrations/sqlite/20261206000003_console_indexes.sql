-- What the console reads most: the review queue (held submissions, oldest
-- first) and one shopper's submissions (to confirm an erasure, to search).
CREATE INDEX submissions_status_created ON submissions (status, created_at);
CREATE INDEX submissions_user ON submissions (user_id);
-- A campaign's submissions, newest first, a page at a time (the console's
-- list and the operator API's), with and without a status; a receipt found
-- by its QR code.
CREATE INDEX submissions_campaign_created ON submissions (campaign, created_at, id);
CREATE INDEX submissions_campaign_status_created ON submissions (campaign, status, created_at, id);
CREATE INDEX submissions_qr ON submissions (qr);
