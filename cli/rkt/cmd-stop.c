/* rkt stop [--force] (--uuid-file=F | UUID...): run each running pod's stage1 stop entrypoint
 * (SIGTERM, or SIGKILL with --force) and wait until the pod has exited; prints "<uuid>" per
 * stopped pod. As upstream, a pod that has already run is reported on stdout and is no error;
 * one that has not run yet (prepared, preparing) is. */
#include <errno.h>
#include <getopt.h>
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

int cmd_stop(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	static const struct option options[] = {
		{ "force", optional_argument, NULL, 'f' },
		{ "uuid-file", required_argument, NULL, 'u' },
		{},
	};
	const char *uuid_file = NULL;
	bool force = false;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (c == 'u') {
			uuid_file = optarg;
		} else if (c == 'f') {
			force = true;
			if (optarg && rkt_parse_bool(optarg, &force) < 0)
				return rkt_error_set(err, EINVAL, "stop: '%s' is not a boolean",
				                     optarg);
		} else {
			return cli_getopt_error("stop", c, argc, argv, err);
		}
	}
	return cli_each_pod(ctx, "stop", argv + optind, argc - optind, uuid_file, stop_one, &force,
	                    err);
}
