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

#if defined(__GNUC__)
#define PMIS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define PMIS_NORETURN __attribute__((noreturn))
#else
#define PMIS_PRINTF(f, a)
#define PMIS_NORETURN
#endif

#include "core/banned.h"

#endif
