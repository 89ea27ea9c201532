/* rkt image extract|render [--rootfs-only] [--overwrite] IMAGE DIR: the image alone, or with
 * its dependencies applied as an app would see it (REN-*). One file for both: they differ in
 * one flag passed to the library. */
#include <errno.h>

#include "render/render.h"
#include "rkt.h"

/* Both commands' flags. */
const struct cli_flag image_extract_flags[] = {
	FLAG("overwrite", CLI_FLAG_BOOL, struct rkt_render_opts, overwrite, "false",
	     "overwrite output directory"),
	FLAG("rootfs-only", CLI_FLAG_BOOL, struct rkt_render_opts, rootfs_only, "false",
	     "extract rootfs only"),
	{},
};

static int extract_or_render(struct cli_ctx *ctx, int argc, char **argv, const char *cmd,
                             bool with_dependencies, struct rkt_error *err)
{
	struct rkt_render_opts o = { .with_dependencies = with_dependencies };
	char id[RKT_IMAGE_ID_SIZE];
	struct rkt_store *s;
	int r;

	r = cli_flags_parse(image_extract_flags, cmd, CLI_PARSE_INTERSPERSED, argc, argv, &o, err);
	if (r < 0)
		return r;
	if (r != 2)
		return rkt_error_set(err, EINVAL, "%s: expected IMAGE and OUTPUT_DIR", cmd);
	r = cli_image_lookup(ctx, argv[1], id, err);
	if (r >= 0)
		r = cli_store(ctx, &s, err);
	if (r >= 0)
		r = rkt_image_render(s, id, argv[2], &o, err);
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
