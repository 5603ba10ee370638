-- The same schema as migrations/sqlite (0001 and 0002), for PostgreSQL.
-- Integers are BIGINT (the server reads them as i64); blobs are BYTEA.
-- `rowid` mirrors SQLite's implicit rowid: lists ordered by insertion read
-- the same on both.

-- Automerge storage: the key/value chunks the sync engine asks for.
-- Keys are "<document id>/<snapshot|incremental>/<content hash>". Rows are
-- only appended (a key is a content hash) and a compaction deletes only the
-- keys it merged, so replicas writing one document at once lose nothing.
CREATE TABLE chunks (
    key        TEXT PRIMARY KEY NOT NULL,
    doc_id     TEXT NOT NULL,
    data       BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX chunks_doc ON chunks (doc_id);

-- A projection of each report document, refreshed whenever it is saved, so
-- lists and completeness never load every document.
CREATE TABLE documents (
    doc_id     TEXT PRIMARY KEY NOT NULL,
    template   TEXT NOT NULL,
    unit       TEXT NOT NULL,
    period     TEXT NOT NULL,
    status     TEXT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX documents_round ON documents (template, period);

CREATE TABLE org_units (
    id     TEXT PRIMARY KEY NOT NULL,
    name   TEXT NOT NULL,
    kind   TEXT NOT NULL,
    parent TEXT REFERENCES org_units (id),
    pos    BIGINT NOT NULL
);

CREATE TABLE users (
    rowid         BIGINT GENERATED ALWAYS AS IDENTITY,
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    unit          TEXT NOT NULL REFERENCES org_units (id),
    -- argon2id, PHC string; NULL: cannot log in.
    password_hash TEXT
);

CREATE TABLE rounds (
    rowid    BIGINT GENERATED ALWAYS AS IDENTITY,
    template TEXT NOT NULL,
    period   TEXT NOT NULL,
    unit     TEXT NOT NULL REFERENCES org_units (id),
    deadline TEXT,
    PRIMARY KEY (template, period, unit)
);

CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

-- Sessions: only a hash of the token is stored.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Attribution: every Automerge actor id a user's changes carry.
CREATE TABLE actors (
    actor      TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    first_seen BIGINT NOT NULL
);

-- Documents that are not reports belong to the user who stored them first.
CREATE TABLE doc_owners (
    doc_id     TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);
