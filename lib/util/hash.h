/* Streaming SHA-512 for image IDs (appc ACI-13: sha512 of the uncompressed tar). OpenSSL's
 * libcrypto does the work; it is loaded on the first rkt_sha512_new (util/dl.h), which aborts if
 * it cannot be loaded (a hard dependency of the package, like libc). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/cleanup.h"
#include "util/error.h"

#define RKT_SHA512_LEN     64
#define RKT_SHA512_HEX_LEN 128
/* "sha512-" + 128 hex digits + NUL */
#define RKT_IMAGE_ID_SIZE (7 + RKT_SHA512_HEX_LEN + 1)

struct rkt_sha512;

struct rkt_sha512 *rkt_sha512_new(void);
void rkt_sha512_update(struct rkt_sha512 *h, const void *data, size_t len);
/* Finishes the digest and writes "sha512-<128 hex>" into OUT. H may not be updated after. */
void rkt_sha512_final_id(struct rkt_sha512 *h, char out[RKT_IMAGE_ID_SIZE]);
/* Finishes the digest into OUT (64 raw bytes). H may not be updated after. */
void rkt_sha512_final(struct rkt_sha512 *h, uint8_t out[RKT_SHA512_LEN]);
struct rkt_sha512 *rkt_sha512_free(struct rkt_sha512 *h);
RKT_DEFINE_CLEANUP(struct rkt_sha512 *, rkt_sha512_free)

/* Streaming SHA-256 for OCI and Docker content digests ("sha256:<64 hex>"), through the same
 * lazily loaded libcrypto. */
#define RKT_SHA256_DIGEST_SIZE (7 + 64 + 1)
struct rkt_sha256;
struct rkt_sha256 *rkt_sha256_new(void);
void rkt_sha256_update(struct rkt_sha256 *h, const void *data, size_t len);
void rkt_sha256_final_digest(struct rkt_sha256 *h, char out[RKT_SHA256_DIGEST_SIZE]);
struct rkt_sha256 *rkt_sha256_free(struct rkt_sha256 *h);
RKT_DEFINE_CLEANUP(struct rkt_sha256 *, rkt_sha256_free)
/* Whether S is "sha256:" and 64 lower-case hex digits. */
bool rkt_sha256_digest_valid(const char *s);

/* Standard base64 (RFC 4648, padded) of DATA, NUL-terminated; the caller frees it. Through
 * libcrypto, loaded as for hashing. */
char *rkt_base64_encode(const void *data, size_t len);

/* Decodes standard base64 (RFC 4648 section 4, padded, no whitespace) of S (LEN bytes) into
 * a new buffer, through libcrypto. Returns 0, or -EBADMSG for anything else (a bad character,
 * bad padding, non-zero pad bits). */
int rkt_base64_decode(const char *s, size_t len, uint8_t **ret, size_t *ret_len);

/* HMAC-SHA512 (RFC 2104) with KEY over the concatenation of the N_PARTS buffers, by libcrypto's
 * EVP_MAC. */
struct rkt_bytes {
	const void *data;
	size_t len;
};
void rkt_hmac_sha512(const void *key, size_t key_len, const struct rkt_bytes *parts, size_t n_parts,
                     uint8_t out[RKT_SHA512_LEN]);

/* Whether A and B (LEN bytes each) are equal, in time that depends only on LEN
 * (libcrypto's CRYPTO_memcmp). */
bool rkt_memeq_const(const void *a, const void *b, size_t len);

/* LEN bytes from getrandom(2), blocking until the kernel's pool is ready. Returns 0 or
 * -errno. */
int rkt_random_bytes(void *buf, size_t len, struct rkt_error *err);
