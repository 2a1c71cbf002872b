-- 0001 archive: code lists, organisation tree, customers, accounts (supply contracts),
-- service points, meters and their installations, archive history, the hash-chained audit log.
-- CHECKs are written with OR, not IN (...): SQLite 3.40 evaluates an IN list of three or more
-- values through a temporary table on every row (a fifth of a bulk import's time).
-- Money is int64 fen, energy int64 Wh, capacity int64 VA, demand int64 W, instants int64
-- microseconds since the Unix epoch (UTC), civil dates TEXT 'YYYY-MM-DD'.
-- Personal data (phones, ID numbers, bank accounts) only as ciphertext (*_enc) plus an HMAC
-- blind index (*_bidx) for exact search.

CREATE TABLE code_list (
    list       TEXT NOT NULL,
    code       TEXT NOT NULL,
    name_zh    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    sort_order BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (list, code)
);

INSERT INTO code_list (list, code, name_zh, name_en, sort_order) VALUES
    ('org_level', 'hq', '总部', 'Headquarters', 1),
    ('org_level', 'province', '省公司', 'Provincial company', 2),
    ('org_level', 'city', '地市公司', 'City company', 3),
    ('org_level', 'county', '县公司', 'County company', 4),
    ('org_level', 'station', '供电所', 'Supply station', 5),
    ('user_type', 'resident', '居民', 'Residential', 1),
    ('user_type', 'general_ci', '一般工商业', 'General commercial and industrial', 2),
    ('user_type', 'large_industry', '大工业', 'Large industrial', 3),
    ('user_type', 'agriculture', '农业', 'Agricultural', 4),
    ('voltage', '220V', '交流220V', 'AC 220 V', 1),
    ('voltage', '380V', '交流380V', 'AC 380 V', 2),
    ('voltage', '10kV', '交流10kV', 'AC 10 kV', 3),
    ('voltage', '20kV', '交流20kV', 'AC 20 kV', 4),
    ('voltage', '35kV', '交流35kV', 'AC 35 kV', 5),
    ('voltage', '66kV', '交流66kV', 'AC 66 kV', 6),
    ('voltage', '110kV', '交流110kV', 'AC 110 kV', 7),
    ('voltage', '220kV', '交流220kV', 'AC 220 kV', 8),
    ('customer_status', 'active', '正常', 'Active', 1),
    ('customer_status', 'suspended', '暂停', 'Suspended', 2),
    ('customer_status', 'closed', '销户', 'Closed', 3),
    ('id_type', 'id_card', '居民身份证', 'Resident identity card', 1),
    ('id_type', 'uscc', '统一社会信用代码', 'Unified social credit code', 2),
    ('id_type', 'passport', '护照', 'Passport', 3),
    ('id_type', 'hk_macao', '港澳居民来往内地通行证', 'Mainland travel permit (HK/Macao)', 4),
    ('id_type', 'taiwan', '台湾居民来往大陆通行证', 'Mainland travel permit (Taiwan)', 5),
    ('id_type', 'other', '其他证件', 'Other document', 6),
    ('pay_mode', 'postpaid', '后付费', 'Postpaid', 1),
    ('pay_mode', 'prepaid', '预付费（费控）', 'Prepaid', 2),
    ('register', 'total', '总', 'Total', 1),
    ('register', 'sharp', '尖', 'Critical peak', 2),
    ('register', 'peak', '峰', 'Peak', 3),
    ('register', 'flat', '平', 'Flat', 4),
    ('register', 'valley', '谷', 'Valley', 5),
    ('register', 'reactive', '无功', 'Reactive', 6),
    ('register', 'demand', '最大需量', 'Maximum demand', 7);

CREATE TABLE org_unit (
    id         {{ID}},
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    level      TEXT NOT NULL,
    parent_id  BIGINT REFERENCES org_unit (id),
    created_at BIGINT NOT NULL
);

-- Closure table: one row per (ancestor, descendant) pair, the unit itself included at depth 0.
-- A user's scope is `org_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = ?)`.
CREATE TABLE org_closure (
    ancestor_id   BIGINT NOT NULL REFERENCES org_unit (id),
    descendant_id BIGINT NOT NULL REFERENCES org_unit (id),
    depth         BIGINT NOT NULL,
    PRIMARY KEY (ancestor_id, descendant_id)
);

CREATE TABLE customer (
    id          {{ID}},
    cust_no     TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    user_type   TEXT NOT NULL,
    voltage     TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'active' CHECK (status = 'active' OR status = 'suspended' OR status = 'closed'),
    important   BIGINT NOT NULL DEFAULT 0 CHECK (important = 0 OR important = 1),
    address     TEXT NOT NULL,
    phone_enc   {{BLOB}},
    phone_bidx  {{BLOB}},
    id_type     TEXT,
    id_no_enc   {{BLOB}},
    id_no_bidx  {{BLOB}},
    org_id      BIGINT NOT NULL REFERENCES org_unit (id),
    opened_on   TEXT NOT NULL,
    closed_on   TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX customer_org ON customer (org_id, cust_no);
CREATE INDEX customer_phone ON customer (phone_bidx);
CREATE INDEX customer_id_no ON customer (id_no_bidx);

CREATE TABLE account (
    id             {{ID}},
    account_no     TEXT NOT NULL UNIQUE,
    customer_id    BIGINT NOT NULL REFERENCES customer (id),
    tariff_code    TEXT NOT NULL,
    capacity_va    BIGINT NOT NULL DEFAULT 0 CHECK (capacity_va >= 0),
    demand_w       BIGINT NOT NULL DEFAULT 0 CHECK (demand_w >= 0),
    pf_standard    BIGINT NOT NULL DEFAULT 0 CHECK (pf_standard = 0 OR pf_standard = 80 OR pf_standard = 85 OR pf_standard = 90),
    cycle_day      BIGINT NOT NULL CHECK (cycle_day BETWEEN 1 AND 28),
    pay_mode       TEXT NOT NULL CHECK (pay_mode IN ('postpaid', 'prepaid')),
    contact_name   TEXT,
    contact_phone_enc  {{BLOB}},
    contact_phone_bidx {{BLOB}},
    bank_name      TEXT,
    bank_acct_enc  {{BLOB}},
    bank_acct_bidx {{BLOB}},
    status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
    opened_on      TEXT NOT NULL,
    closed_on      TEXT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX account_customer ON account (customer_id);

-- 计量点: where energy is measured for an account; a meter is installed on one at a time.
CREATE TABLE service_point (
    id         {{ID}},
    sp_no      TEXT NOT NULL UNIQUE,
    account_id BIGINT NOT NULL REFERENCES account (id),
    name       TEXT NOT NULL,
    voltage    TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX service_point_account ON service_point (account_id);

CREATE TABLE meter (
    id          {{ID}},
    asset_no    TEXT NOT NULL UNIQUE,
    model       TEXT NOT NULL,
    phases      BIGINT NOT NULL CHECK (phases IN (1, 3)),
    ct_ratio    TEXT NOT NULL DEFAULT '1/1',
    pt_ratio    TEXT NOT NULL DEFAULT '1/1',
    multiplier  BIGINT NOT NULL CHECK (multiplier >= 1),
    registers   TEXT NOT NULL,
    digits      BIGINT NOT NULL DEFAULT 6 CHECK (digits BETWEEN 4 AND 10),
    status      TEXT NOT NULL DEFAULT 'stock' CHECK (status = 'stock' OR status = 'installed' OR status = 'removed'),
    created_at  BIGINT NOT NULL
);

-- One row per stay of a meter on a service point. The partial unique indexes are the
-- invariant "a meter is on at most one service point at a time" (and one meter per point).
CREATE TABLE meter_install (
    id           {{ID}},
    meter_id     BIGINT NOT NULL REFERENCES meter (id),
    sp_id        BIGINT NOT NULL REFERENCES service_point (id),
    installed_on TEXT NOT NULL,
    removed_on   TEXT,
    reason       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    installed_by TEXT NOT NULL,
    removed_by   TEXT
);
CREATE UNIQUE INDEX meter_install_meter_open ON meter_install (meter_id) WHERE removed_on IS NULL;
CREATE UNIQUE INDEX meter_install_sp_open ON meter_install (sp_id) WHERE removed_on IS NULL;
CREATE INDEX meter_install_sp ON meter_install (sp_id, installed_on);

-- Register readings taken when a meter goes on or comes off (Wh, or varh for reactive).
CREATE TABLE meter_install_read (
    install_id BIGINT NOT NULL REFERENCES meter_install (id),
    event      TEXT NOT NULL CHECK (event IN ('install', 'remove')),
    register   TEXT NOT NULL,
    value_wh   BIGINT NOT NULL CHECK (value_wh >= 0),
    PRIMARY KEY (install_id, event, register)
);

-- Dated changes of a customer's archive (name, address, type, voltage, status, org, tariff,
-- phone, ID); personal data appears only masked. Meter changes come from meter_install.
CREATE TABLE customer_history (
    id           {{ID}},
    customer_id  BIGINT NOT NULL REFERENCES customer (id),
    field        TEXT NOT NULL,
    old_value    TEXT,
    new_value    TEXT,
    effective_on TEXT NOT NULL,
    changed_at   BIGINT NOT NULL,
    actor        TEXT NOT NULL
);
CREATE INDEX customer_history_customer ON customer_history (customer_id, effective_on);

-- Append-only, hash-chained: hash = SHA-256 over prev_hash and every other column (audit.c).
-- audit_head holds the newest row so that deleting the tail is detected too.
CREATE TABLE audit_log (
    id            {{ID}},
    at_us         BIGINT NOT NULL,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    entity        TEXT NOT NULL,
    entity_key    TEXT NOT NULL,
    before_digest TEXT,
    after_digest  TEXT,
    detail        TEXT,
    request_id    TEXT,
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_key);
CREATE INDEX audit_log_actor ON audit_log (actor, at_us);

CREATE TABLE audit_head (
    id      BIGINT PRIMARY KEY CHECK (id = 1),
    last_id BIGINT NOT NULL,
    hash    TEXT NOT NULL
);
INSERT INTO audit_head (id, last_id, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Search: name substrings (SQLite: FTS5 over the names' character bigrams; PostgreSQL: pg_trgm).
-- Addresses are searched by scanning: they are long, and indexing them made a bulk import of 1M
-- customers 8 s slower (customer_search.c).
-- @sqlite
-- customer_fts holds pmis_bigrams(name) (a function the store registers, store/sqlite.c):
-- "张伟强" -> tokens 张伟, 伟强; a phrase of a search text's bigrams matches exactly the names
-- holding it, from two characters up. Contentless, so deletes repeat the indexed text.
-- New customers are indexed by customer_insert() (Q_CUSTOMER_FTS_ADD), not by an AFTER INSERT
-- trigger: a trigger gives every INSERT a statement journal and makes FTS5 flush its pending
-- terms to a new segment at each statement end (SQLite 3.40), 4x slower bulk imports.
CREATE VIRTUAL TABLE customer_fts USING fts5 (grams, content='', tokenize='ascii', columnsize=0);
CREATE TRIGGER customer_fts_ad AFTER DELETE ON customer BEGIN
    INSERT INTO customer_fts (customer_fts, rowid, grams) VALUES ('delete', old.id, pmis_bigrams(old.name));
END;
CREATE TRIGGER customer_fts_au AFTER UPDATE OF name ON customer BEGIN
    INSERT INTO customer_fts (customer_fts, rowid, grams) VALUES ('delete', old.id, pmis_bigrams(old.name));
    INSERT INTO customer_fts (rowid, grams) VALUES (new.id, pmis_bigrams(new.name));
END;
-- @pg
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX customer_name_trgm ON customer USING gin (name gin_trgm_ops);
ALTER TABLE customer ALTER COLUMN cust_no TYPE TEXT COLLATE "C";
-- @both
