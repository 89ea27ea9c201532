/* enter entrypoint (docs/stage1-abi.md section 5): run a command inside an app of a running pod.
 * Joins the namespaces of the pod's PID 1, chroots into the app's root and uses the app's
 * environment from rkt/env/<app>. Shared by the default and fly stage1s. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "isolate/isolate.h"
#include "pod/layout.h"
#include "stage1.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/* The app's environment: KEY=VALUE lines. */
static char **read_env(int podfd, const char *app)
{
	_cleanup_free_ char *path = rkt_pod_app_env(app);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, n = 0;
	if (rkt_read_in_root(podfd, path, 1u << 20, &buf, &len) < 0)
		buf = xstrdup("PATH=" RKT_DEFAULT_PATH "\n");
	for (char *p = buf; *p; p++)
		n += *p == '\n';
	char **envp = xmalloc_array(n + 2, sizeof(char *));
	n = 0;
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (strchr(l, '='))
			envp[n++] = xstrdup(l);
	envp[n] = NULL;
	return envp;
}

static int join(pid_t pid, const char *ns, int type)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, type) < 0) {
		fprintf(stderr, "stage1: enter: joining %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "appname", required_argument, NULL, 'a' },
		{ 0 },
	};
	const char *app = NULL;
	pid_t pid = 0;
	char pod_dir[PATH_MAX];
	int c;

	while ((c = getopt_long(argc, argv, "+", options, NULL)) != -1) {
		if (c == 'p')
			pid = (pid_t)atoi(optarg);
		else if (c == 'a')
			app = optarg;
		else {
			fprintf(stderr, "stage1: enter: unknown option\n");
			return STAGE1_EXIT_FAILURE;
		}
	}
	if (pid <= 0 || !app || strchr(app, '/') || !getcwd(pod_dir, sizeof(pod_dir))) {
		fprintf(stderr, "stage1: enter: usage: enter --pid=PID --appname=APP [CMD...]\n");
		return STAGE1_EXIT_FAILURE;
	}
	char *default_cmd[] = { (char *)"/bin/sh", NULL };
	char **cmd = optind < argc ? argv + optind : default_cmd;

	/* The mount namespace last: the others are named through our /proc. */
	if (join(pid, "ipc", CLONE_NEWIPC) < 0 || join(pid, "uts", CLONE_NEWUTS) < 0 ||
	    join(pid, "net", CLONE_NEWNET) < 0 || join(pid, "pid", CLONE_NEWPID) < 0 ||
	    join(pid, "mnt", CLONE_NEWNS) < 0)
		return STAGE1_EXIT_FAILURE;
	/* Read through the pod's mounts: the stage1 overlay that holds rkt/env may not be
	 * mounted in our caller's namespace (rkt run from a service's own mount namespace). */
	_cleanup_close_ int podfd = open(pod_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	char **envp = read_env(podfd, app);
	_cleanup_free_ char *rel = rkt_pod_app_rootfs(app);
	_cleanup_free_ char *root = xasprintf("%s/%s", pod_dir, rel);
	_cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		fprintf(stderr, "stage1: enter: app root '%s': %s\n", root, strerror(errno));
		return STAGE1_EXIT_FAILURE;
	}
	struct rkt_error err = { 0 };
	char *path = NULL;
	if (rkt_exec_lookup(rootfd, cmd[0], rkt_envp_get(envp, "PATH"), &path, &err) < 0)
		return stage1_fail(&err);

	pid_t child = fork();
	if (child < 0)
		return STAGE1_EXIT_FAILURE;
	if (child == 0) {
		if (fchdir(rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0)
			_exit(STAGE1_EXIT_FAILURE);
		execve(path, cmd, envp);
		/* After fork: only write(2), no stdio. */
		static const char msg[] = "stage1: enter: cannot execute the command\n";
		(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
		_exit(STAGE1_EXIT_FAILURE);
	}
	int ws;
	while (waitpid(child, &ws, 0) < 0)
		if (errno != EINTR)
			return STAGE1_EXIT_FAILURE;
	return stage1_exit_code(ws);
}
