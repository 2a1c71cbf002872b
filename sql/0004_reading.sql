-- 0004 reading: meter register readings (抄表示数) and interval load data (负荷曲线), loaded by
-- `pmis import readings|intervals` (domain/reading_csv.c) and read by the bill run.
-- Both tables are keyed (meter_id, date) and on SQLite are WITHOUT ROWID, so the rows of one
-- meter lie together in key order: "the latest reading on or before R" is one descending seek,
-- a meter's month is one range scan, and a bulk load in key order appends to the B-tree.

-- One committed import file: what brought a row in (meter_read.batch_id, meter_interval.batch_id).
CREATE TABLE read_batch (
    id         {{ID}},
    kind       TEXT NOT NULL CHECK (kind = 'readings' OR kind = 'intervals'),
    source     TEXT NOT NULL,
    rows_in    BIGINT NOT NULL,
    values_new BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- One row per meter and reading date, one column per register: cumulative Wh (total, sharp,
-- peak, flat, valley), varh (reactive), maximum demand in W (demand, not cumulative); NULL
-- where the register was not read. read_on is the local business date 'YYYY-MM-DD'.
-- source: remote (用电信息采集), manual (抄表员), customer (自报), estimated (估抄).
-- status: valid, or void for a reading set aside by review (kept for the record).
-- batch_id is read_batch.id; no foreign key, so a bulk load pays no per-row parent lookup.
CREATE TABLE meter_read (
    meter_id   BIGINT NOT NULL REFERENCES meter (id),
    read_on    TEXT NOT NULL,
    total      BIGINT,
    sharp      BIGINT,
    peak       BIGINT,
    flat       BIGINT,
    valley     BIGINT,
    reactive   BIGINT,
    demand     BIGINT,
    source     TEXT NOT NULL CHECK (source = 'remote' OR source = 'manual' OR source = 'customer' OR source = 'estimated'),
    status     TEXT NOT NULL DEFAULT 'valid' CHECK (status = 'valid' OR status = 'void'),
    batch_id   BIGINT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (meter_id, read_on)
-- @sqlite
) WITHOUT ROWID;
-- @pg
);
-- @both

-- Interval energy of one meter and one local day: `minutes` is 15, 30 or 60 and `points` the
-- day's 96/48/24 values packed by domain/interval.c (version byte, LEB128 varints of Wh + 1,
-- 0 = missing). Point i covers local wall-clock minutes [i x minutes, (i + 1) x minutes).
CREATE TABLE meter_interval (
    meter_id   BIGINT NOT NULL REFERENCES meter (id),
    day        TEXT NOT NULL,
    minutes    BIGINT NOT NULL CHECK (minutes = 15 OR minutes = 30 OR minutes = 60),
    points     {{BLOB}} NOT NULL,
    batch_id   BIGINT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (meter_id, day)
-- @sqlite
) WITHOUT ROWID;
-- @pg
);
-- @both
