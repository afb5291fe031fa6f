-- A person's decision on a submission held for one (a duplicate held for
-- review): who decided. The decision itself is the status and outcome.
ALTER TABLE submissions ADD COLUMN decided_by TEXT;
