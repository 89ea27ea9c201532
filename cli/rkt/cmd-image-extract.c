/* rkt image extract|render [--rootfs-only] [--overwrite] IMAGE DIR: the image alone, or with
 * its dependencies applied as an app would see it (REN-*). One file for both: they differ in
 * one flag passed to the library. */
#include <errno.h>
#include <getopt.h>

#include "render/render.h"
#include "rkt.h"

static int extract_or_render(struct cli_ctx *ctx, int argc, char **argv, const char *cmd,
                             bool with_dependencies, struct rkt_error *err)
{
	enum { OPT_ROOTFS_ONLY = 256, OPT_OVERWRITE };
	static const struct option options[] = { { "rootfs-only", no_argument, NULL,
		                                   OPT_ROOTFS_ONLY },
		                                 { "overwrite", no_argument, NULL, OPT_OVERWRITE },
		                                 {} };
	struct rkt_render_opts o = { .with_dependencies = with_dependencies };
	char id[RKT_IMAGE_ID_SIZE];
	struct rkt_store *s;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (c == OPT_ROOTFS_ONLY)
			o.rootfs_only = true;
		else if (c == OPT_OVERWRITE)
			o.overwrite = true;
		else
			return cli_getopt_error(cmd, c, argc, argv, err);
	}
	if (argc - optind != 2)
		return rkt_error_set(err, EINVAL, "%s: expected IMAGE and OUTPUT_DIR", cmd);
	r = cli_image_lookup(ctx, argv[optind], id, err);
	if (r >= 0)
		r = cli_store(ctx, &s, err);
	if (r >= 0)
		r = rkt_image_render(s, id, argv[optind + 1], &o, err);
	return r < 0 ? rkt_error_wrap(err, r, "%s", cmd) : 0;
}

int cmd_image_extract(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	return extract_or_render(ctx, argc, argv, "image extract", false, err);
}

int cmd_image_render(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	return extract_or_render(ctx, argc, argv, "image render", true, err);
}
