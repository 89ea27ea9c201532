/* rkt prepare [flags] IMAGE [per-app flags] [-- args] ...: make a pod for run-prepared; prints
 * its UUID (rkt/rkt Documentation/subcommands/prepare.md). */
#include "pod-run.h"

int cmd_prepare(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	_cleanup_(rkt_pod_freep) struct rkt_pod *pod = NULL;
	struct make_opts o = { .cmd = "prepare" };
	int r;

	r = make_opts_parse(&o, argc, argv, prepare_flags, err);
	if (r >= 0)
		r = pod_make(ctx, &o, &pod, err);
	if (r >= 0) {
		r = rkt_pod_move(pod, RKT_POD_DIR_PREPARED, err);
		if (r < 0)
			pod_discard(pod);
	}
	if (r >= 0)
		printf("%s\n", pod->uuid);
	make_opts_release(&o);
	return r;
}
