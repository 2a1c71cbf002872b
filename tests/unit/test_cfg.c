/*
 * Unit tests for core/cfg: defaults, the file syntax, precedence default < file < env < flag,
 * every error message, the PMIS_DB alias, `config show` and secret masking. Runs in a private
 * temporary directory so that ./pmis.conf is under the test's control.
 */
#include "core/common.h"
#include "core/cfg.h"
#include "core/log.h"

#include <jansson.h>
#include <setjmp.h>
#include <sys/stat.h>
#include <cmocka.h>

static char tmpdir[64];
static char oldcwd[4096];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

/* Load `text` as ./pmis.conf into a fresh cfg; returns cfg_load_file's result. */
static int load_text(struct cfg *cfg, const char *text, struct err *err)
{
    write_file("pmis.conf", text);
    cfg_init(cfg);
    return cfg_load_file(cfg, "pmis.conf", true, err);
}

static void expect_file_error(const char *text, const char *msg)
{
    struct cfg cfg;
    struct err err = ERR_INIT;
    assert_int_equal(load_text(&cfg, text, &err), ERR_CONFIG);
    assert_int_equal(err.code, ERR_CONFIG);
    assert_string_equal(err.msg, msg);
    cfg_release(&cfg);
}

static void test_defaults(void **state)
{
    UNUSED(state);
    struct cfg cfg;
    cfg_init(&cfg);
    assert_string_equal(cfg_str(&cfg, CFG_DB_URL), "sqlite:pmis.db");
    assert_string_equal(cfg_str(&cfg, CFG_KEYS_FILE), "pmis.keys");
    assert_string_equal(cfg_str(&cfg, CFG_BUSINESS_ZONE), "Asia/Shanghai");
    assert_string_equal(cfg_str(&cfg, CFG_LOG_LEVEL), "info");
    assert_int_equal(cfg_enum(&cfg, CFG_LOG_LEVEL), LOG_INFO);
    assert_int_equal(cfg_enum(&cfg, CFG_LOG_FORMAT), 0);
    assert_int_equal(cfg_int(&cfg, CFG_IMPORT_MAX_RECORD_BYTES), 1048576);
    assert_int_equal(cfg_int(&cfg, CFG_SEARCH_PAGE_SIZE), 50);
    assert_string_equal(cfg_str(&cfg, CFG_SEARCH_PAGE_SIZE), "50");
    assert_string_equal(cfg_str(&cfg, CFG_SERVER_LISTEN), "127.0.0.1:8080");
    assert_string_equal(cfg_str(&cfg, CFG_AUDIT_ACTOR_DEFAULT), "");
    for (int i = 0; i < CFG__COUNT; i++)
        assert_int_equal(cfg_source_of(&cfg, (enum cfg_id)i), CFG_SRC_DEFAULT);
    assert_null(cfg.file);
    cfg_release(&cfg);
}

static void test_table(void **state)
{
    UNUSED(state);
    size_t n;
    const struct cfg_option *o = cfg_options(&n);
    assert_int_equal(n, CFG__COUNT);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(strchr(o[i].name, '.'));
        assert_true(strlen(o[i].help) > 0);
        assert_int_equal(cfg_lookup(o[i].name), (int)i);
        for (size_t j = 0; j < i; j++)
            assert_true(strcmp(o[i].name, o[j].name) != 0);
    }
    assert_int_equal(cfg_lookup("LOG.Level"), CFG_LOG_LEVEL);
    assert_int_equal(cfg_lookup("log.levels"), -1);
    assert_int_equal(o[CFG_SEARCH_PAGE_SIZE].min, 1);
    assert_int_equal(o[CFG_SEARCH_PAGE_SIZE].max, 1000);
}

static void test_file_syntax(void **state)
{
    UNUSED(state);
    struct cfg cfg;
    struct err err = ERR_INIT;
    int rc = load_text(&cfg,
                       "\xef\xbb\xbf# pmis test configuration\r\n"
                       "\n"
                       "   # indented comment\n"
                       "log.level=debug\n"
                       "[db]\n"
                       "url = sqlite:x.db   # inline comment\n"
                       "[ search ]  # a section\n"
                       "page_size = \"200\"\n"
                       "[server]\n"
                       "listen = \"0.0.0.0:80 # not a comment\"  # but this is\n"
                       "[audit]\n"
                       "actor_default = \"say \\\"hi\\\" \\\\ bye\"\n"
                       "[business]\n"
                       "zone = Asia/Ur#umqi\n"
                       "[log]\n"
                       "FORMAT = JSON\n",
                       &err);
    assert_int_equal(rc, 0);
    assert_string_equal(cfg_str(&cfg, CFG_LOG_LEVEL), "debug");
    assert_string_equal(cfg_str(&cfg, CFG_DB_URL), "sqlite:x.db");
    assert_int_equal(cfg_int(&cfg, CFG_SEARCH_PAGE_SIZE), 200);
    assert_string_equal(cfg_str(&cfg, CFG_SERVER_LISTEN), "0.0.0.0:80 # not a comment");
    assert_string_equal(cfg_str(&cfg, CFG_AUDIT_ACTOR_DEFAULT), "say \"hi\" \\ bye");
    assert_string_equal(cfg_str(&cfg, CFG_BUSINESS_ZONE), "Asia/Ur#umqi");
    assert_string_equal(cfg_str(&cfg, CFG_LOG_FORMAT), "json"); /* canonical case */
    assert_int_equal(cfg_enum(&cfg, CFG_LOG_FORMAT), 1);
    assert_int_equal(cfg_source_of(&cfg, CFG_DB_URL), CFG_SRC_FILE);
    assert_string_equal(cfg.v[CFG_DB_URL].origin, "pmis.conf:6");
    assert_string_equal(cfg.v[CFG_LOG_LEVEL].origin, "pmis.conf:4");
    assert_string_equal(cfg.file, "pmis.conf");
    assert_int_equal(cfg_source_of(&cfg, CFG_KEYS_FILE), CFG_SRC_DEFAULT);
    cfg_release(&cfg);
}

/* "[db]\nurl = x" is the same as "db.url = x"; a later line wins; empty values are allowed. */
static void test_sections_equivalent(void **state)
{
    UNUSED(state);
    struct cfg a, b;
    struct err err = ERR_INIT;
    assert_int_equal(load_text(&a, "[db]\nurl = sqlite:x.db\n", &err), 0);
    assert_int_equal(load_text(&b, "db.url = sqlite:x.db\n", &err), 0);
    assert_string_equal(cfg_str(&a, CFG_DB_URL), cfg_str(&b, CFG_DB_URL));
    cfg_release(&a);
    cfg_release(&b);

    assert_int_equal(load_text(&a, "[db]\nurl = one\nurl = two\n[audit]\nactor_default =\n",
                               &err), 0);
    assert_string_equal(cfg_str(&a, CFG_DB_URL), "two");
    assert_string_equal(a.v[CFG_DB_URL].origin, "pmis.conf:3");
    assert_string_equal(cfg_str(&a, CFG_AUDIT_ACTOR_DEFAULT), "");
    assert_int_equal(cfg_source_of(&a, CFG_AUDIT_ACTOR_DEFAULT), CFG_SRC_FILE);
    cfg_release(&a);
}

static void test_file_errors(void **state)
{
    UNUSED(state);
    expect_file_error("# comment\n\n\n\n\n\nlog.level = loud\n",
                      "pmis.conf:7: 'log.level' must be one of debug, info, warn, error, "
                      "not 'loud'");
    expect_file_error("log.levle = info\n",
                      "pmis.conf:1: unknown option 'log.levle' (did you mean 'log.level'?)");
    expect_file_error("url = sqlite:x.db\n",
                      "pmis.conf:1: unknown option 'url' (did you mean 'db.url'?)");
    expect_file_error("[db]\nlevel = info\n",
                      "pmis.conf:2: unknown option 'db.level'");
    expect_file_error("\nimport.max_record_bytes = 10k\n",
                      "pmis.conf:2: 'import.max_record_bytes' must be an integer, not '10k'");
    expect_file_error("import.max_record_bytes =\n",
                      "pmis.conf:1: 'import.max_record_bytes' must be an integer, not ''");
    expect_file_error("[search]\npage_size = 5000\n",
                      "pmis.conf:2: 'search.page_size' must be between 1 and 1000, not '5000'");
    expect_file_error("search.page_size = 0\n",
                      "pmis.conf:1: 'search.page_size' must be between 1 and 1000, not '0'");
    expect_file_error("import.max_record_bytes = 99999999999999999999\n",
                      "pmis.conf:1: 'import.max_record_bytes' must be between 1024 and "
                      "1073741824, not '99999999999999999999'");
    expect_file_error("keys.file = \"\"\n", "pmis.conf:1: 'keys.file' must not be empty");
    expect_file_error("log.level\n",
                      "pmis.conf:1: expected 'name = value', not 'log.level'");
    expect_file_error("= info\n", "pmis.conf:1: bad option name ''");
    expect_file_error("[db\nurl = x\n", "pmis.conf:1: bad section header '[db'");
    expect_file_error("[]\n", "pmis.conf:1: bad section name ''");
    expect_file_error("db.url = \"sqlite:x.db\n", "pmis.conf:1: unterminated quoted value");
    expect_file_error("db.url = \"a\" b\n",
                      "pmis.conf:1: unexpected text 'b' after quoted value");
    expect_file_error("db.url = \"a\\qb\"\n",
                      "pmis.conf:1: unknown escape '\\q' in quoted value");
    expect_file_error("log.level = info\ndb.url = caf\xe9\n", "pmis.conf:2: invalid UTF-8");
    expect_file_error("db.url = \xed\xa0\x80\n", "pmis.conf:1: invalid UTF-8"); /* surrogate */
    expect_file_error("db.url = a\x01" "b\n",
                      "pmis.conf:1: 'db.url' must not contain control characters");
}

static void test_missing_file(void **state)
{
    UNUSED(state);
    struct cfg cfg;
    struct err err = ERR_INIT;
    cfg_init(&cfg);
    assert_int_equal(cfg_load_file(&cfg, "nope.conf", false, &err), 0);
    assert_null(cfg.file);
    assert_int_equal(cfg_load_file(&cfg, "nope.conf", true, &err), ERR_CONFIG);
    assert_string_equal(err.msg, "config file 'nope.conf' does not exist");

    /* named by --config or PMIS_CONFIG: must exist; the implicit ./pmis.conf may be absent */
    char *env_cfg[] = { "PMIS_CONFIG=gone.conf", NULL };
    char *env_none[] = { "HOME=/", NULL };
    assert_int_equal(cfg_load(&cfg, "missing.conf", env_none, &err), ERR_CONFIG);
    assert_string_equal(err.msg, "flag --config: config file 'missing.conf' does not exist");
    assert_int_equal(cfg_load(&cfg, NULL, env_cfg, &err), ERR_CONFIG);
    assert_string_equal(err.msg, "env PMIS_CONFIG: config file 'gone.conf' does not exist");
    unlink("pmis.conf");
    assert_int_equal(cfg_load(&cfg, NULL, env_none, &err), 0);
    assert_null(cfg.file);
    cfg_release(&cfg);

    /* a directory is not a config file */
    assert_int_equal(mkdir("adir", 0700), 0);
    cfg_init(&cfg);
    assert_int_equal(cfg_load_file(&cfg, "adir", true, &err), ERR_CONFIG);
    assert_non_null(strstr(err.msg, "config file 'adir'"));
    cfg_release(&cfg);
    rmdir("adir");
}

static void test_cfg_load_chooses_file(void **state)
{
    UNUSED(state);
    struct cfg cfg;
    struct err err = ERR_INIT;
    write_file("pmis.conf", "search.page_size = 11\n");
    write_file("other.conf", "search.page_size = 22\n");
    write_file("third.conf", "search.page_size = 33\n");
    char *env_none[] = { NULL };
    char *env_cfg[] = { "PMIS_CONFIG=other.conf", NULL };

    cfg_init(&cfg);
    assert_int_equal(cfg_load(&cfg, NULL, env_none, &err), 0);
    assert_int_equal(cfg_int(&cfg, CFG_SEARCH_PAGE_SIZE), 11);
    assert_string_equal(cfg.file, "pmis.conf");
    cfg_release(&cfg);

    cfg_init(&cfg);
    assert_int_equal(cfg_load(&cfg, NULL, env_cfg, &err), 0);
    assert_int_equal(cfg_int(&cfg, CFG_SEARCH_PAGE_SIZE), 22);
    cfg_release(&cfg);

    cfg_init(&cfg);
    assert_int_equal(cfg_load(&cfg, "third.conf", env_cfg, &err), 0);
    assert_int_equal(cfg_int(&cfg, CFG_SEARCH_PAGE_SIZE), 33);
    assert_string_equal(cfg.file, "third.conf");
    cfg_release(&cfg);
    unlink("pmis.conf");
    unlink("other.conf");
    unlink("third.conf");
}

static void test_precedence(void **state)
{
    UNUSED(state);
    struct cfg cfg;
    struct err err = ERR_INIT;
    write_file("pmis.conf", "[search]\npage_size = 10\n[log]\nlevel = warn\n[import]\n"
                            "max_record_bytes = 2048\n");
    char *env[] = { "PMIS_SEARCH_PAGE_SIZE=20", "PMIS_LOG_LEVEL=debug", NULL };

    cfg_init(&cfg);
    assert_int_equal(cfg_load(&cfg, NULL, env, &err), 0);
    assert_int_equal(cfg_set(&cfg, "search.page_size", "30", "--page-size", &err), 0);
    assert_int_equal(cfg_int(&cfg, CFG_SEARCH_PAGE_SIZE), 30);             /* flag */
    assert_string_equal(cfg_str(&cfg, CFG_LOG_LEVEL), "debug");            /* env */
    assert_int_equal(cfg_int(&cfg, CFG_IMPORT_MAX_RECORD_BYTES), 2048);    /* file */
    assert_string_equal(cfg_str(&cfg, CFG_LOG_FORMAT), "text");            /* default */
    assert_int_equal(cfg_source_of(&cfg, CFG_SEARCH_PAGE_SIZE), CFG_SRC_FLAG);
    assert_int_equal(cfg_source_of(&cfg, CFG_LOG_LEVEL), CFG_SRC_ENV);
    assert_int_equal(cfg_source_of(&cfg, CFG_IMPORT_MAX_RECORD_BYTES), CFG_SRC_FILE);
    assert_string_equal(cfg.v[CFG_LOG_LEVEL].origin, "PMIS_LOG_LEVEL");
    assert_string_equal(cfg.v[CFG_SEARCH_PAGE_SIZE].origin, "--page-size");
    cfg_release(&cfg);

    /* the order of the calls does not matter: a lower source never replaces a higher one */
    cfg_init(&cfg);
    assert_int_equal(cfg_set(&cfg, "search.page_size", "30", NULL, &err), 0);
    assert_int_equal(cfg_load_env(&cfg, env, &err), 0);
    assert_int_equal(cfg_load_file(&cfg, "pmis.conf", true, &err), 0);
    assert_int_equal(cfg_int(&cfg, CFG_SEARCH_PAGE_SIZE), 30);
    assert_string_equal(cfg_str(&cfg, CFG_LOG_LEVEL), "debug");
    assert_int_equal(cfg_int(&cfg, CFG_IMPORT_MAX_RECORD_BYTES), 2048);
    assert_null(cfg.v[CFG_SEARCH_PAGE_SIZE].origin);
    cfg_release(&cfg);
    unlink("pmis.conf");
}

static void test_env(void **state)
{
    UNUSED(state);
    struct cfg cfg;
    struct err err = ERR_INIT;
    char *env[] = { "PATH=/bin", "PMIS_LOG_LEVEL=warn", "PMIS_LOG_FORMAT=",
                    "PMIS_KEYS_FILE=/etc/pmis/pmis.keys", "PMIS_TEST_PG=whatever",
                    "PMIS_CONFIG=ignored-here", "PMIS_IMPORT_MAX_RECORD_BYTES=4096", NULL };
    cfg_init(&cfg);
    assert_int_equal(cfg_load_env(&cfg, env, &err), 0);
    assert_int_equal(cfg_enum(&cfg, CFG_LOG_LEVEL), LOG_WARN);
    assert_string_equal(cfg_str(&cfg, CFG_LOG_FORMAT), "text"); /* empty counts as unset */
    assert_int_equal(cfg_source_of(&cfg, CFG_LOG_FORMAT), CFG_SRC_DEFAULT);
    assert_string_equal(cfg_str(&cfg, CFG_KEYS_FILE), "/etc/pmis/pmis.keys");
    assert_int_equal(cfg_int(&cfg, CFG_IMPORT_MAX_RECORD_BYTES), 4096);
    cfg_release(&cfg);

    /* the process environment when envp is NULL */
    setenv("PMIS_SEARCH_PAGE_SIZE", "77", 1);
    cfg_init(&cfg);
    assert_int_equal(cfg_load_env(&cfg, NULL, &err), 0);
    assert_int_equal(cfg_int(&cfg, CFG_SEARCH_PAGE_SIZE), 77);
    cfg_release(&cfg);
    unsetenv("PMIS_SEARCH_PAGE_SIZE");
}

static void expect_env_error(char **env, const char *msg)
{
    struct cfg cfg;
    struct err err = ERR_INIT;
    cfg_init(&cfg);
    assert_int_equal(cfg_load_env(&cfg, env, &err), ERR_CONFIG);
    assert_string_equal(err.msg, msg);
    cfg_release(&cfg);
}

static void test_env_errors(void **state)
{
    UNUSED(state);
    char *e1[] = { "PMIS_LOG_LEVEL=loud", NULL };
    expect_env_error(e1, "env PMIS_LOG_LEVEL: 'log.level' must be one of debug, info, warn, "
                         "error, not 'loud'");
    char *e2[] = { "PMIS_SEARCH_PAGE_SIZE=1001", NULL };
    expect_env_error(e2, "env PMIS_SEARCH_PAGE_SIZE: 'search.page_size' must be between 1 and "
                         "1000, not '1001'");
    char *e3[] = { "PMIS_IMPORT_MAX_RECORD_BYTES=many", NULL };
    expect_env_error(e3, "env PMIS_IMPORT_MAX_RECORD_BYTES: 'import.max_record_bytes' must be an "
                         "integer, not 'many'");
    char *e4[] = { "PMIS_LOG_LEVLE=info", NULL };
    expect_env_error(e4, "env PMIS_LOG_LEVLE: unknown option 'log.levle' (did you mean "
                         "PMIS_LOG_LEVEL?)");
    char *e5[] = { "PMIS_IMPORT_BATCH=5", NULL };
    expect_env_error(e5, "env PMIS_IMPORT_BATCH: unknown option 'import.batch'");
    char *e6[] = { "PMIS_DB=postgresql://u:pw@h/db", "PMIS_DB_URL=bad\x01", NULL };
    expect_env_error(e6, "env PMIS_DB_URL: 'db.url' must not contain control characters");
    char *e7[] = { "PMIS_DB_URL=sqlite:\xb5\xe7.db", NULL };
    expect_env_error(e7, "env PMIS_DB_URL: 'db.url' must be valid UTF-8");
}

static void test_db_alias(void **state)
{
    UNUSED(state);
    struct cfg cfg;
    struct err err = ERR_INIT;
    char *alias[] = { "PMIS_DB=postgresql://pmis@db1/pmis", NULL };
    cfg_init(&cfg);
    assert_int_equal(cfg_load_env(&cfg, alias, &err), 0);
    assert_string_equal(cfg_str(&cfg, CFG_DB_URL), "postgresql://pmis@db1/pmis");
    assert_int_equal(cfg_source_of(&cfg, CFG_DB_URL), CFG_SRC_ENV);
    assert_string_equal(cfg.v[CFG_DB_URL].origin, "PMIS_DB");
    cfg_release(&cfg);

    /* the full name wins over the alias whatever the order of the environment */
    char *both1[] = { "PMIS_DB=sqlite:alias.db", "PMIS_DB_URL=sqlite:full.db", NULL };
    char *both2[] = { "PMIS_DB_URL=sqlite:full.db", "PMIS_DB=sqlite:alias.db", NULL };
    char **envs[] = { both1, both2 };
    for (int i = 0; i < 2; i++) {
        cfg_init(&cfg);
        assert_int_equal(cfg_load_env(&cfg, envs[i], &err), 0);
        assert_string_equal(cfg_str(&cfg, CFG_DB_URL), "sqlite:full.db");
        assert_string_equal(cfg.v[CFG_DB_URL].origin, "PMIS_DB_URL");
        cfg_release(&cfg);
    }

    /* and `--db` beats both */
    cfg_init(&cfg);
    assert_int_equal(cfg_set(&cfg, "db.url", "sqlite:flag.db", "--db", &err), 0);
    assert_int_equal(cfg_load_env(&cfg, both1, &err), 0);
    assert_string_equal(cfg_str(&cfg, CFG_DB_URL), "sqlite:flag.db");
    cfg_release(&cfg);
}

static void test_flags(void **state)
{
    UNUSED(state);
    struct cfg cfg;
    struct err err = ERR_INIT;
    cfg_init(&cfg);
    assert_int_equal(cfg_set(&cfg, "db.url", "sqlite:a.db", "--db", &err), 0);
    assert_int_equal(cfg_set_arg(&cfg, "log.level=error", "--set", &err), 0);
    assert_int_equal(cfg_enum(&cfg, CFG_LOG_LEVEL), LOG_ERROR);
    assert_int_equal(cfg_set_arg(&cfg, "server.listen=[::1]:9090=x", NULL, &err), 0);
    assert_string_equal(cfg_str(&cfg, CFG_SERVER_LISTEN), "[::1]:9090=x");

    assert_int_equal(cfg_set(&cfg, "log.level", "loud", "--log-level", &err), ERR_CONFIG);
    assert_string_equal(err.msg, "flag --log-level: 'log.level' must be one of debug, info, "
                                 "warn, error, not 'loud'");
    assert_int_equal(cfg_enum(&cfg, CFG_LOG_LEVEL), LOG_ERROR); /* unchanged by a bad value */
    assert_int_equal(cfg_set(&cfg, "search.pagesize", "5", NULL, &err), ERR_CONFIG);
    assert_string_equal(err.msg, "flag: unknown option 'search.pagesize' "
                                 "(did you mean 'search.page_size'?)");
    assert_int_equal(cfg_set(&cfg, "search.page_size", "-1", "--set", &err), ERR_CONFIG);
    assert_string_equal(err.msg, "flag --set: 'search.page_size' must be between 1 and 1000, "
                                 "not '-1'");
    assert_int_equal(cfg_set_arg(&cfg, "log.level", "--set", &err), ERR_CONFIG);
    assert_string_equal(err.msg, "flag --set: expected 'name=value', not 'log.level'");
    assert_int_equal(cfg_set_arg(&cfg, "=x", NULL, &err), ERR_CONFIG);
    assert_string_equal(err.msg, "flag: expected 'name=value', not '=x'");

    /* a label may already say "flag" */
    assert_int_equal(cfg_set(&cfg, "db.url", "sqlite:b.db", "flag --db", &err), 0);
    assert_string_equal(cfg.v[CFG_DB_URL].origin, "--db");
    assert_int_equal(cfg_set(&cfg, "search.page_size", "x", "flag --set", &err), ERR_CONFIG);
    assert_string_equal(err.msg, "flag --set: 'search.page_size' must be an integer, not 'x'");
    assert_int_equal(cfg_set(&cfg, "log.format", "json", "flag", &err), 0);
    assert_null(cfg.v[CFG_LOG_FORMAT].origin);

    /* flags are UTF-8 like files, or `config show --json` is not JSON (found by fuzz_cfg) */
    assert_int_equal(cfg_set_arg(&cfg, "audit.actor_default=\xd5\xc5\xc8\xfd", "--set", &err),
                     ERR_CONFIG); /* 张三 in GBK */
    assert_string_equal(err.msg, "flag --set: 'audit.actor_default' must be valid UTF-8");
    assert_int_equal(cfg_set(&cfg, "log.level", "info\xff", NULL, &err), ERR_CONFIG);
    assert_string_equal(err.msg, "flag: 'log.level' must be valid UTF-8");
    assert_int_equal(cfg_set(&cfg, "audit.actor_default", "张三", NULL, &err), 0);
    cfg_release(&cfg);
}

static void test_relative_paths(void **state)
{
    UNUSED(state);
    struct cfg cfg;
    struct err err = ERR_INIT;
    assert_int_equal(mkdir("etc", 0700), 0);
    write_file("etc/pmis.conf", "keys.file = secret/pmis.keys\ndb.url = sqlite:pmis.db\n");
    cfg_init(&cfg);
    assert_int_equal(cfg_load_file(&cfg, "etc/pmis.conf", true, &err), 0);
    assert_string_equal(cfg_str(&cfg, CFG_KEYS_FILE), "etc/secret/pmis.keys");
    assert_string_equal(cfg_str(&cfg, CFG_DB_URL), "sqlite:pmis.db"); /* strings untouched */
    cfg_release(&cfg);

    write_file("etc/pmis.conf", "keys.file = /abs/pmis.keys\n");
    cfg_init(&cfg);
    assert_int_equal(cfg_load_file(&cfg, "etc/pmis.conf", true, &err), 0);
    assert_string_equal(cfg_str(&cfg, CFG_KEYS_FILE), "/abs/pmis.keys");
    cfg_release(&cfg);
    unlink("etc/pmis.conf");
    rmdir("etc");

    /* a file in the working directory, and values from env or flags, stay as written */
    write_file("pmis.conf", "keys.file = k/pmis.keys\n");
    cfg_init(&cfg);
    assert_int_equal(cfg_load_file(&cfg, "pmis.conf", true, &err), 0);
    assert_string_equal(cfg_str(&cfg, CFG_KEYS_FILE), "k/pmis.keys");
    cfg_release(&cfg);
    unlink("pmis.conf");
}

static void expect_mask(const char *in, bool secret, const char *out)
{
    struct strbuf sb = STRBUF_INIT;
    cfg_mask(in, secret, &sb);
    assert_string_equal(sb.buf, out);
    strbuf_release(&sb);
}

static void test_mask(void **state)
{
    UNUSED(state);
    expect_mask("postgresql://u:pw@h/db", false, "postgresql://u:***@h/db");
    expect_mask("postgresql://u:p@ss/w0rd@h:5432/db?sslmode=require", false,
                "postgresql://u:***@h:5432/db?sslmode=require");
    expect_mask("postgresql://u@h/db", false, "postgresql://u@h/db");
    expect_mask("postgresql://h/db?user=u&password=s3cret&sslmode=require", false,
                "postgresql://h/db?user=u&password=***&sslmode=require");
    expect_mask("host=h user=u password='a b' dbname=d", false,
                "host=h user=u password=*** dbname=d");
    expect_mask("host=h PASSWORD=x", false, "host=h PASSWORD=***");
    expect_mask("sqlite:pmis.db", false, "sqlite:pmis.db");
    expect_mask("sqlite:///tmp/a@b:c.db", false, "sqlite:///tmp/a@b:c.db");
    expect_mask("127.0.0.1:8080", false, "127.0.0.1:8080");
    expect_mask("nopassword=x", false, "nopassword=x");
    expect_mask("anything", true, "***");
    expect_mask("", true, "");
}

static void test_show(void **state)
{
    UNUSED(state);
    struct cfg cfg;
    struct err err = ERR_INIT;
    write_file("pmis.conf", "# site config\n[log]\nlevel = debug\n");
    char *env[] = { "PMIS_DB=postgresql://pmis:hunter2@db1/pmis", NULL };
    cfg_init(&cfg);
    assert_int_equal(cfg_load(&cfg, NULL, env, &err), 0);
    assert_int_equal(cfg_set(&cfg, "search.page_size", "25", "--page-size", &err), 0);
    assert_int_equal(cfg_set(&cfg, "audit.actor_default", "ops # night", NULL, &err), 0);

    struct strbuf sb = STRBUF_INIT;
    cfg_show(&cfg, &sb, false);
    assert_null(strstr(sb.buf, "hunter2"));
    assert_non_null(strstr(sb.buf, "# config file: pmis.conf\n"));
    assert_non_null(strstr(sb.buf, "db.url = postgresql://pmis:***@db1/pmis"));
    assert_non_null(strstr(sb.buf, "# env PMIS_DB\n"));
    assert_non_null(strstr(sb.buf, "log.level = debug "));
    assert_non_null(strstr(sb.buf, "# pmis.conf:3\n"));
    assert_non_null(strstr(sb.buf, "search.page_size = 25 "));
    assert_non_null(strstr(sb.buf, "# flag --page-size\n"));
    assert_non_null(strstr(sb.buf, "audit.actor_default = \"ops # night\" "));
    assert_non_null(strstr(sb.buf, "# flag\n"));
    assert_non_null(strstr(sb.buf, "keys.file = pmis.keys "));
    assert_non_null(strstr(sb.buf, "# default\n"));
    size_t lines = 0;
    for (const char *p = sb.buf; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, CFG__COUNT + 1);

    /* the text form reads back as a config file with the same values */
    write_file("shown.conf", sb.buf);
    struct cfg again;
    cfg_init(&again);
    assert_int_equal(cfg_load_file(&again, "shown.conf", true, &err), 0);
    assert_string_equal(cfg_str(&again, CFG_AUDIT_ACTOR_DEFAULT), "ops # night");
    assert_int_equal(cfg_int(&again, CFG_SEARCH_PAGE_SIZE), 25);
    assert_string_equal(cfg_str(&again, CFG_LOG_LEVEL), "debug");
    cfg_release(&again);
    unlink("shown.conf");

    strbuf_reset(&sb);
    cfg_show(&cfg, &sb, true);
    assert_null(strstr(sb.buf, "hunter2"));
    json_error_t jerr;
    json_t *root = json_loads(sb.buf, 0, &jerr);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "file")), "pmis.conf");
    json_t *opts = json_object_get(root, "options");
    assert_int_equal(json_array_size(opts), CFG__COUNT);
    json_t *db = json_array_get(opts, CFG_DB_URL);
    assert_string_equal(json_string_value(json_object_get(db, "name")), "db.url");
    assert_string_equal(json_string_value(json_object_get(db, "value")),
                        "postgresql://pmis:***@db1/pmis");
    assert_string_equal(json_string_value(json_object_get(db, "default")), "sqlite:pmis.db");
    assert_string_equal(json_string_value(json_object_get(db, "source")), "env");
    assert_string_equal(json_string_value(json_object_get(db, "origin")), "PMIS_DB");
    json_t *ps = json_array_get(opts, CFG_SEARCH_PAGE_SIZE);
    assert_int_equal(json_integer_value(json_object_get(ps, "value")), 25);
    assert_int_equal(json_integer_value(json_object_get(ps, "default")), 50);
    assert_string_equal(json_string_value(json_object_get(ps, "type")), "int");
    assert_string_equal(json_string_value(json_object_get(ps, "source")), "flag");
    json_t *kf = json_array_get(opts, CFG_KEYS_FILE);
    assert_true(json_is_null(json_object_get(kf, "origin")));
    assert_string_equal(json_string_value(json_object_get(kf, "source")), "default");
    json_decref(root);

    strbuf_release(&sb);
    cfg_release(&cfg);
    unlink("pmis.conf");
}

static void test_parse_bool(void **state)
{
    UNUSED(state);
    bool b = false;
    const char *yes[] = { "true", "YES", "On", "1" };
    const char *no[] = { "false", "no", "OFF", "0" };
    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        assert_int_equal(cfg_parse_bool(yes[i], &b), 0);
        assert_true(b);
        assert_int_equal(cfg_parse_bool(no[i], &b), 0);
        assert_false(b);
    }
    assert_int_equal(cfg_parse_bool("maybe", &b), ERR_INVALID);
    assert_int_equal(cfg_parse_bool("", &b), ERR_INVALID);
}

static int group_setup(void **state)
{
    UNUSED(state);
    if (!getcwd(oldcwd, sizeof(oldcwd)))
        return -1;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/pmis-test-cfg-XXXXXX");
    if (!mkdtemp(tmpdir) || chdir(tmpdir) != 0)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    UNUSED(state);
    unlink("pmis.conf");
    if (chdir(oldcwd) != 0)
        return -1;
    return rmdir(tmpdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_file_syntax),
        cmocka_unit_test(test_sections_equivalent),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_cfg_load_chooses_file),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_env),
        cmocka_unit_test(test_env_errors),
        cmocka_unit_test(test_db_alias),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_relative_paths),
        cmocka_unit_test(test_mask),
        cmocka_unit_test(test_show),
        cmocka_unit_test(test_parse_bool),
    };
    return cmocka_run_group_tests_name("cfg", tests, group_setup, group_teardown);
}
