/* rkt rm (--uuid-file=F | UUID...): delete exited, aborted and prepared pods now; running,
 * preparing and deleting pods are refused. Prints "<uuid>" (quoted, as upstream) per removed
 * pod; every pod is tried, and the command fails if any could not be removed. */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "pod-util.h"
#include "pod/gc.h"

static int remove_one(struct cli_ctx *ctx, struct rkt_pod *pod, void *userdata,
                      struct rkt_error *err)
{
	int r = rkt_pod_remove(pod, ctx->debug, err);

	if (r < 0)
		return rkt_error_wrap(err, r, "rm");
	printf("\"%s\"\n", pod->uuid);
	return 0;
}

int cmd_rm(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	static const struct option options[] = {
		{ "uuid-file", required_argument, NULL, 'u' },
		{},
	};
	const char *uuid_file = NULL;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (c != 'u')
			return cli_getopt_error("rm", c, argc, argv, err);
		uuid_file = optarg;
	}
	return cli_each_pod(ctx, "rm", argv + optind, argc - optind, uuid_file, remove_one, NULL,
	                    err);
}
