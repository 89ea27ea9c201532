#include "util/hash.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "util/dl.h"

/* libcrypto is loaded on the first hash (util/dl.h): most commands, `rkt run` of a stored image
 * among them, hash nothing, and linking it cost every start its relocations. */
#define CRYPTO_FUNCS(X)                     \
	X(EVP_MD_CTX_new, md_ctx_new)       \
	X(EVP_MD_CTX_free, md_ctx_free)     \
	X(EVP_sha512, sha512)               \
	X(EVP_sha256, sha256)               \
	X(EVP_DigestInit_ex, digest_init)   \
	X(EVP_DigestUpdate, digest_update)  \
	X(EVP_DigestFinal_ex, digest_final) \
	X(EVP_EncodeBlock, encode_block)    \
	X(EVP_DecodeBlock, decode_block)    \
	X(EVP_MAC_fetch, mac_fetch)         \
	X(EVP_MAC_free, mac_free)           \
	X(EVP_MAC_CTX_new, mac_ctx_new)     \
	X(EVP_MAC_CTX_free, mac_ctx_free)   \
	X(EVP_MAC_init, mac_init)           \
	X(EVP_MAC_update, mac_update)       \
	X(EVP_MAC_final, mac_final)         \
	X(CRYPTO_memcmp, memcmp_const)

static struct crypto_api {
#define CRYPTO_FIELD(sym, field) __typeof__(sym) *field;
	CRYPTO_FUNCS(CRYPTO_FIELD)
#undef CRYPTO_FIELD
} C;

static const struct rkt_dl_symbol crypto_syms[] = {
#define CRYPTO_SYMBOL(sym, field) { #sym, (void **)&C.field },
	CRYPTO_FUNCS(CRYPTO_SYMBOL)
#undef CRYPTO_SYMBOL
};
RKT_DL_LIB(crypto_lib, "libcrypto.so.3", crypto_syms);

/* Both digests are an EVP context; the two types only keep their users apart. */
struct rkt_sha512 {
	EVP_MD_CTX *ctx;
};
struct rkt_sha256 {
	EVP_MD_CTX *ctx;
};

static EVP_MD_CTX *md_new(bool sha256)
{
	EVP_MD_CTX *ctx;

	rkt_dl_require(&crypto_lib);
	ctx = C.md_ctx_new();
	if (!ctx || C.digest_init(ctx, sha256 ? C.sha256() : C.sha512(), NULL) != 1)
		abort();
	return ctx;
}

static void md_update(EVP_MD_CTX *ctx, const void *data, size_t len)
{
	if (len && C.digest_update(ctx, data, len) != 1)
		abort();
}

/* Writes PREFIX (7 characters) and the digest in hex, NUL-terminated, into OUT. */
static void md_final(EVP_MD_CTX *ctx, const char *prefix, unsigned want, char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[64];
	unsigned int len = 0;

	if (C.digest_final(ctx, md, &len) != 1 || len != want)
		abort();
	memcpy(out, prefix, 7);
	for (unsigned i = 0; i < len; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[7 + 2 * i + 1] = hex[md[i] & 15];
	}
	out[7 + 2 * len] = '\0';
}

struct rkt_sha512 *rkt_sha512_new(void)
{
	struct rkt_sha512 *h = calloc(1, sizeof(*h));

	if (!h)
		abort();
	h->ctx = md_new(false);
	return h;
}

void rkt_sha512_update(struct rkt_sha512 *h, const void *data, size_t len)
{
	md_update(h->ctx, data, len);
}

void rkt_sha512_final_id(struct rkt_sha512 *h, char out[RKT_IMAGE_ID_SIZE])
{
	md_final(h->ctx, "sha512-", 64, out);
}

void rkt_sha512_final(struct rkt_sha512 *h, uint8_t out[RKT_SHA512_LEN])
{
	unsigned int len = 0;

	if (C.digest_final(h->ctx, out, &len) != 1 || len != RKT_SHA512_LEN)
		abort();
}

struct rkt_sha512 *rkt_sha512_free(struct rkt_sha512 *h)
{
	if (h) {
		C.md_ctx_free(h->ctx);
		free(h);
	}
	return NULL;
}

struct rkt_sha256 *rkt_sha256_new(void)
{
	struct rkt_sha256 *h = calloc(1, sizeof(*h));

	if (!h)
		abort();
	h->ctx = md_new(true);
	return h;
}

void rkt_sha256_update(struct rkt_sha256 *h, const void *data, size_t len)
{
	md_update(h->ctx, data, len);
}

void rkt_sha256_final_digest(struct rkt_sha256 *h, char out[RKT_SHA256_DIGEST_SIZE])
{
	md_final(h->ctx, "sha256:", 32, out);
}

struct rkt_sha256 *rkt_sha256_free(struct rkt_sha256 *h)
{
	if (h) {
		C.md_ctx_free(h->ctx);
		free(h);
	}
	return NULL;
}

char *rkt_base64_encode(const void *data, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);

	if (!out || len > INT_MAX)
		abort();
	rkt_dl_require(&crypto_lib);
	(void)C.encode_block((unsigned char *)out, data, (int)len);
	return out;
}

bool rkt_sha256_digest_valid(const char *s)
{
	if (strncmp(s, "sha256:", 7) != 0 || strlen(s) != RKT_SHA256_DIGEST_SIZE - 1)
		return false;
	for (const char *p = s + 7; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

int rkt_base64_decode(const char *s, size_t len, uint8_t **ret, size_t *ret_len)
{
	_cleanup_free_ uint8_t *out = NULL;
	_cleanup_free_ char *again = NULL;
	size_t pad = 0;
	int n;

	if (len % 4 || len > INT_MAX)
		return -EBADMSG;
	rkt_dl_require(&crypto_lib);
	out = malloc(len / 4 * 3 + 1);
	if (!out)
		abort();
	/* EVP_DecodeBlock skips white space around the input, decodes the padding as zero bytes
	 * and ignores the pad bits; only canonical input encodes back to itself. */
	n = C.decode_block(out, (const unsigned char *)s, (int)len);
	if (n < 0)
		return -EBADMSG;
	if (len && s[len - 1] == '=')
		pad = len >= 2 && s[len - 2] == '=' ? 2 : 1;
	if ((size_t)n < pad)
		return -EBADMSG;
	again = rkt_base64_encode(out, (size_t)n - pad);
	if (strlen(again) != len || memcmp(again, s, len) != 0)
		return -EBADMSG;
	*ret = TAKE_PTR(out);
	*ret_len = (size_t)n - pad;
	return 0;
}

void rkt_hmac_sha512(const void *key, size_t key_len, const struct rkt_bytes *parts, size_t n_parts,
                     uint8_t out[RKT_SHA512_LEN])
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA512", 6),
		OSSL_PARAM_END,
	};
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx;
	size_t len = 0;

	rkt_dl_require(&crypto_lib);
	mac = C.mac_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	ctx = mac ? C.mac_ctx_new(mac) : NULL;
	/* a NULL key would keep the context's old one: there is none, so pass "" for an empty key */
	if (!ctx || C.mac_init(ctx, key_len ? key : (const void *)"", key_len, params) != 1)
		abort();
	for (size_t i = 0; i < n_parts; i++)
		if (parts[i].len && C.mac_update(ctx, parts[i].data, parts[i].len) != 1)
			abort();
	if (C.mac_final(ctx, out, &len, RKT_SHA512_LEN) != 1 || len != RKT_SHA512_LEN)
		abort();
	C.mac_ctx_free(ctx);
	C.mac_free(mac);
}

bool rkt_memeq_const(const void *a, const void *b, size_t len)
{
	rkt_dl_require(&crypto_lib);
	return C.memcmp_const(a, b, len) == 0;
}

int rkt_random_bytes(void *buf, size_t len, struct rkt_error *err)
{
	for (size_t got = 0; got < len;) {
		ssize_t n = getrandom((uint8_t *)buf + got, len - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return rkt_error_set(err, errno, "getrandom");
		got += (size_t)n;
	}
	return 0;
}
