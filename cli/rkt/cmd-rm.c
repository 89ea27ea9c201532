/* rkt rm (--uuid-file=F | UUID...): delete exited, aborted and prepared pods now; running,
 * preparing and deleting pods are refused. Prints "<uuid>" (quoted, as upstream) per removed
 * pod; every pod is tried, and the command fails if any could not be removed. */
#include <errno.h>
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

struct rm_opts {
	const char *uuid_file;
};

const struct cli_flag rm_flags[] = {
	FLAG("uuid-file", CLI_FLAG_STRING, struct rm_opts, uuid_file, "",
	     "read pod UUID from file instead of argument"),
	{},
};

int cmd_rm(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	struct rm_opts o = { 0 };
	int n = cli_flags_parse(rm_flags, "rm", CLI_PARSE_INTERSPERSED, argc, argv, &o, err);

	if (n < 0)
		return n;
	return cli_each_pod(ctx, "rm", argv + 1, n, o.uuid_file, remove_one, NULL, err);
}
