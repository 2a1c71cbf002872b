/*
 * Allocation that never returns NULL: out of memory aborts the process, so callers need no
 * checks. Sizes are checked for multiplication overflow.
 */
#ifndef PMIS_XALLOC_H
#define PMIS_XALLOC_H

#include "core/common.h"

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/** xrealloc of nmemb * size with an overflow check. */
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/** Caller frees. */
char *xasprintf(const char *fmt, ...) PMIS_PRINTF(1, 2);

#endif
