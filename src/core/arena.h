/*
 * Region allocator, after h2o's mem pool: each request, command or billing step owns an arena;
 * everything allocated from it is freed at once by arena_reset()/arena_release(), after the
 * cleanup hooks registered with arena_defer() have run (in reverse order). Not thread-safe.
 */
#ifndef PMIS_ARENA_H
#define PMIS_ARENA_H

#include "core/common.h"

struct arena_block;
struct arena_hook;

struct arena {
    struct arena_block *head;
    struct arena_hook *hooks;
    size_t used_total;
};

#define ARENA_INIT { NULL, NULL, 0 }

/** Zeroed memory aligned for any type, valid until the next reset. Never NULL. */
void *arena_alloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_sprintf(struct arena *a, const char *fmt, ...) PMIS_PRINTF(2, 3);
/** Run `fn(arg)` when the arena is reset or released. */
void arena_defer(struct arena *a, void (*fn)(void *), void *arg);
/** Run hooks, free all but the first block for reuse. */
void arena_reset(struct arena *a);
/** Run hooks and free everything. */
void arena_release(struct arena *a);

#endif
