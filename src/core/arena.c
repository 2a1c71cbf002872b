/*
 * Arena: a chain of blocks, bump allocation, large requests get their own block.
 */
#include "core/common.h"
#include "core/arena.h"
#include "core/xalloc.h"

#define ARENA_BLOCK 8192
#define ARENA_ALIGN 16

struct arena_block {
    struct arena_block *next;
    size_t size, used;
    _Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena_hook {
    struct arena_hook *next;
    void (*fn)(void *);
    void *arg;
};

void *arena_alloc(struct arena *a, size_t n)
{
    n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (!n)
        n = ARENA_ALIGN;
    struct arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t size = n > ARENA_BLOCK / 2 ? n : ARENA_BLOCK;
        struct arena_block *nb = xmalloc(sizeof(*nb) + size);
        nb->size = size;
        nb->used = 0;
        if (b && size == n) {
            /* a big one-off: keep the current block at the head for further small requests */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            a->head = nb;
        }
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += n;
    a->used_total += n;
    memset(p, 0, n);
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = arena_alloc(a, len + 1);
    memcpy(p, s, len);
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return arena_strndup(a, s, SIZE_MAX);
}

char *arena_sprintf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = arena_alloc(a, (size_t)(n < 0 ? 0 : n) + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void arena_defer(struct arena *a, void (*fn)(void *), void *arg)
{
    struct arena_hook *h = arena_alloc(a, sizeof(*h));
    h->fn = fn;
    h->arg = arg;
    h->next = a->hooks;
    a->hooks = h;
}

static void run_hooks(struct arena *a)
{
    struct arena_hook *h = a->hooks;
    a->hooks = NULL;
    for (; h; h = h->next)
        h->fn(h->arg);
}

void arena_reset(struct arena *a)
{
    run_hooks(a);
    struct arena_block *b = a->head, *keep = NULL;
    while (b) {
        struct arena_block *next = b->next;
        if (!keep && b->size == ARENA_BLOCK) {
            keep = b;
            keep->used = 0;
        } else {
            free(b);
        }
        b = next;
    }
    if (keep)
        keep->next = NULL;
    a->head = keep;
    a->used_total = 0;
}

void arena_release(struct arena *a)
{
    arena_reset(a);
    free(a->head);
    a->head = NULL;
}
