-- Failed calls to a campaign's provider, counted by the hour (Unix ms / 3,600,000)
-- and by kind (`credentials`: it refused the proxy's; `error`: any other),
-- for the console's day at a glance: a submission's own last error is gone
-- once a later call succeeds.
CREATE TABLE provider_trouble (
    campaign TEXT NOT NULL,
    hour     BIGINT NOT NULL,
    kind     TEXT NOT NULL,
    count    BIGINT NOT NULL,
    PRIMARY KEY (campaign, hour, kind)
);
