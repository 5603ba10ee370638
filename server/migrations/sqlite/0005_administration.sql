-- Administration at run time (rounds opened and closed, units reorganised,
-- users deactivated) and its audit trail.

-- A closed round locks its reports as approval does, until it is reopened.
ALTER TABLE rounds ADD COLUMN closed BIGINT NOT NULL DEFAULT 0;

-- The units of a round as they were when it was opened: its unit's subtree
-- and that unit's ancestors. Figures and exports of the round read this
-- tree, so moving, merging or closing units later (the 2025 reform) does
-- not change an old period's report. Rounds stored before this table get
-- theirs from the tree at the next start.
CREATE TABLE round_units (
    template   TEXT NOT NULL,
    period     TEXT NOT NULL,
    round_unit TEXT NOT NULL,
    unit       TEXT NOT NULL,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    parent     TEXT,
    pos        BIGINT NOT NULL,
    PRIMARY KEY (template, period, round_unit, unit)
);

-- A closed unit (merged into another, or abolished) stays for the reports
-- it made; it takes part in no new round.
ALTER TABLE org_units ADD COLUMN closed BIGINT NOT NULL DEFAULT 0;

-- A deactivated user cannot log in; their sessions are ended.
ALTER TABLE users ADD COLUMN active BIGINT NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN last_login BIGINT;

-- Every administrative action: who, when, what, and the state before and
-- after (JSON).
CREATE TABLE audit (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     BIGINT NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    scope  TEXT,
    before TEXT,
    after  TEXT
);
CREATE INDEX audit_at ON audit (at);
