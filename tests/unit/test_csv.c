/*
 * Unit tests for core/csv.h: RFC 4180 parsing, line/column errors, encodings (UTF-8 with BOM,
 * GBK through iconv), record size limits and the writer round trip.
 */
#include "core/common.h"
#include "core/csv.h"
#include "core/err.h"
#include "core/strbuf.h"

#include <iconv.h>
#include <setjmp.h>
#include <cmocka.h>

/* Serialize every record as "[line]f1|f2\n", with CR/LF inside fields shown as \r \n. */
static int dump_reader(struct csv_reader *r, struct strbuf *out, struct err *err)
{
    struct csv_record *rec;
    int rc;
    while ((rc = csv_next(r, &rec, err)) == 1) {
        strbuf_addf(out, "[%llu]", (unsigned long long)rec->line);
        for (size_t i = 0; i < rec->n; i++) {
            if (i)
                strbuf_addch(out, '|');
            assert_int_equal(rec->fields[i].p[rec->fields[i].len], '\0');
            for (size_t k = 0; k < rec->fields[i].len; k++) {
                char c = rec->fields[i].p[k];
                if (c == '\n')
                    strbuf_addstr(out, "\\n");
                else if (c == '\r')
                    strbuf_addstr(out, "\\r");
                else
                    strbuf_addch(out, c);
            }
        }
        strbuf_addch(out, '\n');
    }
    return rc;
}

/* Parse `len` bytes with `opts`; returns csv_next's final code, records in `out`. */
static int parse_mem(const char *data, size_t len, const struct csv_options *opts,
                     struct strbuf *out, struct err *err)
{
    struct csv_reader r;
    int rc = csv_open_mem(&r, data, len, opts, err);
    if (!rc)
        rc = dump_reader(&r, out, err);
    csv_close(&r);
    return rc;
}

static void expect_parse(const char *data, const char *want)
{
    struct strbuf out = STRBUF_INIT;
    struct err err = ERR_INIT;
    int rc = parse_mem(data, strlen(data), NULL, &out, &err);
    if (rc)
        fail_msg("unexpected error %d: %s", rc, err.msg);
    assert_string_equal(out.buf, want);
    strbuf_release(&out);
}

static void expect_error(const char *data, size_t len, const struct csv_options *opts, int code,
                         const char *msg_part)
{
    struct strbuf out = STRBUF_INIT;
    struct err err = ERR_INIT;
    int rc = parse_mem(data, len, opts, &out, &err);
    assert_int_equal(rc, code);
    assert_int_equal(err.code, code);
    if (!strstr(err.msg, msg_part))
        fail_msg("message '%s' lacks '%s'", err.msg, msg_part);
    strbuf_release(&out);
}

/* Convert UTF-8 text to `to` with iconv (test helper). */
static void iconv_to(const char *to, const char *utf8, struct strbuf *out)
{
    iconv_t cd = iconv_open(to, "UTF-8");
    assert_true(cd != (iconv_t)-1);
    size_t inleft = strlen(utf8), outleft = 4 * inleft + 16;
    strbuf_grow(out, outleft);
    char *in = (char *)(uintptr_t)utf8, *o = out->buf + out->len;
    assert_int_not_equal(iconv(cd, &in, &inleft, &o, &outleft), (size_t)-1);
    strbuf_setlen(out, (size_t)(o - out->buf));
    iconv_close(cd);
}

static void test_basic(void **state)
{
    (void)state;
    expect_parse("a,b,c\n1,2,3\n", "[1]a|b|c\n[2]1|2|3\n");
    expect_parse(",,\n", "[1]||\n");
    expect_parse("x\n\n\ny\n", "[1]x\n[4]y\n"); /* blank lines skipped, lines still counted */
    expect_parse("a, b ,c \n", "[1]a| b |c \n"); /* spaces are data */
    expect_parse("中文,字段\n", "[1]中文|字段\n");
}

static void test_quoted(void **state)
{
    (void)state;
    expect_parse("name,addr\n\"Zhang, San\",\"line1\nline2\"\n\"say \"\"hi\"\"\",x\nlast,1\n",
                 "[1]name|addr\n[2]Zhang, San|line1\\nline2\n[4]say \"hi\"|x\n[5]last|1\n");
    expect_parse("\"\",\"\"\"\"\n", "[1]|\"\n");
    expect_parse("\"a,b\"\n", "[1]a,b\n");
}

static void test_crlf(void **state)
{
    (void)state;
    expect_parse("a,b\r\n1,2\r\n", "[1]a|b\n[2]1|2\n");
    expect_parse("a,\"x\r\ny\"\r\n2,3\r\n", "[1]a|x\\r\\ny\n[3]2|3\n");
    expect_parse("a\rb\r\rc", "[1]a\n[2]b\n[4]c\n"); /* old Mac line ends */
    expect_parse("a,b\r\n\r\n1,2", "[1]a|b\n[3]1|2\n");
}

static void test_bom_and_eof(void **state)
{
    (void)state;
    expect_parse("\xEF\xBB\xBFid,name\n1,x\n", "[1]id|name\n[2]1|x\n");
    expect_parse("a,b\n1,2", "[1]a|b\n[2]1|2\n");
    expect_parse("a,\"b\"", "[1]a|b\n");
    expect_parse("a,", "[1]a|\n");
    expect_parse("a", "[1]a\n");

    struct csv_reader r;
    struct err err = ERR_INIT;
    const char *data = "\xEF\xBB\xBF id , name\n1,x\n";
    assert_int_equal(csv_open_mem(&r, data, strlen(data), NULL, &err), 0);
    assert_int_equal(csv_read_header(&r, &err), 0);
    assert_int_equal(csv_header_count(&r), 2);
    assert_int_equal(csv_column(&r, "id"), 0);
    assert_int_equal(csv_column(&r, " name"), 1);
    assert_int_equal(csv_column(&r, "Name"), -1);
    size_t idx = 99;
    assert_int_equal(csv_require_column(&r, "name", &idx, &err), 0);
    assert_int_equal(idx, 1);
    assert_int_equal(csv_require_column(&r, "phone", &idx, &err), ERR_INVALID);
    assert_string_equal(err.msg, "missing column 'phone' in the header");
    csv_close(&r);
}

static void test_empty(void **state)
{
    (void)state;
    expect_error("", 0, NULL, ERR_INVALID, "file is empty");
    expect_error("\xEF\xBB\xBF", 3, NULL, ERR_INVALID, "file has no records");
    expect_error("\n\r\n", 3, NULL, ERR_INVALID, "file has no records");

    struct csv_reader r;
    struct err err = ERR_INIT;
    assert_int_equal(csv_open_mem(&r, "", 0, NULL, &err), 0);
    assert_int_equal(csv_read_header(&r, &err), ERR_INVALID);
    assert_string_equal(err.msg, "file is empty");
    csv_close(&r);
}

static void test_field_count_helper(void **state)
{
    (void)state;
    struct csv_reader r;
    struct csv_record *rec;
    struct err err = ERR_INIT;
    const char *data = "a,b,c,d,e,f,g,h,i,j,k,l\n1,2,3,4,5,6,7,8,9,10,11,12\n\"x\ny\",2,3,4,5,6,7,"
                       "8,9,10,11\n";
    assert_int_equal(csv_open_mem(&r, data, strlen(data), NULL, &err), 0);
    assert_int_equal(csv_read_header(&r, &err), 0);
    assert_int_equal(csv_next(&r, &rec, &err), 1);
    assert_int_equal(csv_check_fields(rec, csv_header_count(&r), &err), 0);
    assert_int_equal(csv_next(&r, &rec, &err), 1);
    assert_int_equal(csv_check_fields(rec, 12, &err), ERR_INVALID);
    assert_string_equal(err.msg, "line 3: expected 12 fields, found 11");
    assert_int_equal(csv_next(&r, &rec, &err), 0);
    assert_int_equal(csv_next(&r, &rec, &err), 0);
    csv_close(&r);
}

static void test_duplicate_header(void **state)
{
    (void)state;
    struct csv_reader r;
    struct err err = ERR_INIT;
    const char *data = "id,name,x,y,name\n";
    assert_int_equal(csv_open_mem(&r, data, strlen(data), NULL, &err), 0);
    assert_int_equal(csv_read_header(&r, &err), ERR_INVALID);
    assert_string_equal(err.msg, "line 1: duplicate column 'name' (columns 2 and 5)");
    csv_close(&r);
}

static void test_unterminated_and_stray_quotes(void **state)
{
    (void)state;
    const char *data = "h1,h2,h3\n1,2,3\n1,2,3\n1,2,3\n1,2,3\n1,2,3\n1,2,\"never closed\n4,5,6\n";
    expect_error(data, strlen(data), NULL, ERR_INVALID,
                 "line 7: unterminated quoted field starting in column 3");
    expect_error("a,b\nx,ab\"c\n", 11, NULL, ERR_INVALID,
                 "line 2, column 2: quote in the middle of an unquoted field");
    expect_error("a,\"b\"c\n", 7, NULL, ERR_INVALID,
                 "line 1, column 2: unexpected character after the closing quote");
    expect_error("a, \"b\"\n", 7, NULL, ERR_INVALID, "line 1, column 2: quote in the middle");

    /* the error is sticky, and records before it were returned */
    struct csv_reader r;
    struct csv_record *rec;
    struct err err = ERR_INIT;
    assert_int_equal(csv_open_mem(&r, "ok\nba\"d\nmore\n", 13, NULL, &err), 0);
    assert_int_equal(csv_next(&r, &rec, &err), 1);
    assert_string_equal(rec->fields[0].p, "ok");
    assert_int_equal(csv_next(&r, &rec, &err), ERR_INVALID);
    err_clear(&err);
    assert_int_equal(csv_next(&r, &rec, &err), ERR_INVALID);
    assert_non_null(strstr(err.msg, "line 2, column 1"));
    csv_close(&r);
}

static void test_invalid_utf8_gbk_hint(void **state)
{
    (void)state;
    struct strbuf data = STRBUF_INIT;
    strbuf_addstr(&data, "id,name,addr\n1,");
    iconv_to("GBK", "张三,北京市朝阳区\n", &data);
    expect_error(data.buf, data.len, NULL, ERR_INVALID,
                 "line 2, column 2 (byte offset 15): invalid UTF-8, but the bytes decode as GBK "
                 "(is the file GBK? use --encoding gbk)");

    expect_error("a,b\nc,\xff\xfe\n", 8, NULL, ERR_INVALID,
                 "line 2, column 2 (byte offset 6): invalid UTF-8 byte 0xff");
    expect_error("a,\xc0\xaf\n", 5, NULL, ERR_INVALID, "invalid UTF-8"); /* overlong '/' */
    expect_error("a,\xed\xa0\x80\n", 6, NULL, ERR_INVALID, "invalid UTF-8"); /* surrogate */
    expect_error("a,\xe4\xb8", 4, NULL, ERR_INVALID,
                 "line 1, column 2 (byte offset 2): truncated UTF-8 sequence at end of file");
    /* inside a multi-line quoted field, the line is where the bad byte is */
    expect_error("\"a\nb\nc\xff\"\n", 9, NULL, ERR_INVALID, "line 3, column 1 (byte offset 6)");
    strbuf_release(&data);
}

static void test_gbk_input(void **state)
{
    (void)state;
    struct strbuf data = STRBUF_INIT, out = STRBUF_INIT;
    struct err err = ERR_INIT;
    struct csv_options opts = CSV_OPTIONS_INIT;
    assert_int_equal(csv_encoding_parse("GBK", &opts.encoding, &err), 0);
    assert_int_equal(opts.encoding, CSV_ENC_GBK);
    iconv_to("GBK", "姓名,地址\n张三,北京市朝阳区\n\"李四,\"\"小李\"\"\",\"上海市\n浦东新区\"\n", &data);
    assert_int_equal(parse_mem(data.buf, data.len, &opts, &out, &err), 0);
    assert_string_equal(out.buf, "[1]姓名|地址\n[2]张三|北京市朝阳区\n[3]李四,\"小李\"|上海市\\n浦东新区\n");

    /* GB18030 four-byte characters (㐀 U+3400, 😀 U+1F600) */
    strbuf_reset(&data);
    strbuf_reset(&out);
    iconv_to("GB18030", "㐀,😀\n", &data);
    assert_int_equal(parse_mem(data.buf, data.len, &opts, &out, &err), 0);
    assert_string_equal(out.buf, "[1]㐀|😀\n");

    /* invalid GBK: 0x80 alone, and a truncated pair at the end */
    strbuf_reset(&out);
    assert_int_equal(parse_mem("a\nb,\x80\n", 6, &opts, &out, &err), ERR_INVALID);
    assert_non_null(strstr(err.msg, "line 2, column 2 (byte offset 4): invalid GBK byte 0x80"));
    strbuf_reset(&out);
    assert_int_equal(parse_mem("a,\xd5", 3, &opts, &out, &err), ERR_INVALID);
    assert_non_null(strstr(err.msg, "truncated GBK sequence at end of file"));

    /* a UTF-8 BOM wins over --encoding gbk */
    strbuf_reset(&out);
    assert_int_equal(parse_mem("\xEF\xBB\xBF张三,x\n", 12, &opts, &out, &err), 0);
    assert_string_equal(out.buf, "[1]张三|x\n");

    assert_int_equal(csv_encoding_parse("latin1", &opts.encoding, &err), ERR_USAGE);
    assert_string_equal(err.msg, "unknown encoding 'latin1' (use utf-8, gbk or gb18030)");
    strbuf_release(&data);
    strbuf_release(&out);
}

/* Many rows, so that multi-byte characters straddle the 256 KiB chunk boundaries. */
static void check_big(enum csv_encoding enc)
{
    struct strbuf utf8 = STRBUF_INIT, data = STRBUF_INIT;
    const int rows = 30000;
    for (int i = 0; i < rows; i++)
        strbuf_addf(&utf8, "%d,张三丰,\"北京市\n朝阳区%d号\"\r\n", i, i);
    if (enc == CSV_ENC_UTF8)
        strbuf_add(&data, utf8.buf, utf8.len);
    else
        iconv_to("GB18030", utf8.buf, &data);
    assert_true(data.len > 3 * 256 * 1024 / 2);

    FILE *fp = tmpfile();
    assert_non_null(fp);
    assert_int_equal(fwrite(data.buf, 1, data.len, fp), data.len);
    rewind(fp);
    struct csv_options opts = CSV_OPTIONS_INIT;
    opts.encoding = enc;
    struct csv_reader r;
    struct csv_record *rec;
    struct err err = ERR_INIT;
    assert_int_equal(csv_open_fp(&r, fp, &opts, &err), 0);
    uint64_t done, total;
    csv_progress(&r, &done, &total);
    assert_int_equal(done, 0);
    assert_int_equal(total, data.len);
    int i = 0, rc;
    char want[64];
    while ((rc = csv_next(&r, &rec, &err)) == 1) {
        assert_int_equal(rec->n, 3);
        assert_int_equal(rec->line, (uint64_t)(2 * i + 1));
        snprintf(want, sizeof(want), "北京市\n朝阳区%d号", i);
        assert_string_equal(rec->fields[2].p, want);
        assert_string_equal(rec->fields[1].p, "张三丰");
        i++;
    }
    if (rc)
        fail_msg("%s", err.msg);
    assert_int_equal(i, rows);
    csv_progress(&r, &done, &total);
    assert_int_equal(done, data.len);
    csv_close(&r);
    fclose(fp);
    strbuf_release(&utf8);
    strbuf_release(&data);
}

static void test_chunk_boundaries(void **state)
{
    (void)state;
    check_big(CSV_ENC_UTF8);
    check_big(CSV_ENC_GBK);
}

static void test_record_too_large(void **state)
{
    (void)state;
    struct csv_options opts = CSV_OPTIONS_INIT;
    opts.max_record = 10;
    expect_error("a,b\n0123456789x\n", 16, &opts, ERR_TOO_LARGE,
                 "line 2: record is longer than 10 bytes");
    expect_error("a\n\"0123456789x", 14, &opts, ERR_TOO_LARGE,
                 "is the quoted field starting in column 1 on line 2 unterminated?");
    expect_parse("a,b\n", "[1]a|b\n");
}

static void test_huge_line_fails_fast(void **state)
{
    (void)state;
    const size_t mb = 1 << 20;
    char *chunk = malloc(mb);
    assert_non_null(chunk);
    memset(chunk, 'x', mb);
    FILE *fp = tmpfile();
    assert_non_null(fp);
    fputs("id,name\n", fp);
    for (int i = 0; i < 100; i++)
        assert_int_equal(fwrite(chunk, 1, mb, fp), mb);
    free(chunk);
    rewind(fp);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct csv_reader r;
    struct csv_record *rec;
    struct err err = ERR_INIT;
    assert_int_equal(csv_open_fp(&r, fp, NULL, &err), 0);
    assert_int_equal(csv_next(&r, &rec, &err), 1);
    assert_int_equal(csv_next(&r, &rec, &err), ERR_TOO_LARGE);
    assert_string_equal(err.msg, "line 2: record is longer than 1048576 bytes");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    uint64_t done, total;
    csv_progress(&r, &done, &total);
    assert_int_equal(total, 100 * mb + 8);
    assert_true(done < 2 * mb); /* stopped after ~1 MiB: neither read nor held 100 MB */
    print_message("100 MB line rejected after %.1f KiB in %.1f ms\n", (double)done / 1024,
                  (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
    csv_close(&r);
    fclose(fp);
}

static void test_fd_and_delimiter(void **state)
{
    (void)state;
    FILE *fp = tmpfile();
    assert_non_null(fp);
    fputs("a;\"b;c\"\n1;2\n", fp);
    fflush(fp);
    int fd = fileno(fp);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    struct csv_options opts = CSV_OPTIONS_INIT;
    opts.delimiter = ';';
    struct csv_reader r;
    struct strbuf out = STRBUF_INIT;
    struct err err = ERR_INIT;
    assert_int_equal(csv_open_fd(&r, fd, &opts, &err), 0);
    assert_int_equal(dump_reader(&r, &out, &err), 0);
    assert_string_equal(out.buf, "[1]a|b;c\n[2]1|2\n");
    csv_close(&r);
    csv_close(&r); /* twice is fine */
    fclose(fp);
    strbuf_release(&out);

    opts.delimiter = '"';
    assert_int_equal(csv_open_mem(&r, "a", 1, &opts, &err), ERR_USAGE);
    csv_close(&r);
}

static const char *const tricky[] = {
    "plain", "with,comma", "with \"quotes\"", "multi\nline", "crlf\r\nend", "", " spaced ",
    "中文，全角", "\"", "trailing\r",
};

static void read_back(const char *data, size_t len, const struct csv_options *opts, size_t nrec)
{
    struct csv_reader r;
    struct csv_record *rec;
    struct err err = ERR_INIT;
    assert_int_equal(csv_open_mem(&r, data, len, opts, &err), 0);
    for (size_t k = 0; k < nrec; k++) {
        assert_int_equal(csv_next(&r, &rec, &err), 1);
        assert_int_equal(rec->n, ARRAY_SIZE(tricky));
        for (size_t i = 0; i < rec->n; i++) {
            assert_int_equal(rec->fields[i].len, strlen(tricky[i]));
            assert_memory_equal(rec->fields[i].p, tricky[i], rec->fields[i].len);
        }
    }
    assert_int_equal(csv_next(&r, &rec, &err), 1); /* the lone empty field */
    assert_int_equal(rec->n, 1);
    assert_int_equal(rec->fields[0].len, 0);
    assert_int_equal(csv_next(&r, &rec, &err), 0);
    csv_close(&r);
}

static void test_writer_round_trip(void **state)
{
    (void)state;
    struct strbuf out = STRBUF_INIT;
    struct csv_writer w;
    struct err err = ERR_INIT;
    struct csv_write_options wo = CSV_WRITE_OPTIONS_INIT;
    wo.bom = true;
    assert_int_equal(csv_writer_init_sb(&w, &out, &wo, &err), 0);
    assert_int_equal(csv_write_record(&w, ARRAY_SIZE(tricky), tricky, &err), 0);
    assert_int_equal(csv_write_record(&w, ARRAY_SIZE(tricky), tricky, &err), 0);
    csv_write_fieldstr(&w, "");
    assert_int_equal(csv_end_record(&w, &err), 0);
    csv_writer_release(&w);
    assert_memory_equal(out.buf, "\xEF\xBB\xBFplain,\"with,comma\",\"with \"\"quotes\"\"\"", 36);
    read_back(out.buf, out.len, NULL, 2);

    /* minimal quoting, LF ends */
    strbuf_reset(&out);
    wo = (struct csv_write_options)CSV_WRITE_OPTIONS_INIT;
    wo.crlf = false;
    assert_int_equal(csv_writer_init_sb(&w, &out, &wo, &err), 0);
    const char *simple[] = { "a", "b c", "" };
    assert_int_equal(csv_write_record(&w, 3, simple, &err), 0);
    csv_writer_release(&w);
    assert_string_equal(out.buf, "a,b c,\n");

    /* GBK out, GBK in */
    strbuf_reset(&out);
    wo = (struct csv_write_options)CSV_WRITE_OPTIONS_INIT;
    wo.encoding = CSV_ENC_GBK;
    assert_int_equal(csv_writer_init_sb(&w, &out, &wo, &err), 0);
    assert_int_equal(csv_write_record(&w, ARRAY_SIZE(tricky), tricky, &err), 0);
    csv_write_fieldstr(&w, "");
    assert_int_equal(csv_end_record(&w, &err), 0);
    const char *emoji[] = { "ok", "笑😀" };
    size_t before = out.len;
    assert_int_equal(csv_write_record(&w, 2, emoji, &err), ERR_INVALID);
    assert_string_equal(err.msg, "record 3: character U+1F600 cannot be written as GBK; use "
                                 "gb18030 or utf-8");
    assert_int_equal(out.len, before); /* nothing of the failed record */
    csv_writer_release(&w);
    assert_non_null(memmem(out.buf, out.len, "\xd6\xd0\xce\xc4", 4)); /* 中文 in GBK */
    struct csv_options ro = CSV_OPTIONS_INIT;
    ro.encoding = CSV_ENC_GBK;
    read_back(out.buf, out.len, &ro, 1);

    /* GB18030 takes everything */
    strbuf_reset(&out);
    wo.encoding = CSV_ENC_GB18030;
    assert_int_equal(csv_writer_init_sb(&w, &out, &wo, &err), 0);
    assert_int_equal(csv_write_record(&w, 2, emoji, &err), 0);
    csv_writer_release(&w);
    struct strbuf back = STRBUF_INIT;
    ro.encoding = CSV_ENC_GB18030;
    assert_int_equal(parse_mem(out.buf, out.len, &ro, &back, &err), 0);
    assert_string_equal(back.buf, "[1]ok|笑😀\n");
    strbuf_release(&back);
    strbuf_release(&out);
}

/* A field opening the output with U+FEFF is quoted, else it reads back as a BOM and vanishes
 * (found by fuzz_csv). */
static void test_writer_leading_bom(void **state)
{
    (void)state;
    static const enum csv_encoding encs[] = { CSV_ENC_UTF8, CSV_ENC_GB18030 };
    const char *first[] = { "\xEF\xBB\xBFid", "x" };
    const char *lone[] = { "\xEF\xBB\xBF" };
    for (size_t k = 0; k < ARRAY_SIZE(encs); k++) {
        struct strbuf out = STRBUF_INIT, back = STRBUF_INIT;
        struct csv_writer w;
        struct err err = ERR_INIT;
        struct csv_write_options wo = CSV_WRITE_OPTIONS_INIT;
        wo.encoding = encs[k];
        wo.crlf = false;
        assert_int_equal(csv_writer_init_sb(&w, &out, &wo, &err), 0);
        assert_int_equal(csv_write_record(&w, 2, first, &err), 0);
        assert_int_equal(csv_write_record(&w, 2, first, &err), 0);
        assert_int_equal(csv_write_record(&w, 1, lone, &err), 0);
        csv_writer_release(&w);
        if (encs[k] == CSV_ENC_UTF8) /* only where it would open the file */
            assert_string_equal(out.buf, "\"\xEF\xBB\xBFid\",x\n"
                                         "\xEF\xBB\xBFid,x\n\xEF\xBB\xBF\n");
        struct csv_options ro = CSV_OPTIONS_INIT;
        ro.encoding = encs[k];
        assert_int_equal(parse_mem(out.buf, out.len, &ro, &back, &err), 0);
        assert_string_equal(back.buf, "[1]\xEF\xBB\xBFid|x\n[2]\xEF\xBB\xBFid|x\n"
                                      "[3]\xEF\xBB\xBF\n");
        strbuf_release(&out);
        strbuf_release(&back);
    }
}

static void test_writer_file(void **state)
{
    (void)state;
    FILE *fp = tmpfile();
    assert_non_null(fp);
    struct csv_writer w;
    struct err err = ERR_INIT;
    assert_int_equal(csv_writer_init_fp(&w, fp, NULL, &err), 0);
    for (int i = 0; i < 1000; i++) {
        char num[16];
        snprintf(num, sizeof(num), "%d", i);
        const char *f[] = { num, "张三", "a\"b" };
        assert_int_equal(csv_write_record(&w, 3, f, &err), 0);
    }
    assert_int_equal(csv_writer_flush(&w, &err), 0);
    csv_writer_release(&w);
    rewind(fp);
    struct csv_reader r;
    struct csv_record *rec;
    assert_int_equal(csv_open_fp(&r, fp, NULL, &err), 0);
    int n = 0;
    while (csv_next(&r, &rec, &err) == 1) {
        assert_int_equal(rec->n, 3);
        assert_int_equal(strtol(rec->fields[0].p, NULL, 10), n);
        assert_string_equal(rec->fields[2].p, "a\"b");
        n++;
    }
    assert_int_equal(n, 1000);
    csv_close(&r);
    fclose(fp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_quoted),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_bom_and_eof),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_field_count_helper),
        cmocka_unit_test(test_duplicate_header),
        cmocka_unit_test(test_unterminated_and_stray_quotes),
        cmocka_unit_test(test_invalid_utf8_gbk_hint),
        cmocka_unit_test(test_gbk_input),
        cmocka_unit_test(test_chunk_boundaries),
        cmocka_unit_test(test_record_too_large),
        cmocka_unit_test(test_huge_line_fails_fast),
        cmocka_unit_test(test_fd_and_delimiter),
        cmocka_unit_test(test_writer_round_trip),
        cmocka_unit_test(test_writer_leading_bom),
        cmocka_unit_test(test_writer_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
