/* rkt run [flags] IMAGE [per-app flags] [-- args] [---] IMAGE ...: make a pod and exec its
 * stage1; rkt's exit status is then stage1's, i.e. the app's (rkt/rkt
 * Documentation/devel/architecture.md, Documentation/devel/stage1-implementors-guide.md). */
#include "pod-run.h"

int cmd_run(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	_cleanup_(rkt_pod_freep) struct rkt_pod *pod = NULL;
	struct make_opts o = { .cmd = "run", .rt.local_config = ctx->local_config };
	int r;

	r = make_opts_parse(&o, argc, argv, run_flags, err);
	if (r >= 0)
		r = pod_make(ctx, &o, &pod, err);
	if (r >= 0) {
		r = pod_exec_stage1(ctx, pod, &o.rt, "run", err);
		/* exec failed: a pod still in prepare/ is ours to remove */
		if (pod->dir == RKT_POD_DIR_PREPARE)
			pod_discard(pod);
	}
	make_opts_release(&o);
	return r;
}
