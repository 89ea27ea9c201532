/* rkt stop [--force] (--uuid-file=F | UUID...): run each running pod's stage1 stop entrypoint
 * (SIGTERM, or SIGKILL with --force) and wait until the pod has exited; prints "<uuid>" per
 * stopped pod. As upstream, a pod that has already run is reported on stdout and is no error;
 * one that has not run yet (prepared, preparing) is. */
#include <errno.h>
#include <string.h>

#include "pod-util.h"
#include "pod/stage1.h"

/* Upstream's "after run" states: exited, or on the way to being collected. */
static bool has_run(const struct rkt_pod *pod)
{
	switch (pod->state) {
	case RKT_POD_STATE_EXITED:
	case RKT_POD_STATE_EXITED_GARBAGE:
	case RKT_POD_STATE_EXITED_DELETING:
	case RKT_POD_STATE_DELETING:
	case RKT_POD_STATE_GARBAGE:
		return true;
	default:
		return false;
	}
}

static int stop_one(struct cli_ctx *ctx, struct rkt_pod *pod, void *userdata, struct rkt_error *err)
{
	_cleanup_(rkt_stage1_entry_release) struct rkt_stage1_entry stop = { 0 };
	_cleanup_(rkt_strv_free_arrayp) char **argv = NULL;
	bool force = *(bool *)userdata;
	int r;

	if (has_run(pod)) {
		printf("pod \"%s\" is already stopped\n", pod->uuid);
		fflush(stdout);
		return 0;
	}
	if (pod->state != RKT_POD_STATE_RUNNING)
		return rkt_error_set(err, EINVAL, "stop: pod \"%s\" is not running", pod->uuid);
	/* a pod that has just moved to run/: its stage1 reads the pid that stage1 writes */
	pid_t pid;
	r = rkt_pod_wait_pid(pod, &pid, err);
	if (r < 0 && has_run(pod)) {
		rkt_error_clear(err);
		printf("pod \"%s\" is already stopped\n", pod->uuid);
		fflush(stdout);
		return 0;
	}
	if (r < 0)
		return rkt_error_wrap(err, r, "stop");
	r = rkt_stage1_entry(pod, "stop", &stop, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "stop");
	argv = rkt_stage1_stop_argv(&stop, pod, force);
	r = rkt_stage1_call(pod, argv, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "stop");
	if (r > 0)
		return rkt_error_set(err, EIO, "stop: stage1 stop of pod '%s' exited with %d",
		                     pod->uuid, r);
	r = rkt_pod_wait_unlocked(pod, err);
	if (r < 0 && r != -ENOENT)
		return rkt_error_wrap(err, r, "stop");
	printf("\"%s\"\n", pod->uuid);
	fflush(stdout);
	return 0;
}

struct stop_opts {
	bool force;
	const char *uuid_file;
};

const struct cli_flag stop_flags[] = {
	FLAG("force", CLI_FLAG_BOOL, struct stop_opts, force, "false", "forced stopping"),
	FLAG("uuid-file", CLI_FLAG_STRING, struct stop_opts, uuid_file, "",
	     "read pod UUID from file instead of argument"),
	{},
};

int cmd_stop(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	struct stop_opts o = { 0 };
	int n = cli_flags_parse(stop_flags, "stop", CLI_PARSE_INTERSPERSED, argc, argv, &o, err);

	if (n < 0)
		return n;
	return cli_each_pod(ctx, "stop", argv + 1, n, o.uuid_file, stop_one, &o.force, err);
}
