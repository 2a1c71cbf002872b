/*
 * pmis serve: the HTTP/JSON API (src/api). Reads the TLS certificate and key, builds the
 * server configuration from the option table, checks that worker connections can be opened,
 * and serves until SIGTERM or SIGINT.
 */
#include "core/common.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "api/api.h"
#include "cli/cli.h"

#include <fcntl.h>

/* The whole of a PEM file (at most 1 MiB), NUL-terminated, into sb. */
static int read_pem(struct cli *cli, const char *path, struct strbuf *sb)
{
    int fd, rc;
    if ((rc = cli_open_input(cli, path, &fd)))
        return rc;
    char buf[8192];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0 && sb->len <= (1 << 20))
        strbuf_add(sb, buf, (size_t)n);
    cli_close_input(fd);
    if (n < 0)
        return error(&cli->err, ERR_IO, "cannot read '%s': %s", path, strerror(errno));
    if (sb->len > (1 << 20) || !strstr(sb->buf, "-----BEGIN "))
        return error(&cli->err, ERR_CONFIG, "'%s' is not a PEM file", path);
    return 0;
}

int cmd_serve(struct cli *cli, int argc, char **argv)
{
    const char *listen = NULL, *cert = NULL, *key = NULL;
    const struct opt_spec specs[] = {
        { "listen", OPT_STR, &listen, "HOST:PORT",
          "address (default server.listen, "
          "127.0.0.1:8080; port 0 picks a free one)" },
        { "tls-cert", OPT_STR, &cert, "FILE", "serve HTTPS with this PEM certificate chain" },
        { "tls-key", OPT_STR, &key, "FILE", "the PEM private key of --tls-cert" },
        OPT_SPEC_END,
    };
    cli->usage = "[--listen HOST:PORT] [--tls-cert FILE --tls-key FILE]\n\n"
                 "Serve the HTTP/JSON API under /api/v1, and the web UI (server.web_dir) at /,\n"
                 "until SIGTERM or SIGINT.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    if (!cert != !key)
        return error(&cli->err, ERR_USAGE, "--tls-cert and --tls-key go together");
    struct strbuf cert_pem = STRBUF_INIT, key_pem = STRBUF_INIT;
    char *web_dir = NULL;
    struct api_config cfg = {
        .listen = listen ? listen : cfg_str(&cli->cfg, CFG_SERVER_LISTEN),
        .max_body = (size_t)cfg_int(&cli->cfg, CFG_SERVER_MAX_BODY),
        .max_import = (size_t)cfg_int(&cli->cfg, CFG_SERVER_MAX_IMPORT),
        .max_connections = (unsigned)cfg_int(&cli->cfg, CFG_SERVER_MAX_CONNECTIONS),
        .timeout_s = (unsigned)cfg_int(&cli->cfg, CFG_SERVER_TIMEOUT),
        .grace_s = (unsigned)cfg_int(&cli->cfg, CFG_SERVER_SHUTDOWN_GRACE),
        .db_idle_s = (unsigned)cfg_int(&cli->cfg, CFG_SERVER_DB_IDLE),
        .zone_name = cli->ctx.zone_name,
        .clock = cli->ctx.clock,
        .db = cli->ctx.db,
        .keys = cli->ctx.keys,
        .settings = &cli->cfg,
        .login_per_minute = cfg_int(&cli->cfg, CFG_AUTH_LOGIN_PER_MINUTE),
        .login_burst = cfg_int(&cli->cfg, CFG_AUTH_LOGIN_BURST),
    };
    cli_auth_policy(cli, &cfg.policy);
    if (cert) {
        if ((rc = read_pem(cli, cert, &cert_pem)) || (rc = read_pem(cli, key, &key_pem)))
            goto out;
        cfg.tls_cert = cert_pem.buf;
        cfg.tls_key = key_pem.buf;
    }
    if ((rc = web_dir_resolve(cfg_str(&cli->cfg, CFG_SERVER_WEB_DIR), &web_dir, &cli->err)))
        goto out;
    cfg.web_dir = web_dir;
    if (web_dir)
        log_info("pmis serve: web UI from %s", web_dir);
    else
        log_info("pmis serve: no web UI found (build it with `make web`): serving the API only");
    /* fail now, not at the first request, when workers cannot connect (":memory:") */
    struct store *peer;
    if ((rc = store_open_peer(cli->ctx.db, &peer, &cli->err)))
        goto out;
    store_close(peer);
    rc = api_serve(&cfg, &cli->err);
out:
    free(web_dir);
    strbuf_release(&cert_pem);
    strbuf_release(&key_pem);
    return rc;
}
