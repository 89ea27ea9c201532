/* rkt image verify [IMAGE...]: re-hash each blob against its image ID and each tree against
 * its recorded hash, re-extracting a damaged tree. Every image if none is named. */
#include <errno.h>

#include "rkt.h"

int cmd_image_verify(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	struct rkt_image_info *imgs = NULL;
	struct rkt_store *s;
	size_t n = 0;
	int r;

	r = cli_flags_parse(NULL, "image verify", CLI_PARSE_INTERSPERSED, argc, argv, NULL, err);
	if (r < 0)
		return r;
	argc = r + 1;
	r = cli_store(ctx, &s, err);
	if (r < 0)
		return r;
	if (argc < 2) {
		r = rkt_store_list(s, &imgs, &n, err);
		if (r < 0)
			return rkt_error_wrap(err, r, "image verify");
	} else {
		imgs = xzalloc(sizeof(*imgs) * (size_t)(argc - 1));
		for (int i = 1; i < argc && r >= 0; i++, n++)
			r = cli_image_lookup(ctx, argv[i], imgs[i - 1].id, err);
	}
	for (size_t i = 0; r >= 0 && i < n; i++) {
		enum rkt_verify_status st;

		r = rkt_store_verify(s, imgs[i].id, &st, err);
		if (r >= 0)
			printf("%s: %s\n", imgs[i].id, st == RKT_VERIFY_OK ? "ok" : "repaired");
	}
	rkt_image_info_array_free(imgs, n);
	return r < 0 ? rkt_error_wrap(err, r, "image verify") : 0;
}
