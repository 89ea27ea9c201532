/* rkt image cat-manifest [--pretty-print[=BOOL]] IMAGE: the stored image's manifest, indented by
 * default as upstream's (its --pretty-print defaults to true); --pretty-print=false prints it on
 * one line. */
#include <errno.h>
#include <string.h>

#include "appc/manifest.h"
#include "rkt.h"

struct image_cat_manifest_opts {
	bool pretty;
};

const struct cli_flag image_cat_manifest_flags[] = {
	FLAG("pretty-print", CLI_FLAG_BOOL, struct image_cat_manifest_opts, pretty, "true",
	     "apply indent to format the output"),
	{},
};

int cmd_image_cat_manifest(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	_cleanup_(rkt_image_manifest_freep) struct rkt_image_manifest *m = NULL;
	_cleanup_free_ char *raw = NULL, *out = NULL, *what = NULL;
	char id[RKT_IMAGE_ID_SIZE];
	struct rkt_store *s;
	struct image_cat_manifest_opts o = { .pretty = true };
	int r;

	r = cli_flags_parse(image_cat_manifest_flags, "image cat-manifest", CLI_PARSE_INTERSPERSED,
	                    argc, argv, &o, err);
	if (r < 0)
		return r;
	if (r != 1)
		return rkt_error_set(err, EINVAL, "image cat-manifest: expected one image");
	r = cli_image_lookup(ctx, argv[1], id, err);
	if (r >= 0)
		r = cli_store(ctx, &s, err);
	if (r >= 0)
		r = rkt_store_get_manifest(s, id, &raw, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "image cat-manifest");
	what = xasprintf("manifest of image '%s'", id);
	r = rkt_image_manifest_parse(raw, strlen(raw), what, &m, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "image cat-manifest");
	out = rkt_image_manifest_format(m, o.pretty);
	printf("%s\n", out);
	return 0;
}
