/*
 * Helpers shared by the collection commands (cmd_collect.c, cmd_remind.c, cmd_disconnect.c,
 * cmd_outbox.c).
 */
#ifndef PMIS_CMD_COLLECT_H
#define PMIS_CMD_COLLECT_H

#include "cli/cli.h"

/** Parse --date (NULL: today in the business zone) into *d; errors into cli->err. */
int collect_cli_date(struct cli *cli, const char *s, struct date *d);
/** Parse an outbox message id (a positive integer) into *id; ERR_INVALID into cli->err. */
int collect_cli_msg_id(struct cli *cli, const char *s, int64_t *id);

#endif
