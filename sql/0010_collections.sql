-- 0010 collections (催费 → 停电 → 复电, manual 3.4, rules §6.2, §7): the reminder schedule and
-- message templates as data, the outbox (the boundary to SMS, WeChat and letter senders: a
-- message names its recipient by account number only, never a decrypted phone number), the
-- reminders sent per bill and step, disconnection policy versions, disconnection notices, and
-- collection work orders (disconnect / reconnect) with their deadlines.
-- (Numbered 0010: 0009 is the HTTP API's auth migration on another branch; the runner applies
-- any missing version in order, so a gap is harmless.)

-- Reminder schedule (催费): a bill `days_after` days past its due date gets a message on
-- `channel` when the account's credit grade (credit_rating; B when unrated) is in `grades`.
-- A run sends the latest step a bill has reached and never an earlier one after it.
CREATE TABLE remind_step (
    days_after BIGINT PRIMARY KEY CHECK (days_after >= 1),
    channel    TEXT NOT NULL CHECK (channel = 'sms' OR channel = 'wechat' OR channel = 'letter'),
    grades     TEXT NOT NULL DEFAULT 'ABCD',
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
INSERT INTO remind_step VALUES (1, 'sms', 'ABCD', 0, 'migration'),
    (3, 'wechat', 'CD', 0, 'migration'), (7, 'wechat', 'ABCD', 0, 'migration'),
    (15, 'letter', 'ABCD', 0, 'migration');

-- Message texts per kind (reminder, disconnect_notice, reconnect) and channel, zh-CN, with
-- placeholders in braces: {account} {customer} {bill} {period} {amount} {principal}
-- {late_fee} {due_on} {days} {date} {disconnect_on} (domain/collect_remind.c checks them).
CREATE TABLE message_template (
    kind       TEXT NOT NULL,
    channel    TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (kind, channel)
);
INSERT INTO message_template VALUES
    ('reminder', 'sms', '【电费提醒】尊敬的客户，您的户号{account}（{period}）电费{amount}元已于{due_on}到期，现逾期{days}天，请尽快缴纳，逾期将按日加收电费违约金。如已缴费请忽略本短信。', 0, 'migration'),
    ('reminder', 'wechat', '电费催缴通知：户号{account}（{customer}）{period}电费账单{bill}尚欠{amount}元（其中电费{principal}元、违约金{late_fee}元），缴费截止日{due_on}，已逾期{days}天。请通过网上国网、微信或营业厅缴费。', 0, 'migration'),
    ('reminder', 'letter', '电费催缴通知书
{customer}（户号{account}）：
贵户{period}电费账单{bill}应于{due_on}前缴清，截至{date}尚欠{amount}元（电费{principal}元、违约金{late_fee}元），已逾期{days}天。请于收到本通知后尽快缴清，逾期将按规定加收违约金，超过30日仍未缴清的，将依法中止供电。', 0, 'migration'),
    ('disconnect_notice', 'letter', '欠费停电通知书
{customer}（户号{account}）：
截至{date}，贵户尚欠电费{amount}元（电费{principal}元、违约金{late_fee}元），最早一笔应于{due_on}缴清，已逾期{days}天。请于{disconnect_on}前缴清全部欠费，否则我公司将依据《电力供应与使用条例》第三十九条于该日后中止供电。缴清后24小时内恢复供电。', 0, 'migration'),
    ('reconnect', 'sms', '【复电通知】户号{account}的欠费已于{date}缴清，我公司将在24小时内为您恢复供电。', 0, 'migration');

-- Messages waiting for a sender adapter. `recipient` is the account number: the adapter looks
-- up (and decrypts) the contact itself, so no phone number is ever stored here in clear text.
CREATE TABLE outbox (
    id         {{ID}},
    kind       TEXT NOT NULL,
    channel    TEXT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES account (id),
    recipient  TEXT NOT NULL,
    body       TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status = 'queued' OR status = 'sent' OR status = 'failed'),
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    sent_at    BIGINT,
    error      TEXT
);
CREATE INDEX outbox_status ON outbox (status, id);
CREATE INDEX outbox_account ON outbox (account_id, id);

-- One row per (bill, step) reminded: the idempotency key of `pmis remind run`.
CREATE TABLE reminder (
    bill_id      BIGINT NOT NULL REFERENCES receivable (bill_id),
    days_after   BIGINT NOT NULL,
    account_id   BIGINT NOT NULL REFERENCES account (id),
    channel      TEXT NOT NULL,
    on_date      TEXT NOT NULL,
    days_overdue BIGINT NOT NULL,
    owed_fen     BIGINT NOT NULL,
    outbox_id    BIGINT NOT NULL REFERENCES outbox (id),
    PRIMARY KEY (bill_id, days_after)
);
CREATE INDEX reminder_account ON reminder (account_id, on_date);

-- Disconnection for arrears (欠费停电), versioned by effective date like the late-fee policy:
-- a candidate owes a bill more than `overdue_days` past due (《电力供应与使用条例》第三十九条:
-- 超过30日) and was served a notice at least `notice_days_*` before; important customers
-- (customer.important) need `important_approvals` approvers; a reconnection order is due
-- `reconnect_hours` after the arrears are paid (2024《供电营业规则》: 24 小时).
CREATE TABLE disconnect_policy (
    effective_from       TEXT PRIMARY KEY,
    overdue_days         BIGINT NOT NULL CHECK (overdue_days >= 0),
    notice_days_resident BIGINT NOT NULL CHECK (notice_days_resident >= 0),
    notice_days_other    BIGINT NOT NULL CHECK (notice_days_other >= 0),
    reconnect_hours      BIGINT NOT NULL CHECK (reconnect_hours >= 1),
    important_approvals  BIGINT NOT NULL CHECK (important_approvals = 1 OR important_approvals = 2),
    source               TEXT NOT NULL,
    created_at           BIGINT NOT NULL,
    created_by           TEXT NOT NULL
);
INSERT INTO disconnect_policy VALUES ('1996-10-08', 30, 7, 3, 24, 2,
    '《电力供应与使用条例》第三十九条 (more than 30 days overdue); notice 7 days residential / 3 days others (secondary source, to be confirmed); reconnection within 24 h (国家电网供电服务承诺; 2024《供电营业规则》)',
    0, 'migration');

-- Disconnection notices (停电通知书) served, with the arrears they were served for.
CREATE TABLE disconnect_notice (
    id          {{ID}},
    account_id  BIGINT NOT NULL REFERENCES account (id),
    served_on   TEXT NOT NULL,
    oldest_due  TEXT NOT NULL,
    arrears_fen BIGINT NOT NULL,
    outbox_id   BIGINT NOT NULL REFERENCES outbox (id),
    served_at   BIGINT NOT NULL,
    served_by   TEXT NOT NULL
);
CREATE INDEX disconnect_notice_account ON disconnect_notice (account_id, served_on);

-- Collection work orders: disconnect (approved) and reconnect (opened when the arrears are
-- paid, due `deadline_at`). At most one open order per account.
CREATE TABLE collect_order (
    id           {{ID}},
    account_id   BIGINT NOT NULL REFERENCES account (id),
    kind         TEXT NOT NULL CHECK (kind = 'disconnect' OR kind = 'reconnect'),
    status       TEXT NOT NULL CHECK (status = 'open' OR status = 'done' OR status = 'cancelled'),
    arrears_fen  BIGINT NOT NULL DEFAULT 0,
    notice_id    BIGINT REFERENCES disconnect_notice (id),
    approved_by  TEXT,
    approved_by2 TEXT,
    opened_at    BIGINT NOT NULL,
    opened_by    TEXT NOT NULL,
    deadline_at  BIGINT,
    closed_at    BIGINT,
    closed_by    TEXT,
    note         TEXT
);
CREATE INDEX collect_order_account ON collect_order (account_id, id);
CREATE INDEX collect_order_status ON collect_order (status, id);
CREATE UNIQUE INDEX collect_order_one_open ON collect_order (account_id) WHERE status = 'open';

-- Prepaid (费控) accounts: the credit on the ledger is the balance; when it covers at most
-- `days_left` days of the estimated daily charge (recent bills) a warning goes out once per
-- top-up (the latest cash payment re-arms the thresholds); at zero or below a remote
-- disconnection order opens, and a top-up that leaves credit opens the reconnection.
CREATE TABLE prepaid_threshold (
    days_left  BIGINT PRIMARY KEY CHECK (days_left >= 1),
    channel    TEXT NOT NULL CHECK (channel = 'sms' OR channel = 'wechat' OR channel = 'letter'),
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
INSERT INTO prepaid_threshold VALUES (7, 'sms', 0, 'migration'), (3, 'sms', 0, 'migration');

CREATE TABLE prepaid_warning (
    account_id BIGINT NOT NULL REFERENCES account (id),
    topup_id   BIGINT NOT NULL,  -- the latest cash payment when warned, 0 if none
    days_left  BIGINT NOT NULL,  -- the threshold warned
    on_date    TEXT NOT NULL,
    credit_fen BIGINT NOT NULL,
    daily_fen  BIGINT NOT NULL,
    outbox_id  BIGINT NOT NULL REFERENCES outbox (id),
    PRIMARY KEY (account_id, topup_id, days_left)
);

INSERT INTO message_template VALUES
    ('low_balance', 'sms', '【余额提醒】尊敬的客户，您的户号{account}电费余额{amount}元，按近期用电约可用{days}天，请及时充值，余额不足将远程停电。', 0, 'migration'),
    ('low_balance', 'wechat', '余额提醒：户号{account}（{customer}）电费余额{amount}元，按近期日均电费约可用{days}天。请通过网上国网或微信及时充值，余额用尽将远程中止供电。', 0, 'migration'),
    ('low_balance', 'letter', '电费余额提醒
{customer}（户号{account}）：
截至{date}，贵户电费余额{amount}元，按近期日均电费约可用{days}天。请及时充值，余额用尽将远程中止供电。', 0, 'migration'),
    ('prepaid_off', 'sms', '【停电提醒】尊敬的客户，您的户号{account}电费余额已用尽（欠{amount}元），将远程中止供电，充值后24小时内恢复供电。', 0, 'migration');

-- Credit rating (信用评级, manual 3.4; doc/credit-rating.md): grades by minimum score, and
-- whether a grade requires a deposit (保证金); the monthly rating of each account with the
-- figures it came from and its reasons.
CREATE TABLE credit_grade (
    grade            TEXT PRIMARY KEY,
    min_score        BIGINT NOT NULL CHECK (min_score >= 0 AND min_score <= 100),
    deposit_required BIGINT NOT NULL CHECK (deposit_required = 0 OR deposit_required = 1),
    name             TEXT NOT NULL
);
INSERT INTO credit_grade VALUES ('A', 90, 0, '信用优良'), ('B', 75, 0, '信用良好'),
    ('C', 60, 0, '信用一般'), ('D', 0, 1, '信用较差');

CREATE TABLE credit_rating (
    account_id     BIGINT NOT NULL REFERENCES account (id),
    period         TEXT NOT NULL,
    score          BIGINT NOT NULL,
    grade          TEXT NOT NULL,
    bills          BIGINT NOT NULL,
    on_time        BIGINT NOT NULL,
    late_days      BIGINT NOT NULL,  -- days late summed over the late bills
    late_bills     BIGINT NOT NULL,
    arrears_fen    BIGINT NOT NULL,
    avg_bill_fen   BIGINT NOT NULL,
    reversals      BIGINT NOT NULL,
    disconnections BIGINT NOT NULL,
    reasons        TEXT NOT NULL,
    rated_at       BIGINT NOT NULL,
    rated_by       TEXT NOT NULL,
    PRIMARY KEY (account_id, period)
);

-- Deposits (保证金) held for high-risk customers (the grade says which need one). Held money is
-- not on the ledger; applying it (on closure) posts it as a 'deposit' credit that pays the open
-- bills, and what is left over is refunded.
CREATE TABLE deposit (
    id           {{ID}},
    account_id   BIGINT NOT NULL REFERENCES account (id),
    amount_fen   BIGINT NOT NULL CHECK (amount_fen > 0),
    channel      TEXT NOT NULL,
    ref          TEXT,
    reason       TEXT,
    taken_on     TEXT NOT NULL,
    taken_at     BIGINT NOT NULL,
    taken_by     TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status = 'held' OR status = 'applied' OR status = 'refunded'),
    applied_fen  BIGINT NOT NULL DEFAULT 0 CHECK (applied_fen >= 0),
    refunded_fen BIGINT NOT NULL DEFAULT 0 CHECK (refunded_fen >= 0),
    payment_id   BIGINT REFERENCES payment (id),
    closed_on    TEXT,
    closed_by    TEXT
);
CREATE UNIQUE INDEX deposit_ref ON deposit (channel, ref) WHERE ref IS NOT NULL;
CREATE INDEX deposit_account ON deposit (account_id, id);
