/* rkt image gc [--grace-period=DURATION]: remove images unused for longer than the grace
 * period, then blobs, trees and temporary files that no image refers to. */
#include <errno.h>
#include <string.h>

#include "rkt.h"

struct gc_opts {
	int64_t grace_ns;
};

static void removed(void *userdata, const char *id)
{
	printf("successfully removed aci for image: \"%s\"\n", id);
}

const struct cli_flag image_gc_flags[] = {
	FLAG("grace-period", CLI_FLAG_DURATION, struct gc_opts, grace_ns, "24h0m0s",
	     "duration to wait since an image was last used before removing it"),
	{},
};

int cmd_image_gc(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	struct gc_opts o = { .grace_ns = 24LL * 3600 * 1000000000 };
	struct rkt_store_gc_result res;
	struct rkt_store *s;
	int r;

	r = cli_flags_parse(image_gc_flags, "image gc", CLI_PARSE_INTERSPERSED, argc, argv, &o,
	                    err);
	if (r < 0)
		return r;
	if (r > 0)
		return rkt_error_set(err, EINVAL, "image gc: unexpected argument '%s'", argv[1]);
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
