-- As migrations/sqlite/0004: every version of every template this server has
-- served (the template as JSON), for the sync policy and `baocao check`.
CREATE TABLE template_versions (
    template   TEXT NOT NULL,
    version    BIGINT NOT NULL,
    digest     TEXT NOT NULL,
    body       TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    PRIMARY KEY (template, version, digest)
);
