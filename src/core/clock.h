/*
 * The source of "now". Nothing in core or the domain reads the system time directly: a
 * struct clock travels in the context, so tests (and PMIS_NOW) pin the current instant.
 * A clock is a small value, safe to copy and to share between threads.
 */
#ifndef PMIS_CLOCK_H
#define PMIS_CLOCK_H

#include "core/common.h"
#include "core/err.h"

struct clock {
    /* Current instant in µs since the Unix epoch, UTC. */
    int64_t (*now_us)(const struct clock *c);
    int64_t fixed_us; /* the instant a fixed clock returns */
};

/** The real-time clock (CLOCK_REALTIME). */
struct clock clock_system(void);
/** A clock that always returns `us`. */
struct clock clock_fixed(int64_t us);
/**
 * For start-up: a fixed clock at $PMIS_NOW if that is set (an ISO 8601 timestamp with Z or
 * an offset, e.g. "2025-01-24T16:00:00+08:00"), else the system clock. ERR_CONFIG if
 * PMIS_NOW is set but malformed (the message names the variable and value); *c is then left
 * unchanged. Reads the environment, so call it before starting threads.
 */
int clock_from_env(struct clock *c, struct err *err);

/** The clock's current instant. */
static inline int64_t clock_now(const struct clock *c)
{
    return c->now_us(c);
}

#endif
