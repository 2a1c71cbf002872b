/*
 * Users, roles, permissions, login sessions and API tokens (manual 5.3, 7; issue 5).
 * Passwords are Argon2id strings (libsodium); session and API tokens are 256 random bits whose
 * SHA-256 alone is stored, so a copy of the database logs nobody in. Sessions live in the
 * database: any number of `pmis serve` processes share them. A user sees the subtree of their
 * org unit (NULL org: the whole tree); a token narrows its owner's permissions and subtree.
 * Every change and every login, success or failure, is audited. Policy values (expiry, lockout,
 * password length) come from the caller (struct auth_policy), not from configuration here.
 * Thread-safe as long as each thread has its own ctx (and store).
 */
#ifndef PMIS_AUTH_H
#define PMIS_AUTH_H

#include "core/strbuf.h"
#include "domain/ctx.h"

enum perm {
#define PERM(id, name, zh, en) PERM_##id,
#include "domain/perms.def"
#undef PERM
    PERM__COUNT
};
/** Routes open to any authenticated caller name this instead of a permission. */
#define PERM_ANY PERM__COUNT
#define PERM_BIT(p) (UINT64_C(1) << (p))
#define PERM_ALL ((PERM__COUNT >= 64) ? ~UINT64_C(0) : (PERM_BIT(PERM__COUNT) - 1))

/** "customer:read" of PERM_CUSTOMER_READ; NULL out of range. */
const char *perm_name(int p);
/** The permission named `name`, or -1. */
int perm_lookup(const char *name);
/**
 * Parse a comma-separated list of permission names ("customer:read,bill:read"; blanks around
 * names ignored; "*" = all) into a set. ERR_INVALID names the unknown permission.
 */
int perm_set_parse(const char *list, uint64_t *out, struct err *err);
/** The names in `set`, comma-separated, in perms.def order. */
void perm_set_format(uint64_t set, struct strbuf *out);

struct auth_policy {
    int64_t idle_us;         /* a session unused this long expires */
    int64_t absolute_us;     /* a session expires this long after login */
    int64_t lockout_after;   /* failures in a row before a lockout */
    int64_t lockout_base_us; /* first lockout; doubles per further failure */
    int64_t lockout_max_us;  /* cap */
    int64_t password_min;    /* characters */
};

/** Lockout after the `failures`-th failure in a row: 0 below the threshold, else
 *  base × 2^(failures − after), at most max. Pure. */
int64_t auth_lockout_us(const struct auth_policy *p, int64_t failures);

/**
 * The password rules: at least `min_len` characters (UTF-8), at most 128 bytes, valid UTF-8
 * without control characters, at least one letter and one digit, not containing the user
 * name. ERR_INVALID says which rule failed (never echoing the password). Pure.
 */
int auth_password_check(const char *pw, const char *username, int64_t min_len, struct err *err);

#define AUTH_HASH_MAX 128
/** Argon2id string of `pw` (libsodium's interactive limits). ERR_INTERNAL if out of memory. */
int auth_password_hash(const char *pw, char out[AUTH_HASH_MAX], struct err *err);
/** Whether `pw` matches the Argon2id string `hash` (constant-time). */
bool auth_password_verify(const char *hash, const char *pw);
/** A one-time password: 16 characters from an unambiguous alphabet, letters and digits. */
void auth_onetime_password(char out[17]);

#define AUTH_TOKEN_PREFIX "pmist_"
#define AUTH_TOKEN_LEN (6 + 64)
/** Whether `s` has the form of an API token: "pmist_" and 64 lowercase hex digits. Pure. */
bool auth_token_format_ok(const char *s);
/** Whether `s` has the form of a session token: 64 lowercase hex digits. Pure. */
bool auth_session_format_ok(const char *s);

/** Who is calling, as the router and handlers see it. Strings live in the ctx arena. */
struct principal {
    int64_t user_id;
    const char *username, *display_name;
    int64_t org_id;       /* root of the visible subtree; 0 = the whole tree */
    const char *org_code; /* NULL with org_id 0 */
    uint64_t perms;
    bool must_change;   /* one-time password: only /auth/password, /auth/me, logout */
    int64_t session_id; /* 0 for a token */
    const char *csrf;   /* the session's CSRF token; NULL for a token */
    int64_t expires_at; /* µs */
    int64_t token_id;   /* 0 for a session */
    const char *token_name;
};

/* ---- users and roles (CLI `pmis user`, `pmis role`) ----
 *
 * Nobody grants what they do not hold: under the API (c->caller_perms set) the roles given to
 * a user, the permissions given to a role or a token, must all be held by the caller, and a
 * user holding a permission the caller does not is not changed by it (roles, status); each is
 * ERR_FORBIDDEN naming the permission. The CLI, run by the host's operator, is not limited. */

struct user_in {
    const char *username;     /* [a-z0-9._-], 2..32, starting with a letter or digit */
    const char *display_name; /* NULL = username */
    const char *org_code;     /* NULL = the whole tree */
    const char *roles;        /* comma-separated role codes, at least one */
    const char *password;     /* NULL = generate a one-time password (must be changed) */
};

/**
 * Add a user. `otp` (may be NULL when a password is given) receives the generated one-time
 * password. ERR_INVALID names the field; ERR_NOT_FOUND an unknown org or role; ERR_CONFLICT
 * a duplicate user name. A caller with an org scope (c->scope_org_id) must give an org unit
 * inside it: one outside reads as unknown, none (the whole tree) is ERR_INVALID. A role
 * carrying a permission the caller does not hold is ERR_FORBIDDEN (above). Audited
 * ("user.create").
 */
int user_add(struct ctx *c, const struct user_in *in, const struct auth_policy *pol,
             struct strbuf *otp, struct err *err);

/**
 * pmis init: when no user exists, create "admin" (role administrator, whole tree) with a
 * one-time password in `otp`; *created says whether it did. Audited.
 */
int user_first_admin(struct ctx *c, const struct auth_policy *pol, bool *created,
                     struct strbuf *otp, struct err *err);

struct user_info {
    int64_t id;
    const char *username, *display_name, *org_code, *status, *roles;
    bool must_change;
    int64_t failed_logins, locked_until, created_at;
};
typedef int user_fn(void *arg, const struct user_info *u);
struct user_filter {
    const char *prefix;   /* user name (any case) or display name starting with it; NULL: any */
    const char *org_code; /* users of this unit's subtree; NULL: any */
    const char *status;   /* "active" or "disabled"; NULL: both */
    const char *after;    /* keyset: the user names after this one; NULL: from the first */
    int64_t limit;        /* at most this many; 0: all */
};
/**
 * The users of the caller's subtree (c->scope_org_id; whole-tree users only for the whole
 * tree) that pass `f` (NULL: all), by name, filtered in SQL. With f->limit, *next (may be
 * NULL) gets the `after` of the following page, or NULL on the last one. ERR_INVALID names
 * "status" or "after" (not a user name) when malformed; an org unit unknown or outside the
 * caller's subtree is ERR_NOT_FOUND naming "org". (auth_user_list.c)
 */
int user_list(struct ctx *c, const struct user_filter *f, user_fn *fn, void *arg,
              const char **next, struct err *err);
/** One user by name; ERR_NOT_FOUND "unknown user 'x'", also for a user outside the caller's
 *  subtree (a user of the whole tree is outside every subtree). The user_set_* functions find
 *  their user through it, so they are scoped alike. */
int user_get(struct ctx *c, const char *username, struct user_info *out, struct err *err);

/** Disable (ending all sessions) or enable a user; also clears a lockout. Audited.
 *  ERR_CONFLICT for the last active administrator of the whole tree (user_set_roles too);
 *  ERR_FORBIDDEN for a user stronger than the caller (above). */
int user_set_active(struct ctx *c, const char *username, bool active, struct err *err);
/**
 * Administrator reset: set `password` (checked against the policy), or NULL for a new one-time
 * password in `otp` that must be changed at the next login. Ends the user's sessions. Audited.
 * ERR_FORBIDDEN for a user stronger than the caller (above), as user_set_active.
 */
int user_set_password(struct ctx *c, const char *username, const char *password,
                      const struct auth_policy *pol, struct strbuf *otp, struct err *err);
/** Replace the user's roles with `roles` (comma-separated codes). Audited. ERR_CONFLICT when
 *  it takes the role administrator from the last active administrator of the whole tree;
 *  ERR_FORBIDDEN for a user stronger than the caller or a role it does not hold (above). */
int user_set_roles(struct ctx *c, const char *username, const char *roles, struct err *err);

/** A custom role: code [a-z0-9_]{2,32}, names, permissions (perm_set_parse's names one by one;
 *  "*" is refused; only ones the caller holds, above). Roles are global: any subtree's users
 *  may be given it. Audited. */
int role_add(struct ctx *c, const char *code, const char *name_zh, const char *name_en,
             const char *perms, struct err *err);

/**
 * Change a custom role: `name_zh`, `name_en` (empty: the Chinese name) and `perms`
 * (perm_set_parse's names one by one, at least one, not "*") where not NULL. ERR_NOT_FOUND an
 * unknown role, ERR_CONFLICT a built-in one, ERR_INVALID names the field (an unknown
 * permission by name). ERR_FORBIDDEN for a permission the caller does not hold, or when a
 * caller of a subtree changes a role that users outside its subtree hold. Audited.
 */
int role_update(struct ctx *c, const char *code, const char *name_zh, const char *name_en,
                const char *perms, struct err *err);
/** Delete a custom role nobody holds (ERR_CONFLICT otherwise, or when built in). Audited. */
int role_delete(struct ctx *c, const char *code, struct err *err);

struct role_info {
    const char *code, *name_zh, *name_en;
    bool builtin;
    uint64_t perms;
};
typedef int role_fn(void *arg, const struct role_info *r);
/** Every role, built-in ones first, in creation order. Strings live in the ctx arena. */
int role_list(struct ctx *c, role_fn *fn, void *arg, struct err *err);
/** Role `code` as role_list shows it; ERR_NOT_FOUND "unknown role 'x'". */
int role_get(struct ctx *c, const char *code, struct role_info *out, struct err *err);

/* ---- sessions ---- */

struct auth_login_out {
    char token[65]; /* the cookie value: shown once, never stored */
    struct principal p;
    int64_t retry_after; /* ERR_RATE_LIMITED (a locked account): seconds until it unlocks */
};

/**
 * Check a user name and password and open a session. Failures answer ERR_UNAUTHENTICATED
 * "invalid user name or password" alike for unknown users, disabled users and wrong
 * passwords (taking the same time), count towards the lockout and are audited
 * ("auth.login_failed"); a locked account answers ERR_RATE_LIMITED with the wait. Success
 * is audited ("auth.login") and clears the failure count.
 */
int auth_login(struct ctx *c, const struct auth_policy *pol, const char *username,
               const char *password, struct auth_login_out *out, struct err *err);

/**
 * The principal of session token `token`: ERR_UNAUTHENTICATED when unknown, expired (idle or
 * absolute; the row is deleted) or its user disabled. Refreshes the idle clock at most once a
 * minute.
 */
int auth_session_check(struct ctx *c, const struct auth_policy *pol, const char *token,
                       struct principal *out, struct err *err);

/** The role codes of principal `p`'s user (a token's: its owner's), comma-separated in code
 *  order, in the ctx arena; not scoped (the caller's own). ERR_NOT_FOUND when the user is gone. */
int auth_principal_roles(struct ctx *c, const struct principal *p, const char **roles,
                         struct err *err);

/** End the caller's session. Audited ("auth.logout"). */
int auth_logout(struct ctx *c, const struct principal *p, struct err *err);

/**
 * The caller changes their own password: `old` must match, `new_pw` pass the policy and
 * differ from `old`. Clears must_change and ends the user's other sessions. Audited. A wrong
 * `old` is ERR_FORBIDDEN and counts as a failed login (audited "auth.login_failed", towards the
 * lockout); while the account is locked the answer is ERR_RATE_LIMITED and *retry_after the
 * seconds until it unlocks.
 */
int auth_change_password(struct ctx *c, const struct auth_policy *pol, const struct principal *p,
                         const char *old, const char *new_pw, int64_t *retry_after,
                         struct err *err);

/**
 * Second-person approval (主管授权) of `what` (a reversal, a waiver) done by the acting user
 * (c->actor): `approver` must be another active user whose password is `password` and who
 * holds `perm`. Opens no session. A wrong password counts towards the approver's lockout
 * like a failed login, and every refusal is audited ("auth.approve_failed"). Refusals are
 * ERR_FORBIDDEN without saying which check failed (user names and passwords cannot be
 * probed), a locked approver ERR_RATE_LIMITED, self-approval or a missing field ERR_INVALID
 * naming the field.
 */
int auth_approve(struct ctx *c, const struct auth_policy *pol, const char *approver,
                 const char *password, int perm, const char *what, struct err *err);

/**
 * The approver a domain action (a reversal, a waiver, a deposit refund, a disconnection) names
 * must be a user, active, holding `perm` — the same rule auth_approve applies (without the
 * password: the command line runs as a trusted operator). Checked by the domain functions
 * themselves, so the CLI and the API share it. Unknown user ERR_INVALID, disabled or lacking
 * `perm` ERR_FORBIDDEN, each naming the problem, on `field`. Changes nothing. An approver who
 * passed auth_approve for `perm` in this context (the API) is not loaded again.
 */
int auth_approver_check(struct ctx *c, const char *approver, int perm, const char *field,
                        struct err *err);

/* ---- API tokens ---- */

struct token_in {
    const char *name;     /* unique label, [A-Za-z0-9._-]{1,64} */
    const char *username; /* owner */
    const char *perms;    /* subset of the owner's permissions ("*": all of them) */
    const char *org_code; /* within the owner's subtree; NULL = the owner's */
    int64_t days;         /* validity, 1..3650 */
};

/** Create a token; `token` receives its value, shown once. An owner outside the caller's
 *  subtree is unknown (ERR_NOT_FOUND); a permission the caller does not hold is ERR_FORBIDDEN
 *  (above). Audited ("token.create"). */
int token_add(struct ctx *c, const struct token_in *in, struct strbuf *token, struct err *err);
/** Revoke by name (ERR_NOT_FOUND, also when the owner is outside the caller's subtree;
 *  ERR_CONFLICT if already revoked). Audited. */
int token_revoke(struct ctx *c, const char *name, struct err *err);

struct token_info {
    const char *name, *username, *perms, *org_code;
    int64_t expires_at, revoked_at, last_used_at, created_at;
};
typedef int token_fn(void *arg, const struct token_info *t);
/** The tokens whose owner lies in the caller's subtree, by name. */
int token_list(struct ctx *c, token_fn *fn, void *arg, struct err *err);
/** Token `name` as token_list shows it (strings in the ctx arena); ERR_NOT_FOUND "unknown
 *  token 'x'", also when its owner lies outside the caller's subtree. */
int token_get(struct ctx *c, const char *name, struct token_info *out, struct err *err);

/**
 * The principal of API token `token`: its permissions are those it was given that its owner
 * still holds, its subtree its own. ERR_UNAUTHENTICATED when malformed, unknown, revoked,
 * expired or the owner is disabled.
 */
int auth_token_check(struct ctx *c, const char *token, struct principal *out, struct err *err);

#endif
