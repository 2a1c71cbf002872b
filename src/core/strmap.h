/*
 * A string → int64 hash map (open addressing, FNV-1a) for lookup caches such as org code →
 * id during a million-row import. Keys are copied; the map owns them. Not thread-safe.
 */
#ifndef PMIS_STRMAP_H
#define PMIS_STRMAP_H

#include "core/common.h"

struct strmap_slot;

struct strmap {
    struct strmap_slot *slots;
    size_t cap, n;
};

#define STRMAP_INIT { NULL, 0, 0 }

/** Whether `key` is present; if so and `val` is not NULL, *val gets its value. */
bool strmap_get(const struct strmap *m, const char *key, int64_t *val);
/** Insert or overwrite. */
void strmap_put(struct strmap *m, const char *key, int64_t val);
void strmap_release(struct strmap *m);

#endif
