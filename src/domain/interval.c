/*
 * The interval day codec (interval.h): a version byte and LEB128 varints of Wh + 1, with 0 for
 * a missing point; plus window sums and the maximum interval demand.
 */
#include "core/common.h"
#include "domain/interval.h"

#define INTERVAL_FORMAT 1

int interval_points(int minutes)
{
    return minutes == 15 || minutes == 30 || minutes == 60 ? 1440 / minutes : 0;
}

size_t interval_pack(const int64_t *pts, int n, unsigned char *out)
{
    size_t len = 0;
    out[len++] = INTERVAL_FORMAT;
    for (int i = 0; i < n; i++) {
        uint64_t v = pts[i] == INTERVAL_MISSING ? 0 : (uint64_t)pts[i] + 1;
        while (v >= 0x80) {
            out[len++] = (unsigned char)(v | 0x80);
            v >>= 7;
        }
        out[len++] = (unsigned char)v;
    }
    return len;
}

int interval_unpack(const void *blob, size_t len, int n, int64_t *pts, struct err *err)
{
    const unsigned char *p = blob, *end = p + len;
    if (len < 1 || p[0] != INTERVAL_FORMAT)
        return error(err, ERR_CORRUPT, "interval data: unknown format %d", len ? p[0] : -1);
    p++;
    for (int i = 0; i < n; i++) {
        uint64_t v = 0;
        int shift = 0;
        for (;;) {
            if (p == end)
                return error(err, ERR_CORRUPT, "interval data: %d of %d points", i, n);
            if (shift > 63)
                return error(err, ERR_CORRUPT, "interval data: point %d is too long", i + 1);
            unsigned char b = *p++;
            v |= (uint64_t)(b & 0x7f) << shift;
            shift += 7;
            if (!(b & 0x80))
                break;
        }
        if (v > (uint64_t)INT64_MAX)
            return error(err, ERR_CORRUPT, "interval data: point %d out of range", i + 1);
        pts[i] = v ? (int64_t)(v - 1) : INTERVAL_MISSING;
    }
    if (p != end)
        return error(err, ERR_CORRUPT, "interval data: more than %d points", n);
    return 0;
}

int64_t interval_sum(const int64_t *pts, int first, int last, int *missing)
{
    int64_t sum = 0;
    int miss = 0;
    for (int i = first; i < last; i++) {
        if (pts[i] == INTERVAL_MISSING)
            miss++;
        else
            sum += pts[i];
    }
    if (missing)
        *missing = miss;
    return sum;
}

int64_t interval_max_demand_w(const int64_t *pts, int n, int minutes)
{
    int64_t max = 0;
    for (int i = 0; i < n; i++)
        if (pts[i] != INTERVAL_MISSING && pts[i] > max)
            max = pts[i];
    return minutes > 0 ? max * 60 / minutes : 0;
}
