-- 0011 api perms: the late-fee permissions of the HTTP API (issue 5). fee:accrue runs the
-- nightly accrual on demand; fee:waive waives part of a bill's late fee with a second user's
-- approval. The manager holds both (the administrator holds every permission already).
INSERT INTO role_perm (role_id, perm)
SELECT r.id, p.perm FROM role r JOIN (
    SELECT 'manager' AS role, 'fee:accrue' AS perm
    UNION ALL SELECT 'manager', 'fee:waive'
) p ON p.role = r.code;
