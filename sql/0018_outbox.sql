-- 0018 the notification outbox delivered (issue 6 §7; issue 4 §3): message templates per
-- event, channel and language (zh Simplified Chinese, en English), the channels email and
-- webhook beside sms, wechat and letter, each message's language, and the delivery state the
-- worker (`pmis outbox deliver`, domain/outbox_deliver.c) keeps: attempts, the next attempt
-- time, the last error, the worker holding it, and the idempotency key every POST of it
-- carries. `status` keeps its three values: queued (waiting or in flight: claimed_by set),
-- sent, failed — failed is the dead-letter list (`pmis outbox dead`, `outbox retry`).
-- Recipients stay account numbers: the worker decrypts the contact only when it sends.

-- Templates gain a language: the table is rebuilt (its key changes); what was there is zh.
CREATE TABLE message_template_lang (
    kind       TEXT NOT NULL,
    channel    TEXT NOT NULL CHECK (channel = 'sms' OR channel = 'wechat' OR channel = 'letter'
                                    OR channel = 'email' OR channel = 'webhook'),
    lang       TEXT NOT NULL CHECK (lang = 'zh' OR lang = 'en'),
    body       TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (kind, channel, lang)
);
INSERT INTO message_template_lang (kind, channel, lang, body, updated_at, updated_by)
    SELECT kind, channel, 'zh', body, updated_at, updated_by FROM message_template;
DROP TABLE message_template;
ALTER TABLE message_template_lang RENAME TO message_template;

-- The reminder schedule may use every channel (rebuilt for its CHECK; nothing refers to it).
CREATE TABLE remind_step_new (
    days_after BIGINT PRIMARY KEY CHECK (days_after >= 1),
    channel    TEXT NOT NULL CHECK (channel = 'sms' OR channel = 'wechat' OR channel = 'letter'
                                    OR channel = 'email' OR channel = 'webhook'),
    grades     TEXT NOT NULL DEFAULT 'ABCD',
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
INSERT INTO remind_step_new SELECT days_after, channel, grades, updated_at, updated_by
    FROM remind_step;
DROP TABLE remind_step;
ALTER TABLE remind_step_new RENAME TO remind_step;

-- The language an account's messages are written in (none: zh).
CREATE TABLE message_pref (
    account_id BIGINT PRIMARY KEY REFERENCES account (id),
    lang       TEXT NOT NULL CHECK (lang = 'zh' OR lang = 'en'),
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);

-- Delivery state. next_at: µs, not before; claimed_by: the worker slot (a lock that dies with
-- its process) holding the message while it is posted; delivery_key: the Idempotency-Key of
-- every attempt, so a gateway that saw an attempt recognises the next.
ALTER TABLE outbox ADD COLUMN lang TEXT NOT NULL DEFAULT 'zh';
ALTER TABLE outbox ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_at BIGINT;
ALTER TABLE outbox ADD COLUMN delivery_key TEXT;
-- @sqlite
UPDATE outbox SET delivery_key = 'pmis-' || lower(hex(randomblob(16)));
-- @pg
UPDATE outbox SET delivery_key = 'pmis-' || md5(random()::text || id::text || clock_timestamp()::text);
-- @both
CREATE UNIQUE INDEX outbox_delivery_key ON outbox (delivery_key);
CREATE INDEX outbox_due ON outbox (status, next_at, id);
CREATE INDEX outbox_claimed ON outbox (claimed_by) WHERE claimed_by IS NOT NULL;

-- Every attempt to post a message: started when claimed, finished with the gateway's answer
-- (http_status 0: no answer — timeout, connection refused) or as interrupted when its worker
-- died mid-delivery.
CREATE TABLE outbox_attempt (
    outbox_id   BIGINT NOT NULL REFERENCES outbox (id),
    attempt     BIGINT NOT NULL,
    worker      TEXT NOT NULL,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT,
    http_status BIGINT,
    outcome     TEXT,
    error       TEXT,
    PRIMARY KEY (outbox_id, attempt)
);

-- English texts of every existing template; Chinese and English texts for email and webhook.
INSERT INTO message_template (kind, channel, lang, body, updated_at, updated_by) VALUES
    ('reminder', 'sms', 'en', '[Electricity bill] Dear customer, the {period} bill of account {account}, {amount} yuan, was due on {due_on} and is {days} days overdue. Please pay soon: a late fee accrues daily. Please ignore this message if you have paid.', 0, 'migration'),
    ('reminder', 'wechat', 'en', 'Payment reminder: account {account} ({customer}) still owes {amount} yuan on bill {bill} for {period} (charges {principal} yuan, late fee {late_fee} yuan), due on {due_on}, {days} days overdue. Pay in the State Grid app, on WeChat or at a service hall.', 0, 'migration'),
    ('reminder', 'letter', 'en', 'Payment reminder
{customer} (account {account}):
Bill {bill} for {period} was due on {due_on}. On {date} {amount} yuan remained unpaid (charges {principal} yuan, late fee {late_fee} yuan), {days} days overdue. Please pay promptly: late fees accrue as regulated, and supply may be suspended lawfully after more than 30 days.', 0, 'migration'),
    ('reminder', 'email', 'zh', '电费催缴通知
{customer}（户号{account}）：
您{period}的电费账单{bill}应于{due_on}前缴清，截至{date}尚欠{amount}元（电费{principal}元、违约金{late_fee}元），已逾期{days}天。请尽快通过网上国网、微信或营业厅缴费。', 0, 'migration'),
    ('reminder', 'email', 'en', 'Payment reminder
{customer} (account {account}):
Bill {bill} for {period} was due on {due_on}. On {date} {amount} yuan remained unpaid (charges {principal} yuan, late fee {late_fee} yuan), {days} days overdue. Please pay in the State Grid app, on WeChat or at a service hall.', 0, 'migration'),
    ('reminder', 'webhook', 'zh', '户号{account}账单{bill}（{period}）欠费{amount}元，逾期{days}天', 0, 'migration'),
    ('reminder', 'webhook', 'en', 'account {account} bill {bill} ({period}) owes {amount} yuan, {days} days overdue', 0, 'migration'),
    ('disconnect_notice', 'letter', 'en', 'Notice of disconnection for arrears
{customer} (account {account}):
On {date} your account owed {amount} yuan (charges {principal} yuan, late fee {late_fee} yuan); the oldest bill was due on {due_on}, {days} days ago. Please pay all arrears before {disconnect_on}; otherwise supply will be suspended after that day under article 39 of the Regulations on Electricity Supply and Use. Supply is restored within 24 hours of payment.', 0, 'migration'),
    ('reconnect', 'sms', 'en', '[Reconnection] The arrears of account {account} were paid on {date}. Your supply will be restored within 24 hours.', 0, 'migration'),
    ('low_balance', 'sms', 'en', '[Balance alert] Dear customer, the balance of account {account} is {amount} yuan, about {days} days at recent use. Please top up: supply is cut remotely when the balance runs out.', 0, 'migration'),
    ('low_balance', 'wechat', 'en', 'Balance alert: account {account} ({customer}) has {amount} yuan left, about {days} days at the recent daily charge. Top up in the State Grid app or on WeChat; supply is suspended remotely when it runs out.', 0, 'migration'),
    ('low_balance', 'letter', 'en', 'Balance alert
{customer} (account {account}):
On {date} your balance was {amount} yuan, about {days} days at the recent daily charge. Please top up in time: supply is suspended remotely when the balance runs out.', 0, 'migration'),
    ('prepaid_off', 'sms', 'en', '[Supply suspension] Dear customer, the balance of account {account} is used up ({amount} yuan owed) and supply will be suspended remotely. It is restored within 24 hours of a top-up.', 0, 'migration'),
    ('outage_notice', 'sms', 'en', '[Outage notice] Dear {customer} (account {account}): because of {reason}, your area will have a {kind} from {from} to {to}. Please prepare in advance; we apologise for the inconvenience.', 0, 'migration'),
    ('outage_fault', 'sms', 'en', '[Fault outage] Dear {customer} (account {account}): supply in your area has been off since {from} because of {reason}. Our crews are working on it; supply is expected back by {to}.', 0, 'migration'),
    ('outage_restored', 'sms', 'en', '[Supply restored] Dear {customer} (account {account}): supply in your area was restored at {to} after the {kind}. Thank you for your patience.', 0, 'migration'),
    ('outage_notice', 'email', 'zh', '停电通知
尊敬的客户{customer}（户号{account}）：
因{reason}，我公司将于{from}至{to}对您所在区域{kind}，请提前做好准备。给您带来不便，敬请谅解。', 0, 'migration'),
    ('outage_notice', 'email', 'en', 'Outage notice
Dear {customer} (account {account}):
Because of {reason}, your area will have a {kind} from {from} to {to}. Please prepare in advance; we apologise for the inconvenience.', 0, 'migration'),
    ('outage_notice', 'webhook', 'zh', '停电通知：户号{account}，{kind}，{from}至{to}，原因{reason}', 0, 'migration'),
    ('outage_notice', 'webhook', 'en', 'outage notice: account {account}, {kind}, {from} to {to}, reason {reason}', 0, 'migration');
