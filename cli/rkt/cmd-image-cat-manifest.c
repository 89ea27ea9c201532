/* rkt image cat-manifest [--pretty-print] IMAGE: the stored image's manifest, serialized as
 * upstream does (json.Marshal, or MarshalIndent with --pretty-print). */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "appc/manifest.h"
#include "rkt.h"

int cmd_image_cat_manifest(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	enum { OPT_PRETTY = 256 };
	static const struct option options[] = { { "pretty-print", no_argument, NULL, OPT_PRETTY },
		                                 {} };
	_cleanup_(rkt_image_manifest_freep) struct rkt_image_manifest *m = NULL;
	_cleanup_free_ char *raw = NULL, *out = NULL, *what = NULL;
	char id[RKT_IMAGE_ID_SIZE];
	struct rkt_store *s;
	bool pretty = false;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (c != OPT_PRETTY)
			return cli_getopt_error("image cat-manifest", c, argc, argv, err);
		pretty = true;
	}
	if (argc - optind != 1)
		return rkt_error_set(err, EINVAL, "image cat-manifest: expected one image");
	r = cli_image_lookup(ctx, argv[optind], id, err);
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
	out = rkt_image_manifest_format(m, pretty);
	printf("%s\n", out);
	return 0;
}
