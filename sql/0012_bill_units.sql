-- 0012 bill units: a bill run split into work units (ranges of account ids) that several
-- `pmis bill work` processes, on one host or many, claim and compute in parallel. A unit is
-- claimed with a lock that dies with its process (an flock beside the SQLite file, a session
-- advisory lock on PostgreSQL), so a killed worker's unit is taken over from its cursor.

CREATE TABLE bill_unit (
    run_id            BIGINT NOT NULL REFERENCES bill_run (id),
    unit_no           BIGINT NOT NULL,
    after_id          BIGINT NOT NULL,  -- accounts with after_id < id <= last_id
    last_id           BIGINT NOT NULL,
    cursor_account_id BIGINT NOT NULL,  -- the last account written
    status            TEXT NOT NULL CHECK (status = 'pending' OR status = 'running' OR status = 'done'),
    worker            TEXT,
    claimed_at        BIGINT,
    done_at           BIGINT,
    accounts          BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, unit_no)
);
