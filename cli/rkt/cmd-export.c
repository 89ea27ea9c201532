/* rkt export [--app=NAME] [--overwrite] UUID OUT.aci: an ACI of an exited pod's app with the
 * files the app wrote (rkt/rkt Documentation/subcommands/export.md). --app is needed when the pod
 * has several apps. */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "pod-util.h"
#include "pod/export.h"

int cmd_export(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	static const struct option options[] = {
		{ "app", required_argument, NULL, 'a' },
		{ "overwrite", optional_argument, NULL, 'o' },
		{},
	};
	_cleanup_(rkt_pod_freep) struct rkt_pod *pod = NULL;
	_cleanup_(rkt_pod_manifest_freep) struct rkt_pod_manifest *m = NULL;
	const char *app = NULL;
	bool overwrite = false;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (c == 'a') {
			app = optarg;
		} else if (c == 'o') {
			overwrite = true;
			if (optarg && rkt_parse_bool(optarg, &overwrite) < 0)
				return rkt_error_set(err, EINVAL, "export: '%s' is not a boolean",
				                     optarg);
		} else {
			return cli_getopt_error("export", c, argc, argv, err);
		}
	}
	if (argc - optind != 2)
		return rkt_error_set(err, EINVAL, "export: expected a pod UUID and an output file");
	if (geteuid() != 0)
		return rkt_error_set(err, EPERM, "export: must be run as root");
	r = cli_pod_find(ctx, "export", argv[optind], NULL, &pod, err);
	if (r < 0)
		return r;
	if (pod->state != RKT_POD_STATE_EXITED && pod->state != RKT_POD_STATE_EXITED_GARBAGE)
		return rkt_error_set(err, EINVAL, "export: pod '%s' is %s, not exited", pod->uuid,
		                     rkt_pod_state_name(pod->state));
	r = rkt_pod_read_manifest(pod, &m, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "export");
	if (!app && m->n_apps != 1)
		return rkt_error_set(err, EINVAL,
		                     "export: pod '%s' has %zu apps: choose one with --app",
		                     pod->uuid, m->n_apps);
	/* hold the pod so that gc cannot delete it under us */
	r = rkt_pod_lock(pod, false, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "export");
	r = rkt_pod_export_app(pod, app ? app : m->apps[0].name, argv[optind + 1], overwrite, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "export");
	return 0;
}
