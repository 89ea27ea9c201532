/* rkt rm (--uuid-file=F | UUID...): delete exited, aborted and prepared pods now; running,
 * preparing and deleting pods are refused. Prints "<uuid>" (quoted, as upstream) per removed
 * pod; every pod is tried, and the command fails if any could not be removed. */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "pod-util.h"
#include "pod/gc.h"

static int remove_one(struct cli_ctx *ctx, const char *arg, const char *uuid_file,
                      struct rkt_error *err)
{
	_cleanup_(rkt_pod_freep) struct rkt_pod *pod = NULL;
	int r;

	r = cli_pod_find(ctx, "rm", arg, uuid_file, &pod, err);
	if (r < 0)
		return r;
	r = rkt_pod_remove(pod, ctx->debug, err);
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
	struct rkt_error first = { 0 };
	size_t failed = 0;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (c != 'u')
			return cli_getopt_error("rm", c, argc, argv, err);
		uuid_file = optarg;
	}
	if ((optind < argc) == !!uuid_file)
		return rkt_error_set(err, EINVAL, "rm: expected pod UUIDs or --uuid-file");
	if (uuid_file)
		return remove_one(ctx, NULL, uuid_file, err);
	for (int i = optind; i < argc; i++) {
		struct rkt_error e = { 0 };

		if (remove_one(ctx, argv[i], NULL, &e) < 0 && failed++ == 0)
			first = e;
	}
	if (failed == 1) {
		*err = first;
		return -first.code;
	}
	if (failed) {
		*err = first;
		return rkt_error_wrap(err, -first.code, "%zu pods not removed", failed);
	}
	return 0;
}
