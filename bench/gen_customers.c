/*
 * gen_customers N [SEED] [> FILE.csv]: write N demo customers as a `pmis import customers` CSV
 * (cust_no,name,user_type,voltage,address,org,phone,id_type,id_no,opened_on,important) to
 * stdout. Customer `seq` is demo_customer(seed, seq) with its station drawn by weight from
 * its own stream, so bench_search can remake any row from (seed, seq) without the file.
 * The org codes are demo_orgs()'; load them first with `pmis demo --customers 0`.
 */
#include "core/common.h"
#include "core/err.h"
#include "domain/demo_data.h"

/* RFC 4180 minimal quoting; demo text has no quotes or line breaks, but stay correct. */
static void field(FILE *fp, const char *s, bool last)
{
    if (strpbrk(s, ",\"\r\n")) {
        putc('"', fp);
        for (; *s; s++) {
            if (*s == '"')
                putc('"', fp);
            putc(*s, fp);
        }
        putc('"', fp);
    } else {
        fputs(s, fp);
    }
    putc(last ? '\n' : ',', fp);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3)
        die("usage: gen_customers N [SEED]");
    char *end;
    long long n = strtoll(argv[1], &end, 10);
    if (*end || n < 0 || n > DEMO_MAX_SEQ + 1)
        die("gen_customers: N must be 0..%" PRId64, DEMO_MAX_SEQ + 1);
    unsigned long long seed = argc == 3 ? strtoull(argv[2], &end, 10) : 2025;
    if (argc == 3 && *end)
        die("gen_customers: bad seed '%s'", argv[2]);

    static char obuf[1 << 20]; /* one write(2) per MiB */
    setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
    struct demo_gen g;
    struct err err = ERR_INIT;
    demo_gen_init(&g, seed);
    fputs("cust_no,name,user_type,voltage,address,org,phone,id_type,id_no,opened_on,important\n",
          stdout);
    for (int64_t seq = 0; seq < n; seq++) {
        struct demo_customer d;
        if (demo_customer(&g, seq, NULL, &d, &err))
            die_err(&err);
        field(stdout, d.cust_no, false);
        field(stdout, d.name, false);
        field(stdout, d.user_type, false);
        field(stdout, d.voltage, false);
        field(stdout, d.address, false);
        field(stdout, d.station->code, false);
        field(stdout, d.phone, false);
        field(stdout, d.id_number[0] ? d.id_type : "", false);
        field(stdout, d.id_number, false);
        field(stdout, d.opened_on, false);
        field(stdout, d.important ? "1" : "0", true);
    }
    if (fflush(stdout) || ferror(stdout))
        die("gen_customers: write error: %s", strerror(errno));
    return 0;
}
