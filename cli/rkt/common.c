/* Helpers the rkt command files share: the store, option values, image lookups. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pod/pod.h"
#include "rkt.h"
#include "trust/trust.h"
#include "util/escape.h"

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
	_cleanup_free_ char *who =
	        rkt_escape_ctl(signer->uid[0] ? signer->uid : signer->fingerprint);

	fprintf(stderr, "signature verified:\n  %s\n", who);
}

/* A trusted key that can no longer be used is skipped; the user learns which. */
static void keystore_warn(void *userdata, const char *msg)
{
	(void)userdata;
	_cleanup_free_ char *line = rkt_escape_ctl(msg);

	fprintf(stderr, "rkt: warning: %s\n", line);
}

/* Upstream's log lines during a fetch. */
static void fetch_note(void *userdata, const char *msg)
{
	(void)userdata;
	fprintf(stderr, "rkt: %s\n", msg);
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
		.note = fetch_note,
		.trust_keys_from_https = ctx->trust_keys_from_https,
	};
}

int cli_platform_flag_parse(void *opts, const struct cli_flag *f, const char *value,
                            struct rkt_error *err)
{
	size_t n = strspn(value, "abcdefghijklmnopqrstuvwxyz0123456789_");

	if (!value[0] || value[n] || n > 32)
		return rkt_error_set(err, EINVAL,
		                     "fetch: --%s: '%s' is not a platform name (like %s)", f->name,
		                     value, strcmp(f->name, "os") == 0 ? "linux" : "arm64");
	memcpy((char *)opts + f->offset, &value, sizeof(value));
	return 0;
}

int cli_format_flag_parse(void *opts, const struct cli_flag *f, const char *value,
                          struct rkt_error *err)
{
	static const char *const names[] = { "", "json", "json-pretty" };

	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (strcmp(value, names[i]) == 0) {
			enum cli_format *field = (void *)((char *)opts + f->offset);

			*field = (enum cli_format)i;
			return 0;
		}
	return rkt_error_set(err, EINVAL, "--format: '%s' is not one of json, json-pretty", value);
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

char **cli_escape_cells(char *const *cells, size_t n)
{
	char **esc = xmalloc_array(n + 1, sizeof(*esc));

	for (size_t i = 0; i < n; i++)
		esc[i] = rkt_escape_ctl(cells[i]);
	esc[n] = NULL;
	return esc;
}

void cli_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}
