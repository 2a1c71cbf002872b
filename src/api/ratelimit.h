/*
 * Per-client rate limits of `pmis serve` (login attempts per address), as GCRA: one
 * "theoretical arrival time" per key makes a token bucket of `burst` requests refilled at
 * `per_minute`. Keys live in a fixed table (RATELIMIT_SLOTS); a key whose bucket is full again
 * is forgotten, and when the table is full of limited keys the stalest gives way. In-process:
 * each server limits on its own, which suits what it protects (the process's own Argon2id
 * work); the per-user lockout, in the database, is shared by all servers. Thread-safe.
 */
#ifndef PMIS_API_RATELIMIT_H
#define PMIS_API_RATELIMIT_H

#include <stdint.h>

#define RATELIMIT_SLOTS 4096
#define RATELIMIT_KEY_MAX 64

struct ratelimit;

/** A limiter of `burst` (≥ 1) requests refilled at `per_minute` (≥ 1) per key. Caller frees. */
struct ratelimit *ratelimit_new(int64_t per_minute, int64_t burst);
void ratelimit_free(struct ratelimit *rl);

/**
 * Take one request for `key` (cut to RATELIMIT_KEY_MAX - 1 bytes) at `now_us`: 0 when allowed,
 * else the whole seconds (≥ 1) until the next one would be, and nothing is taken.
 */
int64_t ratelimit_take(struct ratelimit *rl, const char *key, int64_t now_us);

#endif
