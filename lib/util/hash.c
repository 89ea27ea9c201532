#include "util/hash.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rkt_sha512 {
	EVP_MD_CTX *ctx;
};

struct rkt_sha512 *rkt_sha512_new(void)
{
	struct rkt_sha512 *h = calloc(1, sizeof(*h));

	if (!h)
		abort();
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha512(), NULL) != 1)
		abort();
	return h;
}

void rkt_sha512_update(struct rkt_sha512 *h, const void *data, size_t len)
{
	if (len && EVP_DigestUpdate(h->ctx, data, len) != 1)
		abort();
}

void rkt_sha512_final_id(struct rkt_sha512 *h, char out[RKT_IMAGE_ID_SIZE])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[64];
	unsigned int len = 0;

	if (EVP_DigestFinal_ex(h->ctx, md, &len) != 1 || len != sizeof(md))
		abort();
	memcpy(out, "sha512-", 7);
	for (unsigned i = 0; i < len; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[7 + 2 * i + 1] = hex[md[i] & 15];
	}
	out[RKT_IMAGE_ID_SIZE - 1] = '\0';
}

struct rkt_sha512 *rkt_sha512_free(struct rkt_sha512 *h)
{
	if (h) {
		EVP_MD_CTX_free(h->ctx);
		free(h);
	}
	return NULL;
}
