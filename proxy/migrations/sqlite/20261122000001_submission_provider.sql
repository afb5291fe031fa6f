-- The provider account a submission went to, so a provider's callback (which
-- names only its own reference) finds its submission.
ALTER TABLE submissions ADD COLUMN provider TEXT;

CREATE INDEX submissions_provider_ref ON submissions (provider, provider_ref);
