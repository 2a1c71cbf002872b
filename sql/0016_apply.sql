-- 0016 apply: service applications (业扩报装 and changes; issue 6 §5, manual 2.1, 3.2; rules
-- cn-tariff-rules.md §7.1 item 6-7, §7.2). Application kinds and the stages each goes through,
-- with per-stage and end-to-end limits in working days, are data; applications, the stages
-- they entered (each a working-day clock), their history, pauses (waiting for the customer)
-- and the permissions application:read / application:write of the HTTP API.

-- The staged workflow 受理 → 勘查 → 供电方案答复 → 设计审核 → 中间检查 → 竣工检验 → 装表接电.
CREATE TABLE apply_stage (
    stage   TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    seq     BIGINT NOT NULL UNIQUE
);
INSERT INTO apply_stage (stage, name_zh, name_en, seq) VALUES
    ('accept', '受理', 'Acceptance', 1),
    ('survey', '勘查', 'Site survey', 2),
    ('scheme', '供电方案答复', 'Supply scheme reply', 3),
    ('design', '设计审核', 'Design review', 4),
    ('midcheck', '中间检查', 'Mid-construction inspection', 5),
    ('inspect', '竣工检验', 'Completion inspection', 6),
    ('connect', '装表接电', 'Meter installation and energisation', 7);

-- Application kinds. `target` is what an application of the kind is about: nothing yet (a new
-- connection: completion creates the customer, account and meter), an existing customer or an
-- existing account. `total_days` is the end-to-end limit in working days from acceptance,
-- `warn_pct` the share of a limit at which a clock warns. The effect of completion is code
-- (apply_done.c), chosen by the kind.
CREATE TABLE apply_kind (
    kind       TEXT PRIMARY KEY,
    name_zh    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    target     TEXT NOT NULL CHECK (target = 'none' OR target = 'customer' OR target = 'account'),
    total_days BIGINT NOT NULL CHECK (total_days >= 1 AND total_days <= 366),
    warn_pct   BIGINT NOT NULL DEFAULT 80 CHECK (warn_pct >= 1 AND warn_pct <= 100),
    active     BIGINT NOT NULL DEFAULT 1 CHECK (active = 0 OR active = 1),
    sort_order BIGINT NOT NULL DEFAULT 0,
    source     TEXT NOT NULL
);
INSERT INTO apply_kind (kind, name_zh, name_en, target, total_days, sort_order, source) VALUES
    ('new_lv_res', '低压居民新装', 'New connection, low-voltage residential', 'none', 5, 1,
     '十项承诺 6 (获得电力): 居民客户全过程不超过 5 个工作日'),
    ('new_lv_biz', '低压非居民新装', 'New connection, low-voltage non-residential', 'none', 6, 2,
     '十项承诺 6: 低压非居民 6 个工作日'),
    ('new_hv_single', '高压单电源新装', 'New connection, high voltage, single source', 'none', 22, 3,
     '十项承诺 6: 高压单电源 22 个工作日'),
    ('new_hv_dual', '高压双电源新装', 'New connection, high voltage, dual source', 'none', 32, 4,
     '十项承诺 6: 高压双电源 32 个工作日'),
    ('cap_increase', '增容', 'Capacity increase', 'account', 22, 5,
     '本系统默认 (待确认): 增容按高压单电源新装 22 个工作日'),
    ('cap_decrease', '减容', 'Capacity decrease', 'account', 5, 6,
     '本系统默认 (待确认): 5 个工作日'),
    ('suspend', '暂停', 'Suspension', 'customer', 5, 7, '本系统默认 (待确认): 5 个工作日'),
    ('tariff_change', '改类', 'Tariff change', 'account', 5, 8, '本系统默认 (待确认): 5 个工作日'),
    ('name_transfer', '过户', 'Name transfer', 'customer', 5, 9, '本系统默认 (待确认): 5 个工作日'),
    ('closure', '销户', 'Closure', 'customer', 5, 10, '本系统默认 (待确认): 5 个工作日'),
    ('meter_test', '电能表校验', 'Meter accuracy test', 'account', 5, 11,
     '十项承诺 7: 5 个工作日内出具校验结果');

-- The stages each kind goes through (in apply_stage.seq order) and each stage's limit in
-- working days from the day it is entered. Sources: the rules give only the end-to-end figures
-- of new connections (§7.1 item 6) and older step limits (§7.2: SG186 supply scheme 15 / 30 WD,
-- HV design review 10, mid-inspection 5, completion inspection 5, 装表接电 5; CSG scheme
-- residential 2, LV 5). The split below is this system's default, chosen so that the stages
-- of a new connection add up to its end-to-end limit; change it here, not in code.
CREATE TABLE apply_kind_stage (
    kind   TEXT NOT NULL REFERENCES apply_kind (kind),
    stage  TEXT NOT NULL REFERENCES apply_stage (stage),
    days   BIGINT NOT NULL CHECK (days >= 1 AND days <= 366),
    source TEXT NOT NULL,
    PRIMARY KEY (kind, stage)
);
INSERT INTO apply_kind_stage (kind, stage, days, source) VALUES
    ('new_lv_res', 'accept', 1, '本系统默认: 合计 5 (十项承诺 6)'),
    ('new_lv_res', 'survey', 1, '本系统默认: 合计 5 (十项承诺 6)'),
    ('new_lv_res', 'scheme', 1, '本系统默认: 合计 5 (十项承诺 6)'),
    ('new_lv_res', 'inspect', 1, '本系统默认: 合计 5 (十项承诺 6)'),
    ('new_lv_res', 'connect', 1, '本系统默认: 合计 5 (十项承诺 6)'),
    ('new_lv_biz', 'accept', 1, '本系统默认: 合计 6 (十项承诺 6)'),
    ('new_lv_biz', 'survey', 1, '本系统默认: 合计 6 (十项承诺 6)'),
    ('new_lv_biz', 'scheme', 1, '本系统默认: 合计 6 (十项承诺 6)'),
    ('new_lv_biz', 'inspect', 1, '本系统默认: 合计 6 (十项承诺 6)'),
    ('new_lv_biz', 'connect', 2, '本系统默认: 合计 6 (十项承诺 6)'),
    ('new_hv_single', 'accept', 1, '本系统默认: 合计 22 (十项承诺 6)'),
    ('new_hv_single', 'survey', 2, '本系统默认: 合计 22 (十项承诺 6)'),
    ('new_hv_single', 'scheme', 8, '本系统默认: 合计 22; SG186 旧限 15 (§7.2)'),
    ('new_hv_single', 'design', 3, '本系统默认: 合计 22; SG186 旧限 10 (§7.2)'),
    ('new_hv_single', 'midcheck', 2, '本系统默认: 合计 22; SG186 旧限 5 (§7.2)'),
    ('new_hv_single', 'inspect', 3, '本系统默认: 合计 22; SG186 旧限 5 (§7.2)'),
    ('new_hv_single', 'connect', 3, '本系统默认: 合计 22; SG186 旧限 5 (§7.2)'),
    ('new_hv_dual', 'accept', 1, '本系统默认: 合计 32 (十项承诺 6)'),
    ('new_hv_dual', 'survey', 2, '本系统默认: 合计 32 (十项承诺 6)'),
    ('new_hv_dual', 'scheme', 18, '本系统默认: 合计 32; SG186 旧限 30 (§7.2)'),
    ('new_hv_dual', 'design', 3, '本系统默认: 合计 32; SG186 旧限 10 (§7.2)'),
    ('new_hv_dual', 'midcheck', 2, '本系统默认: 合计 32; SG186 旧限 5 (§7.2)'),
    ('new_hv_dual', 'inspect', 3, '本系统默认: 合计 32; SG186 旧限 5 (§7.2)'),
    ('new_hv_dual', 'connect', 3, '本系统默认: 合计 32; SG186 旧限 5 (§7.2)'),
    ('cap_increase', 'accept', 1, '本系统默认: 同高压单电源新装'),
    ('cap_increase', 'survey', 2, '本系统默认: 同高压单电源新装'),
    ('cap_increase', 'scheme', 8, '本系统默认: 同高压单电源新装'),
    ('cap_increase', 'design', 3, '本系统默认: 同高压单电源新装'),
    ('cap_increase', 'midcheck', 2, '本系统默认: 同高压单电源新装'),
    ('cap_increase', 'inspect', 3, '本系统默认: 同高压单电源新装'),
    ('cap_increase', 'connect', 3, '本系统默认: 同高压单电源新装'),
    ('cap_decrease', 'accept', 1, '本系统默认'),
    ('cap_decrease', 'survey', 2, '本系统默认'),
    ('cap_decrease', 'connect', 2, '本系统默认: 封停或换表'),
    ('suspend', 'accept', 1, '本系统默认'),
    ('suspend', 'survey', 2, '本系统默认'),
    ('suspend', 'connect', 2, '本系统默认: 现场封停'),
    ('tariff_change', 'accept', 1, '本系统默认'),
    ('tariff_change', 'survey', 4, '本系统默认: 现场核实用电性质'),
    ('name_transfer', 'accept', 1, '本系统默认'),
    ('name_transfer', 'survey', 4, '本系统默认: 核实产权与用电情况'),
    ('closure', 'accept', 1, '本系统默认'),
    ('closure', 'survey', 2, '本系统默认'),
    ('closure', 'connect', 2, '本系统默认: 拆表'),
    ('meter_test', 'accept', 1, '本系统默认: 合计 5 (十项承诺 7)'),
    ('meter_test', 'survey', 4, '本系统默认: 现场或实验室校验, 合计 5 (十项承诺 7)');

-- Applications. `stage` is the stage being worked on (the last one once completed or
-- cancelled); the customer and account are the target (changes) or what completion created
-- (new connections). What was asked: the applicant's name (the new name of a 过户), user type,
-- voltage, address, capacity (VA) and tariff. `result` sums up what completion did.
CREATE TABLE application (
    id            {{ID}},
    kind          TEXT NOT NULL REFERENCES apply_kind (kind),
    state         TEXT NOT NULL CHECK (state = 'open' OR state = 'completed' OR state = 'cancelled'),
    stage         TEXT NOT NULL REFERENCES apply_stage (stage),
    org_id        BIGINT NOT NULL REFERENCES org_unit (id),
    customer_id   BIGINT REFERENCES customer (id),
    account_id    BIGINT REFERENCES account (id),
    name          TEXT,
    user_type     TEXT,
    voltage       TEXT,
    address       TEXT,
    capacity_va   BIGINT CHECK (capacity_va IS NULL OR capacity_va > 0),
    tariff_code   TEXT,
    total_days    BIGINT NOT NULL,
    warn_pct      BIGINT NOT NULL,
    paused_at     BIGINT,
    accepted_at   BIGINT NOT NULL,
    closed_at     BIGINT,
    cancel_reason TEXT,
    result        TEXT,
    created_by    TEXT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX application_state ON application (state, id);
CREATE INDEX application_customer ON application (customer_id, id);

-- The stages an application entered, with the limit copied in (a later change of
-- apply_kind_stage does not move a running deadline).
CREATE TABLE application_stage (
    application_id BIGINT NOT NULL REFERENCES application (id),
    stage          TEXT NOT NULL REFERENCES apply_stage (stage),
    days           BIGINT NOT NULL,
    started_at     BIGINT NOT NULL,
    finished_at    BIGINT,
    PRIMARY KEY (application_id, stage)
);

-- Every action: who, when, from and to which stage, and a note.
CREATE TABLE application_event (
    id             {{ID}},
    application_id BIGINT NOT NULL REFERENCES application (id),
    at             BIGINT NOT NULL,
    actor          TEXT NOT NULL,
    action         TEXT NOT NULL,
    from_stage     TEXT,
    to_stage       TEXT NOT NULL,
    note           TEXT
);
CREATE INDEX application_event_app ON application_event (application_id, id);

-- Waiting for the customer (documents, design, construction): the clocks stop in
-- [from_at, to_at); to_at NULL while it lasts.
CREATE TABLE application_pause (
    application_id BIGINT NOT NULL REFERENCES application (id),
    from_at        BIGINT NOT NULL,
    to_at          BIGINT,
    note           TEXT,
    PRIMARY KEY (application_id, from_at)
);

INSERT INTO code_list (list, code, name_zh, name_en, sort_order) VALUES
    ('apply_state', 'open', '在途', 'Open', 1),
    ('apply_state', 'completed', '已归档', 'Completed', 2),
    ('apply_state', 'cancelled', '已撤销', 'Cancelled', 3);

-- application:read reads applications; application:write accepts, advances, pauses and
-- cancels them. The administrator holds every permission already.
INSERT INTO role_perm (role_id, perm)
SELECT r.id, p.perm FROM role r JOIN (
    SELECT 'manager' AS role, 'application:read' AS perm
    UNION ALL SELECT 'manager', 'application:write'
    UNION ALL SELECT 'service_agent', 'application:read'
    UNION ALL SELECT 'service_agent', 'application:write'
    UNION ALL SELECT 'field_crew', 'application:read'
    UNION ALL SELECT 'field_crew', 'application:write'
    UNION ALL SELECT 'analyst', 'application:read'
    UNION ALL SELECT 'auditor', 'application:read'
) p ON p.role = r.code;
