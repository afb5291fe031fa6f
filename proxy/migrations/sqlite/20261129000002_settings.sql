-- Settings an operator changes at run time (the retention), which every
-- instance follows; the configuration's values apply where none is set.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
