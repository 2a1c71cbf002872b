/*
 * Domain tests of the archive (org, customer, account, meter, audit, rekey) through their
 * public headers, on SQLite and on PostgreSQL (see testdb.h).
 */
#include "core/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/csv.h"
#include "core/keyring.h"
#include "domain/account.h"
#include "domain/archive_csv.h"
#include "domain/audit.h"
#include "domain/auth.h"
#include "domain/customer.h"
#include "domain/meter.h"
#include "domain/org.h"
#include "domain/rekey.h"
#include "testdb.h"

#define OK(expr)                                                                                   \
    do {                                                                                           \
        int ok_rc_ = (expr);                                                                       \
        if (ok_rc_)                                                                                \
            fail_msg("%s -> %d: %s", #expr, ok_rc_, t->err.msg);                                   \
    } while (0)

static void make_orgs(struct testdb *t)
{
    OK(org_add(&t->ctx, "HQ", "国家电网有限公司", "hq", NULL, NULL, &t->err));
    OK(org_add(&t->ctx, "ZJ", "国网浙江省电力有限公司", "province", "HQ", NULL, &t->err));
    OK(org_add(&t->ctx, "HZ", "国网杭州供电公司", "city", "ZJ", NULL, &t->err));
    OK(org_add(&t->ctx, "NB", "国网宁波供电公司", "city", "ZJ", NULL, &t->err));
    OK(org_add(&t->ctx, "HZ-TL", "国网桐庐县供电公司", "county", "HZ", NULL, &t->err));
    OK(org_add(&t->ctx, "HZ-TL-FS", "分水供电所", "station", "HZ-TL", NULL, &t->err));
}

static void add(struct testdb *t, const char *no, const char *name, const char *org,
                const char *phone, const char *id_no)
{
    struct customer_in in = { .cust_no = no,
                              .name = name,
                              .user_type = "resident",
                              .voltage = "220V",
                              .address = "浙江省杭州市桐庐县分水镇青年路1号",
                              .org_code = org,
                              .phone = phone,
                              .id_no = id_no,
                              .opened_on = "2020-01-01" };
    OK(customer_add(&t->ctx, &in, NULL, &t->err));
}

struct collect {
    int n;
    char nos[64][16];
};

static int collect_fn(void *arg, const struct customer *cu)
{
    struct collect *c = arg;
    if (c->n < 64)
        snprintf(c->nos[c->n++], 16, "%s", cu->cust_no);
    return 0;
}

static int search(struct testdb *t, enum customer_search_by by, const char *text, const char *org,
                  struct collect *out)
{
    struct customer_query q = { .by = by, .text = text, .org_code = org };
    memset(out, 0, sizeof(*out));
    return customer_search(&t->ctx, &q, collect_fn, out, NULL, &t->err);
}

static void test_org_tree(void **state)
{
    struct testdb *t = *state;
    make_orgs(t);
    bool in;
    struct org_unit hz, fs, nb;
    OK(org_get(&t->ctx, "HZ", &hz, &t->err));
    OK(org_get(&t->ctx, "HZ-TL-FS", &fs, &t->err));
    OK(org_get(&t->ctx, "NB", &nb, &t->err));
    OK(org_in_subtree(&t->ctx, hz.id, fs.id, &in, &t->err));
    assert_true(in);
    OK(org_in_subtree(&t->ctx, nb.id, fs.id, &in, &t->err));
    assert_false(in);
    assert_string_equal(fs.parent_code, "HZ-TL");

    assert_int_equal(org_add(&t->ctx, "X", "x", "county", "HZ-TL-FS", NULL, &t->err), ERR_INVALID);
    assert_non_null(strstr(t->err.msg, "cannot be placed under"));
    assert_int_equal(org_add(&t->ctx, "X", "x", "county", "NOPE", NULL, &t->err), ERR_NOT_FOUND);
    assert_int_equal(org_add(&t->ctx, "HZ", "again", "city", "ZJ", NULL, &t->err), ERR_CONFLICT);
    assert_int_equal(org_add(&t->ctx, "a b", "x", "city", "ZJ", NULL, &t->err), ERR_INVALID);
}

static void test_customer_lifecycle(void **state)
{
    struct testdb *t = *state;
    make_orgs(t);
    struct customer_in in = { .name = "张三",
                              .user_type = "resident",
                              .voltage = "220V",
                              .address = "文三路1号",
                              .org_code = "HZ-TL-FS",
                              .phone = "+86 138-0013-8000",
                              .id_no = "11010519491231002x" };
    struct customer cu;
    OK(customer_add(&t->ctx, &in, &cu, &t->err));
    assert_string_equal(cu.cust_no, "1000000000");
    assert_string_equal(cu.phone_masked, "138****8000");
    assert_string_equal(cu.id_no_masked, "110105********002X");
    assert_string_equal(cu.opened_on, "2025-06-15"); /* today in Asia/Shanghai */
    OK(customer_add(&t->ctx, &in, &cu, &t->err));
    assert_string_equal(cu.cust_no, "1000000001");

    struct strbuf sb = STRBUF_INIT;
    OK(customer_reveal(&t->ctx, "1000000000", CUSTOMER_PHONE, "callback", &sb, &t->err));
    assert_string_equal(sb.buf, "13800138000");
    OK(customer_reveal(&t->ctx, "1000000000", CUSTOMER_ID_NO, "contract", &sb, &t->err));
    assert_string_equal(sb.buf, "11010519491231002X");
    strbuf_release(&sb);

    struct customer_in up = { .address = "新地址2号", .user_type = "general_ci" };
    OK(customer_update(&t->ctx, "1000000000", &up, "2025-07-01", &t->err));
    OK(customer_get(&t->ctx, "1000000000", &cu, &t->err));
    assert_string_equal(cu.address, "新地址2号");
    assert_int_equal(customer_update(&t->ctx, "1000000000", &up, NULL, &t->err), ERR_INVALID);
    assert_non_null(strstr(t->err.msg, "nothing to change"));

    OK(customer_close(&t->ctx, "1000000001", "2025-06-20", &t->err));
    OK(customer_get(&t->ctx, "1000000001", &cu, &t->err));
    assert_string_equal(cu.status, "closed");
    assert_string_equal(cu.closed_on, "2025-06-20");
    assert_int_equal(customer_close(&t->ctx, "1000000001", NULL, &t->err), ERR_CONFLICT);
}

static void test_customer_bad_input(void **state)
{
    struct testdb *t = *state;
    make_orgs(t);
    add(t, "3300000001", "李四", "HZ-TL-FS", NULL, NULL);
    struct {
        struct customer_in in;
        int code;
        const char *field, *msg;
    } cases[] = {
        { { .cust_no = "3300000001",
            .name = "x",
            .user_type = "resident",
            .voltage = "220V",
            .address = "a",
            .org_code = "HZ" },
          ERR_CONFLICT,
          "",
          "already exists" },
        { { .cust_no = "33000",
            .name = "x",
            .user_type = "resident",
            .voltage = "220V",
            .address = "a",
            .org_code = "HZ" },
          ERR_INVALID,
          "cust_no",
          "exactly 10 digits" },
        { { .name = "x",
            .user_type = "farmer",
            .voltage = "220V",
            .address = "a",
            .org_code = "HZ" },
          ERR_INVALID,
          "user_type",
          "'farmer'" },
        { { .name = "x",
            .user_type = "resident",
            .voltage = "220V",
            .address = "a",
            .org_code = "NOPE" },
          ERR_NOT_FOUND,
          "org",
          "unknown org unit 'NOPE'" },
        { { .name = "x",
            .user_type = "resident",
            .voltage = "220V",
            .address = "a",
            .org_code = "HZ",
            .id_no = "110105194912310021" },
          ERR_INVALID,
          "id_no",
          "check digit" },
        { { .name = "x",
            .user_type = "resident",
            .voltage = "220V",
            .address = "a",
            .org_code = "HZ",
            .phone = "1380013800" },
          ERR_INVALID,
          "phone",
          "phone" },
        { { .name = "x",
            .user_type = "resident",
            .voltage = "220V",
            .address = "a",
            .org_code = "HZ",
            .opened_on = "2024-1-5" },
          ERR_INVALID,
          "opened_on",
          "2024-1-5" },
        { { .name = "",
            .user_type = "resident",
            .voltage = "220V",
            .address = "a",
            .org_code = "HZ" },
          ERR_INVALID,
          "name",
          "name is empty" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        int rc = customer_add(&t->ctx, &cases[i].in, NULL, &t->err);
        if (rc != cases[i].code || !strstr(t->err.msg, cases[i].msg) ||
            strcmp(t->err.field, cases[i].field))
            fail_msg("case %zu: rc %d field '%s' msg '%s'", i, rc, t->err.field, t->err.msg);
        /* the full ID number never appears in a message */
        assert_null(strstr(t->err.msg, "110105194912310021"));
    }
    struct collect c;
    OK(search(t, CS_ANY, NULL, NULL, &c));
    assert_int_equal(c.n, 1);
}

static void test_search(void **state)
{
    struct testdb *t = *state;
    make_orgs(t);
    add(t, "3300000001", "张三", "HZ-TL-FS", "13800138000", "11010519491231002X");
    add(t, "3300000002", "桐庐恒通纺织有限公司", "HZ-TL-FS", "0571-82345678", NULL);
    add(t, "3300000003", "张小明", "NB", "13900139000", NULL);
    add(t, "3301000001", "王五", "NB", NULL, NULL);
    struct collect c;

    OK(search(t, CS_CUST_NO, "3300000002", NULL, &c));
    assert_int_equal(c.n, 1);
    struct customer_query q = { .by = CS_CUST_NO, .text = "3300", .prefix = true };
    memset(&c, 0, sizeof(c));
    OK(customer_search(&t->ctx, &q, collect_fn, &c, NULL, &t->err));
    assert_int_equal(c.n, 3);
    OK(search(t, CS_NAME, "张", NULL, &c));
    assert_int_equal(c.n, 2);
    OK(search(t, CS_NAME, "张", "HZ", &c)); /* scoped to 杭州's subtree */
    assert_int_equal(c.n, 1);
    assert_string_equal(c.nos[0], "3300000001");
    OK(search(t, CS_NAME, "有限公司", NULL, &c));
    assert_int_equal(c.n, 1);
    assert_string_equal(c.nos[0], "3300000002");
    OK(search(t, CS_NAME, "纺织有", NULL, &c));
    assert_int_equal(c.n, 1);
    OK(search(t, CS_NAME, "小明", NULL, &c)); /* two characters: the bigram index on SQLite */
    assert_int_equal(c.n, 1);
    assert_string_equal(c.nos[0], "3300000003");
    OK(search(t, CS_NAME, "明张", NULL, &c)); /* bigrams of different names do not join */
    assert_int_equal(c.n, 0);
    struct customer_in rename = { .name = "赵小红" };
    OK(customer_update(&t->ctx, "3300000003", &rename, NULL, &t->err));
    OK(search(t, CS_NAME, "小明", NULL, &c)); /* the index follows a rename */
    assert_int_equal(c.n, 0);
    OK(search(t, CS_NAME, "小红", NULL, &c));
    assert_int_equal(c.n, 1);
    OK(search(t, CS_NAME, "100%", NULL, &c)); /* wildcards are literal */
    assert_int_equal(c.n, 0);
    OK(search(t, CS_ADDRESS, "青年路", NULL, &c));
    assert_int_equal(c.n, 4);
    OK(search(t, CS_PHONE, "139 0013 9000", NULL, &c));
    assert_int_equal(c.n, 1);
    assert_string_equal(c.nos[0], "3300000003");
    OK(search(t, CS_PHONE, "057182345678", NULL, &c));
    assert_int_equal(c.n, 1);
    OK(search(t, CS_ID_NO, "11010519491231002x", NULL, &c));
    assert_int_equal(c.n, 1);
    assert_int_equal(search(t, CS_NAME, "", NULL, &c), ERR_INVALID);
    assert_int_equal(search(t, CS_CUST_NO, "33x", NULL, &c), ERR_INVALID);

    /* keyset pagination: pages of 2 cover everything once, in order */
    const char *after = NULL, *next = NULL;
    char seen[8][16];
    int n = 0;
    do {
        struct collect page = { 0 };
        struct customer_query pq = { .by = CS_ANY, .limit = 2, .after = after };
        OK(customer_search(&t->ctx, &pq, collect_fn, &page, &next, &t->err));
        for (int i = 0; i < page.n; i++)
            snprintf(seen[n++], 16, "%s", page.nos[i]);
        after = next;
    } while (next && n < 8);
    assert_int_equal(n, 4);
    assert_string_equal(seen[0], "3300000001");
    assert_string_equal(seen[3], "3301000001");
}

/* Import customers from CSV text (on PostgreSQL new rows go through binary COPY). */
static void import_csv(struct testdb *t, const char *csv, int64_t created)
{
    struct csv_reader r;
    struct import_result res;
    struct import_opts o = { .csv = CSV_OPTIONS_INIT, .source = "test.csv" };
    memset(&res, 0, sizeof(res));
    OK(csv_open_mem(&r, csv, strlen(csv), &o.csv, &t->err));
    OK(archive_import(&t->ctx, ARCHIVE_CUSTOMERS, &r, &o, &res, &t->err));
    csv_close(&r);
    assert_int_equal(res.created, created);
    import_result_release(&res);
}

/*
 * Names of two characters or more are found through the bigram index on both backends, so
 * every path that writes a name must index it: a bulk import (PostgreSQL: binary COPY of
 * name_grams), an import into a table that has rows, an insert and a rename (name_grams bound
 * as an array literal). Names with quotes and backslashes exercise both array forms.
 */
static void test_search_two_characters(void **state)
{
    struct testdb *t = *state;
    make_orgs(t);
    const char *head = "cust_no,name,user_type,voltage,address,org,opened_on\n";
    char csv[1024];
    snprintf(csv, sizeof(csv),
             "%s3300000001,张三,resident,220V,青年路1号,HZ,2020-01-01\n"
             "3300000002,王伟,resident,220V,青年路2号,HZ,2020-01-01\n"
             "3300000003,李,resident,220V,青年路3号,NB,2020-01-01\n"
             "3300000004,\"a\"\"b\\c 商行\",general_ci,380V,青年路4号,NB,2020-01-01\n",
             head);
    import_csv(t, csv, 4); /* into an empty table: the bulk load */
    snprintf(csv, sizeof(csv), "%s3300000005,欧阳王伟,resident,220V,青年路5号,NB,2020-01-01\n",
             head);
    import_csv(t, csv, 1); /* into a table with rows */
    add(t, "3300000006", "x{y}z,\"w\"", "HZ", NULL, NULL);
    struct collect c;

    OK(search(t, CS_NAME, "张三", NULL, &c));
    assert_int_equal(c.n, 1);
    assert_string_equal(c.nos[0], "3300000001");
    OK(search(t, CS_NAME, "王伟", NULL, &c)); /* in order of 户号 */
    assert_int_equal(c.n, 2);
    assert_string_equal(c.nos[0], "3300000002");
    assert_string_equal(c.nos[1], "3300000005");
    OK(search(t, CS_NAME, "王伟", "HZ", &c)); /* and scoped */
    assert_int_equal(c.n, 1);
    OK(search(t, CS_NAME, "欧阳王", NULL, &c));
    assert_int_equal(c.n, 1);
    OK(search(t, CS_NAME, "阳伟", NULL, &c)); /* the bigrams of 欧阳王伟 but not in a row */
    assert_int_equal(c.n, 0);
    OK(search(t, CS_NAME, "李", NULL, &c)); /* one character: no index */
    assert_int_equal(c.n, 1);
    OK(search(t, CS_NAME, "\"b", NULL, &c));
    assert_int_equal(c.n, 1);
    assert_string_equal(c.nos[0], "3300000004");
    OK(search(t, CS_NAME, "b\\c 商", NULL, &c));
    assert_int_equal(c.n, 1);
    OK(search(t, CS_NAME, "{y}", NULL, &c));
    assert_int_equal(c.n, 1);
    assert_string_equal(c.nos[0], "3300000006");
    OK(search(t, CS_NAME, "\"w\"", NULL, &c));
    assert_int_equal(c.n, 1);

    /* renames: an imported customer, and to a name of one character and back */
    struct customer_in rename = { .name = "赵丽" };
    OK(customer_update(&t->ctx, "3300000001", &rename, NULL, &t->err));
    OK(search(t, CS_NAME, "张三", NULL, &c));
    assert_int_equal(c.n, 0);
    OK(search(t, CS_NAME, "赵丽", NULL, &c));
    assert_int_equal(c.n, 1);
    assert_string_equal(c.nos[0], "3300000001");
    rename.name = "周";
    OK(customer_update(&t->ctx, "3300000003", &rename, NULL, &t->err));
    rename.name = "周杰";
    OK(customer_update(&t->ctx, "3300000003", &rename, NULL, &t->err));
    OK(search(t, CS_NAME, "周杰", NULL, &c));
    assert_int_equal(c.n, 1);
    assert_string_equal(c.nos[0], "3300000003");
    OK(customer_close(&t->ctx, "3300000003", "2025-06-01", &t->err)); /* rewrites the row */
    OK(search(t, CS_NAME, "周杰", NULL, &c));
    assert_int_equal(c.n, 1);
}

static void test_meters(void **state)
{
    struct testdb *t = *state;
    make_orgs(t);
    add(t, "3300000001", "张三", "HZ-TL-FS", NULL, NULL);
    add(t, "3300000002", "李四", "HZ-TL-FS", NULL, NULL);
    struct account a;
    struct account_in ai = { .cust_no = "3300000001",
                             .tariff_code = "LI-2PART",
                             .capacity_kva = "315",
                             .pf_standard = "0.90",
                             .cycle_day = "5",
                             .bank_account = "6222021234567890128" };
    assert_int_equal(account_add(&t->ctx, &ai, &a, &t->err), ERR_INVALID); /* not loaded */
    assert_non_null(strstr(t->err.msg, "unknown tariff 'LI-2PART'"));
    testdb_tariff(t, "LI-2PART");
    OK(account_add(&t->ctx, &ai, &a, &t->err));
    assert_string_equal(a.account_no, "330000000101");
    assert_int_equal(a.capacity_va, 315000);
    assert_int_equal(a.pf_standard, 90);
    assert_string_equal(a.bank_account_masked, "6222***********0128"); /* one star a digit */
    ai.cust_no = "3300000002";
    OK(account_add(&t->ctx, &ai, NULL, &t->err));

    struct meter m;
    struct meter_in mi = { .asset_no = "M1",
                           .model = "DTZY341",
                           .phases = "3",
                           .ct_ratio = "100/5",
                           .pt_ratio = "10000/100",
                           .registers = "valley,total,peak,reactive" };
    OK(meter_add(&t->ctx, &mi, &m, &t->err));
    assert_int_equal(m.multiplier, 2000);
    assert_string_equal(m.registers, "total,peak,valley,reactive");
    mi.asset_no = "M2";
    mi.ct_ratio = "75/4";
    assert_int_equal(meter_add(&t->ctx, &mi, NULL, &t->err), ERR_INVALID);
    assert_string_equal(t->err.field, "ct_ratio");
    mi.ct_ratio = NULL;
    mi.pt_ratio = NULL;
    OK(meter_add(&t->ctx, &mi, NULL, &t->err));

    OK(meter_install(&t->ctx, "M1", "330000000101", NULL, "2025-01-01", "total=100.5,peak=40",
                     &t->err));
    assert_int_equal(
        meter_install(&t->ctx, "M1", "330000000201", NULL, "2025-01-02", NULL, &t->err),
        ERR_CONFLICT);
    assert_non_null(strstr(t->err.msg, "already installed on service point '3300000001011'"));
    assert_int_equal(
        meter_install(&t->ctx, "M2", "330000000101", NULL, "2025-01-02", NULL, &t->err),
        ERR_CONFLICT);
    assert_int_equal(
        meter_install(&t->ctx, "M2", "330000000101", NULL, "2025-01-02", "sharp=1", &t->err),
        ERR_INVALID);
    assert_int_equal(customer_close(&t->ctx, "3300000001", NULL, &t->err), ERR_CONFLICT);
    assert_int_equal(meter_remove(&t->ctx, "M1", "2024-12-31", NULL, &t->err), ERR_INVALID);
    OK(meter_replace(&t->ctx, "M1", "M2", "2025-03-01", "total=250,peak=90,valley=60", "total=0",
                     &t->err));
    OK(meter_get(&t->ctx, "M1", &m, &t->err));
    assert_string_equal(m.status, "removed");
    assert_null(m.sp_no);
    OK(meter_get(&t->ctx, "M2", &m, &t->err));
    assert_string_equal(m.account_no, "330000000101");
    assert_string_equal(m.installed_on, "2025-03-01");
}

static int count_audit(void *arg, const struct audit_row *r)
{
    UNUSED(r);
    (*(int *)arg)++;
    return 0;
}

static void test_audit_chain(void **state)
{
    struct testdb *t = *state;
    make_orgs(t);
    add(t, "3300000001", "张三", "HZ-TL-FS", "13800138000", NULL);
    int64_t n, bad;
    OK(audit_verify(&t->ctx, &n, &bad, &t->err));
    assert_int_equal(n, 7);
    int rows = 0;
    struct audit_filter f = { .entity = "customer" };
    OK(audit_list(&t->ctx, &f, count_audit, &rows, &t->err));
    assert_int_equal(rows, 1);

    OK(store_exec_script(t->db, "UPDATE audit_log SET actor = 'mallory' WHERE id = 3", &t->err));
    assert_int_equal(audit_verify(&t->ctx, &n, &bad, &t->err), ERR_CORRUPT);
    assert_int_equal(bad, 3);
    assert_non_null(strstr(t->err.msg, "row 3"));
    OK(store_exec_script(t->db, "UPDATE audit_log SET actor = 'tester' WHERE id = 3", &t->err));
    OK(audit_verify(&t->ctx, &n, &bad, &t->err));

    OK(store_exec_script(t->db, "DELETE FROM audit_log WHERE id = 7", &t->err));
    assert_int_equal(audit_verify(&t->ctx, &n, &bad, &t->err), ERR_CORRUPT);
    assert_int_equal(bad, 7);
    OK(store_exec_script(t->db, "DELETE FROM audit_log WHERE id = 4", &t->err));
    assert_int_equal(audit_verify(&t->ctx, &n, &bad, &t->err), ERR_CORRUPT);
    assert_int_equal(bad, 4);
}

static void test_rekey(void **state)
{
    struct testdb *t = *state;
    make_orgs(t);
    add(t, "3300000001", "张三", "HZ-TL-FS", "13800138000", "11010519491231002X");
    add(t, "3300000002", "李四", "HZ-TL-FS", "13900139000", NULL);
    char path[300];
    uint32_t id;
    snprintf(path, sizeof(path), "%s/pmis.keys", t->dir);
    OK(keyring_add_key(path, t->keys, &id, &t->err));
    assert_int_equal(id, 2);
    struct rekey_stats st;
    OK(rekey_all(&t->ctx, &st, &t->err));
    assert_int_equal(st.rows_seen, 2);
    assert_int_equal(st.values_reencrypted, 3);
    OK(rekey_all(&t->ctx, &st, &t->err));
    assert_int_equal(st.values_reencrypted, 0);
    struct strbuf sb = STRBUF_INIT;
    OK(customer_reveal(&t->ctx, "3300000001", CUSTOMER_ID_NO, "check", &sb, &t->err));
    assert_string_equal(sb.buf, "11010519491231002X");
    strbuf_release(&sb);
    struct collect c;
    OK(search(t, CS_PHONE, "13900139000", NULL, &c)); /* the blind index survives rotation */
    assert_int_equal(c.n, 1);
}

/* The export's checks alone (archive_export_check, the API's check=true): the refusals and
 * fields archive_export gives for the same options, the subtree it would hold, and nothing
 * written (no audit row); archive_export still writes and audits. */
static void test_export_check(void **state)
{
    struct testdb *t = *state;
    make_orgs(t);
    add(t, "3300000001", "张三", "HZ-TL-FS", "13800138000", NULL);
    int64_t hz, tl, scope, audits, n, bad;
    OK(ctx_org_id(&t->ctx, "HZ", &hz, &t->err));
    OK(ctx_org_id(&t->ctx, "HZ-TL", &tl, &t->err));
    uint64_t reader = PERM_BIT(PERM_CUSTOMER_READ), both = reader | PERM_BIT(PERM_PII_READ);
    static const struct {
        const char *org;
        bool with_pii, pii_read;
        int rc;
        const char *field, *msg;
    } cases[] = {
        { NULL, true, false, ERR_FORBIDDEN, "with_pii",
          "with_pii=true needs permission 'pii:read': without it the export is masked" },
        { "NB", false, false, ERR_NOT_FOUND, "org", "unknown org unit 'NB'" },
        { "NO-SUCH", true, true, ERR_NOT_FOUND, "org", "unknown org unit 'NO-SUCH'" },
        { "", false, false, ERR_INVALID, "org", "org unit is missing" },
        { "NB", true, false, ERR_FORBIDDEN, "with_pii", NULL }, /* pii first, as the export */
        { NULL, false, false, 0, NULL, NULL },
        { "HZ-TL", true, true, 0, NULL, NULL },
    };
    t->ctx.scope_org_id = hz;
    OK(audit_verify(&t->ctx, &audits, &bad, &t->err));
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        uint64_t perms = cases[i].pii_read ? both : reader;
        struct export_opts o = { .org_code = cases[i].org, .with_pii = cases[i].with_pii };
        t->ctx.caller_perms = &perms;
        err_clear(&t->err);
        int rc = archive_export_check(&t->ctx, &o, &scope, &t->err);
        if (rc != cases[i].rc || (cases[i].field && strcmp(t->err.field, cases[i].field)) ||
            (cases[i].msg && strcmp(t->err.msg, cases[i].msg)))
            fail_msg("case %zu: rc %d field '%s' msg '%s'", i, rc, t->err.field, t->err.msg);
        if (!rc)
            assert_int_equal(scope, cases[i].org ? tl : hz);
        /* the export itself refuses with the same error before writing a byte */
        char check_msg[sizeof(t->err.msg)], check_field[sizeof(t->err.field)];
        snprintf(check_msg, sizeof(check_msg), "%s", t->err.msg);
        snprintf(check_field, sizeof(check_field), "%s", t->err.field);
        FILE *fp = tmpfile();
        assert_non_null(fp);
        struct csv_writer w;
        int64_t rows;
        err_clear(&t->err);
        OK(csv_writer_init_fp(&w, fp, NULL, &t->err));
        int xrc = archive_export(&t->ctx, ARCHIVE_CUSTOMERS, &w, &o, &rows, &t->err);
        csv_writer_release(&w);
        long size = ftell(fp);
        fclose(fp);
        assert_int_equal(xrc, rc);
        if (rc) {
            assert_string_equal(t->err.msg, check_msg);
            assert_string_equal(t->err.field, check_field);
            assert_int_equal(size, 0);
        } else
            assert_int_equal(rows, 1);
    }
    t->ctx.caller_perms = NULL;
    OK(audit_verify(&t->ctx, &n, &bad, &t->err));
    assert_int_equal(n, audits + 1); /* the one export in clear; the checks wrote none */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_org_tree, testdb_setup, testdb_teardown),
        cmocka_unit_test_setup_teardown(test_customer_lifecycle, testdb_setup, testdb_teardown),
        cmocka_unit_test_setup_teardown(test_customer_bad_input, testdb_setup, testdb_teardown),
        cmocka_unit_test_setup_teardown(test_search, testdb_setup, testdb_teardown),
        cmocka_unit_test_setup_teardown(test_search_two_characters, testdb_setup, testdb_teardown),
        cmocka_unit_test_setup_teardown(test_meters, testdb_setup, testdb_teardown),
        cmocka_unit_test_setup_teardown(test_audit_chain, testdb_setup, testdb_teardown),
        cmocka_unit_test_setup_teardown(test_rekey, testdb_setup, testdb_teardown),
        cmocka_unit_test_setup_teardown(test_export_check, testdb_setup, testdb_teardown),
    };
    return cmocka_run_group_tests_name("archive", tests, NULL, NULL);
}
