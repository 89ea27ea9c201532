/* rkt logs [--app=NAME] [--follow] UUID: what the pod's apps wrote on stdout and stderr, from
 * the per-app log files stage1 keeps (docs/stage1-abi.md 3.2: $P/logs/<app>.log; upstream read
 * the pod's journal instead). Without --app every app's log is printed, in manifest order.
 * --follow keeps printing what is appended until the pod has stopped running. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pod/layout.h"
#include "pod-util.h"
#include "util/io.h"

#define FOLLOW_POLL_NS 100000000L

/* Copies what FD has from its offset to EOF to stdout. */
static int drain(int fd, struct rkt_error *err)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		int r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return rkt_error_set(err, errno, "logs: read");
		if (n == 0)
			return 0;
		r = rkt_write_all(STDOUT_FILENO, buf, (size_t)n);
		if (r < 0)
			return rkt_error_set(err, r, "logs: write to standard output");
	}
}

struct logs_opts {
	const char *app;
	bool follow;
};

const struct cli_flag logs_flags[] = {
	FLAG("app", CLI_FLAG_STRING, struct logs_opts, app, "",
	     "name of the app whose output to print (default: every app)"),
	FLAG("follow", CLI_FLAG_BOOL, struct logs_opts, follow, "false",
	     "keep printing what the apps write until the pod stops"),
	{},
};

int cmd_logs(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	_cleanup_(rkt_pod_freep) struct rkt_pod *pod = NULL;
	_cleanup_(rkt_pod_manifest_freep) struct rkt_pod_manifest *m = NULL;
	_cleanup_free_ int *fds = NULL;
	struct logs_opts o = { 0 };
	const char *app;
	bool follow;
	size_t n = 0;
	int r;

	r = cli_flags_parse(logs_flags, "logs", CLI_PARSE_INTERSPERSED, argc, argv, &o, err);
	if (r < 0)
		return r;
	if (r != 1)
		return rkt_error_set(err, EINVAL, "logs: expected one pod UUID");
	app = o.app;
	follow = o.follow;
	r = cli_pod_find(ctx, "logs", argv[1], NULL, &pod, err);
	if (r < 0)
		return r;
	r = rkt_pod_read_manifest(pod, &m, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "logs");
	fflush(stdout);
	fds = xmalloc_array(m->n_apps + 1, sizeof(*fds));
	for (size_t i = 0; i < m->n_apps; i++) {
		_cleanup_free_ char *name = NULL;

		if (app && strcmp(app, m->apps[i].name) != 0)
			continue;
		name = rkt_pod_app_log(m->apps[i].name);
		fds[n] = openat(pod->fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fds[n] < 0 && errno != ENOENT)
			r = rkt_error_set(err, errno, "logs: open '%s'", name);
		n++;
	}
	if (r >= 0 && app && n == 0)
		r = rkt_error_input(err, ENOENT, "logs: pod '%s' has no app '%s'", pod->uuid, app);
	for (bool running = true; r >= 0;) {
		for (size_t i = 0; i < n && r >= 0; i++)
			if (fds[i] >= 0)
				r = drain(fds[i], err);
		if (!follow || !running || r < 0)
			break;
		(void)nanosleep(&(struct timespec){ .tv_nsec = FOLLOW_POLL_NS }, NULL);
		/* one more pass after the pod stops, for what it wrote last */
		running = rkt_pod_refresh(pod, NULL) == 0 &&
		          (pod->state == RKT_POD_STATE_RUNNING || pod->dir < RKT_POD_DIR_RUN);
		for (size_t i = 0; i < n && r >= 0; i++)
			if (fds[i] < 0) {
				_cleanup_free_ char *name =
				        rkt_pod_app_log(app ? app : m->apps[i].name);
				fds[i] = openat(pod->fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
			}
	}
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			(void)close(fds[i]);
	return r;
}
