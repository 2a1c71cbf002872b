/*
 * Commands not built yet: they fail with a clear message instead of pretending.
 */
#include "core/common.h"
#include "cli/cli.h"

static int todo(struct cli *cli)
{
    return error(&cli->err, ERR_UNAVAILABLE, "'%s' is not implemented yet", cli->prog);
}

int cmd_key_rotate(struct cli *cli, int argc, char **argv) { UNUSED(argc), UNUSED(argv); return todo(cli); }
int cmd_backup(struct cli *cli, int argc, char **argv) { UNUSED(argc), UNUSED(argv); return todo(cli); }
int cmd_restore(struct cli *cli, int argc, char **argv) { UNUSED(argc), UNUSED(argv); return todo(cli); }
int cmd_demo(struct cli *cli, int argc, char **argv) { UNUSED(argc), UNUSED(argv); return todo(cli); }
