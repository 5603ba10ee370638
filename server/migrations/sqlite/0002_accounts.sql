-- Accounts: a password (argon2id, PHC string) per user; NULL: cannot log in.
ALTER TABLE users ADD COLUMN password_hash TEXT;

-- Sessions: only a hash of the token is stored, so a leaked database does not
-- leak usable tokens.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Attribution: every Automerge actor id a user's changes carry, bound to that
-- user the first time the server accepts a change from it.
CREATE TABLE actors (
    actor      TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    first_seen INTEGER NOT NULL
);

-- Documents that are not reports (created by other automerge-repo clients)
-- belong to the user who stored them first.
CREATE TABLE doc_owners (
    doc_id     TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL
);
