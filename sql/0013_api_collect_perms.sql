-- 0013 api collect perms: the collections permissions of the HTTP API (issue 5).
-- collection:read reads the accounts in arrears, collection work orders and credit ratings;
-- collection:work queues the day's reminders and marks work orders done. Arrears aging and the
-- collection rate are report:read; disconnection stays collection:approve. The administrator
-- holds every permission already.
INSERT INTO role_perm (role_id, perm)
SELECT r.id, p.perm FROM role r JOIN (
    SELECT 'manager' AS role, 'collection:read' AS perm
    UNION ALL SELECT 'manager', 'collection:work'
    UNION ALL SELECT 'cashier', 'collection:read'
    UNION ALL SELECT 'cashier', 'collection:work'
    UNION ALL SELECT 'service_agent', 'collection:read'
    UNION ALL SELECT 'field_crew', 'collection:read'
    UNION ALL SELECT 'field_crew', 'collection:work'
    UNION ALL SELECT 'auditor', 'collection:read'
) p ON p.role = r.code;
