-- 0033 apply limit versions (issue 6): the working-day limits of the service-application kinds
-- become versioned data like the SLA policies. Each change is a new row with the time it takes
-- effect, its source and who changed it; older rows are kept. The limit of (kind, stage) at a
-- time is the row with the latest effective_at not after it ('total' is the end-to-end limit).
-- An application keeps the limits in force when it was accepted (apply_kind_stages as of
-- accepted_at). The figures of 0016 (apply_kind.total_days, apply_kind_stage.days) become
-- version 1 of every limit, in force from the epoch.

CREATE TABLE apply_limit_version (
    id           {{ID}},
    kind         TEXT NOT NULL REFERENCES apply_kind (kind),
    stage        TEXT NOT NULL,
    days         BIGINT NOT NULL CHECK (days >= 1 AND days <= 366),
    effective_at BIGINT NOT NULL,
    source       TEXT NOT NULL,
    changed_by   TEXT NOT NULL,
    changed_at   BIGINT NOT NULL
);
CREATE INDEX apply_limit_version_at ON apply_limit_version (kind, stage, effective_at);

INSERT INTO apply_limit_version (kind, stage, days, effective_at, source, changed_by, changed_at)
SELECT kind, 'total', total_days, 0, source, 'migration 0033', 0 FROM apply_kind;
INSERT INTO apply_limit_version (kind, stage, days, effective_at, source, changed_by, changed_at)
SELECT kind, stage, days, 0, source, 'migration 0033', 0 FROM apply_kind_stage;
