-- 0020 service api (issue 6): the service centre over HTTP and its data kept as versioned data.
-- Permissions: ticket:read (orders, clocks, the escalation queue, outages), ticket:write (intake
-- and every step of an order), ticket:dispatch (派单, reassignment, merging duplicates),
-- ticket:supervise (closing items of the supervisor's queue), outage:write (publishing and
-- closing outages). The administrator holds every permission already.
INSERT INTO role_perm (role_id, perm)
SELECT r.id, p.perm FROM role r JOIN (
    SELECT 'manager' AS role, 'ticket:read' AS perm
    UNION ALL SELECT 'manager', 'ticket:write'
    UNION ALL SELECT 'manager', 'ticket:dispatch'
    UNION ALL SELECT 'manager', 'ticket:supervise'
    UNION ALL SELECT 'manager', 'outage:write'
    UNION ALL SELECT 'service_agent', 'ticket:read'
    UNION ALL SELECT 'service_agent', 'ticket:write'
    UNION ALL SELECT 'service_agent', 'ticket:dispatch'
    UNION ALL SELECT 'field_crew', 'ticket:read'
    UNION ALL SELECT 'field_crew', 'ticket:write'
    UNION ALL SELECT 'analyst', 'ticket:read'
    UNION ALL SELECT 'auditor', 'ticket:read'
) p ON p.role = r.code;

-- The supervisor's queue is worked off: an item is acknowledged (督办已接收) and then resolved
-- (督办办结), each with who, when and a note.
ALTER TABLE ticket_escalation ADD COLUMN status TEXT NOT NULL DEFAULT 'open'
    CHECK (status = 'open' OR status = 'acknowledged' OR status = 'resolved');
ALTER TABLE ticket_escalation ADD COLUMN acked_at BIGINT;
ALTER TABLE ticket_escalation ADD COLUMN acked_by TEXT;
ALTER TABLE ticket_escalation ADD COLUMN ack_note TEXT;
ALTER TABLE ticket_escalation ADD COLUMN resolved_at BIGINT;
ALTER TABLE ticket_escalation ADD COLUMN resolved_by TEXT;
ALTER TABLE ticket_escalation ADD COLUMN resolve_note TEXT;

-- SLA policies as versioned data: a change adds a new version of the policy with the same key
-- (metric, type, subtype, severity, area) and retires the old one; running clocks keep the
-- copy they took (ticket_clock), so a change never moves a running deadline.
ALTER TABLE sla_policy ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE sla_policy ADD COLUMN replaces BIGINT REFERENCES sla_policy (id);
ALTER TABLE sla_policy ADD COLUMN created_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sla_policy ADD COLUMN created_by TEXT NOT NULL DEFAULT 'migration';
ALTER TABLE sla_policy ADD COLUMN retired_at BIGINT;

-- Every version of each work-order type (ticket_type holds the current one).
CREATE TABLE ticket_type_version (
    type        TEXT NOT NULL,
    subtype     TEXT NOT NULL,
    version     BIGINT NOT NULL,
    name_zh     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    direct      BIGINT NOT NULL,
    reopen_days BIGINT NOT NULL,
    repeat_days BIGINT NOT NULL,
    changed_at  BIGINT NOT NULL,
    changed_by  TEXT NOT NULL,
    PRIMARY KEY (type, subtype, version)
);
INSERT INTO ticket_type_version (type, subtype, version, name_zh, name_en, direct, reopen_days,
                                 repeat_days, changed_at, changed_by)
SELECT type, subtype, 1, name_zh, name_en, direct, reopen_days, repeat_days, 0, 'migration'
FROM ticket_type;

