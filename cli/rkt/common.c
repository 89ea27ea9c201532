/* Helpers the rkt command files share: the store, option values, image lookups. */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "pod/pod.h"
#include "rkt.h"
#include "trust/trust.h"

int cli_store(struct cli_ctx *ctx, struct rkt_store **ret, struct rkt_error *err)
{
	int r;

	if (!ctx->store) {
		r = rkt_store_open(ctx->dir, &ctx->store, err);
		if (r < 0)
			return r;
		/* image rm and gc must keep what pods use */
		rkt_pods_hold_images(ctx->store, ctx->dir);
	}
	*ret = ctx->store;
	return 0;
}

/* Upstream tells who signed on stderr; stdout carries only what the command prints. */
static void print_signer(void *userdata, const char *name, const struct rkt_trust_signer *signer)
{
	(void)userdata;
	(void)name;
	fprintf(stderr, "signature verified:\n  %s\n",
	        signer->uid[0] ? signer->uid : signer->fingerprint);
}

/* A trusted key that can no longer be used is skipped; the user learns which. */
static void keystore_warn(void *userdata, const char *msg)
{
	(void)userdata;
	fprintf(stderr, "rkt: warning: %s\n", msg);
}

void cli_fetch_opts(struct cli_ctx *ctx, enum rkt_pull_policy policy, struct rkt_fetch_opts *ret)
{
	/* upstream does not even open the keystore with --insecure-options=image */
	if (!ctx->keystore && !(ctx->insecure & RKT_INSECURE_IMAGE)) {
		ctx->keystore = rkt_keystore_new(ctx->system_config, ctx->local_config);
		rkt_keystore_set_warn(ctx->keystore, keystore_warn, NULL);
	}
	*ret = (struct rkt_fetch_opts){
		.pull_policy = policy,
		.insecure = ctx->insecure,
		.keystore = ctx->keystore,
		.config = ctx->config,
		.verified = print_signer,
	};
}

int cli_getopt_error(const char *cmd, int result, int argc, char **argv, struct rkt_error *err)
{
	/* getopt_long() has already advanced optind past the offending word. */
	const char *word = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
	int len = (int)strcspn(word, "=");

	if (result == ':')
		return rkt_error_set(err, EINVAL, "%s: option '%s' needs a value", cmd, word);
	if (optopt && word[0] == '-' && word[1] != '-')
		return rkt_error_set(err, EINVAL, "%s: unknown option '-%c'", cmd, optopt);
	return rkt_error_set(err, EINVAL, "%s: unknown option '%.*s'", cmd, len, word);
}

int cli_image_lookup(struct cli_ctx *ctx, const char *image, char ret_id[RKT_IMAGE_ID_SIZE],
                     struct rkt_error *err)
{
	_cleanup_(rkt_kv_list_release) struct rkt_kv_list labels = { 0 };
	_cleanup_free_ char *name = NULL;
	struct rkt_store *s;
	int r;

	r = cli_store(ctx, &s, err);
	if (r < 0)
		return r;
	if (strncmp(image, "sha512-", 7) == 0)
		return rkt_store_resolve(s, image, ret_id, err);
	r = rkt_image_name_parse(image, &name, &labels, err);
	if (r < 0)
		return r;
	return rkt_store_find_by_name(s, name, &labels, ret_id, err);
}

int cli_parse_duration(const char *s, int64_t *ret_ns)
{
	static const struct {
		const char *unit;
		int64_t ns;
	} units[] = {
		{ "ns", 1 },
		{ "us", 1000 },
		{ "ms", 1000000 },
		{ "s", 1000000000 },
		{ "m", 60LL * 1000000000 },
		{ "h", 3600LL * 1000000000 },
	};
	int64_t total = 0;

	if (strcmp(s, "0") == 0) {
		*ret_ns = 0;
		return 0;
	}
	if (!*s)
		return -EINVAL;
	while (*s) {
		int64_t v = 0;
		size_t best = 0, best_len = 0;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (v > (INT64_MAX - 9) / 10)
				return -ERANGE;
			v = v * 10 + (*s - '0');
		}
		for (size_t i = 0; i < ELEMENTSOF(units); i++) {
			size_t len = strlen(units[i].unit);

			if (strncmp(s, units[i].unit, len) == 0 && len > best_len)
				best = i, best_len = len;
		}
		if (!best_len)
			return -EINVAL;
		if (v > INT64_MAX / units[best].ns || total > INT64_MAX - v * units[best].ns)
			return -ERANGE;
		total += v * units[best].ns;
		s += best_len;
	}
	*ret_ns = total;
	return 0;
}
