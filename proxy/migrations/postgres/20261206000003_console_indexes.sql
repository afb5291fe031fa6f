-- What the console reads most: the review queue (held submissions, oldest
-- first) and one shopper's submissions (to confirm an erasure, to search).
CREATE INDEX submissions_status_created ON submissions (status, created_at);
CREATE INDEX submissions_user ON submissions (user_id);
