/*
 * Shared between the auth*.c files; not for other modules.
 */
#ifndef PMIS_AUTH_INT_H
#define PMIS_AUTH_INT_H

#include "core/digest.h"
#include "domain/auth.h"

/* Touch a session's idle clock or a token's last use at most this often. */
#define TOUCH_EVERY_US (60 * INT64_C(1000000))

/** sodium_init() once per process (thread-safe). */
void auth_crypto_init(void);
/** `nbytes` (at most 64) random bytes as lowercase hex into out[2 * nbytes + 1]. */
void auth_random_hex(char *out, size_t nbytes);
/** SHA-256 hex of a session or API token: what the database keeps. */
void auth_secret_hash(const char *token, char out[DIGEST_HEX_LEN + 1]);
/** The permission set of user `user_id` from their roles. */
int auth_user_perms(struct ctx *c, int64_t user_id, uint64_t *out, struct err *err);
/** The permission set of USER_PERM_COLS (q_auth.def): `all` from any all_perms role, `list`
 *  the comma-separated names; a name from a newer version is ignored, never widened. Pure. */
uint64_t auth_perms_from(int64_t all, const char *list);
/** `s` is min..max characters of a-z and 0-9, and after the first also of `extra`: the rule
 *  of user names (USER_NAME_*) and role codes. */
bool auth_name_ok(const char *s, size_t min, size_t max, const char *extra);
#define USER_NAME_MIN 2
#define USER_NAME_MAX 32
#define USER_NAME_EXTRA "._-"
/** The user_info of a row of USER_COLS (q_auth.def); strings in the ctx arena. */
void auth_user_read(struct ctx *c, struct store_stmt *st, struct user_info *u);
/** user_get plus the password hash and org id (0 = whole tree); either may be NULL. */
int auth_user_load(struct ctx *c, const char *username, struct user_info *out, const char **hash,
                   int64_t *org_id, struct err *err);
/** A custom role's permission list: perm_set_parse's names, one by one — "*" (all of today's)
 *  is refused, since the role would not follow later permissions; ERR_INVALID on field
 *  "perms". (auth_role.c) */
int auth_role_perms(const char *perms, uint64_t *set, struct err *err);
/** Replace the permissions of role `role_id` with `set` (auth_role.c). */
int auth_role_set_perms(struct ctx *c, int64_t role_id, uint64_t set, struct err *err);
/** The first permission of `set` the caller does not hold (ctx.caller_perms), or -1 when it
 *  holds them all or is not limited: nobody grants what they do not hold. */
int auth_grant_missing(const struct ctx *c, uint64_t set);
/** ERR_FORBIDDEN on field "perms" when a role would get a permission the caller does not hold
 *  (auth_grant_missing; auth_role.c). */
int role_grant_check(const struct ctx *c, uint64_t set, struct err *err);

#endif
