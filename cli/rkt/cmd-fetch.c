/* rkt fetch IMAGE...: import images (and their dependencies) into the store and print their
 * IDs, one per line (rkt-inventory 2.4). Also "rkt image fetch". */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "rkt.h"
#include "trust/trust.h"

struct fetch_opts {
	enum rkt_pull_policy pull_policy;
	bool full;
	const char *signature;
};

static int parse_args(int argc, char **argv, struct fetch_opts *o, struct rkt_error *err)
{
	enum { OPT_PULL_POLICY = 256, OPT_FULL, OPT_SIGNATURE, OPT_STORE_ONLY, OPT_NO_STORE };
	static const struct option options[] = {
		{ "pull-policy", required_argument, NULL, OPT_PULL_POLICY },
		{ "full", no_argument, NULL, OPT_FULL },
		{ "signature", required_argument, NULL, OPT_SIGNATURE },
		{ "store-only", no_argument, NULL, OPT_STORE_ONLY },
		{ "no-store", no_argument, NULL, OPT_NO_STORE },
		{}
	};
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		switch (c) {
		case OPT_PULL_POLICY:
			r = rkt_pull_policy_from_name(optarg, &o->pull_policy, err);
			if (r < 0)
				return r;
			break;
		case OPT_FULL:
			o->full = true;
			break;
		case OPT_SIGNATURE:
			o->signature = optarg;
			break;
		case OPT_STORE_ONLY: /* deprecated spellings (rkt-inventory 2.4) */
			o->pull_policy = RKT_PULL_POLICY_NEVER;
			break;
		case OPT_NO_STORE:
			o->pull_policy = RKT_PULL_POLICY_UPDATE;
			break;
		default:
			return cli_getopt_error("fetch", c, argc, argv, err);
		}
	}
	if (optind >= argc)
		return rkt_error_set(err, EINVAL, "fetch: expected at least one image");
	if (o->signature && argc - optind > 1)
		return rkt_error_set(err, EINVAL, "fetch: --signature needs exactly one image");
	return 0;
}

/* rkt-inventory 4.4: the signature over the ACI as fetched, with the keys trusted for the name
 * in its manifest. */
static int verify_signature(void *userdata, int fd, const char *signature,
                            const struct rkt_aci_info *info, struct rkt_error *err)
{
	struct rkt_keystore *ks = userdata;
	_cleanup_close_ int sig_fd = open(signature, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct rkt_trust_signer signer;
	int r;

	if (sig_fd < 0 && errno == ENOENT)
		return rkt_error_set(
		        err, ENOKEY,
		        "no signature '%s' for image '%s'; use --insecure-options=image "
		        "to fetch it without one",
		        signature, info->manifest->name);
	if (sig_fd < 0)
		return rkt_error_set(err, errno, "signature '%s'", signature);
	r = rkt_keystore_verify_fd(ks, info->manifest->name, fd, signature, sig_fd, &signer, err);
	if (r < 0)
		return r;
	/* Upstream tells who signed on stderr; stdout carries only the image IDs. */
	fprintf(stderr, "signature verified:\n  %s\n",
	        signer.uid[0] ? signer.uid : signer.fingerprint);
	return 0;
}

int cmd_fetch(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	struct fetch_opts o = { .pull_policy = RKT_PULL_POLICY_UPDATE };
	struct rkt_store *s;
	int r;

	r = parse_args(argc, argv, &o, err);
	if (r < 0)
		return r;
	r = cli_store(ctx, &s, err);
	if (r < 0)
		return r;

	/* Without --insecure-options=image an image needs a good signature by a trusted key. */
	_cleanup_(rkt_keystore_freep) struct rkt_keystore *ks =
	        rkt_keystore_new(ctx->system_config, ctx->local_config);
	struct rkt_fetch_opts fo = {
		.pull_policy = o.pull_policy,
		.insecure = ctx->insecure,
		.signature = o.signature,
		.verify = verify_signature,
		.verify_userdata = ks,
	};
	for (int i = optind; i < argc; i++) {
		char id[RKT_IMAGE_ID_SIZE], shortid[40];

		r = rkt_fetch(s, argv[i], &fo, id, err);
		if (r < 0)
			return rkt_error_wrap(err, r, "fetch");
		if (o.full) {
			printf("%s\n", id);
		} else {
			rkt_image_id_short(id, shortid);
			printf("%s\n", shortid);
		}
	}
	return 0;
}
