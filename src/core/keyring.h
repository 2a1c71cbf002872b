/*
 * Personal-data encryption (DESIGN §3): the keys live in a key file outside the database;
 * values are sealed with AES-256-GCM, or with SM4-CTR + HMAC-SM3 (国密) for deployments that
 * must use commercial-cryptography algorithms, and found again through a keyed blind index
 * (HMAC). Customer, staff and audit code call this through the domain; only keyring.c touches
 * OpenSSL. A struct keyring is NOT thread-safe (it reuses cipher contexts and a nonce
 * buffer): each thread loads or keyring_clone()s its own.
 *
 * Key file (text, UTF-8, one entry per line; blank lines and lines starting with # ignored):
 *     key <id> <algorithm> <64 hex digits> [active]    a data key; id 1..4294967295, unique
 *     index <64 hex digits>                            the blind-index key (exactly one)
 * The key marked `active` (at most one), or else the last `key` line, encrypts; every key
 * decrypts, whatever its algorithm, so a file may mix both during a migration. Algorithms:
 * "aes-256-gcm" and "sm4-ctr-hmac-sm3". The file must be a regular file with no group/other
 * permission bits (like ssh's private keys). Key material never appears in error messages.
 *
 * Ciphertext (bytes, e.g. a BLOB column). Every value starts with the same 5 bytes:
 *     0x01 | key id, uint32 big-endian
 * and the key id selects the key and so the algorithm. For an aes-256-gcm key:
 *     header | 12-byte random nonce | ciphertext (= plaintext length) | 16-byte GCM tag
 *                                                 (KEYRING_OVERHEAD = 33 bytes in all)
 * The GCM additional data is the 5-byte header followed by the caller's context string (e.g.
 * "customer.phone"), so a value copied to another column, or given another key id, fails to
 * decrypt. Nonces are random 96-bit values: rotate a key well before 2^32 encryptions under it
 * (NIST SP 800-38D §8.3).
 *
 * For an sm4-ctr-hmac-sm3 key (GB/T 32907 SM4, GB/T 32905 SM3, HMAC per GB/T 15852.2):
 *     header | 16-byte random IV | SM4-CTR ciphertext (= plaintext length) | 32-byte tag
 *                                                 (KEYRING_SM4_OVERHEAD = 53 bytes in all)
 * The SM4 key (16 bytes) and the HMAC-SM3 key (32 bytes) are derived from the key file's 32
 * bytes K with HKDF-Expand (RFC 5869) over HMAC-SM3, info "pmis sm4-ctr-hmac-sm3", 48 bytes:
 * T1 = HMAC-SM3(K, info || 0x01), T2 = HMAC-SM3(K, T1 || info || 0x02), SM4 key = T1[0..16),
 * MAC key = T1[16..32) || T2[0..16). Every bit of K enters both, so a damaged key line fails
 * the tag ("wrong key file?") instead of decrypting to garbage, as splitting K would allow.
 * Encrypt-then-MAC, as RFC 7518 §5.2.2.1 composes CBC and HMAC: with A = header || context,
 *     tag = HMAC-SM3(mac key, A || IV || ciphertext || uint64 big-endian bit length of A)
 * The length makes the split between A and the ciphertext unambiguous; A is exactly what GCM
 * authenticates as additional data, so the binding to column and key id is the same. The tag
 * is checked (in constant time) before anything is decrypted. The IV is the whole initial
 * 128-bit counter block (OpenSSL increments all of it); with random IVs and values of at most
 * 1 GiB, the counter ranges of any two of n values overlap with probability below n^2 / 2^101.
 * IVs and nonces are drawn from RAND_bytes 4 KiB at a time.
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
#define KEYRING_SM4_IV_LEN 16
#define KEYRING_SM4_TAG_LEN 32
#define KEYRING_SM4_OVERHEAD (1 + 4 + KEYRING_SM4_IV_LEN + KEYRING_SM4_TAG_LEN)
#define KEYRING_INDEX_LEN 32 /* bytes of a blind index (HMAC-SHA256) */

/* The algorithm names of the key file, as `keys.algorithm` accepts them. */
#define KEYRING_ALG_AES "aes-256-gcm"
#define KEYRING_ALG_SM4 "sm4-ctr-hmac-sm3"

struct keyring;

/**
 * Check that `alg` names a data-key algorithm ("aes-256-gcm", "sm4-ctr-hmac-sm3") and that
 * the OpenSSL providers loaded in this process offer what it needs (SM4-CTR and SM3 for the
 * latter). ERR_CONFIG "unknown key algorithm 'x' (supported: ...)" or ERR_CONFIG naming the
 * missing primitive. No key file is touched.
 */
int keyring_alg_check(const char *alg, struct err *err);

/**
 * Write a new key file at `path` holding key 1 (aes-256-gcm) and an index key, all from
 * RAND_bytes, with mode 0600 exactly (O_CREAT|O_EXCL, then fchmod), fsynced with its
 * directory. ERR_CONFLICT if the file exists (it is never overwritten), ERR_IO if it cannot
 * be created or written (nothing is left behind), ERR_INTERNAL if the RNG fails.
 */
int keyring_create(const char *path, struct err *err);

/**
 * keyring_create() with key 1 of algorithm `alg` (NULL: aes-256-gcm). Errors of
 * keyring_alg_check() come first, before anything is created.
 */
int keyring_create_alg(const char *path, const char *alg, struct err *err);

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

/**
 * keyring_add_key() with a new key of algorithm `alg` (NULL: the active key's algorithm): this
 * is how a deployment converts from AES-256-GCM to SM4 (国密) or back. Errors of
 * keyring_alg_check() come first, before the file is read or written.
 */
int keyring_add_key_alg(const char *path, struct keyring *kr, const char *alg, uint32_t *new_id,
                        struct err *err);

/** The id of the key that encrypts. */
uint32_t keyring_active_id(const struct keyring *kr);
/** The algorithm name of the key that encrypts ("aes-256-gcm", ...; static). */
const char *keyring_active_alg(const struct keyring *kr);
/** Bytes keyring_encrypt adds to a value under the active key (33 or 53). */
size_t keyring_overhead(const struct keyring *kr);
/** Number of data keys. */
size_t keyring_key_count(const struct keyring *kr);

/**
 * Encrypt `len` bytes at `pt` under the active key and append the ciphertext (len +
 * keyring_overhead() bytes, format above) to `out`. `aad` is the context string (NULL = "").
 * ERR_TOO_LARGE above 1 GiB, ERR_INTERNAL if OpenSSL or the RNG fails.
 */
int keyring_encrypt(struct keyring *kr, const char *aad, const void *pt, size_t len,
                    struct strbuf *out, struct err *err);

/**
 * Decrypt a ciphertext made by keyring_encrypt with the same `aad` and append the plaintext
 * to `out` (nothing is appended on failure). ERR_CORRUPT for a truncated value or an unknown
 * version byte; ERR_KEY "ciphertext uses key id 7, which is not in the key file";
 * ERR_KEY "decryption failed (wrong key file?)" when the tag does not verify (wrong key,
 * different aad, or any altered byte). Either algorithm, chosen by the value's key id.
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
