/*
 * Personal-data encryption (DESIGN §3): the keys live in a key file outside the database;
 * values are sealed with AES-256-GCM and found again through a keyed blind index (HMAC).
 * Customer, staff and audit code call this through the domain; only keyring.c touches
 * OpenSSL. A struct keyring is NOT thread-safe (it reuses cipher contexts and a nonce
 * buffer): each thread loads or keyring_clone()s its own.
 *
 * Key file (text, UTF-8, one entry per line; blank lines and lines starting with # ignored):
 *     key <id> <algorithm> <64 hex digits> [active]    a data key; id 1..4294967295, unique
 *     index <64 hex digits>                            the blind-index key (exactly one)
 * The key marked `active` (at most one), or else the last `key` line, encrypts; every key
 * decrypts. Algorithms: "aes-256-gcm". Reserved, rejected until implemented:
 * "sm4-ctr-hmac-sm3" (国密). The file must be a regular file with no group/other permission
 * bits (like ssh's private keys). Key material never appears in error messages.
 *
 * Ciphertext (bytes, e.g. a BLOB column), for an aes-256-gcm key:
 *     0x01 | key id, uint32 big-endian | 12-byte random nonce | ciphertext (= plaintext length)
 *          | 16-byte GCM tag                           (KEYRING_OVERHEAD = 33 bytes in all)
 * The GCM additional data is the first 5 bytes (version, key id) followed by the caller's
 * context string (e.g. "customer.phone"), so a value copied to another column, or given
 * another key id, fails to decrypt. The key id selects the key and so the algorithm; a future
 * algorithm keeps the 5-byte prefix and defines its own nonce and tag sizes (SM4-CTR: 16-byte
 * IV, HMAC-SM3: 32-byte tag). Nonces are random 96-bit values, drawn 341 at a time: rotate a
 * key well before 2^32 encryptions under it (NIST SP 800-38D §8.3).
 */
#ifndef PMIS_KEYRING_H
#define PMIS_KEYRING_H

#include "core/common.h"
#include "core/err.h"
#include "core/strbuf.h"

#define KEYRING_VERSION 0x01
#define KEYRING_NONCE_LEN 12
#define KEYRING_TAG_LEN 16
#define KEYRING_OVERHEAD (1 + 4 + KEYRING_NONCE_LEN + KEYRING_TAG_LEN)
#define KEYRING_INDEX_LEN 32 /* bytes of a blind index (HMAC-SHA256) */

struct keyring;

/**
 * Write a new key file at `path` holding key 1 (aes-256-gcm) and an index key, all from
 * RAND_bytes, with mode 0600 exactly (O_CREAT|O_EXCL, then fchmod), fsynced with its
 * directory. ERR_CONFLICT if the file exists (it is never overwritten), ERR_IO if it cannot
 * be created or written (nothing is left behind), ERR_INTERNAL if the RNG fails.
 */
int keyring_create(const char *path, struct err *err);

/**
 * Load the key file at `path` into a new keyring (*out, freed with keyring_free). ERR_KEY
 * naming the path when the file is missing ("key file '/x/keys' not found (run 'pmis init' or
 * set keys.file)"), unreadable, not a regular file, readable by others ("... is readable by
 * others (mode 0644); chmod 600 it"), malformed (naming the line), has a key of the wrong
 * length, an unknown algorithm, a duplicate id, no data key or no index key.
 */
int keyring_load(const char *path, struct keyring **out, struct err *err);

/** A copy of `kr` with its own cipher contexts and nonce buffer, for another thread. */
int keyring_clone(const struct keyring *kr, struct keyring **out, struct err *err);

/** Wipe the keys and free. NULL is a no-op. */
void keyring_free(struct keyring *kr);

/**
 * Rotation (`pmis key rotate`): add a fresh key with id max+1 and the active key's algorithm
 * to the key file at `path` and make it active (an `active` mark elsewhere is removed; other
 * lines and comments are kept as they are). The file is replaced atomically (temporary file
 * "<path>.new", mode 0600, fsync, rename), then reloaded into `kr`. Sets *new_id if not NULL.
 * ERR_KEY as keyring_load, ERR_CONFLICT if "<path>.new" exists (a rotation in progress),
 * ERR_IO on a write failure (the old file is then untouched). `kr` is unchanged on failure.
 */
int keyring_add_key(const char *path, struct keyring *kr, uint32_t *new_id, struct err *err);

/** The id of the key that encrypts. */
uint32_t keyring_active_id(const struct keyring *kr);
/** Number of data keys. */
size_t keyring_key_count(const struct keyring *kr);

/**
 * Encrypt `len` bytes at `pt` under the active key and append the ciphertext (len +
 * KEYRING_OVERHEAD bytes, format above) to `out`. `aad` is the context string (NULL = "").
 * ERR_TOO_LARGE above 1 GiB, ERR_INTERNAL if OpenSSL or the RNG fails.
 */
int keyring_encrypt(struct keyring *kr, const char *aad, const void *pt, size_t len,
                    struct strbuf *out, struct err *err);

/**
 * Decrypt a ciphertext made by keyring_encrypt with the same `aad` and append the plaintext
 * to `out` (nothing is appended on failure). ERR_CORRUPT for a truncated value or an unknown
 * version byte; ERR_KEY "ciphertext uses key id 7, which is not in the key file";
 * ERR_KEY "decryption failed (wrong key file?)" when the tag does not verify (wrong key,
 * different aad, or any altered byte).
 */
int keyring_decrypt(struct keyring *kr, const char *aad, const void *ct, size_t len,
                    struct strbuf *out, struct err *err);

/** The key id a ciphertext names; ERR_CORRUPT if it is too short or of an unknown version. */
int keyring_ciphertext_key_id(const void *ct, size_t len, uint32_t *id, struct err *err);

/**
 * True when the ciphertext was not made with the active key, i.e. `pmis key rotate` should
 * re-encrypt it. Malformed ciphertexts also say true, so that rotation surfaces them.
 */
bool keyring_needs_rotation(const struct keyring *kr, const void *ct, size_t len);

/**
 * Blind index for equality search on encrypted values:
 * out = HMAC-SHA256(index key, domain || 0x00 || value). `domain` names what is indexed
 * ("customer.phone") so equal values in different columns do not match; `value` must be the
 * normalized form (pii.h). Returns 0, or ERR_INTERNAL if OpenSSL fails.
 */
int keyring_blind_index(struct keyring *kr, const char *domain, const void *value, size_t len,
                        unsigned char out[KEYRING_INDEX_LEN], struct err *err);

#endif
