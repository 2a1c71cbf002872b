/*
 * bench_tickets URL N: fill a migrated, empty database with N open 95598 work orders — service
 * complaints in state 处理 with their running 24-hour contact clock, started over the 1,600
 * minutes before 2025-07-01T00:00Z so that at that instant about 72 % are ok, 18 % in warning
 * and 10 % breached, every 50th order waiting for the customer (paused) — for bench/run.sh to
 * time `pmis ticket sla --at 2025-07-01T00:00:00Z` over them. Bulk SQL, set-based, not the
 * intake path: this measures the SLA recompute, not the loading.
 */
#include "bench_fill.h"

/* {{N}} is replaced by the row count, {{SEQ}} by the dialect's way of counting to it; T0 is
 * 2025-07-01T00:00:00Z in µs, a minute 60e6 µs */
static const char fill[] =
    "INSERT INTO org_unit (code, name, level, parent_id, created_at)"
    " VALUES ('BENCH', 'bench', 'hq', NULL, 0);\n"
    "INSERT INTO org_closure (ancestor_id, descendant_id, depth)"
    " SELECT id, id, 0 FROM org_unit WHERE code = 'BENCH';\n"
    "CREATE TEMP TABLE seq_n (i BIGINT PRIMARY KEY);\n"
    "{{SEQ}}\n"
    "INSERT INTO ticket (id, type, subtype, channel, severity, area, state, customer_id, org_id,"
    " assignee, body, round, paused_at, accepted_at, created_by, updated_at)"
    " SELECT i, 'complaint', 'service', 'phone', 'general', 'urban', 'processing', NULL,"
    " (SELECT id FROM org_unit WHERE code = 'BENCH'), 'crew', '压测投诉', 1,"
    " CASE WHEN i % 50 = 0 THEN 1751328000000000 - 60000000 ELSE NULL END,"
    " 1751328000000000 - (i % 1600) * 60000000, 'bench', 1751328000000000 FROM seq_n;\n"
    "INSERT INTO ticket_pause (ticket_id, from_at, to_at, note)"
    " SELECT i, 1751328000000000 - 60000000, NULL, 'bench' FROM seq_n WHERE i % 50 = 0;\n"
    "INSERT INTO ticket_clock (id, ticket_id, round, metric, policy_id, clock, amount, hours,"
    " warn_pct, stop_state, started_at, stopped_at, deadline_at, warn_at, status)"
    " SELECT i, i, 1, 'contact', (SELECT MIN(id) FROM sla_policy WHERE metric = 'contact'),"
    " 'natural', 1440, '00:00-24:00', 80, 'responded', 1751328000000000 - (i % 1600) * 60000000,"
    " NULL, CASE WHEN i % 50 = 0 THEN NULL ELSE"
    " 1751328000000000 - (i % 1600) * 60000000 + 86400000000 END,"
    " CASE WHEN i % 50 = 0 THEN NULL ELSE"
    " 1751328000000000 - (i % 1600) * 60000000 + 69120000000 END, 'running' FROM seq_n;\n"
    "DROP TABLE seq_n;\n";

/* PostgreSQL: the sequences behind {{ID}} columns must pass the ids given here */
static void pg_extra(struct strbuf *tmpl, struct store *s)
{
    if (store_kind(s) == STORE_PG)
        strbuf_addstr(tmpl, "SELECT setval(pg_get_serial_sequence('ticket', 'id'), {{N}});\n"
                            "SELECT setval(pg_get_serial_sequence('ticket_clock', 'id'), {{N}});\n"
                            "ANALYZE;\n");
}

int main(int argc, char **argv)
{
    return bench_fill_main(argc, argv, "bench_tickets", fill, pg_extra,
                           "open work orders with a running SLA clock each");
}
