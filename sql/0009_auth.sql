-- 0009 auth: users, roles and their permissions, login sessions and API tokens (issue 5).
-- Permission names are the strings of src/domain/perms.def ("customer:read"); a role with
-- all_perms holds every permission, present and future (the administrator).
-- A user's org_id is the root of the subtree they see; NULL means the whole tree.
-- Secrets are never stored: passwords as Argon2id strings, session and API tokens as the
-- SHA-256 of their 256 random bits. Instants are int64 microseconds since the epoch (UTC).

CREATE TABLE role (
    id         {{ID}},
    code       TEXT NOT NULL UNIQUE,
    name_zh    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    builtin    BIGINT NOT NULL DEFAULT 0 CHECK (builtin = 0 OR builtin = 1),
    all_perms  BIGINT NOT NULL DEFAULT 0 CHECK (all_perms = 0 OR all_perms = 1),
    created_at BIGINT NOT NULL
);

CREATE TABLE role_perm (
    role_id BIGINT NOT NULL REFERENCES role (id),
    perm    TEXT NOT NULL,
    PRIMARY KEY (role_id, perm)
);

CREATE TABLE app_user (
    id            {{ID}},
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    org_id        BIGINT REFERENCES org_unit (id),
    password_hash TEXT NOT NULL,
    must_change   BIGINT NOT NULL DEFAULT 0 CHECK (must_change = 0 OR must_change = 1),
    status        TEXT NOT NULL DEFAULT 'active' CHECK (status = 'active' OR status = 'disabled'),
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until  BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE user_role (
    user_id BIGINT NOT NULL REFERENCES app_user (id),
    role_id BIGINT NOT NULL REFERENCES role (id),
    PRIMARY KEY (user_id, role_id)
);

-- A login session: the cookie carries the token, the row its hash. expires_at is the
-- absolute end; last_seen_at drives the idle expiry.
CREATE TABLE auth_session (
    id           {{ID}},
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES app_user (id),
    csrf_token   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX auth_session_user ON auth_session (user_id);

-- An API token for integrations: a subset of its owner's permissions (comma-separated names)
-- within an org subtree (NULL: the owner's), until expires_at unless revoked.
CREATE TABLE api_token (
    id           {{ID}},
    name         TEXT NOT NULL UNIQUE,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES app_user (id),
    perms        TEXT NOT NULL,
    org_id       BIGINT REFERENCES org_unit (id),
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT,
    last_used_at BIGINT,
    created_at   BIGINT NOT NULL
);

INSERT INTO role (code, name_zh, name_en, builtin, all_perms, created_at) VALUES
    ('administrator', '系统管理员', 'Administrator', 1, 1, 0),
    ('manager', '营销管理人员', 'Manager', 1, 0, 0),
    ('billing_clerk', '核算员', 'Billing clerk', 1, 0, 0),
    ('cashier', '收费员', 'Cashier', 1, 0, 0),
    ('service_agent', '客服专员', 'Service agent', 1, 0, 0),
    ('field_crew', '现场作业人员', 'Field crew', 1, 0, 0),
    ('analyst', '营销分析师', 'Marketing analyst', 1, 0, 0),
    ('auditor', '审计员（只读）', 'Auditor (read-only)', 1, 0, 0);

INSERT INTO role_perm (role_id, perm)
SELECT r.id, p.perm FROM role r JOIN (
    SELECT 'manager' AS role, 'customer:read' AS perm
    UNION ALL SELECT 'manager', 'customer:write'
    UNION ALL SELECT 'manager', 'tariff:read'
    UNION ALL SELECT 'manager', 'bill:read'
    UNION ALL SELECT 'manager', 'bill:issue'
    UNION ALL SELECT 'manager', 'payment:read'
    UNION ALL SELECT 'manager', 'payment:reverse'
    UNION ALL SELECT 'manager', 'collection:approve'
    UNION ALL SELECT 'manager', 'report:read'
    UNION ALL SELECT 'billing_clerk', 'customer:read'
    UNION ALL SELECT 'billing_clerk', 'reading:import'
    UNION ALL SELECT 'billing_clerk', 'tariff:read'
    UNION ALL SELECT 'billing_clerk', 'bill:read'
    UNION ALL SELECT 'billing_clerk', 'bill:run'
    UNION ALL SELECT 'billing_clerk', 'payment:read'
    UNION ALL SELECT 'cashier', 'customer:read'
    UNION ALL SELECT 'cashier', 'bill:read'
    UNION ALL SELECT 'cashier', 'payment:read'
    UNION ALL SELECT 'cashier', 'payment:post'
    UNION ALL SELECT 'service_agent', 'customer:read'
    UNION ALL SELECT 'service_agent', 'customer:write'
    UNION ALL SELECT 'service_agent', 'pii:read'
    UNION ALL SELECT 'service_agent', 'tariff:read'
    UNION ALL SELECT 'service_agent', 'bill:read'
    UNION ALL SELECT 'service_agent', 'payment:read'
    UNION ALL SELECT 'field_crew', 'customer:read'
    UNION ALL SELECT 'field_crew', 'reading:import'
    UNION ALL SELECT 'analyst', 'customer:read'
    UNION ALL SELECT 'analyst', 'tariff:read'
    UNION ALL SELECT 'analyst', 'bill:read'
    UNION ALL SELECT 'analyst', 'payment:read'
    UNION ALL SELECT 'analyst', 'report:read'
    UNION ALL SELECT 'auditor', 'customer:read'
    UNION ALL SELECT 'auditor', 'tariff:read'
    UNION ALL SELECT 'auditor', 'bill:read'
    UNION ALL SELECT 'auditor', 'payment:read'
    UNION ALL SELECT 'auditor', 'report:read'
    UNION ALL SELECT 'auditor', 'audit:read'
) p ON p.role = r.code;
