/* rkt image gc [--grace-period=DURATION]: remove images unused for longer than the grace
 * period, then blobs, trees and temporary files that no image refers to. */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "rkt.h"

struct gc_opts {
	int64_t grace_ns;
};

static void removed(void *userdata, const char *id)
{
	printf("successfully removed aci for image: \"%s\"\n", id);
}

int cmd_image_gc(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	enum { OPT_GRACE = 256 };
	static const struct option options[] = {
		{ "grace-period", required_argument, NULL, OPT_GRACE }, {}
	};
	struct gc_opts o = { .grace_ns = 24LL * 3600 * 1000000000 };
	struct rkt_store_gc_result res;
	struct rkt_store *s;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (c != OPT_GRACE)
			return cli_getopt_error("image gc", c, argc, argv, err);
		if (cli_parse_duration(optarg, &o.grace_ns) < 0)
			return rkt_error_set(err, EINVAL,
			                     "image gc: --grace-period: '%s' is not a duration",
			                     optarg);
	}
	if (optind < argc)
		return rkt_error_set(err, EINVAL, "image gc: unexpected argument '%s'",
		                     argv[optind]);
	r = cli_store(ctx, &s, err);
	if (r < 0)
		return r;
	r = rkt_store_gc(s, o.grace_ns, removed, NULL, &res, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "image gc");
	printf("gc: %zu image(s) removed, %zu leftover file(s) removed\n", res.images_removed,
	       res.files_removed);
	return 0;
}
