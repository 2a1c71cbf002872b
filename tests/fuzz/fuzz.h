/*
 * Helpers shared by the libFuzzer targets in tests/fuzz/fuzz_<parser>.c: the entry point's
 * prototype, CHECK() for invariants (a failure prints the reason and aborts, which libFuzzer
 * records as a crash and saves the input), a private temporary directory for targets that
 * parse files, and a strict UTF-8 check. Built only by `make fuzz`, with clang.
 */
#ifndef PMIS_FUZZ_H
#define PMIS_FUZZ_H

#include "core/common.h"

#include <dirent.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort with the failed invariant; libFuzzer saves the input as crash-<sha1>. */
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant failed: %s: ", __FILE__, __LINE__, #cond);           \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* The input as a NUL-terminated string (malloc'ed; up to the first NUL, if any). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Strict RFC 3629 UTF-8: no overlongs, no surrogates, nothing above U+10FFFF. */
static inline bool fuzz_utf8_valid(const void *p, size_t n)
{
    const unsigned char *s = p;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t need;
        unsigned lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            lo = c == 0xE0 ? 0xA0 : 0x80;
            hi = c == 0xED ? 0x9F : 0xBF;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            lo = c == 0xF0 ? 0x90 : 0x80;
            hi = c == 0xF4 ? 0x8F : 0xBF;
        } else {
            return false;
        }
        if (n - i <= need)
            return false;
        for (size_t k = 1; k <= need; k++) {
            unsigned d = s[i + k];
            if (k == 1 ? (d < lo || d > hi) : (d < 0x80 || d > 0xBF))
                return false;
        }
        i += need + 1;
    }
    return true;
}

/*
 * Reference scaled-decimal parser, written from the money.h contract (not from money.c), for
 * differential checks: -?D+(.D{1,scale})? or, with `grouping`, also -?[1-9]D{0,2}(,DDD)+ before
 * the point. 0 and *out = value × 10^scale; -1 bad syntax; -2 outside int64.
 */
static inline int fuzz_ref_decimal(const char *s, int scale, bool grouping, int64_t *out)
{
    const char *p = s;
    bool neg = *p == '-';
    p += neg;
    const char *ip = p;
    size_t nint = 0, ncomma = 0, group = 0; /* group: digits since the last comma or the start */
    for (; (*p >= '0' && *p <= '9') || *p == ','; p++) {
        if (*p != ',') {
            nint++;
            group++;
            continue;
        }
        if (!grouping || group == 0 || group > 3 || (ncomma && group != 3) || *ip == '0')
            return -1;
        ncomma++;
        group = 0;
    }
    if (!nint || (ncomma && group != 3))
        return -1;
    const char *fp = NULL;
    size_t nfrac = 0;
    if (*p == '.') {
        fp = ++p;
        while (*p >= '0' && *p <= '9')
            p++, nfrac++;
        if (!nfrac || nfrac > (size_t)scale)
            return -1;
    }
    if (*p)
        return -1;
    /* magnitude, saturating well above 2^63 */
    unsigned __int128 mag = 0, cap = (unsigned __int128)1 << 100;
    for (const char *q = ip; q < ip + nint + ncomma; q++)
        if (*q != ',' && mag < cap)
            mag = mag * 10 + (unsigned)(*q - '0');
    for (int i = 0; i < scale; i++)
        if (mag < cap)
            mag = mag * 10 + (fp && (size_t)i < nfrac ? (unsigned)(fp[i] - '0') : 0);
    if (mag > (unsigned __int128)INT64_MAX + neg)
        return -2;
    *out = neg ? (int64_t)(0 - (uint64_t)mag) : (int64_t)mag;
    return 0;
}

/* n / d rounded half-up on the magnitude (ROUND_HALF_UP as money.h defines it); d != 0. */
static inline __int128 fuzz_ref_div_round(__int128 n, __int128 d)
{
    __int128 q = n / d, r = n % d;
    __int128 ar = r < 0 ? -r : r, ad = d < 0 ? -d : d;
    if (2 * ar >= ad)
        q += (n < 0) == (d < 0) ? 1 : -1;
    return q;
}

/* Remove the fuzz directory at exit, with the files the target wrote into it. */
static char fuzz_dir_path[256];
static inline void fuzz_dir_cleanup(void)
{
    DIR *d = opendir(fuzz_dir_path);
    struct dirent *de;
    char p[512];
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(p, sizeof(p), "%s/%s", fuzz_dir_path, de->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(fuzz_dir_path);
}

/* A private directory for this process, made on first use ($TMPDIR or /tmp). */
static inline const char *fuzz_dir(void)
{
    if (!fuzz_dir_path[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(fuzz_dir_path, sizeof(fuzz_dir_path), "%s/pmis-fuzz-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(fuzz_dir_path)) {
            perror("mkdtemp");
            abort();
        }
        atexit(fuzz_dir_cleanup);
    }
    return fuzz_dir_path;
}

/* Write `size` bytes to <fuzz_dir>/<name> with `mode`; returns the path (static buffer). */
static inline const char *fuzz_write_file(const char *name, const void *data, size_t size,
                                          mode_t mode)
{
    static char path[512];
    snprintf(path, sizeof(path), "%s/%s", fuzz_dir(), name);
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) || chmod(path, mode)) {
        perror(path);
        abort();
    }
    return path;
}

#endif
