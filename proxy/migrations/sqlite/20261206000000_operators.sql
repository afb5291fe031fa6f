-- The brand's people who use the console: each with a role (reviewer, admin)
-- and a password (argon2id, PHC string) set through a one-time link. Times
-- are Unix milliseconds.
CREATE TABLE operators (
    id                  TEXT PRIMARY KEY,
    email               TEXT NOT NULL UNIQUE,
    role                TEXT NOT NULL,
    password_hash       TEXT,
    -- Sessions from before it are no longer valid.
    password_changed_at INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL
);

-- One-time links to set a password: only their SHA-256 is kept.
CREATE TABLE operator_links (
    token_hash  TEXT PRIMARY KEY,
    operator_id TEXT NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    expires_at  INTEGER NOT NULL
);

-- Signed-in sessions, in the database so that every instance knows them:
-- only the cookie's SHA-256 is kept, with the CSRF token of its forms.
CREATE TABLE operator_sessions (
    token_hash  TEXT PRIMARY KEY,
    operator_id TEXT NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    csrf        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);

CREATE INDEX operator_sessions_of ON operator_sessions (operator_id);
