/* rkt run-prepared [runtime flags] UUID: lock a prepared pod, move it to run/ and exec its
 * stage1. Losing a race with another run-prepared or gc is an ordinary error. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "isolate/isolate.h"
#include "pod-run.h"
#include "pod/prepare.h"

static int on_flag(void *userdata, int id, const char *v, struct rkt_error *err)
{
	return runtime_flag(userdata, "run-prepared", id, v, err);
}

/* ISO-18: a sysctl the pod cannot own (a net.* key with --net=host) is refused here, in stage0,
 * while the pod is still prepared (run-prepared --net=none can still run it), not by stage1 after
 * the pod has moved to run/. prepare cannot check it: the network is chosen here. So is a host
 * volume whose source has gone since prepare. */
static int sysctl_check(const struct rkt_pod *pod, const struct runtime_opts *o,
                        struct rkt_error *err)
{
	_cleanup_(rkt_pod_manifest_freep) struct rkt_pod_manifest *m = NULL;
	int r = rkt_pod_read_manifest(pod, &m, err);
	if (r >= 0)
		r = rkt_sysctl_check(&m->isolators, o->net && strcmp(o->net, "host") != 0, true,
		                     true, err);
	if (r >= 0)
		r = rkt_pod_volumes_check(m, err);
	return r < 0 ? rkt_error_wrap(err, r, "run-prepared: pod '%s'", pod->uuid) : 0;
}

int cmd_run_prepared(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	_cleanup_(rkt_pod_freep) struct rkt_pod *pod = NULL;
	struct runtime_opts o = { .local_config = ctx->local_config };
	struct app_list args = { 0 };
	int r;

	/* the UUID takes the place of an image in the grammar */
	r = app_args_parse("run-prepared", argc, argv, run_prepared_flags, on_flag, &o, false,
	                   &args, err);
	if (r >= 0 && args.n != 1)
		r = rkt_error_set(err, EINVAL, "run-prepared: expected one pod UUID");
	if (r >= 0)
		r = runtime_opts_check(&o, "run-prepared", err);
	if (r >= 0 && geteuid() != 0)
		r = rkt_error_set(err, EPERM, "run-prepared: must be run as root");
	if (r >= 0)
		r = cli_pod_find(ctx, "run-prepared", args.apps[0].image, NULL, &pod, err);
	if (r >= 0 && pod->state != RKT_POD_STATE_PREPARED)
		r = rkt_error_set(err, EINVAL, "run-prepared: pod '%s' is %s, not prepared",
		                  pod->uuid, rkt_pod_state_name(pod->state));
	if (r >= 0)
		r = rkt_pod_lock(pod, true, err);
	if (r >= 0 && pod->dir != RKT_POD_DIR_PREPARED)
		r = rkt_error_set(err, EBUSY, "run-prepared: pod '%s' was taken by another process",
		                  pod->uuid);
	if (r >= 0)
		r = sysctl_check(pod, &o, err);
	if (r >= 0)
		r = pod_exec_stage1(ctx, pod, &o, "run-prepared", err);
	app_list_release(&args);
	runtime_opts_release(&o);
	return r;
}
