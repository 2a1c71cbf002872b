-- 0017 survey: satisfaction (issue 6 §6, manual 6.3; targets manual 2.2.2 and 2.4.2). A callback
-- survey (回访) after a closed (archived) work order, recorded once per order with the result
-- (满意 / 基本满意 / 不满意), a comment and per-dimension scores 1-5; survey templates with their
-- dimensions and weights as versioned data; sampling campaigns (抽样回访) with the orders they
-- drew; the survey permissions of the HTTP API. A dissatisfied answer opens a follow-up order
-- (follow_up_id). Figures (CSAT, CSI) are computed from these rows: domain/survey_report.c.
-- (Numbered 0017: 0016 is another branch's; the runner applies any missing version in order.)

INSERT INTO code_list (list, code, name_zh, name_en, sort_order) VALUES
    ('survey_result', 'satisfied', '满意', 'Satisfied', 1),
    ('survey_result', 'basically_satisfied', '基本满意', 'Basically satisfied', 2),
    ('survey_result', 'dissatisfied', '不满意', 'Dissatisfied', 3),
    ('survey_dimension', 'efficiency', '服务效率', 'Service efficiency', 1),
    ('survey_dimension', 'quality', '服务质量', 'Service quality', 2),
    ('survey_dimension', 'price', '电价透明度', 'Price transparency', 3),
    ('survey_dimension', 'after_sales', '售后服务', 'After-sales service', 4);

-- Survey templates (回访问卷), versioned: the version in force on a day is the highest one of its
-- code with effective_on <= that day. Each version lists its dimensions with integer weights
-- that add up to 100 (checked when a version is added) and the question asked.
CREATE TABLE survey_template (
    id           {{ID}},
    code         TEXT NOT NULL,
    version      BIGINT NOT NULL CHECK (version >= 1),
    name_zh      TEXT NOT NULL,
    name_en      TEXT NOT NULL,
    effective_on TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    created_by   TEXT NOT NULL,
    UNIQUE (code, version)
);
CREATE TABLE survey_template_dim (
    template_id BIGINT NOT NULL REFERENCES survey_template (id),
    dimension   TEXT NOT NULL,
    weight      BIGINT NOT NULL CHECK (weight >= 1 AND weight <= 100),
    question_zh TEXT NOT NULL,
    question_en TEXT NOT NULL,
    sort_order  BIGINT NOT NULL,
    PRIMARY KEY (template_id, dimension)
);
INSERT INTO survey_template (code, version, name_zh, name_en, effective_on, created_at, created_by)
VALUES ('callback', 1, '工单回访问卷', 'Work-order callback survey', '2000-01-01', 0, 'migration');
INSERT INTO survey_template_dim (template_id, dimension, weight, question_zh, question_en, sort_order)
SELECT t.id, d.dimension, d.weight, d.question_zh, d.question_en, d.sort_order
FROM survey_template t JOIN (
    SELECT 'efficiency' AS dimension, 30 AS weight, '您对本次服务的办理速度是否满意？' AS question_zh,
           'How satisfied are you with how quickly we handled your request?' AS question_en, 1 AS sort_order
    UNION ALL SELECT 'quality', 30, '您对工作人员的服务质量是否满意？',
           'How satisfied are you with the quality of our staff''s service?', 2
    UNION ALL SELECT 'price', 20, '您对电价电费政策的公开透明是否满意？',
           'How satisfied are you with the transparency of tariffs and charges?', 3
    UNION ALL SELECT 'after_sales', 20, '您对问题解决后的跟踪服务是否满意？',
           'How satisfied are you with our follow-up after the problem was solved?', 4
) d ON t.code = 'callback' AND t.version = 1;

-- Sampling campaigns (抽样回访): the archived orders with a customer of one month, an org subtree
-- and optionally one type, sampled with a seed (deterministic: domain/survey_campaign.c). The
-- sample is stored, so the list of orders to call never changes afterwards.
CREATE TABLE survey_campaign (
    id          {{ID}},
    name        TEXT NOT NULL,
    template_id BIGINT NOT NULL REFERENCES survey_template (id),
    org_id      BIGINT NOT NULL REFERENCES org_unit (id),
    type        TEXT,
    period      TEXT NOT NULL,
    sample_pct  BIGINT CHECK (sample_pct IS NULL OR (sample_pct >= 1 AND sample_pct <= 100)),
    sample_n    BIGINT CHECK (sample_n IS NULL OR sample_n >= 1),
    seed        BIGINT NOT NULL,
    population  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    created_by  TEXT NOT NULL,
    CHECK ((sample_pct IS NULL) <> (sample_n IS NULL))
);
CREATE INDEX survey_campaign_org ON survey_campaign (org_id, id);
CREATE TABLE survey_campaign_order (
    campaign_id BIGINT NOT NULL REFERENCES survey_campaign (id),
    ticket_id   BIGINT NOT NULL REFERENCES ticket (id),
    draw        BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, ticket_id)
);

-- One callback answer per work order. org_id (the responsible unit), type and period (month of
-- the answer in the business zone) are kept as they were when it was recorded, so later changes
-- of the order do not move the figures. follow_up_id: the order a dissatisfied answer opened.
CREATE TABLE survey_response (
    id           {{ID}},
    ticket_id    BIGINT NOT NULL UNIQUE REFERENCES ticket (id),
    template_id  BIGINT NOT NULL REFERENCES survey_template (id),
    org_id       BIGINT NOT NULL REFERENCES org_unit (id),
    type         TEXT NOT NULL,
    result       TEXT NOT NULL CHECK (result = 'satisfied' OR result = 'basically_satisfied'
                                      OR result = 'dissatisfied'),
    comment      TEXT,
    channel      TEXT NOT NULL,
    period       TEXT NOT NULL,
    answered_at  BIGINT NOT NULL,
    recorded_by  TEXT NOT NULL,
    follow_up_id BIGINT REFERENCES ticket (id)
);
CREATE INDEX survey_response_period ON survey_response (period, org_id);
-- The scores (1 = very dissatisfied .. 5 = very satisfied) of an answer, every dimension of its
-- template or none; the weight is copied from the template for the CSI.
CREATE TABLE survey_score (
    response_id BIGINT NOT NULL REFERENCES survey_response (id),
    dimension   TEXT NOT NULL,
    score       BIGINT NOT NULL CHECK (score >= 1 AND score <= 5),
    weight      BIGINT NOT NULL,
    PRIMARY KEY (response_id, dimension)
);

-- survey:read lists answers and campaigns; survey:record records a callback answer;
-- survey:manage creates campaigns. The report is report:read like the other figures. The
-- administrator holds every permission already.
INSERT INTO role_perm (role_id, perm)
SELECT r.id, p.perm FROM role r JOIN (
    SELECT 'manager' AS role, 'survey:read' AS perm
    UNION ALL SELECT 'manager', 'survey:record'
    UNION ALL SELECT 'manager', 'survey:manage'
    UNION ALL SELECT 'service_agent', 'survey:read'
    UNION ALL SELECT 'service_agent', 'survey:record'
    UNION ALL SELECT 'analyst', 'survey:read'
    UNION ALL SELECT 'auditor', 'survey:read'
) p ON p.role = r.code;
