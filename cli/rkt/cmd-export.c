/* rkt export [--app=NAME] [--overwrite] UUID OUT.aci: an ACI of an exited pod's app with the
 * files the app wrote (rkt/rkt Documentation/subcommands/export.md). --app is needed when the pod
 * has several apps. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "pod-util.h"
#include "pod/export.h"

struct export_opts {
	const char *app;
	bool overwrite;
};

const struct cli_flag export_flags[] = {
	FLAG("app", CLI_FLAG_STRING, struct export_opts, app, "",
	     "name of the app to export within the specified pod"),
	FLAG("overwrite", CLI_FLAG_BOOL, struct export_opts, overwrite, "false",
	     "overwrite output ACI"),
	{},
};

int cmd_export(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	_cleanup_(rkt_pod_freep) struct rkt_pod *pod = NULL;
	_cleanup_(rkt_pod_manifest_freep) struct rkt_pod_manifest *m = NULL;
	struct export_opts o = { 0 };
	const char *app;
	bool overwrite;
	int n, next = 1, r;

	n = cli_flags_parse(export_flags, "export", CLI_PARSE_INTERSPERSED, argc, argv, &o, err);
	if (n < 0)
		return n;
	app = o.app;
	overwrite = o.overwrite;
	if (n != 2)
		return rkt_error_set(err, EINVAL, "export: expected a pod UUID and an output file");
	if (geteuid() != 0)
		return rkt_error_set(err, EPERM, "export: must be run as root");
	r = cli_pod_find(ctx, "export", argv[next], NULL, &pod, err);
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
	r = rkt_pod_export_app(pod, app ? app : m->apps[0].name, argv[next + 1], overwrite, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "export");
	return 0;
}
