/*
 * Output helpers shared by the commands that print instants (cmd_ticket*.c, cmd_outage.c,
 * cmd_apply.c, cmd_disconnect.c, cmd_outbox.c): instants in the business zone, a JSON list being
 * built, positive record numbers and the --at / --date instant of a command.
 */
#ifndef PMIS_CLI_OUT_H
#define PMIS_CLI_OUT_H

#include "cli/cli.h"
#include "core/date.h"

#include <errno.h>

struct out {
    struct cli *cli;
    struct tz tz;
    json_t *items;
};

static inline int out_init(struct cli *cli, struct out *o)
{
    o->cli = cli;
    o->items = json_array();
    return tz_load(cli->ctx.zone_name, &o->tz, &cli->err);
}

static inline void out_release(struct out *o)
{
    tz_release(&o->tz);
    json_decref(o->items);
}

/* An instant in the business zone, "-" for none (b: INSTANT_BUF_SIZE bytes). */
static inline const char *when(struct out *o, int64_t us, char *b)
{
    return us ? instant_format_tz(us, &o->tz, b) : "-";
}

/* An instant in the business zone `tz` as JSON, null for none: the CLI's api_time_fn. */
static inline json_t *cli_time_local(int64_t us, void *tz)
{
    char b[INSTANT_BUF_SIZE];
    return us ? json_string(instant_format_tz(us, tz, b)) : json_null();
}

static inline json_t *jwhen(struct out *o, int64_t us)
{
    return cli_time_local(us, &o->tz);
}

/* A positive record number; ERR_USAGE "'x' is not <what>" otherwise. */
static inline int cli_parse_number(struct cli *cli, const char *s, const char *what, int64_t *id)
{
    char *end;
    *id = 0;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || end == s || v <= 0)
        return error(&cli->err, ERR_USAGE, "'%s' is not %s", s, what);
    *id = v;
    return 0;
}

/* --at TIME (local or with offset) or --date D (as of the end of that local day); default now */
static inline int out_parse_at(struct cli *cli, struct out *o, const char *at, const char *date,
                               int64_t *us)
{
    if (at && date)
        return error(&cli->err, ERR_USAGE, "give --at or --date, not both");
    if (at)
        return instant_parse_local(at, &o->tz, us, &cli->err);
    if (date) {
        struct date d;
        int rc = date_parse(date, &d, &cli->err);
        if (!rc)
            *us = tz_day_start(&o->tz, date_add_days(d, 1)) - 1;
        return rc;
    }
    *us = ctx_now(&cli->ctx);
    return 0;
}

#endif
