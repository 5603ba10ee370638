-- Every version of every template this server has served, so the sync policy
-- can still judge a change from a phone that runs an older version (a field
-- the new version removed is an old id there, not an unknown key) and the
-- `check` command can tell a retired value from a stray one. `digest` tells
-- apart two texts given the same version number.
CREATE TABLE template_versions (
    template   TEXT NOT NULL,
    version    INTEGER NOT NULL,
    digest     TEXT NOT NULL,
    body       TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    PRIMARY KEY (template, version, digest)
);
