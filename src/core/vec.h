/*
 * Growable arrays of any type, after h2o's H2O_VECTOR: VEC(int64_t) ids = VEC_INIT;
 * VEC_PUSH(&ids, 42); ... VEC_FREE(&ids). Elements are contiguous in `v`; owned by the holder.
 */
#ifndef PMIS_VEC_H
#define PMIS_VEC_H

#include "core/xalloc.h"

#define VEC(type) struct { type *v; size_t n, cap; }
#define VEC_INIT { NULL, 0, 0 }

#define VEC_RESERVE(vec, want)                                                                 \
    do {                                                                                       \
        if ((want) > (vec)->cap) {                                                             \
            size_t vec_c_ = (vec)->cap ? (vec)->cap : 8;                                       \
            while (vec_c_ < (want))                                                            \
                vec_c_ *= 2;                                                                   \
            (vec)->v = xreallocarray((vec)->v, vec_c_, sizeof(*(vec)->v));                     \
            (vec)->cap = vec_c_;                                                               \
        }                                                                                      \
    } while (0)

#define VEC_PUSH(vec, item)                                                                    \
    do {                                                                                       \
        VEC_RESERVE(vec, (vec)->n + 1);                                                        \
        (vec)->v[(vec)->n++] = (item);                                                         \
    } while (0)

#define VEC_CLEAR(vec) ((vec)->n = 0)

#define VEC_FREE(vec)                                                                          \
    do {                                                                                       \
        free((vec)->v);                                                                        \
        (vec)->v = NULL;                                                                       \
        (vec)->n = (vec)->cap = 0;                                                             \
    } while (0)

#endif
