-- The id of the request that uploaded a submission (`x-request-id`), so that
-- its log lines, from upload to verdict, can be found by one id.
ALTER TABLE submissions ADD COLUMN request_id TEXT;
