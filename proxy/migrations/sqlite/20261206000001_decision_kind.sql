-- Which decision a person made on a submission held for one (accept,
-- not_duplicate, reject): a retried decision is answered as the first, and
-- another is refused, whatever the provider made of a receipt sent on.
ALTER TABLE submissions ADD COLUMN decision TEXT;
