/*
 * pmis key rotate: add a new active data key to the key file, then re-encrypt personal data.
 * The new key's algorithm is --algorithm, else keys.algorithm when it is set (file, env or
 * --set), else the active key's: an unset option never converts a 国密 deployment back to AES.
 */
#include "core/common.h"
#include "core/keyring.h"
#include "cli/cli.h"
#include "domain/rekey.h"

int cmd_key_rotate(struct cli *cli, int argc, char **argv)
{
    bool resume = false;
    const char *alg_flag = NULL;
    const struct opt_spec specs[] = {
        { "resume", OPT_BOOL, &resume, NULL,
          "no new key: finish re-encrypting under the current active key" },
        { "algorithm", OPT_STR, &alg_flag, "ALG",
          "the new key's algorithm: aes-256-gcm or sm4-ctr-hmac-sm3 (国密); default "
          "keys.algorithm if set, else the active key's" },
        OPT_SPEC_END,
    };
    cli->usage = "[--algorithm aes-256-gcm|sm4-ctr-hmac-sm3] [--resume]\n\nAdds a data key to the "
                 "key file (the old keys stay, so nothing becomes unreadable)\nand re-encrypts "
                 "every personal-data value under it. Safe to interrupt and resume.\nWith a new "
                 "algorithm this converts AES-256-GCM values to SM4-CTR + HMAC-SM3 or back.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    if (alg_flag &&
        (rc = cfg_set(&cli->cfg, "keys.algorithm", alg_flag, "flag --algorithm", &cli->err)))
        return rc;
    const char *alg = cfg_source_of(&cli->cfg, CFG_KEYS_ALGORITHM) != CFG_SRC_DEFAULT
                          ? cfg_str(&cli->cfg, CFG_KEYS_ALGORITHM)
                          : NULL;
    uint32_t id = keyring_active_id(cli->ctx.keys);
    const char *active_alg = keyring_active_alg(cli->ctx.keys);
    if (resume && alg && strcmp(alg, active_alg)) {
        if (alg_flag)
            return error(&cli->err, ERR_USAGE,
                         "--resume finishes re-encrypting under the active key %u (%s), not %s; "
                         "leave out --resume to add a key of that algorithm",
                         id, active_alg, alg);
        fprintf(stderr,
                "note: keys.algorithm is %s but the active key %u is %s: 'pmis key rotate' "
                "without --resume converts\n",
                alg, id, active_alg);
    }
    if (!resume && (rc = keyring_add_key_alg(cfg_str(&cli->cfg, CFG_KEYS_FILE), cli->ctx.keys, alg,
                                             &id, &cli->err)))
        return rc;
    struct rekey_stats st;
    if ((rc = rekey_all(&cli->ctx, &st, &cli->err)))
        return rc;
    active_alg = keyring_active_alg(cli->ctx.keys);
    if (cli->json) {
        json_t *o = json_object();
        json_object_set_new(o, "active_key", json_integer(id));
        json_object_set_new(o, "algorithm", json_string(active_alg));
        json_object_set_new(o, "rows", json_integer(st.rows_seen));
        json_object_set_new(o, "reencrypted", json_integer(st.values_reencrypted));
        cli_json_out(o);
    } else {
        printf("active key %u (%s): %" PRId64 " values re-encrypted in %" PRId64 " rows\n", id,
               active_alg, st.values_reencrypted, st.rows_seen);
    }
    return 0;
}
