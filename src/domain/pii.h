/*
 * Personal-data rules (DESIGN §3, manual 5.3/7): validation and normalization of mainland ID
 * numbers, phone numbers and bank accounts, and their masks (脱敏). The normalized form is what
 * gets encrypted and blind-indexed (keyring.h), so "+86 138-0013-8000" and "13800138000" find
 * the same customer. Error messages never contain a full value: they show it masked.
 * No I/O, no store; pure functions, thread-safe. Called by customer/staff code and importers.
 */
#ifndef PMIS_PII_H
#define PMIS_PII_H

#include "core/common.h"
#include "core/err.h"
#include "core/strbuf.h"

enum pii_kind {
    PII_ID_NUMBER,    /* 居民身份证号码 */
    PII_MOBILE,       /* 手机 */
    PII_LANDLINE,     /* 固定电话 */
    PII_PHONE,        /* mobile or landline, whichever the value is (masking only) */
    PII_BANK_ACCOUNT, /* 银行卡号 */
    PII_EMAIL,        /* 电子邮箱 (pii_email.c) */
};

#define PII_ID_LEN 18

struct pii_id {
    char number[PII_ID_LEN + 1]; /* normalized: 17 digits + check digit, X upper case */
    int birth_year, birth_month, birth_day;
    int province;  /* 2-digit province code (11 Beijing ... 82 Macau, 83 Taiwan residents) */
    bool male;     /* 17th digit odd */
    bool legacy15; /* the input was a 15-digit first-generation number, converted */
    bool foreign;  /* 外国人永久居留身份证 (2023 format): '9' + province code + nationality */
};

/**
 * Validate and normalize an ID number (GB 11643-1999). Accepted: 18 characters (17 digits +
 * check digit 0-9/X, lower-case x and full-width digits accepted; spaces ignored) with the
 * ISO 7064 MOD 11-2 check digit, a province code in 11-15, 21-23, 31-37, 41-46, 50-54, 61-65,
 * 71, 81, 82, 83 (or the 2023 foreigners' format '9' + province code), a real birth date in
 * 1900..today. Also accepted: 15-digit first-generation numbers (region, YYMMDD born 19YY,
 * sequence), converted to 18 digits with "19" inserted and the check digit computed, so both
 * forms index alike. `today` is the business date as YYYYMMDD (0: skip the future check).
 * ERR_INVALID naming the value masked: "invalid ID number '110101********1235': check digit
 * should be 4". `out` may be NULL.
 */
int pii_id_parse(const char *s, int32_t today, struct pii_id *out, struct err *err);

struct pii_phone {
    enum pii_kind kind; /* PII_MOBILE or PII_LANDLINE */
    char number[16];    /* normalized: 11 digits (mobile) or area code + local number */
    char ext[8];        /* landline extension (digits) or "" */
    size_t area_len;    /* landline: length of the area code with its 0 (3 or 4); else 0 */
};

/**
 * Validate and normalize a mainland phone number. Spaces, dashes and parentheses are ignored;
 * a +86 / 0086 prefix (or 86 before an 11-digit mobile) is dropped. Mobiles: 11 digits
 * 1[3-9]xxxxxxxxx. Landlines: area code 0 + 2 digits (010, 02x) or 0 + 3 digits, then a
 * 7- or 8-digit local number not starting with 0 ("010-12345678", "0755-1234567",
 * "02012345678", "+86 10 1234 5678"), with an optional extension after a dash, "转", "ext",
 * "x" or "#" ("010-12345678-123", "0755-1234567转8"). Rejected with ERR_INVALID (value
 * masked): service numbers (95598, 400/800), numbers without an area code, wrong lengths,
 * letters.
 */
int pii_phone_parse(const char *s, struct pii_phone *out, struct err *err);

/**
 * Validate and normalize a bank card number: 16 to 19 digits (spaces and dashes ignored) whose
 * last digit is the Luhn check digit. `out` gets the digits. ERR_INVALID (value masked)
 * otherwise, e.g. "invalid bank account '6222********1234': Luhn check digit is wrong".
 */
int pii_bank_parse(const char *s, char out[20], struct err *err);

/**
 * Validate and normalize an e-mail address (pii_email.c): surrounding blanks dropped, ASCII
 * lower case; one '@', a local part of 1-64 characters (letters, digits, !#$%&'*+/=?^_`{|}~.-,
 * no leading, trailing or double '.'), a domain of two or more labels (letters, digits, '-')
 * ending in a name that starts with a letter; at most 254 characters. The normalized form is
 * appended to `out` (may be NULL). ERR_INVALID with the value masked and what is wrong.
 */
int pii_email_parse(const char *s, struct strbuf *out, struct err *err);

/** Append the mask of an address that parses ("z***@example.com"); false (nothing appended)
 *  when it does not. */
bool pii_email_mask(const char *value, struct strbuf *out);

/**
 * The normalized form of `s` as `kind` (what keyring_blind_index hashes), appended to `out`:
 * 18-character ID number (no future-date check), 11-digit mobile, landline digits (extension
 * dropped), bank card digits. PII_PHONE takes either kind of phone. Errors as the parsers.
 */
int pii_normalize(enum pii_kind kind, const char *s, struct strbuf *out, struct err *err);

/**
 * Append the masked form of `value` to `out`, for display without the permission to see it:
 *   ID number     first 6 and last 4   110101********1234 (a valid 15-digit number is
 *                                      shown in its 18-digit form)
 *   mobile        first 3 and last 4   138****5678
 *   landline      area code, last 4    010****5678, 0755****4567 (extension dropped)
 *   bank account  first 4 and last 4   6222********1234 (one * per hidden digit)
 *   email         first character and the domain   z***@example.com
 * The value is parsed first, so any accepted spelling masks alike. A value that does not
 * parse still never shows in full: at most its first and last two characters, with at most 12
 * stars between (shorter values are masked more or entirely). Valid UTF-8 out, always.
 */
void pii_mask(enum pii_kind kind, const char *value, struct strbuf *out);

#endif
