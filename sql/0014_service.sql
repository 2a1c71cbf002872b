-- 0014 service centre (issue 6, manual 2.2-2.4, 6.4; rules cn-tariff-rules.md §7): the 95598
-- work-order taxonomy as data, work orders (工单) with their transition history and pauses
-- (waiting for the customer), SLA policies as data, the SLA clocks of each order and the
-- supervisor's escalation queue.
-- (Numbered 0014: 0013 is another branch's; the runner applies any missing version in order.)

INSERT INTO code_list (list, code, name_zh, name_en, sort_order) VALUES
    ('ticket_channel', 'phone', '95598电话', '95598 phone', 1),
    ('ticket_channel', 'web', '95598网站', '95598 website', 2),
    ('ticket_channel', 'app', '网上国网App', 'Mobile app', 3),
    ('ticket_channel', 'wechat', '微信公众号', 'WeChat', 4),
    ('ticket_channel', 'counter', '营业厅', 'Service counter', 5),
    ('ticket_severity', 'general', '一般', 'General', 1),
    ('ticket_severity', 'important', '重要', 'Important', 2),
    ('ticket_severity', 'major', '重大', 'Major', 3),
    ('ticket_severity', 'special', '特殊', 'Special', 4),
    ('ticket_area', 'urban', '城市', 'Urban', 1),
    ('ticket_area', 'rural', '农村', 'Rural', 2),
    ('ticket_area', 'remote', '特殊边远地区', 'Remote', 3),
    ('ticket_state', 'accepted', '接单', 'Accepted', 1),
    ('ticket_state', 'classified', '分类', 'Classified', 2),
    ('ticket_state', 'dispatched', '派单', 'Dispatched', 3),
    ('ticket_state', 'processing', '处理', 'Processing', 4),
    ('ticket_state', 'responded', '响应/到达', 'Responded / arrived', 5),
    ('ticket_state', 'replied', '反馈', 'Replied to the customer', 6),
    ('ticket_state', 'reviewed', '复核', 'Callback reviewed', 7),
    ('ticket_state', 'archived', '归档', 'Archived', 8),
    ('ticket_state', 'merged', '已合并', 'Merged into another order', 9),
    ('sla_metric', 'response', '响应', 'Response', 1),
    ('sla_metric', 'arrival', '到达现场', 'Arrival on site', 2),
    ('sla_metric', 'restore', '恢复送电', 'Restoration', 3),
    ('sla_metric', 'contact', '联系客户', 'Customer contact', 4),
    ('sla_metric', 'reply', '答复客户', 'Reply to the customer', 5),
    ('sla_metric', 'complete', '办结', 'Completion', 6);

-- The 95598 demand types (诉求类型) and their subtypes (subtype '' is the type itself), rules
-- §7.4. `direct` types may be answered by the agent without dispatch (分类 → 反馈);
-- `reopen_days` is how long after archiving an order may be reopened.
CREATE TABLE ticket_type (
    type        TEXT NOT NULL,
    subtype     TEXT NOT NULL DEFAULT '',
    name_zh     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    direct      BIGINT NOT NULL DEFAULT 0 CHECK (direct = 0 OR direct = 1),
    reopen_days BIGINT NOT NULL DEFAULT 7 CHECK (reopen_days >= 0),
    sort_order  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (type, subtype)
);
INSERT INTO ticket_type (type, subtype, name_zh, name_en, direct, reopen_days, sort_order) VALUES
    ('consult', '', '咨询', 'Enquiry', 1, 7, 1),
    ('fault', '', '故障报修', 'Fault report', 0, 7, 2),
    ('complaint', '', '投诉', 'Complaint', 0, 30, 3),
    ('complaint', 'service', '服务投诉', 'Service complaint', 0, 30, 4),
    ('complaint', 'business', '营业投诉', 'Business complaint', 0, 30, 5),
    ('complaint', 'outage', '停送电投诉', 'Outage complaint', 0, 30, 6),
    ('complaint', 'quality', '供电质量投诉', 'Supply quality complaint', 0, 30, 7),
    ('complaint', 'grid', '电网建设投诉', 'Grid construction complaint', 0, 30, 8),
    ('report', '', '举报', 'Report of violation', 0, 30, 9),
    ('suggestion', '', '意见建议', 'Suggestion', 1, 7, 10),
    ('praise', '', '表扬', 'Praise', 1, 7, 11),
    ('service', '', '服务申请', 'Service request', 0, 7, 12),
    ('service', 'reconnect', '复电', 'Reconnection', 0, 7, 13),
    ('service', 'meter_test', '电能表校验', 'Meter accuracy test', 0, 7, 14),
    ('service', 'reading', '抄表数据异常', 'Abnormal meter data', 0, 7, 15),
    ('service', 'appliance', '电器损坏', 'Appliance damage', 0, 30, 16),
    ('service', 'bill', '电费账单查询', 'Bill query', 0, 7, 17);

-- SLA policies (时限) as data: per metric, the order type, optional subtype, severity and area
-- (NULL = any; the most specific active row wins), a clock on natural time, working time
-- inside `hours` on working days, or working days (end of the n-th working day), started when
-- the order enters `start_state` and stopped when it first reaches `stop_state` or a later one.
-- Warnings at `warn_pct` % of the allowed time.
CREATE TABLE sla_policy (
    id          {{ID}},
    metric      TEXT NOT NULL,
    type        TEXT NOT NULL,
    subtype     TEXT,
    severity    TEXT,
    area        TEXT,
    clock       TEXT NOT NULL CHECK (clock = 'natural' OR clock = 'work_minutes' OR clock = 'work_days'),
    amount      BIGINT NOT NULL CHECK (amount >= 0),
    hours       TEXT NOT NULL DEFAULT '00:00-24:00',
    start_state TEXT NOT NULL,
    stop_state  TEXT NOT NULL,
    warn_pct    BIGINT NOT NULL DEFAULT 80 CHECK (warn_pct >= 1 AND warn_pct <= 100),
    active      BIGINT NOT NULL DEFAULT 1 CHECK (active = 0 OR active = 1),
    source      TEXT NOT NULL
);
INSERT INTO sla_policy (metric, type, subtype, severity, area, clock, amount, start_state, stop_state, source) VALUES
    ('response', 'consult', NULL, NULL, NULL, 'natural', 120, 'accepted', 'responded', '手册 2.2.2 服务响应时间 2 小时'),
    ('response', 'report', NULL, NULL, NULL, 'natural', 120, 'accepted', 'responded', '手册 2.2.2 服务响应时间 2 小时'),
    ('response', 'suggestion', NULL, NULL, NULL, 'natural', 120, 'accepted', 'responded', '手册 2.2.2 服务响应时间 2 小时'),
    ('response', 'service', NULL, NULL, NULL, 'natural', 120, 'accepted', 'responded', '手册 2.2.2 服务响应时间 2 小时'),
    ('arrival', 'fault', NULL, NULL, 'urban', 'natural', 45, 'accepted', 'responded', '十项承诺 3: 城区 45 分钟'),
    ('arrival', 'fault', NULL, NULL, 'rural', 'natural', 90, 'accepted', 'responded', '十项承诺 3: 农村 90 分钟'),
    ('arrival', 'fault', NULL, NULL, 'remote', 'natural', 120, 'accepted', 'responded', '十项承诺 3: 特殊边远地区 2 小时'),
    ('restore', 'fault', NULL, NULL, 'urban', 'natural', 180, 'responded', 'replied', '十项承诺 3: 城区到达后 3 小时恢复'),
    ('restore', 'fault', NULL, NULL, 'rural', 'natural', 240, 'responded', 'replied', '十项承诺 3: 农村到达后 4 小时恢复'),
    ('restore', 'fault', NULL, NULL, 'remote', 'natural', 240, 'responded', 'replied', '十项承诺 3 无边远地区数值: 暂按农村 4 小时 (待确认)'),
    ('contact', 'complaint', NULL, NULL, NULL, 'natural', 1440, 'accepted', 'responded', '十项承诺 9: 24 小时内联系客户'),
    ('reply', 'complaint', NULL, NULL, NULL, 'work_days', 5, 'accepted', 'replied', '十项承诺 9: 5 个工作日内答复'),
    ('complete', 'service', 'reconnect', NULL, NULL, 'natural', 1440, 'accepted', 'replied', '2024《供电营业规则》: 缴清后 24 小时内复电'),
    ('complete', 'service', 'meter_test', NULL, NULL, 'work_days', 5, 'accepted', 'replied', '十项承诺 7: 5 个工作日内出具校验结果'),
    ('complete', 'service', 'reading', NULL, NULL, 'work_days', 5, 'accepted', 'replied', '十项承诺 7: 5 个工作日内核实答复');

-- Work orders. org_id is the responsible unit (the intake unit, then the one dispatched to);
-- `round` counts reworks (reopen, a failed callback), each with its own clocks.
CREATE TABLE ticket (
    id          {{ID}},
    type        TEXT NOT NULL,
    subtype     TEXT NOT NULL DEFAULT '',
    channel     TEXT NOT NULL,
    severity    TEXT NOT NULL,
    area        TEXT NOT NULL,
    state       TEXT NOT NULL,
    customer_id BIGINT REFERENCES customer (id),
    org_id      BIGINT NOT NULL REFERENCES org_unit (id),
    assignee    TEXT,
    body        TEXT NOT NULL,
    round       BIGINT NOT NULL DEFAULT 1,
    paused_at   BIGINT,
    merged_into BIGINT REFERENCES ticket (id),
    accepted_at BIGINT NOT NULL,
    archived_at BIGINT,
    created_by  TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX ticket_state ON ticket (state, id);
CREATE INDEX ticket_customer ON ticket (customer_id, id);

-- Every transition and action: who, when, from and to which state, and a note.
CREATE TABLE ticket_event (
    id         {{ID}},
    ticket_id  BIGINT NOT NULL REFERENCES ticket (id),
    at         BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    from_state TEXT,
    to_state   TEXT NOT NULL,
    note       TEXT
);
CREATE INDEX ticket_event_ticket ON ticket_event (ticket_id, id);

-- Waiting for the customer: the SLA clocks stop in [from_at, to_at); to_at NULL while it lasts.
CREATE TABLE ticket_pause (
    ticket_id BIGINT NOT NULL REFERENCES ticket (id),
    from_at   BIGINT NOT NULL,
    to_at     BIGINT,
    note      TEXT,
    PRIMARY KEY (ticket_id, from_at)
);

-- The SLA clocks of an order, one per metric and round, with the policy copied in so a later
-- policy change does not move a running deadline. deadline_at / warn_at are NULL while paused.
CREATE TABLE ticket_clock (
    id           {{ID}},
    ticket_id    BIGINT NOT NULL REFERENCES ticket (id),
    round        BIGINT NOT NULL,
    metric       TEXT NOT NULL,
    policy_id    BIGINT NOT NULL REFERENCES sla_policy (id),
    clock        TEXT NOT NULL,
    amount       BIGINT NOT NULL,
    hours        TEXT NOT NULL,
    warn_pct     BIGINT NOT NULL,
    stop_state   TEXT NOT NULL,
    started_at   BIGINT NOT NULL,
    stopped_at   BIGINT,
    deadline_at  BIGINT,
    warn_at      BIGINT,
    status       TEXT NOT NULL CHECK (status = 'running' OR status = 'met' OR status = 'missed' OR status = 'cancelled'),
    warned_at    BIGINT,
    breached_at  BIGINT,
    UNIQUE (ticket_id, round, metric)
);
CREATE INDEX ticket_clock_status ON ticket_clock (status, id);
CREATE INDEX ticket_clock_started ON ticket_clock (started_at);

-- The supervisor's queue: one row per breached clock, ever (escalated once).
CREATE TABLE ticket_escalation (
    id           {{ID}},
    clock_id     BIGINT NOT NULL UNIQUE REFERENCES ticket_clock (id),
    ticket_id    BIGINT NOT NULL REFERENCES ticket (id),
    org_id       BIGINT NOT NULL REFERENCES org_unit (id),
    metric       TEXT NOT NULL,
    deadline_at  BIGINT NOT NULL,
    escalated_at BIGINT NOT NULL,
    escalated_by TEXT NOT NULL
);
CREATE INDEX ticket_escalation_org ON ticket_escalation (org_id, id);
