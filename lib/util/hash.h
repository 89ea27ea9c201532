/* Streaming SHA-512 for image IDs (appc ACI-13: sha512 of the uncompressed tar). OpenSSL's
 * libcrypto does the work; it is loaded on the first rkt_sha512_new (util/dl.h), which aborts if
 * it cannot be loaded (a hard dependency of the package, like libc). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "util/cleanup.h"

#define RKT_SHA512_HEX_LEN 128
/* "sha512-" + 128 hex digits + NUL */
#define RKT_IMAGE_ID_SIZE (7 + RKT_SHA512_HEX_LEN + 1)

struct rkt_sha512;

struct rkt_sha512 *rkt_sha512_new(void);
void rkt_sha512_update(struct rkt_sha512 *h, const void *data, size_t len);
/* Finishes the digest and writes "sha512-<128 hex>" into OUT. H may not be updated after. */
void rkt_sha512_final_id(struct rkt_sha512 *h, char out[RKT_IMAGE_ID_SIZE]);
struct rkt_sha512 *rkt_sha512_free(struct rkt_sha512 *h);
RKT_DEFINE_CLEANUP(struct rkt_sha512 *, rkt_sha512_free)

/* Standard base64 (RFC 4648, padded) of DATA, NUL-terminated; the caller frees it. Through
 * libcrypto, loaded as for hashing. */
char *rkt_base64_encode(const void *data, size_t len);
