/* rkt image rm IMAGE...: remove images by ID (prefix) or name; every image is tried, and the
 * command fails if any could not be removed. */
#include <errno.h>
#include <string.h>

#include "rkt.h"

int cmd_image_rm(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	struct rkt_error first = { 0 };
	struct rkt_store *s;
	size_t done = 0, failed = 0;
	int r;

	r = cli_flags_parse(NULL, "image rm", CLI_PARSE_INTERSPERSED, argc, argv, NULL, err);
	if (r < 0)
		return r;
	argc = r + 1;
	if (argc < 2)
		return rkt_error_set(err, EINVAL, "image rm: expected at least one image");
	r = cli_store(ctx, &s, err);
	if (r < 0)
		return r;
	for (int i = 1; i < argc; i++) {
		struct rkt_error e = { 0 };
		char id[RKT_IMAGE_ID_SIZE];

		r = cli_image_lookup(ctx, argv[i], id, &e);
		if (r >= 0)
			r = rkt_store_remove(s, id, &e);
		/* a name (not an ID prefix) is named too: the store names only the ID */
		if (r < 0 && e.code && strncmp(argv[i], id, strlen(argv[i])) != 0 &&
		    strstr(e.msg, argv[i]) == NULL)
			rkt_error_wrap(&e, r, "'%s'", argv[i]);
		if (r < 0) {
			if (failed++ == 0)
				first = e;
			continue;
		}
		printf("successfully removed aci for image: \"%s\"\n", id);
		done++;
	}
	if (done)
		printf("rm: %zu image(s) successfully removed\n", done);
	if (failed) {
		*err = first;
		return rkt_error_wrap(err, -first.code, "image rm: %zu image(s) not removed",
		                      failed);
	}
	return 0;
}
