/*
 * Satisfaction surveys (满意度回访, manual 6.3; issue 6 §6): one callback answer per closed
 * (archived) work order — 满意 / 基本满意 / 不满意 with a comment and, optionally, a score 1-5 on
 * every dimension of the survey template in force (templates and their weights are versioned
 * data, migration 0017; survey_template.c). A dissatisfied answer opens a follow-up order
 * through ticket_add() in the same transaction, linked both ways by events (survey.c). Sampling
 * campaigns draw a reproducible sample of a month's archived orders (survey_campaign.c); the
 * figures are CSAT and CSI by org, type, dimension and period against the configured targets
 * (survey_report.c; doc/satisfaction.md). Strings returned live in the ctx arena. Called by
 * cli/cmd_survey*.c and api/api_survey.c.
 */
#ifndef PMIS_SURVEY_H
#define PMIS_SURVEY_H

#include "domain/ctx.h"

#define SURVEY_DIMS_MAX 16

struct survey_score {
    const char *dimension;
    int64_t score; /* 1..5 */
};

struct survey_in {
    int64_t ticket_id;
    const char *result;   /* satisfied | basically_satisfied | dissatisfied */
    const char *comment;  /* required for dissatisfied (what the customer is unhappy about) */
    const char *channel;  /* how the customer was reached (code list ticket_channel); NULL = phone */
    const char *template_code; /* NULL = "callback" */
    struct survey_score scores[SURVEY_DIMS_MAX];
    size_t nscores;       /* 0, or every dimension of the template */
};

struct survey_response {
    int64_t id, ticket_id, follow_up_id, answered_at, template_version;
    const char *result, *result_zh, *comment, *channel, *period, *recorded_by;
    const char *org_code, *type, *cust_no, *template_code;
    struct survey_score scores[SURVEY_DIMS_MAX];
    size_t nscores;
};

/**
 * Record the callback answer for order in->ticket_id (in the ctx's org scope) at ctx "now".
 * The order must be archived (ERR_CONFLICT naming its state otherwise); a second answer for
 * the same order is refused with ERR_CONFLICT naming the first, except the very same answer
 * again, which changes nothing and sets *duplicate. ERR_INVALID names a bad result, channel,
 * dimension or score, scores that miss a dimension of the template, or a dissatisfied answer
 * without a comment. A dissatisfied answer opens a follow-up order (same type, subtype,
 * severity, area, caller and responsible unit; ticket_add) whose id is in out->follow_up_id.
 * One transaction: the answer, its scores, the follow-up order, the events on both orders and
 * the audit rows commit or vanish together. `out` may be NULL.
 */
int survey_record(struct ctx *c, const struct survey_in *in, struct survey_response *out,
                  bool *duplicate, struct err *err);

/** The answer for order `ticket_id`: 0 with *found, or 0 and !*found when there is none. */
int survey_get(struct ctx *c, int64_t ticket_id, struct survey_response *out, bool *found,
               struct err *err);

struct survey_filter {
    const char *period, *result, *type, *org_code; /* NULL: any */
    const char *cust_no; /* only answers about this customer's orders (ERR_NOT_FOUND outside scope) */
    int64_t after_id, limit;                       /* keyset on the answer id; limit 0 = 100 */
};
typedef int survey_fn(void *arg, const struct survey_response *r);
/** Answers in the ctx's scope (and org_code's subtree), oldest first, each with its scores. */
int survey_list(struct ctx *c, const struct survey_filter *f, survey_fn *fn, void *arg,
                struct err *err);

struct survey_dim {
    const char *dimension, *name_zh, *question_zh;
    int64_t weight;
};
struct survey_template {
    int64_t id, version;
    const char *code, *name_zh, *effective_on;
    struct survey_dim dims[SURVEY_DIMS_MAX];
    size_t ndims;
};
/** The version of template `code` in force on `day` (ERR_NOT_FOUND naming both otherwise). */
int survey_template_get(struct ctx *c, const char *code, struct date day,
                        struct survey_template *out, struct err *err);
typedef int survey_template_fn(void *arg, const struct survey_template *t);
/** Every template version, by code and version. */
int survey_templates(struct ctx *c, survey_template_fn *fn, void *arg, struct err *err);

/**
 * Add the next version of template in->code (version 1 when new) with in->name_zh, in force
 * from in->effective_on ("YYYY-MM-DD", after the latest version's first day: ERR_CONFLICT
 * otherwise) and in->dims (known dimensions, each once, weights adding up to 100; the questions
 * come from the dimension names); *version is the new version. ERR_INVALID names a bad field.
 * Audited, one transaction.
 */
int survey_template_add(struct ctx *c, const struct survey_template *in, int64_t *version,
                        struct err *err);

/* ---- sampling campaigns (survey_campaign.c) ---- */

struct survey_campaign_in {
    const char *name, *org_code, *type, *template_code; /* type NULL: any; template NULL: callback */
    struct period period;                               /* orders archived in this month */
    int64_t sample_pct, sample_n;                       /* exactly one of them > 0 */
    int64_t seed;                                       /* any value; the same value, same sample */
};
struct survey_campaign {
    int64_t id, sample_pct, sample_n, seed, population, sampled, answered, created_at;
    const char *name, *org_code, *type, *period, *created_by, *template_code;
    int64_t template_version;
};

/**
 * Draw a campaign: the archived orders (archived_at inside the month in the business zone)
 * with a customer, responsible unit in org_code's subtree (in the ctx scope) and of `type`,
 * ranked by a 64-bit mix of (seed, order id) and the first n kept, n = sample_n or
 * ceil(population × sample_pct / 100) (at most the population). The same inputs and seed
 * always draw the same orders. ERR_INVALID names a bad field; ERR_NOT_FOUND an unknown org.
 * One transaction with its audit row. out->id is the new campaign.
 */
int survey_campaign_create(struct ctx *c, const struct survey_campaign_in *in,
                           struct survey_campaign *out, struct err *err);

/** One campaign in the ctx's scope; ERR_NOT_FOUND "no survey campaign N" otherwise. */
int survey_campaign_get(struct ctx *c, int64_t id, struct survey_campaign *out, struct err *err);

typedef int survey_campaign_fn(void *arg, const struct survey_campaign *k);
/** Every campaign in the ctx's scope, oldest first. */
int survey_campaign_list(struct ctx *c, survey_campaign_fn *fn, void *arg, struct err *err);

struct survey_campaign_filter {
    const char *period, *org_code; /* NULL: any; org_code: its subtree (ERR_NOT_FOUND outside) */
    int64_t after_id, limit;       /* keyset on the campaign id; limit 0 = no limit */
};
/** One page of the campaigns in the ctx's scope matching `f`, oldest first. */
int survey_campaign_page(struct ctx *c, const struct survey_campaign_filter *f,
                         survey_campaign_fn *fn, void *arg, struct err *err);

struct survey_call {
    int64_t draw, ticket_id, answered_at;
    const char *type, *cust_no, *customer, *org_code, *result; /* result NULL: not yet called */
};
typedef int survey_call_fn(void *arg, const struct survey_call *k);
/** The orders campaign `id` drew, in draw order, with their answer if any. */
int survey_campaign_calls(struct ctx *c, int64_t id, survey_call_fn *fn, void *arg,
                          struct err *err);

/** The 64-bit mix of (seed, id) that orders a sample (splitmix64 of seed ^ mix(id)). Pure. */
uint64_t survey_draw_key(int64_t seed, int64_t id);

/* ---- figures (survey_report.c) ---- */

enum survey_by { SURVEY_BY_ORG, SURVEY_BY_TYPE, SURVEY_BY_DIMENSION, SURVEY_BY_PERIOD };

struct survey_targets {
    int64_t overall_pct, complaint_pct; /* survey.target_pct, survey.complaint_target_pct */
};

struct survey_fig {
    const char *key, *name; /* org code, type, dimension or period; "total" / "complaints" */
    int64_t responses, satisfied, basic, dissatisfied;
    int64_t csat_bp;  /* (satisfied + basic) / responses, basis points half up; -1 when none */
    int64_t scored;   /* answers with scores */
    int64_t csi_x100; /* weighted index 0..100 in hundredths, half up; -1 when none scored */
    int64_t target_pct; /* the CSAT target this row is held to; 0 for dimension rows */
    int missed;         /* 1 when csat_bp < target, 0 when met, -1 when no answers */
    bool dimension;     /* a dimension row: responses = scored, only csi_x100 applies */
};
typedef int survey_fig_fn(void *arg, const struct survey_fig *f);

/**
 * CSAT and CSI of the answers of months from..to (their `period`), in org_code's subtree (NULL:
 * the ctx's scope, or everything), by org unit (each rolling up its subtree), order type,
 * dimension (responses = answers scoring it, csi_x100 = its index) or month. After the rows,
 * two more: "total" (held to targets.overall_pct) and "complaints" (answers about complaint
 * orders, held to targets.complaint_pct). Type rows of complaints are held to the complaint
 * target, every other row to the overall one.
 */
int survey_report(struct ctx *c, struct period from, struct period to, const char *org_code,
                  enum survey_by by, const struct survey_targets *targets, survey_fig_fn *fn,
                  void *arg, struct err *err);

/** CSAT in basis points: (good × 10000) / n rounded half up; -1 for n = 0. Pure. */
int64_t survey_csat_bp(int64_t good, int64_t n);
/**
 * CSI in hundredths from Σ weight × (score − 1) over n scored answers (weights of a template
 * add up to 100): Σ × 25 / n rounded half up; -1 for n = 0. Pure.
 */
int64_t survey_csi_x100(int64_t weighted_sum, int64_t n);

#endif
