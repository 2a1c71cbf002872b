/*
 * CSV reader and writer (see csv.h). The reader pulls 256 KiB chunks into `buf` (converting
 * GB18030 to UTF-8 on the way), validates UTF-8 a chunk at a time and stops the parser at the
 * first bad byte, so errors carry the parser's line and column. Field bytes are copied once
 * into `rec`, which is reused for every record and never grows past max_record.
 */
#include "core/common.h"
#include "core/csv.h"
#include "core/xalloc.h"

#include <iconv.h>
#include <sys/stat.h>

#define CSV_CHUNK ((size_t)256 * 1024)
#define NO_ICONV ((void *)(intptr_t)-1)

enum { PEND_NONE, PEND_UTF8, PEND_UTF8_TRUNC, PEND_GB, PEND_GB_TRUNC };
enum { ST_FIELD_START, ST_UNQUOTED, ST_QUOTED, ST_QUOTE_SEEN };

static const unsigned char utf8_bom[3] = { 0xEF, 0xBB, 0xBF };

int csv_encoding_parse(const char *name, enum csv_encoding *out, struct err *err)
{
    if (!strcasecmp(name, "utf-8") || !strcasecmp(name, "utf8"))
        *out = CSV_ENC_UTF8;
    else if (!strcasecmp(name, "gbk") || !strcasecmp(name, "gb2312") ||
             !strcasecmp(name, "cp936"))
        *out = CSV_ENC_GBK;
    else if (!strcasecmp(name, "gb18030"))
        *out = CSV_ENC_GB18030;
    else
        return error(err, ERR_USAGE, "unknown encoding '%s' (use utf-8, gbk or gb18030)", name);
    return 0;
}

const char *csv_encoding_name(enum csv_encoding enc)
{
    switch (enc) {
    case CSV_ENC_UTF8: return "utf-8";
    case CSV_ENC_GBK: return "gbk";
    case CSV_ENC_GB18030: return "gb18030";
    }
    return "?";
}

/*
 * Length of the longest prefix of s[0..n) that is valid UTF-8 (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF). *truncated says the stop is a sequence cut short by
 * the end of the buffer, which more input may complete.
 */
static size_t utf8_valid_prefix(const unsigned char *s, size_t n, bool *truncated)
{
    size_t i = 0;
    *truncated = false;
    while (i < n) {
        if (n - i >= 8) {
            uint64_t v;
            memcpy(&v, s + i, 8);
            if (!(v & UINT64_C(0x8080808080808080))) {
                i += 8;
                continue;
            }
        }
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else {
            return i;
        }
        for (size_t k = 1; k <= need; k++) {
            if (i + k >= n) {
                *truncated = true;
                return i;
            }
            unsigned d = s[i + k];
            if (k == 1 ? (d < lo || d > hi) : (d < 0x80 || d > 0xBF))
                return i;
        }
        i += need + 1;
    }
    return n;
}

/* Decode one UTF-8 code point (input already validated); returns its length. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (s[0] < 0x80 || n < 2) {
        *cp = s[0];
        return 1;
    }
    size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;
    if (len > n)
        len = n;
    uint32_t v = s[0] & (0x7F >> len);
    for (size_t k = 1; k < len; k++)
        v = (v << 6) | (s[k] & 0x3F);
    *cp = v;
    return len;
}

/* ---- reader ---- */

/* Record the reader's sticky error and copy it to the caller. */
PMIS_PRINTF(4, 5)
static int csv_fail(struct csv_reader *r, struct err *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_v(&r->failed, code, fmt, ap);
    va_end(ap);
    if (err)
        *err = r->failed;
    return code;
}

static void reader_zero(struct csv_reader *r)
{
    memset(r, 0, sizeof(*r));
    r->fd = -1;
    r->cd = NO_ICONV;
    r->line = 1;
}

static int reader_setup(struct csv_reader *r, const struct csv_options *opts, struct err *err)
{
    struct csv_options def = CSV_OPTIONS_INIT;
    if (!opts)
        opts = &def;
    char d = opts->delimiter ? opts->delimiter : ',';
    if (d == '"' || d == '\r' || d == '\n' || (unsigned char)d >= 0x80)
        return csv_fail(r, err, ERR_USAGE, "invalid csv delimiter 0x%02x",
                        (unsigned)(unsigned char)d);
    r->delim = d;
    r->max_record = opts->max_record ? opts->max_record : CSV_MAX_RECORD_DEFAULT;
    r->enc = opts->encoding;
    if (r->enc != CSV_ENC_UTF8 && r->enc != CSV_ENC_GBK && r->enc != CSV_ENC_GB18030)
        return csv_fail(r, err, ERR_USAGE, "invalid csv encoding %d", (int)r->enc);
    r->buf_cap = CSV_CHUNK;
    if (r->enc != CSV_ENC_UTF8) {
        iconv_t cd = iconv_open("UTF-8", "GB18030");
        if (cd == (iconv_t)-1)
            return csv_fail(r, err, ERR_INTERNAL, "iconv cannot convert from GB18030: %s",
                            strerror(errno));
        r->cd = cd;
        r->raw_cap = CSV_CHUNK;
        r->raw = xmalloc(r->raw_cap);
        /* GB18030 grows by at most 3/2 when converted (2 bytes -> 3); room for a whole chunk */
        r->buf_cap = 2 * CSV_CHUNK;
    }
    r->buf = xmalloc(r->buf_cap);
    return 0;
}

static void size_from_fd(struct csv_reader *r, int fd, off_t cur)
{
    struct stat st;
    if (fd >= 0 && !fstat(fd, &st) && S_ISREG(st.st_mode) && cur >= 0 && st.st_size >= cur)
        r->total = (uint64_t)(st.st_size - cur);
}

int csv_open_fp(struct csv_reader *r, FILE *fp, const struct csv_options *opts, struct err *err)
{
    reader_zero(r);
    r->fp = fp;
    size_from_fd(r, fileno(fp), ftello(fp));
    return reader_setup(r, opts, err);
}

int csv_open_fd(struct csv_reader *r, int fd, const struct csv_options *opts, struct err *err)
{
    reader_zero(r);
    r->fd = fd;
    size_from_fd(r, fd, lseek(fd, 0, SEEK_CUR));
    return reader_setup(r, opts, err);
}

int csv_open_mem(struct csv_reader *r, const void *data, size_t len,
                 const struct csv_options *opts, struct err *err)
{
    reader_zero(r);
    r->mem = data;
    r->mem_len = len;
    r->total = len;
    return reader_setup(r, opts, err);
}

void csv_close(struct csv_reader *r)
{
    if (r->cd != NO_ICONV)
        iconv_close((iconv_t)r->cd);
    r->cd = NO_ICONV;
    free(r->raw);
    free(r->buf);
    free(r->rec);
    free(r->offs);
    free(r->record.fields);
    for (size_t i = 0; i < r->nnames; i++)
        free(r->names[i]);
    free(r->names);
    r->raw = r->buf = NULL;
    r->rec = NULL;
    r->offs = NULL;
    r->record.fields = NULL;
    r->names = NULL;
    r->nnames = 0;
    r->raw_cap = r->buf_cap = r->rec_cap = r->offs_cap = r->fields_cap = 0;
}

void csv_progress(const struct csv_reader *r, uint64_t *done, uint64_t *total)
{
    if (done)
        *done = r->enc == CSV_ENC_UTF8 ? r->buf_base + r->pos : r->raw_base + r->raw_pos;
    if (total)
        *total = r->total;
}

/* Read up to `cap` bytes from the source; *got == 0 means end of input. */
static int src_read(struct csv_reader *r, unsigned char *dst, size_t cap, size_t *got,
                    struct err *err)
{
    size_t n = 0;
    if (r->fp) {
        n = fread(dst, 1, cap, r->fp);
        if (n < cap && ferror(r->fp))
            return csv_fail(r, err, ERR_IO, "cannot read csv input: %s", strerror(errno));
    } else if (r->fd >= 0) {
        ssize_t k;
        do
            k = read(r->fd, dst, cap);
        while (k < 0 && errno == EINTR);
        if (k < 0)
            return csv_fail(r, err, ERR_IO, "cannot read csv input: %s", strerror(errno));
        n = (size_t)k;
    } else {
        n = r->mem_len - r->mem_pos < cap ? r->mem_len - r->mem_pos : cap;
        if (n)
            memcpy(dst, r->mem + r->mem_pos, n);
        r->mem_pos += n;
    }
    r->bytes_read += n;
    *got = n;
    return 0;
}

/* Column (1-based field number) the parser is in. */
static size_t cur_column(const struct csv_reader *r) { return r->record.n + 1; }

/* Is the text at s[0..n) plausibly GBK: does it decode as GB18030 into mostly CJK text? */
static bool looks_like_gbk(const unsigned char *s, size_t n)
{
    iconv_t cd = iconv_open("UTF-32LE", "GB18030");
    if (cd == (iconv_t)-1)
        return false;
    unsigned char out[64 * 4];
    char *in = (char *)(uintptr_t)s;
    size_t inleft = n, outleft = sizeof(out);
    char *o = (char *)out;
    size_t rc = iconv(cd, &in, &inleft, &o, &outleft);
    int e = errno;
    iconv_close(cd);
    if (rc == (size_t)-1 && e == EILSEQ)
        return false;
    size_t ncp = (sizeof(out) - outleft) / 4, wide = 0, cjk = 0;
    for (size_t i = 0; i < ncp; i++) {
        uint32_t cp = (uint32_t)out[4 * i] | (uint32_t)out[4 * i + 1] << 8 |
                      (uint32_t)out[4 * i + 2] << 16 | (uint32_t)out[4 * i + 3] << 24;
        if (cp < 0x80)
            continue;
        wide++;
        if ((cp >= 0x3000 && cp <= 0x303F) || (cp >= 0x3400 && cp <= 0x4DBF) ||
            (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xFF00 && cp <= 0xFFEF) ||
            (cp >= 0x2000 && cp <= 0x206F) || cp == 0x00B7)
            cjk++;
    }
    return wide > 0 && cjk * 5 >= wide * 4;
}

/* Turn the input error waiting at buf[valid] into a message with the parser's position. */
static int raise_pending(struct csv_reader *r, struct err *err)
{
    unsigned long long line = (unsigned long long)r->line;
    unsigned long long off = (unsigned long long)r->bad_offset;
    size_t col = cur_column(r);
    switch (r->pending) {
    case PEND_UTF8: {
        const unsigned char *s = r->buf + r->valid;
        size_t n = r->buf_len - r->valid;
        if (n > 64)
            n = 64;
        const unsigned char *nl = memchr(s, '\n', n);
        if (nl)
            n = (size_t)(nl - s);
        if (looks_like_gbk(s, n))
            return csv_fail(r, err, ERR_INVALID,
                            "line %llu, column %zu (byte offset %llu): invalid UTF-8, but the "
                            "bytes decode as GBK (is the file GBK? use --encoding gbk)",
                            line, col, off);
        return csv_fail(r, err, ERR_INVALID,
                        "line %llu, column %zu (byte offset %llu): invalid UTF-8 byte 0x%02x (not "
                        "GBK either; save the file as UTF-8)",
                        line, col, off, s[0]);
    }
    case PEND_UTF8_TRUNC:
        return csv_fail(r, err, ERR_INVALID,
                        "line %llu, column %zu (byte offset %llu): truncated UTF-8 sequence at end "
                        "of file",
                        line, col, off);
    case PEND_GB:
        return csv_fail(r, err, ERR_INVALID,
                        "line %llu, column %zu (byte offset %llu): invalid %s byte 0x%02x (is the "
                        "file UTF-8? use --encoding utf-8)",
                        line, col, off, r->enc == CSV_ENC_GBK ? "GBK" : "GB18030",
                        r->raw[r->raw_pos]);
    case PEND_GB_TRUNC:
        return csv_fail(r, err, ERR_INVALID,
                        "line %llu, column %zu (byte offset %llu): truncated %s sequence at end of "
                        "file",
                        line, col, off, r->enc == CSV_ENC_GBK ? "GBK" : "GB18030");
    }
    return csv_fail(r, err, ERR_INTERNAL, "csv: unknown pending error %d", r->pending);
}

/*
 * UTF-8 input: make buf[pos..valid) non-empty. Returns 1, 0 at end of input, or an error.
 * At most 3 bytes (a sequence cut by the chunk end) are carried over between reads.
 */
static int fill_utf8(struct csv_reader *r, struct err *err)
{
    for (;;) {
        size_t keep = r->buf_len - r->pos;
        memmove(r->buf, r->buf + r->pos, keep);
        r->buf_base += r->pos;
        r->buf_len = keep;
        r->pos = r->valid = 0;
        if (!r->src_eof) {
            size_t got;
            int rc = src_read(r, r->buf + keep, r->buf_cap - keep, &got, err);
            if (rc)
                return rc;
            if (!got)
                r->src_eof = true;
            r->buf_len += got;
            if (!r->started && r->buf_len < sizeof(utf8_bom) && !r->src_eof)
                continue; /* need 3 bytes to see a BOM */
        }
        if (!r->started) {
            r->started = true;
            if (r->buf_len >= sizeof(utf8_bom) && !memcmp(r->buf, utf8_bom, sizeof(utf8_bom)))
                r->pos = r->valid = sizeof(utf8_bom);
        }
        bool trunc;
        r->valid = r->pos + utf8_valid_prefix(r->buf + r->pos, r->buf_len - r->pos, &trunc);
        if (r->valid < r->buf_len && !(trunc && !r->src_eof)) {
            r->pending = trunc ? PEND_UTF8_TRUNC : PEND_UTF8;
            r->bad_offset = r->buf_base + r->valid;
        }
        if (r->valid > r->pos)
            return 1;
        if (r->pending)
            return raise_pending(r, err);
        if (r->src_eof)
            return 0;
    }
}

/*
 * GB18030 input: convert raw chunks into buf. Same contract as fill_utf8. The first 4 bytes
 * are looked at before any conversion: a UTF-8 BOM switches the reader to UTF-8 (it is
 * unambiguous, whatever --encoding said) and GB18030's own BOM (84 31 95 33) is skipped.
 */
static int fill_gb(struct csv_reader *r, struct err *err)
{
    static const unsigned char gb_bom[4] = { 0x84, 0x31, 0x95, 0x33 };
    for (;;) {
        r->buf_len = r->pos = r->valid = 0;
        if (r->started && r->raw_pos < r->raw_len) {
            char *in = (char *)r->raw + r->raw_pos, *o = (char *)r->buf;
            size_t inleft = r->raw_len - r->raw_pos, outleft = r->buf_cap;
            size_t rc = iconv((iconv_t)r->cd, &in, &inleft, &o, &outleft);
            int e = errno;
            r->raw_pos = (size_t)(in - (char *)r->raw);
            r->buf_len = r->valid = r->buf_cap - outleft;
            if (rc == (size_t)-1 && (e == EILSEQ || (e == EINVAL && r->src_eof))) {
                r->pending = e == EILSEQ ? PEND_GB : PEND_GB_TRUNC;
                r->bad_offset = r->raw_base + r->raw_pos;
            }
            if (r->valid)
                return 1;
            if (r->pending)
                return raise_pending(r, err);
        }
        if (r->src_eof)
            return 0;
        size_t keep = r->raw_len - r->raw_pos;
        memmove(r->raw, r->raw + r->raw_pos, keep);
        r->raw_base += r->raw_pos;
        r->raw_pos = 0;
        r->raw_len = keep;
        size_t got;
        int rc = src_read(r, r->raw + keep, r->raw_cap - keep, &got, err);
        if (rc)
            return rc;
        r->raw_len += got;
        if (!got)
            r->src_eof = true;
        if (!r->started) {
            if (r->raw_len < sizeof(gb_bom) && !r->src_eof)
                continue;
            r->started = true;
            if (r->raw_len >= sizeof(utf8_bom) && !memcmp(r->raw, utf8_bom, sizeof(utf8_bom))) {
                iconv_close((iconv_t)r->cd);
                r->cd = NO_ICONV;
                r->enc = CSV_ENC_UTF8;
                memcpy(r->buf, r->raw, r->raw_len);
                r->buf_len = r->raw_len;
                r->buf_base = r->raw_base;
                r->raw_len = r->raw_pos = 0;
                r->started = false; /* let fill_utf8 strip the BOM */
                return fill_utf8(r, err);
            }
            if (r->raw_len >= sizeof(gb_bom) && !memcmp(r->raw, gb_bom, sizeof(gb_bom)))
                r->raw_pos = sizeof(gb_bom);
        }
    }
}

static int fill(struct csv_reader *r, struct err *err)
{
    if (r->pending)
        return raise_pending(r, err);
    return r->enc == CSV_ENC_UTF8 ? fill_utf8(r, err) : fill_gb(r, err);
}

static int too_large(struct csv_reader *r, struct err *err, int state, uint64_t quote_line,
                     size_t quote_col)
{
    if (state == ST_QUOTED)
        return csv_fail(r, err, ERR_TOO_LARGE,
                        "line %llu: record is longer than %zu bytes (is the quoted field starting "
                        "in column %zu on line %llu unterminated?)",
                        (unsigned long long)r->record.line, r->max_record, quote_col,
                        (unsigned long long)quote_line);
    return csv_fail(r, err, ERR_TOO_LARGE, "line %llu: record is longer than %zu bytes",
                    (unsigned long long)r->record.line, r->max_record);
}

/* Append field bytes to the record; false when the record would exceed max_record. */
static bool rec_add(struct csv_reader *r, const unsigned char *p, size_t n)
{
    size_t data = r->rec_len - r->record.n; /* minus the NUL ending each finished field */
    if (n > r->max_record - data)
        return false;
    if (r->rec_len + n + 1 > r->rec_cap) {
        size_t cap = r->rec_cap ? r->rec_cap : 4096;
        while (cap < r->rec_len + n + 1)
            cap *= 2;
        r->rec = xrealloc(r->rec, cap);
        r->rec_cap = cap;
    }
    memcpy(r->rec + r->rec_len, p, n);
    r->rec_len += n;
    return true;
}

static void end_field(struct csv_reader *r, size_t start)
{
    if (2 * (r->record.n + 1) > r->offs_cap) {
        r->offs_cap = r->offs_cap ? 2 * r->offs_cap : 64;
        r->offs = xreallocarray(r->offs, r->offs_cap, sizeof(*r->offs));
    }
    r->offs[2 * r->record.n] = start;
    r->offs[2 * r->record.n + 1] = r->rec_len - start;
    if (r->rec_len + 1 > r->rec_cap) {
        r->rec_cap = r->rec_cap ? 2 * r->rec_cap : 4096;
        r->rec = xrealloc(r->rec, r->rec_cap);
    }
    r->rec[r->rec_len++] = '\0';
    r->record.n++;
}

static int finish_record(struct csv_reader *r, struct csv_record **out)
{
    if (r->record.n > r->fields_cap) {
        size_t cap = r->fields_cap ? r->fields_cap : 16;
        while (cap < r->record.n)
            cap *= 2;
        r->record.fields = xreallocarray(r->record.fields, cap, sizeof(*r->record.fields));
        r->fields_cap = cap;
    }
    for (size_t i = 0; i < r->record.n; i++) {
        r->record.fields[i].p = r->rec + r->offs[2 * i];
        r->record.fields[i].len = r->offs[2 * i + 1];
    }
    r->any_record = true;
    *out = &r->record;
    return 1;
}

/* Consume a CR or LF: CRLF, LF and a lone CR each count as one line break. */
static void newline(struct csv_reader *r, unsigned char c)
{
    if (c == '\r' || !r->last_cr)
        r->line++;
    r->last_cr = c == '\r';
    r->pos++;
}

int csv_next(struct csv_reader *r, struct csv_record **out, struct err *err)
{
    *out = NULL;
    if (r->failed.code) {
        if (err)
            *err = r->failed;
        return r->failed.code;
    }
    if (!r->buf)
        return csv_fail(r, err, ERR_USAGE, "csv reader is not open");
    r->record.n = 0;
    r->rec_len = 0;
    int st = ST_FIELD_START;
    bool in_rec = false;
    size_t field_start = 0, quote_col = 0;
    uint64_t quote_line = 0;
    const unsigned char delim = (unsigned char)r->delim;

    for (;;) {
        if (r->pos == r->valid) {
            int rc = fill(r, err);
            if (rc < 0)
                return rc;
            if (rc == 0) {
                if (st == ST_QUOTED)
                    return csv_fail(r, err, ERR_INVALID,
                                    "line %llu: unterminated quoted field starting in column %zu",
                                    (unsigned long long)quote_line, quote_col);
                if (!in_rec) {
                    if (r->any_record)
                        return 0;
                    if (r->bytes_read)
                        return csv_fail(r, err, ERR_INVALID, "file has no records");
                    return csv_fail(r, err, ERR_INVALID, "file is empty");
                }
                if (st == ST_FIELD_START) /* "a," ends with an empty field */
                    field_start = r->rec_len;
                end_field(r, field_start);
                return finish_record(r, out);
            }
        }
        const unsigned char *p = r->buf + r->pos, *end = r->buf + r->valid, *q;
        switch (st) {
        case ST_FIELD_START:
            if (!in_rec) {
                if (*p == '\n' || *p == '\r') { /* a blank line, or the LF of a CRLF */
                    newline(r, *p);
                    continue;
                }
                in_rec = true;
                r->record.line = r->line;
            }
            field_start = r->rec_len;
            if (*p == '"') {
                st = ST_QUOTED;
                quote_line = r->line;
                quote_col = cur_column(r);
                r->last_cr = false;
                r->pos++;
                continue;
            }
            st = ST_UNQUOTED;
            /* fall through */
        case ST_UNQUOTED:
            q = p;
            while (q < end && *q != delim && *q != '"' && *q != '\n' && *q != '\r')
                q++;
            if (q > p) {
                if (!rec_add(r, p, (size_t)(q - p)))
                    return too_large(r, err, st, 0, 0);
                r->last_cr = false;
            }
            r->pos += (size_t)(q - p);
            if (q == end)
                continue;
            if (*q == delim) {
                end_field(r, field_start);
                r->last_cr = false;
                r->pos++;
                st = ST_FIELD_START;
                continue;
            }
            if (*q == '"')
                return csv_fail(r, err, ERR_INVALID,
                                "line %llu, column %zu: quote in the middle of an unquoted field "
                                "(quote the whole field and double the quote)",
                                (unsigned long long)r->line, cur_column(r));
            end_field(r, field_start);
            newline(r, *q);
            return finish_record(r, out);
        case ST_QUOTED:
            q = p;
            while (q < end && *q != '"' && *q != '\n' && *q != '\r')
                q++;
            if (q > p) {
                if (!rec_add(r, p, (size_t)(q - p)))
                    return too_large(r, err, st, quote_line, quote_col);
                r->last_cr = false;
            }
            r->pos += (size_t)(q - p);
            if (q == end)
                continue;
            if (*q == '"') {
                st = ST_QUOTE_SEEN;
                r->last_cr = false;
                r->pos++;
                continue;
            }
            if (!rec_add(r, q, 1)) /* a line break inside the field is data */
                return too_large(r, err, st, quote_line, quote_col);
            newline(r, *q);
            continue;
        case ST_QUOTE_SEEN:
            if (*p == '"') {
                if (!rec_add(r, p, 1))
                    return too_large(r, err, st, quote_line, quote_col);
                r->pos++;
                st = ST_QUOTED;
                continue;
            }
            end_field(r, field_start);
            if (*p == delim) {
                r->pos++;
                st = ST_FIELD_START;
                continue;
            }
            if (*p == '\n' || *p == '\r') {
                newline(r, *p);
                return finish_record(r, out);
            }
            r->record.n--; /* report the column of the field just closed */
            return csv_fail(r, err, ERR_INVALID,
                            "line %llu, column %zu: unexpected character after the closing quote "
                            "(double a quote inside a quoted field)",
                            (unsigned long long)r->line, cur_column(r));
        }
    }
}

static void trim_blanks(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

int csv_read_header(struct csv_reader *r, struct err *err)
{
    struct csv_record *rec;
    int rc = csv_next(r, &rec, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return csv_fail(r, err, ERR_INVALID, "file is empty");
    for (size_t i = 0; i < r->nnames; i++)
        free(r->names[i]);
    free(r->names);
    r->names = xcalloc(rec->n, sizeof(*r->names));
    r->nnames = rec->n;
    for (size_t i = 0; i < rec->n; i++) {
        const char *s = rec->fields[i].p;
        size_t n = rec->fields[i].len;
        trim_blanks(&s, &n);
        r->names[i] = xstrndup(s, n);
        for (size_t j = 0; j < i && n; j++)
            if (!strcmp(r->names[j], r->names[i]))
                return csv_fail(r, err, ERR_INVALID,
                                "line %llu: duplicate column '%s' (columns %zu and %zu)",
                                (unsigned long long)rec->line, r->names[i], j + 1, i + 1);
    }
    return 0;
}

size_t csv_header_count(const struct csv_reader *r) { return r->nnames; }

const char *csv_header_name(const struct csv_reader *r, size_t i)
{
    return i < r->nnames ? r->names[i] : NULL;
}

int csv_column(const struct csv_reader *r, const char *name)
{
    size_t n = strlen(name);
    trim_blanks(&name, &n);
    if (!n)
        return -1;
    for (size_t i = 0; i < r->nnames; i++)
        if (strlen(r->names[i]) == n && !memcmp(r->names[i], name, n))
            return i <= INT_MAX ? (int)i : -1;
    return -1;
}

int csv_require_column(const struct csv_reader *r, const char *name, size_t *idx,
                       struct err *err)
{
    int i = csv_column(r, name);
    if (i < 0)
        return error(err, ERR_INVALID, "missing column '%s' in the header", name);
    *idx = (size_t)i;
    return 0;
}

int csv_check_fields(const struct csv_record *rec, size_t expected, struct err *err)
{
    if (rec->n == expected)
        return 0;
    return error(err, ERR_INVALID, "line %llu: expected %zu field%s, found %zu",
                 (unsigned long long)rec->line, expected, expected == 1 ? "" : "s", rec->n);
}

/* ---- writer ---- */

static int writer_setup(struct csv_writer *w, const struct csv_write_options *opts,
                        struct err *err)
{
    struct csv_write_options def = CSV_WRITE_OPTIONS_INIT;
    if (!opts)
        opts = &def;
    char d = opts->delimiter ? opts->delimiter : ',';
    if (d == '"' || d == '\r' || d == '\n' || (unsigned char)d >= 0x80)
        return error(err, ERR_USAGE, "invalid csv delimiter 0x%02x",
                     (unsigned)(unsigned char)d);
    w->delim = d;
    w->crlf = opts->crlf;
    if (opts->encoding == CSV_ENC_GBK || opts->encoding == CSV_ENC_GB18030) {
        const char *to = opts->encoding == CSV_ENC_GBK ? "GBK" : "GB18030";
        iconv_t cd = iconv_open(to, "UTF-8");
        if (cd == (iconv_t)-1)
            return error(err, ERR_INTERNAL, "iconv cannot convert to %s: %s", to,
                         strerror(errno));
        w->cd = cd;
    } else if (opts->encoding != CSV_ENC_UTF8) {
        return error(err, ERR_USAGE, "invalid csv encoding %d", (int)opts->encoding);
    } else if (opts->bom) {
        strbuf_add(&w->line, utf8_bom, sizeof(utf8_bom)); /* emitted with the first record */
    }
    return 0;
}

static void writer_zero(struct csv_writer *w)
{
    memset(w, 0, sizeof(*w));
    w->cd = NO_ICONV;
    strbuf_init(&w->line, 0);
    strbuf_init(&w->conv, 0);
}

int csv_writer_init_sb(struct csv_writer *w, struct strbuf *out,
                       const struct csv_write_options *opts, struct err *err)
{
    writer_zero(w);
    w->sb = out;
    int rc = writer_setup(w, opts, err);
    if (!rc && w->line.len) { /* the BOM */
        strbuf_add(out, w->line.buf, w->line.len);
        strbuf_reset(&w->line);
    }
    return rc;
}

int csv_writer_init_fp(struct csv_writer *w, FILE *fp, const struct csv_write_options *opts,
                       struct err *err)
{
    writer_zero(w);
    w->fp = fp;
    int rc = writer_setup(w, opts, err);
    if (!rc && w->line.len) {
        if (fwrite(w->line.buf, 1, w->line.len, fp) != w->line.len)
            rc = error(err, ERR_IO, "cannot write csv: %s", strerror(errno));
        strbuf_reset(&w->line);
    }
    return rc;
}

void csv_write_field(struct csv_writer *w, const char *s, size_t len)
{
    if (w->nfields++)
        strbuf_addch(&w->line, w->delim);
    /* U+FEFF opening the output would read back as a byte-order mark and vanish: quote it */
    bool quote = w->nrec == 0 && w->nfields == 1 && len >= sizeof(utf8_bom) &&
                 !memcmp(s, utf8_bom, sizeof(utf8_bom));
    for (size_t i = 0; i < len && !quote; i++)
        quote = s[i] == w->delim || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        strbuf_add(&w->line, s, len);
        return;
    }
    strbuf_grow(&w->line, len + 8);
    strbuf_addch(&w->line, '"');
    const char *p = s, *end = s + len, *q;
    while ((q = memchr(p, '"', (size_t)(end - p)))) {
        strbuf_add(&w->line, p, (size_t)(q - p) + 1);
        strbuf_addch(&w->line, '"');
        p = q + 1;
    }
    strbuf_add(&w->line, p, (size_t)(end - p));
    strbuf_addch(&w->line, '"');
}

void csv_write_fieldstr(struct csv_writer *w, const char *s) { csv_write_field(w, s, strlen(s)); }

/* Convert w->line into w->conv with iconv; ERR_INVALID naming the character that failed. */
static int writer_convert(struct csv_writer *w, struct err *err)
{
    strbuf_reset(&w->conv);
    strbuf_grow(&w->conv, w->line.len + 16);
    char *in = w->line.buf, *o = w->conv.buf;
    size_t inleft = w->line.len, outleft = w->conv.alloc - 1;
    while (inleft) {
        size_t rc = iconv((iconv_t)w->cd, &in, &inleft, &o, &outleft);
        if (rc != (size_t)-1)
            break;
        int e = errno;
        if (e == E2BIG) {
            size_t used = (size_t)(o - w->conv.buf);
            strbuf_setlen(&w->conv, used);
            strbuf_grow(&w->conv, inleft * 2 + 16);
            o = w->conv.buf + used;
            outleft = w->conv.alloc - 1 - used;
            continue;
        }
        iconv((iconv_t)w->cd, NULL, NULL, NULL, NULL);
        const unsigned char *bad = (const unsigned char *)in;
        bool trunc;
        if (utf8_valid_prefix(bad, inleft, &trunc) == 0)
            return error(err, ERR_INVALID, "record %llu: text is not valid UTF-8",
                         (unsigned long long)w->nrec + 1);
        uint32_t cp;
        utf8_decode(bad, inleft, &cp);
        return error(err, ERR_INVALID,
                     "record %llu: character U+%04" PRIX32 " cannot be written as GBK; use "
                     "gb18030 or utf-8",
                     (unsigned long long)w->nrec + 1, cp);
    }
    strbuf_setlen(&w->conv, (size_t)(o - w->conv.buf));
    return 0;
}

int csv_end_record(struct csv_writer *w, struct err *err)
{
    int rc = 0;
    if (w->nfields == 1 && w->line.len == 0)
        strbuf_addstr(&w->line, "\"\""); /* else a lone empty field reads back as a blank line */
    strbuf_addstr(&w->line, w->crlf ? "\r\n" : "\n");
    const struct strbuf *src = &w->line;
    if (w->cd != NO_ICONV) {
        rc = writer_convert(w, err);
        src = &w->conv;
    }
    if (!rc) {
        if (w->sb)
            strbuf_add(w->sb, src->buf, src->len);
        else if (fwrite(src->buf, 1, src->len, w->fp) != src->len)
            rc = error(err, ERR_IO, "cannot write csv: %s", strerror(errno));
        if (!rc)
            w->nrec++;
    }
    strbuf_reset(&w->line);
    w->nfields = 0;
    return rc;
}

int csv_write_record(struct csv_writer *w, size_t n, const char *const *fields,
                     struct err *err)
{
    for (size_t i = 0; i < n; i++)
        csv_write_fieldstr(w, fields[i]);
    return csv_end_record(w, err);
}

int csv_writer_flush(struct csv_writer *w, struct err *err)
{
    if (w->fp && fflush(w->fp))
        return error(err, ERR_IO, "cannot write csv: %s", strerror(errno));
    return 0;
}

void csv_writer_release(struct csv_writer *w)
{
    if (w->cd != NO_ICONV)
        iconv_close((iconv_t)w->cd);
    w->cd = NO_ICONV;
    strbuf_release(&w->line);
    strbuf_release(&w->conv);
}
