/*
 * Included first by every pmis .c file: the standard headers everyone uses, then banned.h
 * (which must come after them), plus a few tiny macros.
 */
#ifndef PMIS_COMMON_H
#define PMIS_COMMON_H

#define _GNU_SOURCE 1

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define UNUSED(x) ((void)(x))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#if defined(__GNUC__)
#define PMIS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define PMIS_NORETURN __attribute__((noreturn))
#else
#define PMIS_PRINTF(f, a)
#define PMIS_NORETURN
#endif

/** Whether `s` is exactly `n` ASCII digits (户号, account numbers). */
static inline bool str_is_digits(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    return i == n && s[n] == '\0';
}

#include "core/banned.h"

#endif
