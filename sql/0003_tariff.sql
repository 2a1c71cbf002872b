-- 0003 tariff: tariffs (电价) as effective-dated data. A tariff row holds the code, name and
-- category (user type); each version holds its canonical JSON (doc/tariff-format.md, keys
-- sorted, compact), exactly the text the parser validated, so the engine reloads what was
-- checked. Versions are never changed in place: a new price is a new effective date.
-- digest is the SHA-256 of body, for quick comparison and the audit trail.
CREATE TABLE tariff (
    id         {{ID}},
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    category   TEXT NOT NULL CHECK (category = 'resident' OR category = 'general_ci'
                                    OR category = 'large_industry' OR category = 'agriculture'),
    note       TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

CREATE TABLE tariff_version (
    tariff_id      BIGINT NOT NULL REFERENCES tariff (id),
    effective_from TEXT NOT NULL,
    body           TEXT NOT NULL,
    digest         TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (tariff_id, effective_from)
);
