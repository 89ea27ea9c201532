/* rkt image export [--overwrite] IMAGE OUT.aci: the stored ACI, whose ID is the image's. */
#include <errno.h>

#include "rkt.h"

struct image_export_opts {
	bool overwrite;
};

const struct cli_flag image_export_flags[] = {
	FLAG("overwrite", CLI_FLAG_BOOL, struct image_export_opts, overwrite, "false",
	     "overwrite output ACI"),
	{},
};

int cmd_image_export(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	struct image_export_opts o = { 0 };
	char id[RKT_IMAGE_ID_SIZE];
	struct rkt_store *s;
	int r;

	r = cli_flags_parse(image_export_flags, "image export", CLI_PARSE_INTERSPERSED, argc, argv,
	                    &o, err);
	if (r < 0)
		return r;
	if (r != 2)
		return rkt_error_set(err, EINVAL,
		                     "image export: expected IMAGE and OUTPUT_ACI_FILE");
	r = cli_image_lookup(ctx, argv[1], id, err);
	if (r >= 0)
		r = cli_store(ctx, &s, err);
	if (r >= 0)
		r = rkt_store_export(s, id, argv[2], o.overwrite, err);
	return r < 0 ? rkt_error_wrap(err, r, "image export") : 0;
}
