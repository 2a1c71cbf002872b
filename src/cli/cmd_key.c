/*
 * pmis key rotate: add a new active data key to the key file, then re-encrypt personal data.
 */
#include "core/common.h"
#include "core/keyring.h"
#include "cli/cli.h"
#include "domain/rekey.h"

int cmd_key_rotate(struct cli *cli, int argc, char **argv)
{
    bool resume = false;
    const struct opt_spec specs[] = {
        { "resume", OPT_BOOL, &resume, NULL,
          "no new key: finish re-encrypting under the current active key" },
        OPT_SPEC_END,
    };
    cli->usage = "[--resume]\n\nAdds a data key to the key file (the old keys stay, so nothing "
                 "becomes unreadable)\nand re-encrypts every personal-data value under it. Safe "
                 "to interrupt and resume.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    uint32_t id = keyring_active_id(cli->ctx.keys);
    if (!resume &&
        (rc = keyring_add_key(cfg_str(&cli->cfg, CFG_KEYS_FILE), cli->ctx.keys, &id, &cli->err)))
        return rc;
    struct rekey_stats st;
    if ((rc = rekey_all(&cli->ctx, &st, &cli->err)))
        return rc;
    if (cli->json) {
        json_t *o = json_object();
        json_object_set_new(o, "active_key", json_integer(id));
        json_object_set_new(o, "rows", json_integer(st.rows_seen));
        json_object_set_new(o, "reencrypted", json_integer(st.values_reencrypted));
        cli_json_out(o);
    } else {
        printf("active key %u: %" PRId64 " values re-encrypted in %" PRId64 " rows\n", id,
               st.values_reencrypted, st.rows_seen);
    }
    return 0;
}
