#include "util/hash.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <openssl/evp.h>
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
	X(EVP_EncodeBlock, encode_block)

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

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int rkt_base64_decode(const char *s, size_t len, uint8_t **ret, size_t *ret_len)
{
	_cleanup_free_ uint8_t *out = NULL;
	size_t n = 0, pad = 0;

	if (len % 4)
		return -EBADMSG;
	if (len && s[len - 1] == '=')
		pad = len >= 2 && s[len - 2] == '=' ? 2 : 1;
	out = malloc(len / 4 * 3 + 1);
	if (!out)
		abort();
	for (size_t i = 0; i < len; i += 4) {
		bool last = i + 4 == len;
		int v[4];

		for (size_t k = 0; k < 4; k++) {
			v[k] = b64_value((unsigned char)s[i + k]);
			if (v[k] < 0 && !(last && k >= 4 - pad))
				return -EBADMSG;
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12;
		if (last && pad == 2) {
			if (w & 0xffff) /* pad bits must be zero (canonical input only) */
				return -EBADMSG;
			out[n++] = (uint8_t)(w >> 16);
			continue;
		}
		w |= (uint32_t)v[2] << 6;
		if (last && pad == 1) {
			if (w & 0xff)
				return -EBADMSG;
			out[n++] = (uint8_t)(w >> 16);
			out[n++] = (uint8_t)(w >> 8);
			continue;
		}
		w |= (uint32_t)v[3];
		out[n++] = (uint8_t)(w >> 16);
		out[n++] = (uint8_t)(w >> 8);
		out[n++] = (uint8_t)w;
	}
	*ret = TAKE_PTR(out);
	*ret_len = n;
	return 0;
}

void rkt_hmac_sha512(const void *key, size_t key_len, const struct rkt_bytes *parts, size_t n_parts,
                     uint8_t out[RKT_SHA512_LEN])
{
	/* RFC 2104 with SHA-512's block of 128 bytes; a longer key is hashed first. */
	uint8_t k[128] = { 0 }, pad[128], inner[RKT_SHA512_LEN];
	struct rkt_sha512 *h;

	if (key_len > sizeof(k)) {
		h = rkt_sha512_new();
		rkt_sha512_update(h, key, key_len);
		rkt_sha512_final(h, k);
		rkt_sha512_free(h);
	} else if (key_len) {
		memcpy(k, key, key_len);
	}
	for (size_t i = 0; i < sizeof(k); i++)
		pad[i] = k[i] ^ 0x36;
	h = rkt_sha512_new();
	rkt_sha512_update(h, pad, sizeof(pad));
	for (size_t i = 0; i < n_parts; i++)
		rkt_sha512_update(h, parts[i].data, parts[i].len);
	rkt_sha512_final(h, inner);
	rkt_sha512_free(h);
	for (size_t i = 0; i < sizeof(k); i++)
		pad[i] = k[i] ^ 0x5c;
	h = rkt_sha512_new();
	rkt_sha512_update(h, pad, sizeof(pad));
	rkt_sha512_update(h, inner, sizeof(inner));
	rkt_sha512_final(h, out);
	rkt_sha512_free(h);
}

bool rkt_memeq_const(const void *a, const void *b, size_t len)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t d = 0;

	for (size_t i = 0; i < len; i++)
		d |= x[i] ^ y[i];
	return d == 0;
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
