-- 0008 ledger: receivables (应收电费), payments (实收) and how they were allocated, late fees
-- (电费违约金) under versioned policies, the account ledger (台账) and the cashier's daily close
-- (日结). Amounts are int64 fen. The invariants `pmis ledger verify` checks:
--   account_balance.balance_fen = Σ ledger_entry.debit_fen − Σ ledger_entry.credit_fen
--   = Σ open receivable amounts (principal + late fee − paid − waived) − Σ unallocated credit.

-- Late-fee rules by effective date: the policy in force on an overdue day prices that day.
-- Rates are per day in millionths of the unpaid principal (1000 = 1‰).
CREATE TABLE late_fee_policy (
    effective_from   TEXT PRIMARY KEY,
    resident_ppm     BIGINT NOT NULL CHECK (resident_ppm >= 0),
    current_year_ppm BIGINT NOT NULL CHECK (current_year_ppm >= 0),
    cross_year_ppm   BIGINT NOT NULL CHECK (cross_year_ppm >= 0),
    min_fen          BIGINT NOT NULL CHECK (min_fen >= 0),
    source           TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    created_by       TEXT NOT NULL
);
INSERT INTO late_fee_policy VALUES
    ('1996-10-08', 1000, 2000, 3000, 100, '《供电营业规则》(1996, 电力工业部令第8号) 第九十八条', 0, 'migration'),
    ('2024-06-01', 1000, 2000, 3000, 100, '《供电营业规则》(2024, 国家发展和改革委员会令2024年第14号): rates as 1996; the 1-yuan minimum is unconfirmed and kept until the official text says otherwise', 0, 'migration');

-- One row per issued bill with a positive amount: what is owed on it and what was paid.
-- A negative correction is not a receivable; it becomes a credit (payment channel 'adjustment').
CREATE TABLE receivable (
    bill_id        BIGINT PRIMARY KEY REFERENCES bill (id),
    account_id     BIGINT NOT NULL REFERENCES account (id),
    bill_year      BIGINT NOT NULL,  -- the bill period's year: later years' days are cross-year
    resident       BIGINT NOT NULL CHECK (resident = 0 OR resident = 1),
    due_on         TEXT NOT NULL,
    amount_fen     BIGINT NOT NULL CHECK (amount_fen > 0),
    paid_fen       BIGINT NOT NULL DEFAULT 0 CHECK (paid_fen >= 0),
    fee_ufen       BIGINT NOT NULL DEFAULT 0,  -- late fee accrued, exact, in millionths of a fen
    fee_fen        BIGINT NOT NULL DEFAULT 0,  -- late fee charged: fee_ufen rounded, at least the minimum
    fee_paid_fen   BIGINT NOT NULL DEFAULT 0 CHECK (fee_paid_fen >= 0),
    fee_waived_fen BIGINT NOT NULL DEFAULT 0 CHECK (fee_waived_fen >= 0),
    fee_through    TEXT,                       -- last overdue day accrued
    settled_on     TEXT                        -- the day nothing was owed on it; NULL while open
);
CREATE INDEX receivable_open ON receivable (account_id, due_on, bill_id) WHERE settled_on IS NULL;
CREATE INDEX receivable_overdue ON receivable (due_on, bill_id) WHERE settled_on IS NULL;

-- Money received (channels counter, bank, wechat, alipay, agent) and internal credits
-- (adjustment: a negative correction bill; deposit: a deposit applied on closure). The
-- receipt number is 'SK' and the id in ten digits. `unallocated_fen` is credit (预存) still to
-- be applied to the next bills.
CREATE TABLE payment (
    id              {{ID}},
    account_id      BIGINT NOT NULL REFERENCES account (id),
    amount_fen      BIGINT NOT NULL CHECK (amount_fen > 0),
    unallocated_fen BIGINT NOT NULL CHECK (unallocated_fen >= 0),
    channel         TEXT NOT NULL,
    ref             TEXT,
    paid_on         TEXT NOT NULL,
    cashier         TEXT NOT NULL,
    batch_id        BIGINT,
    status          TEXT NOT NULL CHECK (status = 'posted' OR status = 'reversed'),
    posted_at       BIGINT NOT NULL,
    reversed_on     TEXT,
    reversed_by     TEXT,
    reversal_approver TEXT,
    reversal_reason TEXT
);
CREATE UNIQUE INDEX payment_ref ON payment (channel, ref) WHERE ref IS NOT NULL;
CREATE INDEX payment_account ON payment (account_id, id);
CREATE INDEX payment_credit ON payment (account_id, id) WHERE unallocated_fen > 0;
CREATE INDEX payment_cashier ON payment (cashier, paid_on);

-- Which receivable each payment paid, late fee and principal apart. A reversal undoes exactly
-- these rows; credit applied later to a new bill is an allocation of the payment it came from.
CREATE TABLE allocation (
    payment_id    BIGINT NOT NULL REFERENCES payment (id),
    bill_id       BIGINT NOT NULL REFERENCES receivable (bill_id),
    fee_fen       BIGINT NOT NULL CHECK (fee_fen >= 0),
    principal_fen BIGINT NOT NULL CHECK (principal_fen >= 0),
    PRIMARY KEY (payment_id, bill_id)
);
CREATE INDEX allocation_bill ON allocation (bill_id);

-- The account ledger: every movement once. Kinds: bill, adjustment (positive correction
-- bill: debit; negative: credit), late_fee (debit), fee_waiver (credit), payment (credit),
-- reversal (debit).
CREATE TABLE ledger_entry (
    id         {{ID}},
    account_id BIGINT NOT NULL REFERENCES account (id),
    kind       TEXT NOT NULL,
    debit_fen  BIGINT NOT NULL DEFAULT 0 CHECK (debit_fen >= 0),
    credit_fen BIGINT NOT NULL DEFAULT 0 CHECK (credit_fen >= 0),
    bill_id    BIGINT,
    payment_id BIGINT,
    on_date    TEXT NOT NULL,
    posted_at  BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    note       TEXT
);
CREATE INDEX ledger_account ON ledger_entry (account_id, id);
-- the daily close reconciles a cashier's day with the ledger; other kinds skip this index
CREATE INDEX ledger_cashier_day ON ledger_entry (actor, on_date)
    WHERE kind = 'payment' OR kind = 'reversal';

-- Running balance per account (positive: owed; negative: credit). Posting locks this row, so
-- two processes posting to one account take turns.
CREATE TABLE account_balance (
    account_id  BIGINT PRIMARY KEY REFERENCES account (id),
    balance_fen BIGINT NOT NULL DEFAULT 0,
    updated_at  BIGINT NOT NULL
);

-- Bank and agent collection files (代收): one row per imported file, so a re-import is a no-op.
CREATE TABLE payment_batch (
    id          {{ID}},
    channel     TEXT NOT NULL,
    batch_ref   TEXT NOT NULL,
    file_date   TEXT NOT NULL,
    lines       BIGINT NOT NULL,
    total_fen   BIGINT NOT NULL,
    posted      BIGINT NOT NULL,
    posted_fen  BIGINT NOT NULL,
    unmatched   BIGINT NOT NULL,
    imported_at BIGINT NOT NULL,
    imported_by TEXT NOT NULL,
    UNIQUE (channel, batch_ref)
);

-- Cashier daily close (日结): totals by channel; that day's posting is closed for the cashier.
CREATE TABLE cashier_close (
    cashier     TEXT NOT NULL,
    day         TEXT NOT NULL,
    channel     TEXT NOT NULL,
    payments    BIGINT NOT NULL,
    received_fen BIGINT NOT NULL,
    reversed_fen BIGINT NOT NULL,
    closed_at   BIGINT NOT NULL,
    PRIMARY KEY (cashier, day, channel)
);
