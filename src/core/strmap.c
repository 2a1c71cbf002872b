/*
 * strmap: linear probing, grown at 50 % load.
 */
#include "core/common.h"
#include "core/strmap.h"
#include "core/xalloc.h"

struct strmap_slot {
    char *key;
    uint64_t hash;
    int64_t val;
};

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static struct strmap_slot *find(const struct strmap *m, const char *key, uint64_t h)
{
    size_t i = h & (m->cap - 1);
    while (m->slots[i].key && (m->slots[i].hash != h || strcmp(m->slots[i].key, key)))
        i = (i + 1) & (m->cap - 1);
    return &m->slots[i];
}

bool strmap_get(const struct strmap *m, const char *key, int64_t *val)
{
    if (!m->cap)
        return false;
    struct strmap_slot *s = find(m, key, fnv1a(key));
    if (!s->key)
        return false;
    if (val)
        *val = s->val;
    return true;
}

static void grow(struct strmap *m)
{
    struct strmap old = *m;
    m->cap = old.cap ? old.cap * 2 : 16;
    m->slots = xcalloc(m->cap, sizeof(*m->slots));
    for (size_t i = 0; i < old.cap; i++)
        if (old.slots[i].key)
            *find(m, old.slots[i].key, old.slots[i].hash) = old.slots[i];
    free(old.slots);
}

void strmap_put(struct strmap *m, const char *key, int64_t val)
{
    if ((m->n + 1) * 2 > m->cap)
        grow(m);
    uint64_t h = fnv1a(key);
    struct strmap_slot *s = find(m, key, h);
    if (!s->key) {
        s->key = xstrdup(key);
        s->hash = h;
        m->n++;
    }
    s->val = val;
}

void strmap_release(struct strmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->slots[i].key);
    free(m->slots);
    m->slots = NULL;
    m->cap = m->n = 0;
}
