-- Every operator action (console or operator API): who, what, when, from
-- where. `shopper` names the shopper an entry concerns, so that their
-- erasure can remove it (and the entry's subject and detail) while keeping
-- that the action happened. Times are Unix milliseconds.
CREATE TABLE audit_log (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT,
    shopper TEXT,
    detail  TEXT,
    address TEXT
);

CREATE INDEX audit_log_shopper ON audit_log (shopper);
