/*
 * bench_billrun URL N: fill a migrated, empty database with N accounts in the demo mix —
 * 85 % residential on annual tiers with peak/valley registers (RES-TIER), 12 % general C&I
 * on time-of-use registers (GCI-TOU), 3 % large industrial on the two-part tariff with
 * demand, reactive energy and power factor (LI-2PART) — each with a meter, an installation
 * and two monthly readings (2025-05 and 2025-06 on its reading day), for `pmis bill run
 * --period 2025-06` to be timed by bench/run.sh. The tariffs are loaded separately (pmis
 * tariff load). Bulk SQL, not the import path: this measures the bill run, not the loading.
 */
#include "bench_fill.h"

/* {{N}} is replaced by the row count, {{SEQ}} by the dialect's way of counting to it */
static const char fill[] =
    "INSERT INTO org_unit (code, name, level, parent_id, created_at)"
    " VALUES ('BENCH', 'bench', 'hq', NULL, 0);\n"
    "INSERT INTO org_closure (ancestor_id, descendant_id, depth)"
    " SELECT id, id, 0 FROM org_unit WHERE code = 'BENCH';\n"
    "CREATE TEMP TABLE seq_n (i BIGINT PRIMARY KEY);\n"
    "{{SEQ}}\n"
    "INSERT INTO customer (id, cust_no, name, user_type, voltage, status, important, address,"
    " org_id, opened_on, created_at, updated_at)"
    " SELECT i, 'C' || CAST(1000000000 + i AS TEXT), '测试用户', CASE WHEN i % 100 < 85 THEN"
    " 'resident' WHEN i % 100 < 97 THEN 'general_ci' ELSE 'large_industry' END,"
    " CASE WHEN i % 100 < 85 THEN '220V' WHEN i % 100 < 97 THEN '380V' ELSE '10kV' END,"
    " 'active', 0, '测试地址', (SELECT id FROM org_unit WHERE code = 'BENCH'), '2020-01-01', 0, 0"
    " FROM seq_n;\n"
    "INSERT INTO account (id, account_no, customer_id, tariff_code, capacity_va, demand_w,"
    " pf_standard, cycle_day, pay_mode, status, opened_on, created_at, updated_at)"
    " SELECT i, 'A' || CAST(1000000000 + i AS TEXT), i, CASE WHEN i % 100 < 85 THEN 'RES-TIER'"
    " WHEN i % 100 < 97 THEN 'GCI-TOU' ELSE 'LI-2PART' END,"
    " CASE WHEN i % 100 < 85 THEN 8000 WHEN i % 100 < 97 THEN 100000 ELSE 1250000 END,"
    " CASE WHEN i % 100 < 97 THEN 0 ELSE 600000 END,"
    " CASE WHEN i % 100 < 85 THEN 0 WHEN i % 100 < 97 THEN 85 ELSE 90 END,"
    " 1 + i % 28, 'postpaid', 'active', '2020-01-01', 0, 0 FROM seq_n;\n"
    "INSERT INTO service_point (id, sp_no, account_id, name, voltage, created_at)"
    " SELECT i, 'S' || CAST(1000000000 + i AS TEXT), i, '计量点', '220V', 0 FROM seq_n;\n"
    "INSERT INTO meter (id, asset_no, model, phases, multiplier, registers, digits, status,"
    " created_at) SELECT i, 'M' || CAST(1000000000 + i AS TEXT), 'DDZY', 1,"
    " CASE WHEN i % 100 < 97 THEN 1 ELSE 200 END,"
    " CASE WHEN i % 100 < 85 THEN 'total,peak,valley' WHEN i % 100 < 97 THEN"
    " 'total,sharp,peak,flat,valley,reactive' ELSE"
    " 'total,sharp,peak,flat,valley,reactive,demand' END, 8, 'installed', 0 FROM seq_n;\n"
    "INSERT INTO meter_install (id, meter_id, sp_id, installed_on, reason, created_at,"
    " installed_by) SELECT i, i, i, '2020-01-01', 'new', 0, 'bench' FROM seq_n;\n"
    /* readings: base b on R(2025-05), advance a to R(2025-06); kWh x 1000 = Wh */
    "CREATE TEMP TABLE adv (i BIGINT PRIMARY KEY, b BIGINT, a BIGINT);\n"
    "INSERT INTO adv SELECT i, (i % 5000) * 1000 + 100000, CASE WHEN i % 100 < 85 THEN"
    " (150 + i % 300) * 1000 WHEN i % 100 < 97 THEN (8000 + i % 9000) * 1000 ELSE"
    " (1200 + i % 900) * 1000 END FROM seq_n;\n"
    "INSERT INTO meter_read (meter_id, read_on, total, sharp, peak, flat, valley, reactive,"
    " demand, source, status, created_at)"
    " SELECT i, d, CASE WHEN k = 0 THEN b ELSE b + a END,"
    " CASE WHEN i % 100 < 85 THEN NULL ELSE (CASE WHEN k = 0 THEN b ELSE b + a END) / 10 END,"
    " (CASE WHEN k = 0 THEN b ELSE b + a END) * 6 / 10 - CASE WHEN i % 100 < 85 THEN 0 ELSE"
    " (CASE WHEN k = 0 THEN b ELSE b + a END) / 10 END,"
    " CASE WHEN i % 100 < 85 THEN NULL ELSE (CASE WHEN k = 0 THEN b ELSE b + a END) / 10 END,"
    " (CASE WHEN k = 0 THEN b ELSE b + a END) - (CASE WHEN k = 0 THEN b ELSE b + a END) * 6 / 10"
    " - CASE WHEN i % 100 < 85 THEN 0 ELSE (CASE WHEN k = 0 THEN b ELSE b + a END) / 10 END,"
    " CASE WHEN i % 100 < 85 THEN NULL ELSE (CASE WHEN k = 0 THEN b ELSE b + a END) * 45 / 100"
    " END, CASE WHEN i % 100 < 97 THEN NULL ELSE 3500 - (i % 7) * 100 END,"
    " 'remote', 'valid', 0 FROM ("
    " SELECT i, b, a, 0 AS k, '2025-05-' || CASE WHEN 1 + i % 28 < 10 THEN '0' ELSE '' END"
    " || CAST(1 + i % 28 AS TEXT) AS d FROM adv UNION ALL"
    " SELECT i, b, a, 1 AS k, '2025-06-' || CASE WHEN 1 + i % 28 < 10 THEN '0' ELSE '' END"
    " || CAST(1 + i % 28 AS TEXT) AS d FROM adv) x ORDER BY i, d;\n"
    "DROP TABLE adv;\n"
    "DROP TABLE seq_n;\n";

int main(int argc, char **argv)
{
    return bench_fill_main(argc, argv, "bench_billrun", fill, NULL,
                           "accounts with meters and two readings each");
}
