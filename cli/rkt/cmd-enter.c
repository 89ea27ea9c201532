/* rkt enter [--app=NAME] UUID [CMD [ARGS...]]: exec the stage1 enter entrypoint to run CMD in
 * an app of a running pod (rkt/rkt Documentation/subcommands/enter.md, docs/stage1-abi.md 5). --app
 * is needed when the pod has several apps. Without CMD: /bin/bash if the app has one (upstream's
 * default), else the entrypoint's default, /bin/sh (busybox-style images have no bash). */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pod-util.h"
#include "pod/layout.h"
#include "pod/stage1.h"

static bool app_has_bash(pid_t pid, const char *app)
{
	_cleanup_free_ char *p = NULL, *rootfs = rkt_stage1_app_rootfs(app);
	struct stat st;

	/* the app's root exists only in the pod's mount namespace */
	p = xasprintf("/proc/%d/root/%s/bin/bash", (int)pid, rootfs);
	if (lstat(p, &st) == 0)
		return true;
	free(p);
	p = xasprintf("/proc/%d/root/proc/1/root/%s/bin/bash", (int)pid, rootfs);
	return lstat(p, &st) == 0;
}

struct enter_opts {
	const char *app;
};

const struct cli_flag enter_flags[] = {
	FLAG("app", CLI_FLAG_STRING, struct enter_opts, app, "",
	     "name of the app to enter within the specified pod"),
	{},
};

int cmd_enter(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	_cleanup_(rkt_pod_freep) struct rkt_pod *pod = NULL;
	_cleanup_(rkt_pod_manifest_freep) struct rkt_pod_manifest *m = NULL;
	_cleanup_(rkt_stage1_entry_release) struct rkt_stage1_entry enter = { 0 };
	_cleanup_(rkt_strv_free_arrayp) char **args = NULL;
	struct enter_opts o = { 0 };
	const char *app;
	int nargs, next = 1;
	pid_t pid;
	int r;

	/* flags only before the UUID; the command's own flags follow it */
	nargs = cli_flags_parse(enter_flags, "enter", CLI_PARSE_STOP_AT_ARG, argc, argv, &o, err);
	if (nargs < 0)
		return nargs;
	argc = nargs + 1;
	app = o.app;
	if (next >= argc)
		return rkt_error_set(err, EINVAL, "enter: expected a pod UUID");
	if (geteuid() != 0)
		return rkt_error_input(err, EPERM, "enter: must be run as root");
	r = cli_pod_find(ctx, "enter", argv[next++], NULL, &pod, err);
	if (r < 0)
		return r;
	if (pod->state != RKT_POD_STATE_RUNNING)
		return rkt_error_set(err, EINVAL, "enter: pod '%s' is not running (%s)", pod->uuid,
		                     rkt_pod_state_name(pod->state));
	r = rkt_pod_read_manifest(pod, &m, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "enter");
	if (!app) {
		if (m->n_apps != 1)
			return rkt_error_set(err, EINVAL,
			                     "enter: pod '%s' has %zu apps: choose one with --app",
			                     pod->uuid, m->n_apps);
		app = m->apps[0].name;
	} else {
		bool found = false;

		for (size_t i = 0; i < m->n_apps && !found; i++)
			found = strcmp(m->apps[i].name, app) == 0;
		if (!found)
			return rkt_error_input(err, ENOENT, "enter: pod '%s' has no app '%s'",
			                       pod->uuid, app);
	}
	/* upstream polls for the pid file while the pod is still starting */
	r = rkt_pod_wait_pid(pod, &pid, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "enter");
	r = rkt_stage1_entry(pod, "enter", &enter, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "enter");

	/* argv is NULL-terminated after the positional arguments (cli_flags_parse) */
	args = rkt_stage1_enter_argv(&enter, pid, app, next < argc ? argv + next : NULL,
	                             next >= argc && app_has_bash(pid, app));
	if (chdir(pod->path) < 0)
		return rkt_error_set(err, errno, "enter: chdir '%s'", pod->path);
	fflush(stdout);
	execv(enter.path, args);
	return rkt_error_set(err, errno, "enter: execute '%s'", enter.path);
}
