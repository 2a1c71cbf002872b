-- 0005 billing: bill runs (核算), bills and their lines, the review queue (量费审核) and release
-- (发行). A bill run computes one draft bill per active account for a period; drafts with failed
-- validation or an unusual amount wait in review; issue gives the releasable ones numbers and
-- due dates and makes them immutable. Corrections (退补) are new bills of kind 'adjustment'
-- pointing at the bill they correct; issued bills are never edited.

CREATE TABLE bill_run (
    id                {{ID}},
    period            TEXT NOT NULL,
    org_id            BIGINT REFERENCES org_unit (id),
    cycle_day         BIGINT NOT NULL DEFAULT 0 CHECK (cycle_day BETWEEN 0 AND 28),
    status            TEXT NOT NULL CHECK (status IN ('running', 'computed', 'issued', 'replaced')),
    cursor_account_id BIGINT NOT NULL DEFAULT 0,
    accounts          BIGINT NOT NULL DEFAULT 0,
    in_review         BIGINT NOT NULL DEFAULT 0,
    total_fen         BIGINT NOT NULL DEFAULT 0,
    energy_wh         BIGINT NOT NULL DEFAULT 0,
    started_at        BIGINT NOT NULL,
    finished_at       BIGINT,
    started_by        TEXT NOT NULL,
    issued_at         BIGINT,
    issued_by         TEXT
);
CREATE INDEX bill_run_period ON bill_run (period, status);

CREATE TABLE bill (
    id              {{ID}},
    run_id          BIGINT REFERENCES bill_run (id),
    bill_no         TEXT,
    account_id      BIGINT NOT NULL REFERENCES account (id),
    period          TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('regular', 'adjustment')),
    status          TEXT NOT NULL CHECK (status IN ('draft', 'review', 'approved', 'held', 'issued')),
    adjusts_bill_id BIGINT REFERENCES bill (id),
    tariff_code     TEXT NOT NULL,
    read_from       TEXT,
    read_to         TEXT,
    energy_wh       BIGINT NOT NULL,
    total_fen       BIGINT NOT NULL,
    vee_flags       BIGINT NOT NULL DEFAULT 0,
    review_reason   TEXT,
    usage_text      TEXT NOT NULL,
    reads_text      TEXT NOT NULL,
    note            TEXT,
    due_on          TEXT,
    issued_at       BIGINT,
    created_at      BIGINT NOT NULL
);
-- A bill run inserts every row through three indexes only (the primary key and two more):
-- bill_account serves every lookup by account (and period), and is unique for the regular bill
-- of an account and period (one per account and month) while corrections, keyed by their own
-- id, may be many; bill numbers are unique once given, and drafts (NULL) are not indexed.
CREATE UNIQUE INDEX bill_account ON bill (account_id, period, (CASE WHEN kind = 'regular' THEN 0 ELSE id END));
CREATE INDEX bill_run_status ON bill (run_id, status);
CREATE UNIQUE INDEX bill_number ON bill (bill_no) WHERE bill_no IS NOT NULL;
-- Deleting a draft (a re-run replaces them) checks that no correction points at it: without
-- this index that is a scan of the whole table per deleted bill.
CREATE INDEX bill_adjusts ON bill (adjusts_bill_id) WHERE adjusts_bill_id IS NOT NULL;

CREATE TABLE bill_line (
    bill_id    BIGINT NOT NULL REFERENCES bill (id) ON DELETE CASCADE,
    line_no    BIGINT NOT NULL,
    item       TEXT NOT NULL,
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    rule       TEXT NOT NULL,
    version    TEXT NOT NULL,
    unit       TEXT NOT NULL,
    qty        BIGINT NOT NULL,
    price_e8   BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    parts      TEXT NOT NULL,
    PRIMARY KEY (bill_id, line_no)
-- @sqlite
) WITHOUT ROWID;
-- @pg
);
-- @both

CREATE TABLE bill_seq (
    period TEXT PRIMARY KEY,
    next   BIGINT NOT NULL
);
