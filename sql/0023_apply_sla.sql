-- 0023 service-centre follow-ups (issue 6 §2, §4, §5, §7): the breaches of service applications
-- recorded and escalated like those of work orders, and outage notices on every channel of a
-- customer.
-- * An application's end-to-end clock and each stage's clock record their first warning (the
--   kind's warn_pct share of the working days used) and first breach, once (`pmis apply sla`,
--   domain/apply_sla.c), as ticket_clock does for orders.
-- * The supervisor's queue (ticket_escalation) also holds breached applications: an item is of a
--   work order (ticket_id, clock_id) or of an application (application_id, metric apply_total
--   or apply_stage, and the stage), never both; one item per clock, ever.
-- * message_pref.channels: the channels an account's notices go out on (comma-separated, from
--   sms, wechat, email, webhook, letter; default sms), used by outage notices.
-- (Numbered 0023: 0022 and 0024-0026 are other branches'; the runner applies any missing
-- version in order.)

ALTER TABLE application ADD COLUMN warned_at BIGINT;
ALTER TABLE application ADD COLUMN breached_at BIGINT;
ALTER TABLE application_stage ADD COLUMN warned_at BIGINT;
ALTER TABLE application_stage ADD COLUMN breached_at BIGINT;

-- @sqlite
-- SQLite cannot drop NOT NULL: the queue is rebuilt with its ids (nothing refers to it).
CREATE TABLE ticket_escalation_new (
    id             {{ID}},
    clock_id       BIGINT UNIQUE REFERENCES ticket_clock (id),
    ticket_id      BIGINT REFERENCES ticket (id),
    application_id BIGINT REFERENCES application (id),
    stage          TEXT,
    org_id         BIGINT NOT NULL REFERENCES org_unit (id),
    metric         TEXT NOT NULL,
    deadline_at    BIGINT NOT NULL,
    escalated_at   BIGINT NOT NULL,
    escalated_by   TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'open'
        CHECK (status = 'open' OR status = 'acknowledged' OR status = 'resolved'),
    acked_at       BIGINT,
    acked_by       TEXT,
    ack_note       TEXT,
    resolved_at    BIGINT,
    resolved_by    TEXT,
    resolve_note   TEXT,
    CHECK ((ticket_id IS NULL) <> (application_id IS NULL))
);
INSERT INTO ticket_escalation_new (id, clock_id, ticket_id, org_id, metric, deadline_at,
    escalated_at, escalated_by, status, acked_at, acked_by, ack_note, resolved_at, resolved_by,
    resolve_note)
    SELECT id, clock_id, ticket_id, org_id, metric, deadline_at, escalated_at, escalated_by,
        status, acked_at, acked_by, ack_note, resolved_at, resolved_by, resolve_note
    FROM ticket_escalation;
DROP TABLE ticket_escalation;
ALTER TABLE ticket_escalation_new RENAME TO ticket_escalation;
CREATE INDEX ticket_escalation_org ON ticket_escalation (org_id, id);
-- @pg
ALTER TABLE ticket_escalation ALTER COLUMN clock_id DROP NOT NULL;
ALTER TABLE ticket_escalation ALTER COLUMN ticket_id DROP NOT NULL;
ALTER TABLE ticket_escalation ADD COLUMN application_id BIGINT REFERENCES application (id);
ALTER TABLE ticket_escalation ADD COLUMN stage TEXT;
ALTER TABLE ticket_escalation ADD CHECK ((ticket_id IS NULL) <> (application_id IS NULL));
-- @both
CREATE INDEX ticket_escalation_ticket ON ticket_escalation (ticket_id);
CREATE UNIQUE INDEX ticket_escalation_app_total ON ticket_escalation (application_id)
    WHERE metric = 'apply_total';
CREATE UNIQUE INDEX ticket_escalation_app_stage ON ticket_escalation (application_id, stage)
    WHERE metric = 'apply_stage';

ALTER TABLE message_pref ADD COLUMN channels TEXT NOT NULL DEFAULT 'sms';

-- Outage notices, fault notices and restoration notices on every channel, in zh and en (the
-- SMS texts are 0015's and 0018's; email and webhook of outage_notice are 0018's).
INSERT INTO message_template (kind, channel, lang, body, updated_at, updated_by) VALUES
    ('outage_notice', 'wechat', 'zh', '停电通知：尊敬的客户{customer}（户号{account}），因{reason}，我公司将于{from}至{to}对您所在区域{kind}，请提前做好准备。给您带来不便，敬请谅解。', 0, 'migration'),
    ('outage_notice', 'wechat', 'en', 'Outage notice: dear {customer} (account {account}), because of {reason}, your area will have a {kind} from {from} to {to}. Please prepare in advance; we apologise for the inconvenience.', 0, 'migration'),
    ('outage_fault', 'wechat', 'zh', '故障停电通知：尊敬的客户{customer}（户号{account}），您所在区域因{reason}于{from}起停电，抢修人员正在处理，预计{to}恢复供电。', 0, 'migration'),
    ('outage_fault', 'wechat', 'en', 'Fault outage: dear {customer} (account {account}), supply in your area has been off since {from} because of {reason}. Our crews are working on it; supply is expected back by {to}.', 0, 'migration'),
    ('outage_fault', 'email', 'zh', '故障停电通知
尊敬的客户{customer}（户号{account}）：
您所在区域因{reason}于{from}起停电，抢修人员正在处理，预计{to}恢复供电。给您带来不便，敬请谅解。', 0, 'migration'),
    ('outage_fault', 'email', 'en', 'Fault outage
Dear {customer} (account {account}):
Supply in your area has been off since {from} because of {reason}. Our crews are working on it; supply is expected back by {to}. We apologise for the inconvenience.', 0, 'migration'),
    ('outage_fault', 'webhook', 'zh', '故障停电：户号{account}，{from}起，预计{to}恢复，原因{reason}', 0, 'migration'),
    ('outage_fault', 'webhook', 'en', 'fault outage: account {account}, since {from}, expected back by {to}, reason {reason}', 0, 'migration'),
    ('outage_restored', 'wechat', 'zh', '恢复供电通知：尊敬的客户{customer}（户号{account}），您所在区域的停电（{kind}）已于{to}恢复供电。感谢您的理解与支持。', 0, 'migration'),
    ('outage_restored', 'wechat', 'en', 'Supply restored: dear {customer} (account {account}), supply in your area was restored at {to} after the {kind}. Thank you for your patience.', 0, 'migration'),
    ('outage_restored', 'email', 'zh', '恢复供电通知
尊敬的客户{customer}（户号{account}）：
您所在区域的停电（{kind}）已于{to}恢复供电。感谢您的理解与支持。', 0, 'migration'),
    ('outage_restored', 'email', 'en', 'Supply restored
Dear {customer} (account {account}):
Supply in your area was restored at {to} after the {kind}. Thank you for your patience.', 0, 'migration'),
    ('outage_restored', 'webhook', 'zh', '恢复供电：户号{account}，{kind}，{to}恢复', 0, 'migration'),
    ('outage_restored', 'webhook', 'en', 'supply restored: account {account}, {kind}, restored at {to}', 0, 'migration');
