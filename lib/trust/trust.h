/* Trusted OpenPGP keys scoped by image-name prefix, and detached signature verification
 * (rkt/rkt Documentation/subcommands/trust.md,
 * Documentation/signing-and-verification-guide.md). Signatures are
 * armored detached `<image>.aci.asc` files (ACI-12); the operator chooses the keys (ACI-15).
 *
 * Layout, under each of the two configuration directories (system, then local):
 *
 *   <dir>/trustedkeys/root.d/<fingerprint>                 trusted for every image name
 *   <dir>/trustedkeys/prefix.d/<prefix>/<fingerprint>      trusted for names under <prefix>
 *
 * <prefix> is an AC identifier used as a relative path (its '/' separate directories; the
 * identifier grammar excludes "..", empty and leading or trailing components, so no escaping
 * is needed, as upstream). <fingerprint> is the primary key's fingerprint in lower-case hex and
 * must match the file's content. An empty file masks the key of that fingerprint collected from
 * the directories read before it (system before local, root.d before prefix.d, shallow prefixes
 * before deeper ones): an empty local file un-trusts a system key.
 *
 * A name trusts the keys of root.d and of every prefix.d directory that is a prefix of the name
 * by whole path components ("example.com/app" is under "example.com" but not under
 * "example.co"). Verification loads only those keys into a fresh librnp context.
 *
 * Nothing here prints. librnp's own diagnostics are discarded: Debian's build writes them to
 * stderr unconditionally, so fd 2 points to /dev/null while librnp runs (including while a
 * verification calls the caller's READ). Functions block on file I/O only; not thread-safe.
 * See docs/trust.md. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/cleanup.h"
#include "util/error.h"

#define RKT_TRUST_SYSTEM_CONFIG_DIR "/usr/lib/rkt"
#define RKT_TRUST_LOCAL_CONFIG_DIR  "/etc/rkt"

/* Fingerprints are hex: 40 digits for v4 keys, 64 for v5; +1 for the NUL. */
#define RKT_TRUST_FPR_SIZE 65

/* An armored or binary public key, parsed and checked, ready to be reviewed and stored. */
struct rkt_trust_key {
	char fingerprint[RKT_TRUST_FPR_SIZE]; /* primary key, lower-case hex */
	char **uids;                          /* user IDs in key order */
	size_t n_uids;
	char *armored; /* the public key (no secret parts), re-armored */
	size_t armored_len;
};

/* Parses DATA (LEN bytes, armored or binary OpenPGP) holding exactly one public or secret
 * primary key (only its public parts are kept). WHAT names the input in messages ("key
 * 'k.asc'"). Returns 0 and a new key in *ret, or -EBADMSG (not a key, or several primary keys),
 * -EKEYREVOKED / -EKEYEXPIRED (the key cannot be trusted). */
int rkt_trust_key_parse(const void *data, size_t len, const char *what, struct rkt_trust_key **ret,
                        struct rkt_error *err);
struct rkt_trust_key *rkt_trust_key_free(struct rkt_trust_key *key);
RKT_DEFINE_CLEANUP(struct rkt_trust_key *, rkt_trust_key_free)

/* The keystore: only the two configuration directories; nothing is opened until used. */
struct rkt_keystore;

/* SYSTEM_DIR and LOCAL_DIR are configuration directories (--system-config, --local-config);
 * NULL means RKT_TRUST_SYSTEM_CONFIG_DIR / RKT_TRUST_LOCAL_CONFIG_DIR. Both are copied. */
struct rkt_keystore *rkt_keystore_new(const char *system_dir, const char *local_dir);
struct rkt_keystore *rkt_keystore_free(struct rkt_keystore *ks);
/* WARN(USERDATA, msg) is told about each trusted key file that is skipped because its key can
 * no longer be used (expired or revoked after it was trusted): such a key is left out of
 * verification and listing, and the other keys of its directory still apply. NULL: silent. */
void rkt_keystore_set_warn(struct rkt_keystore *ks, rkt_warn_fn warn, void *userdata);
RKT_DEFINE_CLEANUP(struct rkt_keystore *, rkt_keystore_free)

/* True if PREFIX is acceptable as a trust prefix (an AC identifier, no URL scheme). */
bool rkt_trust_prefix_is_valid(const char *prefix);

/* Stores KEY in the local directory, under PREFIX or, if PREFIX is NULL, in root.d, creating
 * directories as needed. The file is written to a temporary name, fsynced and renamed, so an
 * existing entry (or a mask) is replaced atomically. Returns 0 and, if RET_PATH is not NULL, the
 * stored file's path (caller frees); -EINVAL for an invalid prefix; -errno on I/O errors. */
int rkt_keystore_add(struct rkt_keystore *ks, const char *prefix, const struct rkt_trust_key *key,
                     char **ret_path, struct rkt_error *err);

/* 1 if a key (not a mask) is trusted in either scope for NAME or a leading run of its
 * components ("a.com", "a.com/b" for "a.com/b/c"), root.d aside; 0 if none; -errno (named) if
 * the keystore cannot be read. Upstream's TrustedKeyPrefixExists. */
int rkt_keystore_prefix_has_keys(struct rkt_keystore *ks, const char *name, struct rkt_error *err);

enum rkt_trust_scope {
	RKT_TRUST_SCOPE_SYSTEM,
	RKT_TRUST_SCOPE_LOCAL,
	_RKT_TRUST_SCOPE_MAX,
};

struct rkt_trust_entry {
	enum rkt_trust_scope scope;
	char *prefix; /* NULL for root.d */
	char fingerprint[RKT_TRUST_FPR_SIZE];
	bool is_mask; /* empty file: un-trusts this fingerprint */
	char **uids;  /* NULL for masks */
	size_t n_uids;
	char *path;
};

/* Lists every entry of both directories: system first, root.d before prefix.d, names in byte
 * order. Returns 0 with a new array in *ret (free with rkt_trust_entries_free) and its length in
 * *ret_n; -EBADMSG for a file that is not a key or whose name is not its fingerprint; -errno on
 * I/O errors. Missing directories are empty. */
int rkt_keystore_list(struct rkt_keystore *ks, struct rkt_trust_entry **ret, size_t *ret_n,
                      struct rkt_error *err);
void rkt_trust_entries_free(struct rkt_trust_entry *entries, size_t n);

/* The key that made a good signature. */
struct rkt_trust_signer {
	char fingerprint[RKT_TRUST_FPR_SIZE]; /* primary key, lower-case hex */
	char uid[256]; /* its primary user ID, possibly truncated; may be "" */
};

/* Reads up to LEN bytes into BUF; returns the count, 0 at the end, or -errno. */
typedef ssize_t (*rkt_trust_read_fn)(void *userdata, void *buf, size_t len);

/* Verifies the detached signature SIG (SIG_LEN bytes, armored or binary) over the data produced
 * by READ(USERDATA, ...) until it returns 0, for image NAME, with the keys applicable to NAME.
 * WHAT names the data in messages (a file name or URL). Returns 0 and fills *ret, or:
 *   -EINVAL       NAME is not an AC identifier
 *   -ENOKEY       no key is trusted for NAME (nothing in root.d nor in any applicable prefix)
 *   -EKEYREJECTED the signer's key is not among the keys trusted for NAME
 *   -EBADMSG      the signature does not match the data (tampered), or SIG holds no signature
 *   -EKEYEXPIRED / -EKEYREVOKED  the signature or the signer's key is expired or revoked
 *   a negative errno from READ, or from reading the keystore (a corrupt keystore file gives
 *   -EBADMSG with its path in the message).
 * Reads the data once, in order; blocks on READ. */
int rkt_keystore_verify(struct rkt_keystore *ks, const char *name, rkt_trust_read_fn read,
                        void *userdata, const char *what, const void *sig, size_t sig_len,
                        struct rkt_trust_signer *ret, struct rkt_error *err);

/* Convenience over rkt_keystore_verify: the data is read from DATA_FD (from its current offset
 * to the end) and the signature from SIG_FD (at most 1 MiB). Neither fd is closed. */
int rkt_keystore_verify_fd(struct rkt_keystore *ks, const char *name, int data_fd, const char *what,
                           int sig_fd, struct rkt_trust_signer *ret, struct rkt_error *err);
