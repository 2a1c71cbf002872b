/*
 * Intake of work orders (接单, see ticket.h): the request checked against the 95598 taxonomy and
 * code lists, the caller found by 户号 or by phone (blind index, one customer only) or left
 * anonymous, then one transaction with the order row, its create event and audit row
 * (ticket.c), its first clocks (ticket_sla.c) and the hooks of repeat complaints
 * (complaint.c) and outages (outage.c).
 */
#include "domain/ticket_int.h"

#include "core/common.h"
#include "domain/complaint.h"
#include "domain/customer.h"
#include "domain/outage.h"

#define TICKET_TEXT_MAX 4000

static int link_customer(struct ctx *c, const char *cust_no, int64_t *cust_id,
                         int64_t *org_id, struct err *err)
{
    struct customer cu;
    int ret = customer_get(c, cust_no, &cu, err);
    if (ret)
        return ret;
    *cust_id = cu.id;
    *org_id = cu.org_id;
    return 0;
}

static int count_customer(void *arg, const struct customer *cu)
{
    struct customer *v = arg;
    if (v[0].id == 0)
        v[0] = *cu;
    else
        v[1] = *cu;
    return 0;
}

static int find_by_phone(struct ctx *c, const char *phone, int64_t *cust_id, int64_t *org_id,
                         struct err *err)
{
    struct customer_query q = { .by = CS_PHONE, .text = phone, .limit = 2 };
    struct customer v[2];
    int ret;
    memset(v, 0, sizeof(v));
    if (!c->keys)
        return error(err, ERR_KEY, "finding a caller by phone needs the key file");
    if ((ret = customer_search(c, &q, count_customer, v, NULL, err)))
        return ret;
    if (!v[0].id)
        return error(err, ERR_NOT_FOUND, "no customer has the phone number given");
    if (v[1].id)
        return error(err, ERR_CONFLICT, "the phone number matches several customers (%s, %s, "
                     "...): give the 户号 with --cust", v[0].cust_no, v[1].cust_no);
    *cust_id = v[0].id;
    *org_id = v[0].org_id;
    return 0;
}

int ticket_find_caller(struct ctx *c, const char *cust_no, const char *phone, int64_t *cust_id,
                       int64_t *org_id, struct err *err)
{
    *cust_id = *org_id = 0;
    if (cust_no && phone)
        return error(err, ERR_USAGE, "give the caller's 户号 or phone, not both");
    if (phone)
        return find_by_phone(c, phone, cust_id, org_id, err);
    if (cust_no)
        return link_customer(c, cust_no, cust_id, org_id, err);
    return 0;
}

int ticket_add(struct ctx *c, const struct ticket_in *in, int64_t *id, struct err *err)
{
    int64_t cust_id = 0, org_id = 0, now = ctx_now(c);
    int ret;
    const char *text = ctx_trim(c, in->text);
    if (!text || !*text) {
        error(err, ERR_INVALID, "a work order needs the caller's request text");
        return err_field(err, "text");
    }
    if (strlen(text) > TICKET_TEXT_MAX)
        return error(err, ERR_INVALID, "the request text is over %d bytes", TICKET_TEXT_MAX);
    if (!in->type || !in->channel || !in->severity || !in->area)
        return error(err, ERR_INVALID, "a work order needs its type, channel, severity and area");
    if ((ret = ticket_type_get(c, in->type, "", NULL, NULL, err)) ||
        (in->subtype && (ret = ticket_type_get(c, in->type, in->subtype, NULL, NULL, err))) ||
        (ret = ctx_check_code(c, "channel", "ticket_channel", in->channel, err)) ||
        (ret = ctx_check_code(c, "severity", "ticket_severity", in->severity, err)) ||
        (ret = ctx_check_code(c, "area", "ticket_area", in->area, err)))
        return ret;
    if ((ret = ticket_find_caller(c, in->cust_no, in->phone, &cust_id, &org_id, err)))
        return ret;
    if (in->org_code && (ret = ctx_org_id(c, in->org_code, &org_id, err)))
        return ret;
    if (!org_id)
        return error(err, ERR_INVALID, "an anonymous work order needs the responsible org unit");
    if ((ret = store_begin(c->db, err)))
        return ret;
    struct store_stmt *st = store_q(c->db, Q_TICKET_ADD);
    store_bind_text(st, 1, in->type);
    store_bind_text(st, 2, in->subtype ? in->subtype : "");
    store_bind_text(st, 3, in->channel);
    store_bind_text(st, 4, in->severity);
    store_bind_text(st, 5, in->area);
    if (cust_id)
        store_bind_i64(st, 6, cust_id);
    else
        store_bind_null(st, 6);
    store_bind_i64(st, 7, org_id);
    store_bind_text(st, 8, text);
    store_bind_i64(st, 9, now);
    store_bind_text(st, 10, c->actor);
    struct ticket t;
    if ((ret = store_one(st, err)))
        goto out;
    *id = store_col_i64(st, 0);
    store_reset(st);
    if (!(ret = ticket_get(c, *id, &t, err)) && !(ret = ticket_clocks_sync(c, &t, now, err)))
        ret = ticket_record(c, &t, "create", NULL, NULL, now, err);
    /* service centre part 2: repeat complaints, repair calls inside an outage */
    if (!ret && !(ret = complaint_intake(c, &t, now, err)))
        ret = outage_intake(c, &t, now, err);
out:
    return store_end(c->db, ret, err);
}
