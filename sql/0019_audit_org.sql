-- 0019 audit org: the org unit each audit row belongs to (issue 5), so that GET /api/v1/audit
-- shows an auditor of a subtree only that subtree's events, filtered in SQL. NULL is an event
-- of the whole tree (command-line work, users of the whole tree, unknown users' failed logins):
-- only auditors of the whole tree see it. Rows written before this migration stay NULL.
-- The row hash covers org_id when it is set (audit.c), so old rows verify unchanged.
ALTER TABLE audit_log ADD COLUMN org_id BIGINT;
CREATE INDEX audit_log_org ON audit_log (org_id, id);
