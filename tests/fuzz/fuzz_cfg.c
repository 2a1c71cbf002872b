/*
 * Fuzz target for configuration (core/cfg.h). Input: one byte (mode = byte % 3), then:
 *   0  a config file, read with cfg_load_file from a temporary file
 *   1  a `--set name=value` argument for cfg_set_arg (up to the first NUL)
 *   2  environment lines ("PMIS_LOG_LEVEL=debug\n...") for cfg_load_env
 * The text is also given to cfg_mask.
 * Invariants: loading never crashes and fails only with ERR_CONFIG naming the file, flag or
 * variable; whether or not it failed, every effective value is canonical for its type (INT in
 * bounds, BOOL true/false, ENUM one of its choices, PATH non-empty, no control characters) and
 * came from the source that was loaded or the default; cfg_show's text is valid config that
 * reads back to the same values (accepted values show up in it); its JSON parses (jansson) with
 * the same values; cfg_mask keeps UTF-8 valid and hides a URL's password.
 */
#include "core/common.h"
#include "core/cfg.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "fuzz.h"

#include <jansson.h>

static void check_values(const struct cfg *cfg, enum cfg_source src)
{
    size_t n;
    const struct cfg_option *opts = cfg_options(&n);
    for (size_t i = 0; i < n; i++) {
        const struct cfg_option *o = &opts[i];
        const struct cfg_value *v = &cfg->v[i];
        CHECK(v->str, "'%s' has no value", o->name);
        CHECK(v->source == CFG_SRC_DEFAULT || v->source == src, "'%s' from source %d", o->name,
              (int)v->source);
        CHECK(v->source == CFG_SRC_DEFAULT || v->origin, "'%s' has no origin", o->name);
        for (const unsigned char *p = (const unsigned char *)v->str; *p; p++)
            CHECK(*p >= 0x20 || *p == '\t', "'%s' holds control character 0x%02x", o->name, *p);
        switch (o->type) {
        case CFG_INT: {
            char buf[32];
            snprintf(buf, sizeof(buf), "%" PRId64, v->num);
            CHECK(!strcmp(buf, v->str) && v->num >= o->min && v->num <= o->max,
                  "'%s' = '%s' / %" PRId64, o->name, v->str, v->num);
            break;
        }
        case CFG_BOOL:
            CHECK(!strcmp(v->str, v->num ? "true" : "false"), "'%s' = '%s'", o->name, v->str);
            break;
        case CFG_ENUM: {
            /* the num-th choice, exactly */
            const char *p = o->choices;
            for (int64_t k = 0; k < v->num && p; k++) {
                p = strchr(p, '|');
                p = p ? p + 1 : NULL;
            }
            size_t len = strlen(v->str);
            CHECK(p && !strncmp(p, v->str, len) && (p[len] == '|' || !p[len]),
                  "'%s' = '%s' / %" PRId64, o->name, v->str, v->num);
            break;
        }
        case CFG_PATH:
            CHECK(v->str[0], "'%s' is empty", o->name);
            break;
        case CFG_STRING:
            break;
        }
    }
}

/* The text of `config show`, read back as a config file, gives the same values. */
static void check_show_text(const struct cfg *cfg)
{
    struct strbuf text = STRBUF_INIT;
    cfg_show(cfg, &text, false);
    const char *path = fuzz_write_file("show.conf", text.buf, text.len, 0644);
    struct cfg back;
    struct err e = ERR_INIT;
    cfg_init(&back);
    CHECK(cfg_load_file(&back, path, true, &e) == 0, "config show does not read back: %s\n%s",
          e.msg, text.buf);
    size_t n;
    const struct cfg_option *opts = cfg_options(&n);
    for (size_t i = 0; i < n; i++) {
        const char *was = cfg->v[i].str, *now = back.v[i].str;
        struct strbuf masked = STRBUF_INIT, want = STRBUF_INIT;
        cfg_mask(was, opts[i].flags & CFG_F_SECRET, &masked);
        if (strcmp(masked.buf, was)) { /* shown masked: cannot come back */
            strbuf_release(&masked);
            continue;
        }
        if (opts[i].type == CFG_PATH && was[0] != '/')
            strbuf_addf(&want, "%s/", fuzz_dir()); /* relative to the file read */
        strbuf_addstr(&want, was);
        CHECK(!strcmp(want.buf, now), "'%s' was '%s', reads back as '%s'", opts[i].name, was, now);
        CHECK(back.v[i].num == cfg->v[i].num, "'%s' number changed", opts[i].name);
        strbuf_release(&masked);
        strbuf_release(&want);
    }
    cfg_release(&back);
    strbuf_release(&text);
}

/* The JSON of `config show --json` parses, with the same values. */
static void check_show_json(const struct cfg *cfg)
{
    struct strbuf text = STRBUF_INIT;
    cfg_show(cfg, &text, true);
    json_error_t jerr;
    json_t *root = json_loads(text.buf, 0, &jerr);
    CHECK(root, "config show --json is not JSON (%s at %d): %s", jerr.text, jerr.position,
          text.buf);
    json_t *arr = json_object_get(root, "options");
    size_t n;
    const struct cfg_option *opts = cfg_options(&n);
    CHECK(json_is_array(arr) && json_array_size(arr) == n, "options array");
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(arr, i), *v = json_object_get(o, "value");
        CHECK(!strcmp(json_string_value(json_object_get(o, "name")), opts[i].name), "name");
        if (opts[i].type == CFG_INT) {
            CHECK(json_is_integer(v) && json_integer_value(v) == cfg->v[i].num, "'%s' value",
                  opts[i].name);
        } else if (opts[i].type == CFG_BOOL) {
            CHECK(json_is_boolean(v) && json_is_true(v) == (cfg->v[i].num != 0), "'%s' value",
                  opts[i].name);
        } else {
            struct strbuf masked = STRBUF_INIT;
            cfg_mask(cfg->v[i].str, opts[i].flags & CFG_F_SECRET, &masked);
            CHECK(json_is_string(v) && !strcmp(json_string_value(v), masked.buf), "'%s' value",
                  opts[i].name);
            strbuf_release(&masked);
        }
    }
    json_decref(root);
    strbuf_release(&text);
}

static void check_mask(const char *s)
{
    struct strbuf a = STRBUF_INIT;
    cfg_mask(s, false, &a);
    CHECK(fuzz_utf8_valid(a.buf, a.len) || !fuzz_utf8_valid(s, strlen(s)),
          "masking broke UTF-8: '%s'", a.buf);
    /* scheme://user:password@host (letters and digits) shows as scheme://user:***@host */
    static const char alnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    const char *sep = strstr(s, "://");
    size_t nscheme = sep ? strspn(s, alnum) : 0;
    if (sep && nscheme && nscheme == (size_t)(sep - s)) {
        const char *user = sep + 3, *pw = user + strspn(user, alnum);
        const char *at = *pw == ':' ? pw + 1 + strspn(pw + 1, alnum) : NULL;
        if (at && at > pw + 1 && *at == '@' && at[1] && !at[1 + strspn(at + 1, alnum)]) {
            struct strbuf want = STRBUF_INIT;
            strbuf_add(&want, s, (size_t)(pw + 1 - s));
            strbuf_addstr(&want, "***");
            strbuf_addstr(&want, at);
            CHECK(!strcmp(a.buf, want.buf), "'%s' masks as '%s'", s, a.buf);
            strbuf_release(&want);
        }
    }
    strbuf_reset(&a);
    cfg_mask(s, true, &a);
    CHECK(!strcmp(a.buf, *s ? "***" : ""), "secret mask '%s'", a.buf);
    strbuf_release(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int mode = data[0] % 3;
    char *s = fuzz_cstr(data + 1, size - 1);
    struct cfg cfg;
    struct err e = ERR_INIT;
    enum cfg_source src;
    int rc;
    cfg_init(&cfg);
    if (mode == 0) {
        const char *path = fuzz_write_file("input", data + 1, size - 1, 0644);
        src = CFG_SRC_FILE;
        rc = cfg_load_file(&cfg, path, true, &e);
        if (rc)
            CHECK(strstr(e.msg, path), "message '%s' does not name the file", e.msg);
        else
            CHECK(cfg.file && !strcmp(cfg.file, path), "file not recorded");
    } else if (mode == 1) {
        src = CFG_SRC_FLAG;
        rc = cfg_set_arg(&cfg, s, "--set", &e);
        if (rc)
            CHECK(!strncmp(e.msg, "flag --set: ", 12), "message '%s'", e.msg);
    } else {
        /* one variable per line */
        size_t nlines = 1;
        for (const char *p = s; *p; p++)
            nlines += *p == '\n';
        char **envp = calloc(nlines + 1, sizeof(*envp));
        char *lines = xstrdup(s);
        size_t k = 0;
        for (char *p = lines, *nl; p; p = nl ? nl + 1 : NULL) {
            nl = strchr(p, '\n');
            if (nl)
                *nl = '\0';
            envp[k++] = p;
        }
        src = CFG_SRC_ENV;
        rc = cfg_load_env(&cfg, envp, &e);
        if (rc)
            CHECK(!strncmp(e.msg, "env PMIS_", 9), "message '%s'", e.msg);
        free(envp);
        free(lines);
    }
    if (rc)
        CHECK(rc == ERR_CONFIG && e.code == rc, "load returned %d: %s", rc, e.msg);
    check_values(&cfg, src);
    check_show_text(&cfg);
    check_show_json(&cfg);
    check_mask(s);
    cfg_release(&cfg);
    free(s);
    return 0;
}
