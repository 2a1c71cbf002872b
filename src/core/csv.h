/*
 * CSV (RFC 4180) for imports and exports: a streaming reader that turns a FILE*, fd or memory
 * buffer of any size into records without a malloc per field (buffers are reused), and a writer
 * with minimal quoting. Input may be UTF-8 (BOM stripped) or GBK/GB18030 (converted to UTF-8
 * with iconv); everything handed to callers is UTF-8. Importers (cli, api) call this; the
 * domain never sees CSV. Neither reader nor writer is thread-safe; use one per thread.
 */
#ifndef PMIS_CSV_H
#define PMIS_CSV_H

#include "core/common.h"
#include "core/err.h"
#include "core/strbuf.h"

enum csv_encoding {
    CSV_ENC_UTF8,    /* UTF-8, with or without a BOM */
    CSV_ENC_GBK,     /* reading: decoded as GB18030 (a superset); writing: strict GBK (cp936) */
    CSV_ENC_GB18030, /* GB 18030-2005: every Unicode character */
};

/**
 * Parse an encoding name as given to `--encoding`: "utf-8"/"utf8", "gbk"/"gb2312"/"cp936",
 * "gb18030" (case-insensitive). ERR_USAGE naming the value on anything else.
 */
int csv_encoding_parse(const char *name, enum csv_encoding *out, struct err *err);
/** The canonical name of an encoding ("utf-8", "gbk", "gb18030"), static. */
const char *csv_encoding_name(enum csv_encoding enc);

#define CSV_MAX_RECORD_DEFAULT ((size_t)1 << 20) /* 1 MiB */

struct csv_options {
    enum csv_encoding encoding;
    char delimiter;    /* ',' when 0 */
    size_t max_record; /* bytes of field data (UTF-8) in one record; default when 0 */
};
#define CSV_OPTIONS_INIT { CSV_ENC_UTF8, ',', 0 }

struct csv_field {
    const char *p; /* UTF-8, NUL-terminated (p[len] == '\0'); may contain embedded NULs */
    size_t len;
};

struct csv_record {
    size_t n;                 /* number of fields, >= 1 */
    struct csv_field *fields; /* fields[0..n-1] */
    uint64_t line;            /* physical line (1-based) where the record starts */
};

/*
 * The reader. Declared here so callers can keep it on the stack; its members are private.
 * Invariants: buf[pos..valid) is decoded UTF-8 still to parse; rec holds the record being built.
 */
struct csv_reader {
    /* source: exactly one of fp, fd >= 0, mem */
    FILE *fp;
    int fd;
    const unsigned char *mem;
    size_t mem_len, mem_pos;

    enum csv_encoding enc;
    char delim;
    size_t max_record;
    void *cd; /* iconv_t, GB18030 -> UTF-8; (void *)-1 when unused */

    /* raw bytes (GB mode only; in UTF-8 mode buf is the raw buffer) */
    unsigned char *raw;
    size_t raw_cap, raw_len, raw_pos;
    uint64_t raw_base; /* source offset (from where reading began) of raw[0] */

    /* decoded UTF-8 */
    unsigned char *buf;
    size_t buf_cap, buf_len, pos, valid;
    uint64_t buf_base; /* UTF-8 mode: source offset of buf[0] */

    uint64_t total; /* bytes from the start position to the end; 0 if unknown */
    uint64_t line;
    int pending;         /* 0, or the input error waiting at buf[valid] */
    uint64_t bad_offset; /* source offset of that error */
    bool src_eof, last_cr, started, any_record;
    uint64_t bytes_read;

    /* the record being built */
    char *rec;
    size_t rec_len, rec_cap;
    size_t *offs; /* per field: start offset in rec, then length */
    size_t offs_cap;
    struct csv_record record;
    size_t fields_cap;

    /* header (csv_read_header) */
    char **names;
    size_t nnames;

    struct err failed; /* sticky error: once set, every call returns it */
};

/**
 * Start reading CSV from `fp` (from its current position) in chunks of 256 KiB; `opts` may be
 * NULL for the defaults. The reader does not own `fp`: the caller closes it after csv_close().
 * Returns 0, or ERR_USAGE for bad options, ERR_INTERNAL if iconv lacks GB18030.
 * csv_close() must be called whether or not this succeeds.
 */
int csv_open_fp(struct csv_reader *r, FILE *fp, const struct csv_options *opts, struct err *err);
/** Same, reading with read(2) from `fd` (not owned, not closed). */
int csv_open_fd(struct csv_reader *r, int fd, const struct csv_options *opts, struct err *err);
/** Same, over `len` bytes at `data` (an uploaded body); `data` must outlive the reader. */
int csv_open_mem(struct csv_reader *r, const void *data, size_t len,
                 const struct csv_options *opts, struct err *err);

/**
 * Read the next record. Returns 1 and sets *out (owned by the reader, valid until the next
 * csv_next/csv_read_header/csv_close), 0 at end of input, or a negative code:
 *   ERR_INVALID  "file is empty" (no record at all), "line 7: unterminated quoted field starting
 *                in column 3", a quote inside an unquoted field, a character after a closing
 *                quote, invalid UTF-8 (naming line, column and byte offset counted from where
 *                reading began, with a hint when the bytes look like GBK) or invalid GBK;
 *   ERR_TOO_LARGE a record longer than max_record bytes (detected without reading further);
 *   ERR_IO       a read error.
 * Columns in messages are 1-based field numbers. Blank lines (no bytes between line breaks)
 * are skipped. CRLF, LF and a lone CR all end a record. After an error every further call
 * returns the same error.
 */
int csv_next(struct csv_reader *r, struct csv_record **out, struct err *err);

/**
 * Read the first record as the header: names are trimmed of ASCII blanks and kept by the
 * reader. ERR_INVALID for an empty file or a duplicate name ("line 1: duplicate column 'x'
 * (columns 2 and 5)"). Call once, before csv_next.
 */
int csv_read_header(struct csv_reader *r, struct err *err);
/** Number of header columns (0 before csv_read_header). */
size_t csv_header_count(const struct csv_reader *r);
/** The name of header column `i` (0-based), or NULL past the end. Owned by the reader. */
const char *csv_header_name(const struct csv_reader *r, size_t i);
/** The 0-based index of the column called `name` (trimmed, case-sensitive), or -1. */
int csv_column(const struct csv_reader *r, const char *name);
/** csv_column, but a missing column is ERR_INVALID "missing column 'x' in the header". */
int csv_require_column(const struct csv_reader *r, const char *name, size_t *idx,
                       struct err *err);

/** ERR_INVALID "line N: expected 12 fields, found 11" unless rec->n == expected. */
int csv_check_fields(const struct csv_record *rec, size_t expected, struct err *err);

/**
 * Progress for progress bars: *done = source bytes consumed so far, *total = source size
 * (from fstat or the buffer length; 0 when unknown, e.g. a pipe). Either pointer may be NULL.
 */
void csv_progress(const struct csv_reader *r, uint64_t *done, uint64_t *total);

/** Free the reader's buffers (not the source). Safe after a failed open and twice. */
void csv_close(struct csv_reader *r);

/* ---- writer ---- */

struct csv_write_options {
    enum csv_encoding encoding;
    char delimiter; /* ',' when 0 */
    bool bom;       /* UTF-8 only: start with EF BB BF (makes Excel detect UTF-8) */
    bool crlf;      /* end records with CRLF (RFC 4180, Excel) instead of LF */
};
#define CSV_WRITE_OPTIONS_INIT { CSV_ENC_UTF8, ',', false, true }

/* The writer; members private. Output goes to exactly one of sb, fp. */
struct csv_writer {
    struct strbuf *sb;
    FILE *fp;
    void *cd; /* iconv_t UTF-8 -> GBK/GB18030, or (void *)-1 */
    char delim;
    bool crlf;
    size_t nfields;     /* fields written in the current record */
    uint64_t nrec;      /* records finished */
    struct strbuf line; /* the current record, UTF-8 */
    struct strbuf conv;
};

/**
 * Start writing CSV by appending to `out` (not owned). Writes the BOM if asked. Returns 0 or
 * ERR_USAGE/ERR_INTERNAL; csv_writer_release() must be called either way.
 */
int csv_writer_init_sb(struct csv_writer *w, struct strbuf *out,
                       const struct csv_write_options *opts, struct err *err);
/** Same, writing to `fp` (not owned, not closed); ERR_IO on a write error. */
int csv_writer_init_fp(struct csv_writer *w, FILE *fp, const struct csv_write_options *opts,
                       struct err *err);
/**
 * Add a field to the current record, quoting it only when it holds the delimiter, a quote,
 * CR or LF, or when it would open the output with U+FEFF (which would read back as a BOM).
 * `s` is UTF-8 of `len` bytes. Never fails (output happens at csv_end_record).
 */
void csv_write_field(struct csv_writer *w, const char *s, size_t len);
/** csv_write_field of a NUL-terminated string. */
void csv_write_fieldstr(struct csv_writer *w, const char *s);
/**
 * End the current record and emit it. ERR_INVALID when a character cannot be encoded in GBK
 * ("record 3: character U+1F600 cannot be written as GBK; use gb18030 or utf-8") or the text
 * is not UTF-8; ERR_IO when writing to the FILE* fails. Nothing of a failed record is emitted.
 */
int csv_end_record(struct csv_writer *w, struct err *err);
/** csv_write_fieldstr for each of `n` NUL-terminated fields, then csv_end_record. */
int csv_write_record(struct csv_writer *w, size_t n, const char *const *fields,
                     struct err *err);
/** Flush a FILE* writer (ERR_IO on failure); a no-op for a strbuf. */
int csv_writer_flush(struct csv_writer *w, struct err *err);
/** Free the writer's buffers (not its output); a record not ended is dropped. */
void csv_writer_release(struct csv_writer *w);

#endif
