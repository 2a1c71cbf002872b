/*
 * Fuzz target for the tariff file parser and engine (domain/tariff.h). Input: a tariff file.
 * Invariants: parsing never crashes and fails only with ERR_INVALID; an accepted tariff's
 * canonical JSON parses back to the same canonical JSON; quoting a fixed usage (registers and
 * demand filled in) either fails cleanly or gives total = sum of the lines.
 */
#include "core/common.h"
#include "domain/tariff.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tariff **v;
    size_t n;
    struct err e = ERR_INIT;
    int rc = tariff_parse_json_all((const char *)data, size, &v, &n, &e);
    if (rc) {
        CHECK(rc == ERR_INVALID, "parse returned %d: %s", rc, e.msg);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char *js = tariff_to_json(v[i]);
        struct tariff *t2;
        CHECK(tariff_parse_json(js, strlen(js), &t2, &e) == 0, "canonical JSON refused: %s", e.msg);
        char *js2 = tariff_to_json(t2);
        CHECK(!strcmp(js, js2), "canonical JSON not stable");
        free(js2);
        tariff_free(t2);
        free(js);
        struct usage u;
        usage_init(&u);
        u.period = (struct period){ 2024, 7 };
        u.has_tou = true;
        u.tou_wh[TOU_PEAK] = 123456;
        u.tou_wh[TOU_VALLEY] = 65432;
        u.capacity_va = 1000000;
        u.demand_w = 700000;
        u.contract_demand_w = 600000;
        u.has_reactive = true;
        u.reactive_varh = 99999;
        u.pf_standard = 85;
        u.ytd_wh = 2700000;
        struct quote q;
        if (tariff_quote(v[i], &u, &q, &e) == 0) {
            int64_t sum = 0;
            for (int k = 0; k < q.nlines; k++)
                sum += q.lines[k].amount_fen;
            CHECK(sum == q.total_fen, "total %" PRId64 " != sum %" PRId64, q.total_fen, sum);
        }
    }
    tariff_free_all(v, n);
    return 0;
}
