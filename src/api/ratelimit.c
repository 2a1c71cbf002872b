/*
 * GCRA rate limiting (ratelimit.h). Per key, `tat` is when the bucket would be full again;
 * a request at `now` is allowed while tat - now ≤ (burst - 1) × interval, and moves tat one
 * interval on. Open addressing with short probes over a fixed table; no allocation per call.
 */
#include "core/common.h"
#include "core/xalloc.h"
#include "api/ratelimit.h"

#include <pthread.h>

#define PROBES 16

struct slot {
    char key[RATELIMIT_KEY_MAX];
    int64_t tat; /* µs; 0 = empty */
};

struct ratelimit {
    pthread_mutex_t mu;
    int64_t interval_us, tolerance_us;
    struct slot slots[RATELIMIT_SLOTS];
};

struct ratelimit *ratelimit_new(int64_t per_minute, int64_t burst)
{
    struct ratelimit *rl = xcalloc(1, sizeof(*rl));
    pthread_mutex_init(&rl->mu, NULL);
    rl->interval_us = 60 * INT64_C(1000000) / (per_minute > 0 ? per_minute : 1);
    rl->tolerance_us = (burst > 1 ? burst - 1 : 0) * rl->interval_us;
    return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->mu);
    free(rl);
}

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

int64_t ratelimit_take(struct ratelimit *rl, const char *key, int64_t now_us)
{
    char k[RATELIMIT_KEY_MAX];
    snprintf(k, sizeof(k), "%s", key);
    uint32_t h = hash(k);
    int64_t wait = 0;
    pthread_mutex_lock(&rl->mu);
    struct slot *hit = NULL, *free_slot = NULL, *stalest = NULL;
    for (uint32_t i = 0; i < PROBES; i++) {
        struct slot *s = &rl->slots[(h + i) % RATELIMIT_SLOTS];
        if (s->tat && !strcmp(s->key, k)) {
            hit = s;
            break;
        }
        /* empty, or full again (as good as new): reusable */
        if (!free_slot && s->tat <= now_us)
            free_slot = s;
        if (!stalest || s->tat < stalest->tat)
            stalest = s;
    }
    if (!hit) {
        hit = free_slot ? free_slot : stalest;
        snprintf(hit->key, sizeof(hit->key), "%s", k);
        hit->tat = 0;
    }
    int64_t tat = hit->tat > now_us ? hit->tat : now_us;
    if (tat - now_us > rl->tolerance_us) {
        int64_t us = tat - now_us - rl->tolerance_us;
        wait = (us + 999999) / 1000000;
    } else {
        hit->tat = tat + rl->interval_us;
    }
    pthread_mutex_unlock(&rl->mu);
    return wait;
}
