/* rkt image export [--overwrite] IMAGE OUT.aci: the stored ACI, whose ID is the image's. */
#include <errno.h>
#include <getopt.h>

#include "rkt.h"

int cmd_image_export(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	enum { OPT_OVERWRITE = 256 };
	static const struct option options[] = { { "overwrite", no_argument, NULL, OPT_OVERWRITE },
		                                 {} };
	char id[RKT_IMAGE_ID_SIZE];
	struct rkt_store *s;
	bool overwrite = false;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (c != OPT_OVERWRITE)
			return cli_getopt_error("image export", c, argc, argv, err);
		overwrite = true;
	}
	if (argc - optind != 2)
		return rkt_error_set(err, EINVAL,
		                     "image export: expected IMAGE and OUTPUT_ACI_FILE");
	r = cli_image_lookup(ctx, argv[optind], id, err);
	if (r >= 0)
		r = cli_store(ctx, &s, err);
	if (r >= 0)
		r = rkt_store_export(s, id, argv[optind + 1], overwrite, err);
	return r < 0 ? rkt_error_wrap(err, r, "image export") : 0;
}
