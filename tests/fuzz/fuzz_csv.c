/*
 * Fuzz target for the CSV reader and writer (core/csv.h).
 * Input: one option byte, then the CSV bytes. Option byte bits:
 *   0-1 encoding (0, 3 utf-8; 1 gbk; 2 gb18030)   2-3 delimiter (, ; TAB |)
 *   4   max_record 24 bytes instead of the default  5-6 read chunk for the fd pass (1..4 bytes)
 *   7   also the GB18030 and GBK writer round trips (their readers cost 768 KiB of buffers)
 * Invariants: every record has n >= 1 fields, each NUL-terminated, valid UTF-8, within
 * max_record in all, on strictly increasing lines; progress never passes the total and reaches
 * it at end of input; errors are sticky; reading the same bytes through a socket that delivers
 * them a few bytes per read(2) gives the same records and the same error; writing the records
 * with the writer (UTF-8, and GB18030) and reading them back gives the same fields; a GBK
 * writer either round-trips too or fails with nothing emitted; csv_read_header agrees with the
 * first record.
 */
#include "core/common.h"
#include "core/csv.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "fuzz.h"

#include <pthread.h>
#include <sys/socket.h>

struct result {
    struct strbuf recs;  /* per record: "[line]" then each field as "<len>:<bytes>" */
    struct strbuf plain; /* the same without line numbers (what a round trip keeps) */
    size_t nrec;
    int rc; /* 0 at end of input, else the error */
    struct err err;
};

static void result_init(struct result *res)
{
    strbuf_init(&res->recs, 0);
    strbuf_init(&res->plain, 0);
    res->nrec = 0;
    res->rc = 0;
    err_clear(&res->err);
}

static void result_release(struct result *res)
{
    strbuf_release(&res->recs);
    strbuf_release(&res->plain);
}

/* Check one record's invariants and append it to res. */
static void add_record(struct result *res, const struct csv_record *rec, size_t max_record,
                       uint64_t prev_line)
{
    CHECK(rec->n >= 1, "record with no fields");
    CHECK(rec->line >= 1 && rec->line > prev_line, "line %llu after %llu",
          (unsigned long long)rec->line, (unsigned long long)prev_line);
    size_t total = 0;
    strbuf_addf(&res->recs, "[%llu]", (unsigned long long)rec->line);
    for (size_t i = 0; i < rec->n; i++) {
        const struct csv_field *f = &rec->fields[i];
        CHECK(f->p[f->len] == '\0', "field %zu not NUL-terminated", i);
        CHECK(fuzz_utf8_valid(f->p, f->len), "field %zu is not valid UTF-8", i);
        total += f->len;
        strbuf_addf(&res->recs, "%zu:", f->len);
        strbuf_add(&res->recs, f->p, f->len);
        strbuf_addf(&res->plain, "%zu:", f->len);
        strbuf_add(&res->plain, f->p, f->len);
    }
    CHECK(total <= max_record, "record of %zu bytes passed max_record %zu", total, max_record);
    strbuf_addch(&res->recs, '\n');
    strbuf_addch(&res->plain, '\n');
    res->nrec++;
}

/* Read everything from an opened reader into res, checking as add_record does. */
static void read_all(struct csv_reader *r, size_t max_record, struct result *res)
{
    struct csv_record *rec;
    uint64_t prev = 0;
    int rc;
    while ((rc = csv_next(r, &rec, &res->err)) == 1) {
        add_record(res, rec, max_record, prev);
        prev = rec->line;
    }
    CHECK(rc <= 0, "csv_next returned %d", rc);
    res->rc = rc;
    /* end of input and errors are both sticky */
    struct err again = ERR_INIT;
    CHECK(csv_next(r, &rec, &again) == rc && rec == NULL, "second call differs");
    if (rc)
        CHECK(again.code == rc && !strcmp(again.msg, res->err.msg),
              "error not sticky: '%s' then '%s'", res->err.msg, again.msg);
    else
        CHECK(res->nrec > 0, "end of input without a record and without an error");
}

/* ---- the socket pass: the same bytes, `chunk` bytes per read(2) ---- */

struct feeder {
    int fd;
    const uint8_t *p;
    size_t n, chunk, off;
};

/* Send packets of `chunk` bytes from f->off on; if not `wait`, only while the buffer has room. */
static void feed_some(struct feeder *f, bool wait)
{
    while (f->off < f->n) {
        size_t k = f->n - f->off < f->chunk ? f->n - f->off : f->chunk;
        ssize_t w = send(f->fd, f->p + f->off, k, MSG_NOSIGNAL | (wait ? 0 : MSG_DONTWAIT));
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return; /* full (not waiting), or the reader stopped early and closed its end */
        f->off += (size_t)w;
    }
}

static void *feed(void *arg)
{
    struct feeder *f = arg;
    feed_some(f, true);
    close(f->fd);
    return NULL;
}

/* Cut a message after "invalid UTF-8": the GBK hint looks at what has been read so far. */
static void cut_hint(char *msg)
{
    char *p = strstr(msg, "invalid UTF-8");
    if (p)
        p[strlen("invalid UTF-8")] = '\0';
}

static void socket_pass(const uint8_t *p, size_t n, size_t chunk, const struct csv_options *opts,
                        const struct result *want)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0, "socketpair: %s",
          strerror(errno));
    /* Queue what fits before reading (no thread, no thread switch per packet); a thread sends
     * the rest, if any, while the reader reads. */
    int sndbuf = 1 << 22;
    setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    struct feeder f = {sv[1], p, n, chunk, 0};
    feed_some(&f, false);
    pthread_t th;
    bool threaded = f.off < n;
    if (threaded)
        CHECK(pthread_create(&th, NULL, feed, &f) == 0, "pthread_create");
    else
        close(sv[1]);

    struct csv_reader r;
    struct result got;
    result_init(&got);
    CHECK(csv_open_fd(&r, sv[0], opts, &got.err) == 0, "csv_open_fd: %s", got.err.msg);
    read_all(&r, opts->max_record, &got);
    csv_close(&r);
    close(sv[0]);
    if (threaded)
        pthread_join(th, NULL);

    CHECK(got.recs.len == want->recs.len && !memcmp(got.recs.buf, want->recs.buf, got.recs.len),
          "records differ between memory and %zu-byte reads", chunk);
    CHECK(got.rc == want->rc, "final code %d from reads, %d from memory", got.rc, want->rc);
    if (got.rc) {
        char a[sizeof(got.err.msg)], b[sizeof(got.err.msg)];
        memcpy(a, got.err.msg, sizeof(a));
        memcpy(b, want->err.msg, sizeof(b));
        cut_hint(a);
        cut_hint(b);
        CHECK(!strcmp(a, b), "error '%s' from reads, '%s' from memory", got.err.msg, want->err.msg);
    }
    result_release(&got);
}

/* ---- the writer round trip ---- */

/* Read back what a writer produced; the fields must be `want`'s. */
static void read_back(const struct strbuf *out, enum csv_encoding enc, char delim,
                      size_t max_record, const struct result *want, const char *what)
{
    /* GB text that happens to open with the bytes of a UTF-8 BOM (锘 + a BFxx character) is
     * read as UTF-8: by design, a BOM wins over --encoding */
    if (enc != CSV_ENC_UTF8 && out->len >= 3 && !memcmp(out->buf, "\xEF\xBB\xBF", 3))
        return;
    struct csv_options ro = CSV_OPTIONS_INIT;
    ro.encoding = enc;
    ro.delimiter = delim;
    ro.max_record = max_record;
    struct csv_reader r;
    struct result got;
    result_init(&got);
    CHECK(csv_open_mem(&r, out->buf, out->len, &ro, &got.err) == 0, "open: %s", got.err.msg);
    read_all(&r, max_record, &got);
    csv_close(&r);
    CHECK(got.rc == 0, "%s output does not read back: %s", what, got.err.msg);
    CHECK(got.nrec == want->nrec, "%s round trip: %zu records, not %zu", what, got.nrec,
          want->nrec);
    CHECK(got.plain.len == want->plain.len &&
              !memcmp(got.plain.buf, want->plain.buf, got.plain.len),
          "%s round trip changed the fields", what);
    result_release(&got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char delims[4] = {',', ';', '\t', '|'};
    if (size < 1)
        return 0;
    uint8_t cfg = data[0];
    const uint8_t *p = data + 1;
    size_t n = size - 1;

    struct csv_options opts = CSV_OPTIONS_INIT;
    opts.encoding = (cfg & 3) == 1 ? CSV_ENC_GBK : (cfg & 3) == 2 ? CSV_ENC_GB18030 : CSV_ENC_UTF8;
    opts.delimiter = delims[(cfg >> 2) & 3];
    opts.max_record = cfg & 0x10 ? 24 : CSV_MAX_RECORD_DEFAULT;
    size_t chunk = 1 + (size_t)((cfg >> 5) & 3);
    int nw = cfg & 0x80 ? 3 : 1;

    /* writers: [0] utf-8 (BOM and CRLF from the option byte), [1] gb18030, [2] gbk */
    struct strbuf out[3] = {STRBUF_INIT, STRBUF_INIT, STRBUF_INIT};
    struct csv_writer w[3];
    struct csv_write_options wo[3] = {CSV_WRITE_OPTIONS_INIT, CSV_WRITE_OPTIONS_INIT,
                                      CSV_WRITE_OPTIONS_INIT};
    wo[0].bom = cfg & 0x20;
    wo[0].crlf = cfg & 0x40;
    wo[1].encoding = CSV_ENC_GB18030;
    wo[2].encoding = CSV_ENC_GBK;
    struct err e = ERR_INIT;
    for (int k = 0; k < nw; k++) {
        wo[k].delimiter = opts.delimiter;
        CHECK(csv_writer_init_sb(&w[k], &out[k], &wo[k], &e) == 0, "writer: %s", e.msg);
    }

    /* the reference pass, from memory; each record also goes to the writers */
    struct csv_reader r;
    struct result res;
    result_init(&res);
    CHECK(csv_open_mem(&r, p, n, &opts, &res.err) == 0, "csv_open_mem: %s", res.err.msg);
    uint64_t done, total;
    csv_progress(&r, &done, &total);
    CHECK(done == 0 && total == n, "progress %llu/%llu before reading", (unsigned long long)done,
          (unsigned long long)total);
    struct csv_record *rec;
    uint64_t prev = 0;
    int rc;
    bool gbk_ok = nw == 3;
    struct strbuf first = STRBUF_INIT; /* the first record: per field, its size_t length, bytes */
    size_t nfirst = 0;
    while ((rc = csv_next(&r, &rec, &res.err)) == 1) {
        for (size_t i = 0; !res.nrec && i < rec->n; i++) {
            strbuf_add(&first, &rec->fields[i].len, sizeof(size_t));
            strbuf_add(&first, rec->fields[i].p, rec->fields[i].len);
            nfirst = rec->n;
        }
        add_record(&res, rec, opts.max_record, prev);
        prev = rec->line;
        csv_progress(&r, &done, &total);
        CHECK(done <= total, "progress %llu past the total %llu", (unsigned long long)done,
              (unsigned long long)total);
        for (int k = 0; k < nw; k++) {
            if (k == 2 && !gbk_ok)
                continue;
            for (size_t i = 0; i < rec->n; i++)
                csv_write_field(&w[k], rec->fields[i].p, rec->fields[i].len);
            size_t before = out[k].len;
            int wrc = csv_end_record(&w[k], &e);
            if (k < 2) {
                CHECK(wrc == 0, "%s writer failed: %s", k ? "gb18030" : "utf-8", e.msg);
            } else if (wrc) {
                CHECK(wrc == ERR_INVALID && out[k].len == before,
                      "gbk writer failed with %d and left %zu bytes", wrc, out[k].len - before);
                gbk_ok = false;
            }
        }
    }
    res.rc = rc;
    CHECK(rc <= 0, "csv_next returned %d", rc);
    struct err again = ERR_INIT;
    CHECK(csv_next(&r, &rec, &again) == rc, "the final code is not sticky");
    if (rc == 0) {
        csv_progress(&r, &done, &total);
        CHECK(done == n, "progress %llu at end of %zu bytes", (unsigned long long)done, n);
        CHECK(res.nrec > 0, "end of input without a record");
    } else {
        CHECK(again.code == rc && !strcmp(again.msg, res.err.msg), "error not sticky");
        CHECK(rc == ERR_INVALID || rc == ERR_TOO_LARGE, "unexpected error %d: %s", rc, res.err.msg);
        CHECK(res.err.msg[0], "error without a message");
    }
    csv_close(&r);

    socket_pass(p, n, chunk, &opts, &res);

    /* the records read so far (all of them, or those before the error) round-trip */
    if (res.nrec) {
        read_back(&out[0], CSV_ENC_UTF8, opts.delimiter, opts.max_record, &res, "utf-8");
        if (nw == 3)
            read_back(&out[1], CSV_ENC_GB18030, opts.delimiter, opts.max_record, &res, "gb18030");
        if (gbk_ok)
            read_back(&out[2], CSV_ENC_GBK, opts.delimiter, opts.max_record, &res, "gbk");
    }
    for (int k = 0; k < nw; k++) {
        csv_writer_release(&w[k]);
        strbuf_release(&out[k]);
    }

    /* the header is the first record, trimmed */
    struct err herr = ERR_INIT;
    CHECK(csv_open_mem(&r, p, n, &opts, &herr) == 0, "csv_open_mem: %s", herr.msg);
    rc = csv_read_header(&r, &herr);
    if (res.nrec == 0) {
        CHECK(rc == res.rc, "header: %d, records: %d", rc, res.rc);
    } else if (rc == 0) {
        CHECK(csv_header_count(&r) == nfirst, "header count %zu, first record %zu fields",
              csv_header_count(&r), nfirst);
        const char *q = first.buf;
        for (size_t i = 0; i < nfirst; i++) {
            size_t len;
            memcpy(&len, q, sizeof(len));
            q += sizeof(len);
            char *name = xstrndup(q, len);
            q += len;
            if (strlen(name) != len) { /* an embedded NUL: the name is cut there */
                free(name);
                continue;
            }
            int col = csv_column(&r, name);
            bool blank = strspn(name, " \t") == len;
            CHECK(blank ? col == -1 : col == (int)i, "column '%s' found at %d, not %zu", name, col,
                  i);
            free(name);
        }
    } else {
        CHECK(rc == ERR_INVALID && strstr(herr.msg, "duplicate column"), "header rejected: %s",
              herr.msg);
    }
    csv_close(&r);
    strbuf_release(&first);
    result_release(&res);
    return 0;
}
