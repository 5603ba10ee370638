-- Automerge storage: the key/value chunks the sync engine asks for.
-- Keys are "<document id>/<snapshot|incremental>/<content hash>".
CREATE TABLE chunks (
    key        TEXT PRIMARY KEY NOT NULL,
    doc_id     TEXT NOT NULL,
    data       BLOB NOT NULL,
    created_at INTEGER NOT NULL
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
    updated_at INTEGER NOT NULL
);
CREATE INDEX documents_round ON documents (template, period);

CREATE TABLE org_units (
    id     TEXT PRIMARY KEY NOT NULL,
    name   TEXT NOT NULL,
    kind   TEXT NOT NULL,
    parent TEXT REFERENCES org_units (id),
    pos    INTEGER NOT NULL
);

CREATE TABLE users (
    id   TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    unit TEXT NOT NULL REFERENCES org_units (id)
);

CREATE TABLE rounds (
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
