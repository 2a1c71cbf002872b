/*
 * The system and fixed clocks, and PMIS_NOW for tests (see clock.h). Called once at start-up
 * to build the context's clock.
 */
#include "core/common.h"
#include "core/clock.h"
#include "core/date.h"

static int64_t system_now(const struct clock *c)
{
    struct timespec ts;
    UNUSED(c);
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * US_PER_SEC + ts.tv_nsec / 1000;
}

static int64_t fixed_now(const struct clock *c)
{
    return c->fixed_us;
}

struct clock clock_system(void)
{
    return (struct clock){system_now, 0};
}

struct clock clock_fixed(int64_t us)
{
    return (struct clock){fixed_now, us};
}

int clock_from_env(struct clock *c, struct err *err)
{
    const char *s = getenv("PMIS_NOW");
    struct err e = ERR_INIT;
    int64_t us;

    if (!s || !*s) {
        *c = clock_system();
        return 0;
    }
    if (instant_parse(s, &us, &e) < 0)
        return error(err, ERR_CONFIG, "PMIS_NOW: %s", e.msg);
    *c = clock_fixed(us);
    return 0;
}
