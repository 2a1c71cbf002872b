-- 0015 service centre, part 2 (issue 6 §3-§4; manual 2.4, 6.4; rules cn-tariff-rules.md §7.1
-- item 2, §7.3): the complaint closed loop (repeat complaints flagged at intake, root-cause
-- tags), outage events with their affected customers, notices and linked repair orders, and
-- the feeder (线路) of each service point. The outbox of 0010 is used unchanged: a notice goes
-- to the affected customer's first open account, like every other message.

INSERT INTO code_list (list, code, name_zh, name_en, sort_order) VALUES
    ('complaint_cause', 'attitude', '服务态度', 'Staff attitude', 1),
    ('complaint_cause', 'process', '业务流程', 'Business process', 2),
    ('complaint_cause', 'billing', '电费差错', 'Billing error', 3),
    ('complaint_cause', 'metering', '计量装置', 'Metering equipment', 4),
    ('complaint_cause', 'notice', '停电通知不到位', 'Outage notice missing', 5),
    ('complaint_cause', 'repair', '抢修不及时', 'Slow repair', 6),
    ('complaint_cause', 'voltage', '电压质量', 'Voltage quality', 7),
    ('complaint_cause', 'frequent', '频繁停电', 'Frequent outages', 8),
    ('complaint_cause', 'construction', '施工管理', 'Construction management', 9),
    ('complaint_cause', 'policy', '政策理解', 'Policy misunderstanding', 10),
    ('complaint_cause', 'other', '其他', 'Other', 11),
    ('outage_kind', 'planned', '计划停电', 'Planned maintenance outage', 1),
    ('outage_kind', 'temporary', '临时停电', 'Temporary maintenance outage', 2),
    ('outage_kind', 'fault', '故障停电', 'Fault outage', 3);

-- Repeat complaints: an order of a type with repeat_days > 0 is flagged when the same customer,
-- or a customer at the same address, made one of the same category within that many days
-- (manual 6.4: about 30 % of complaints are repeats). 0 = not checked.
ALTER TABLE ticket_type ADD COLUMN repeat_days BIGINT NOT NULL DEFAULT 0 CHECK (repeat_days >= 0);
UPDATE ticket_type SET repeat_days = 30 WHERE type = 'complaint';

-- The earlier order a repeat complaint repeats, found at intake (basis customer or address).
CREATE TABLE ticket_repeat (
    ticket_id  BIGINT PRIMARY KEY REFERENCES ticket (id),
    earlier_id BIGINT NOT NULL REFERENCES ticket (id),
    basis      TEXT NOT NULL CHECK (basis = 'customer' OR basis = 'address'),
    window_days BIGINT NOT NULL
);
CREATE INDEX ticket_repeat_earlier ON ticket_repeat (earlier_id);

-- Root-cause tags (问题归因, code list complaint_cause) of a complaint.
CREATE TABLE ticket_cause (
    ticket_id BIGINT NOT NULL REFERENCES ticket (id),
    cause     TEXT NOT NULL,
    tagged_at BIGINT NOT NULL,
    tagged_by TEXT NOT NULL,
    PRIMARY KEY (ticket_id, cause)
);

-- The feeder (10 kV 线路) a service point is supplied from, for outages by feeder.
CREATE TABLE sp_feeder (
    sp_id      BIGINT PRIMARY KEY REFERENCES service_point (id),
    feeder     TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX sp_feeder_feeder ON sp_feeder (feeder);

-- Outage events (停电事件). The affected area is an org subtree, a feeder or one service point;
-- `notice_at` is when the notice was published, `late_notice` = 1 when a temporary outage
-- reached important customers less than 24 hours ahead (rules §7.3 (二)).
CREATE TABLE outage (
    id          {{ID}},
    kind        TEXT NOT NULL CHECK (kind = 'planned' OR kind = 'temporary' OR kind = 'fault'),
    scope       TEXT NOT NULL CHECK (scope = 'org' OR scope = 'feeder' OR scope = 'sp'),
    org_id      BIGINT NOT NULL REFERENCES org_unit (id),
    feeder      TEXT,
    sp_id       BIGINT REFERENCES service_point (id),
    from_at     BIGINT NOT NULL,
    to_at       BIGINT,
    reason      TEXT NOT NULL,
    notice_at   BIGINT NOT NULL,
    late_notice BIGINT NOT NULL DEFAULT 0 CHECK (late_notice = 0 OR late_notice = 1),
    state       TEXT NOT NULL CHECK (state = 'active' OR state = 'closed'),
    closed_at   BIGINT,
    close_note  TEXT,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX outage_state ON outage (state, id);

-- The customers an outage affects (fixed when it is published) and the notice each was sent
-- (outbox_id NULL: no open account to address it to).
CREATE TABLE outage_customer (
    outage_id   BIGINT NOT NULL REFERENCES outage (id),
    customer_id BIGINT NOT NULL REFERENCES customer (id),
    important   BIGINT NOT NULL,
    outbox_id   BIGINT REFERENCES outbox (id),
    PRIMARY KEY (outage_id, customer_id)
);
CREATE INDEX outage_customer_customer ON outage_customer (customer_id, outage_id);

-- Repair orders grouped under an outage (one outage per order).
CREATE TABLE outage_ticket (
    ticket_id BIGINT PRIMARY KEY REFERENCES ticket (id),
    outage_id BIGINT NOT NULL REFERENCES outage (id),
    linked_at BIGINT NOT NULL
);
CREATE INDEX outage_ticket_outage ON outage_ticket (outage_id, ticket_id);

-- Notice texts, placeholders {customer} {account} {kind} {from} {to} {reason} {outage}.
INSERT INTO message_template VALUES
    ('outage_notice', 'sms', '【停电通知】尊敬的客户{customer}（户号{account}）：因{reason}，我公司将于{from}至{to}对您所在区域{kind}，请提前做好准备。给您带来不便，敬请谅解。', 0, 'migration'),
    ('outage_fault', 'sms', '【故障停电】尊敬的客户{customer}（户号{account}）：您所在区域因{reason}于{from}起停电，抢修人员正在处理，预计{to}恢复供电。', 0, 'migration'),
    ('outage_restored', 'sms', '【恢复供电】尊敬的客户{customer}（户号{account}）：您所在区域的停电（{kind}）已于{to}恢复供电。感谢您的理解与支持。', 0, 'migration');
