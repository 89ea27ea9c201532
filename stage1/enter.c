/* enter entrypoint (docs/stage1-abi.md section 5): run a command inside an app of a running pod,
 * restricted exactly as the app's own processes (docs/security.md, "rkt enter"). Runs from a
 * sealed copy of itself, joins the namespaces and cgroups of the pod's PID 1, then the child
 * becomes one of the app's processes through stage1_app_restrict, the code stage1 starts the
 * apps with. Shared by the default and fly stage1s. When the caller's stdio has a terminal, the
 * command gets a pty of the pod's own instead, which this process proxies (tty.h). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/magic.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app.h"
#include "isolate/isolate.h"
#include "pod/layout.h"
#include "stage1.h"
#include "tty.h"
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

/* The pod's user namespace: an fd, -EBADF if the pod has none, -EIO (reported) if it should
 * have one but stage1 did not bind it. */
static int open_userns(int podfd)
{
	struct statfs sf;
	if (faccessat(podfd, RKT_POD_PRIVATE_USERS, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return -EBADF;
	int fd = openat(podfd, RKT_POD_USERNS, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstatfs(fd, &sf) < 0 || sf.f_type != NSFS_MAGIC) {
		fprintf(stderr, "stage1: enter: the pod's user namespace is not at '%s'\n",
		        RKT_POD_USERNS);
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	return fd;
}

static int join(pid_t pid, const char *ns, int type)
{
	char path[64], self[64];
	struct stat a, b;
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns);
	snprintf(self, sizeof(self), "/proc/self/ns/%s", ns);
	/* A user namespace cannot be joined again by a process already in it. */
	if (type == CLONE_NEWUSER && stat(path, &a) == 0 && stat(self, &b) == 0 &&
	    a.st_ino == b.st_ino && a.st_dev == b.st_dev)
		return 0;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, type) < 0) {
		fprintf(stderr, "stage1: enter: joining %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The cgroups of the pod's PID 1, where apps without a cgroup of their own in a hierarchy
 * stay: their cgroup.procs files, opened before leaving the host's cgroup namespace. */
static size_t open_pod_cgroups(pid_t pid, int *fds, size_t max)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[4096];
	size_t n = 0;
	bool unified = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;

	while (f && n < max && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *ctl = strchr(line, ':'), *rel = ctl ? strchr(ctl + 1, ':') : NULL;
		if (!rel || rel[1] != '/' || strstr(rel, "/../"))
			continue;
		*rel++ = '\0';
		ctl++;
		if (strncmp(ctl, "name=", 5) == 0)
			ctl += 5;
		_cleanup_free_ char *procs =
		        *ctl      ? xasprintf("/sys/fs/cgroup/%s%s/cgroup.procs", ctl, rel)
		        : unified ? xasprintf("/sys/fs/cgroup%s/cgroup.procs", rel)
		                  : xasprintf("/sys/fs/cgroup/unified%s/cgroup.procs", rel);
		int fd = open(procs, O_WRONLY | O_CLOEXEC);
		if (fd >= 0)
			fds[n++] = fd;
	}
	return n;
}

/* The app's own cgroups, as stage1 listed them in $P/cgroups: <hierarchy>/.../rkt-<uuid>/<app>. */
static int open_app_cgroups(struct pod_ctx *c, struct app_state *s, const char *uuid,
                            struct rkt_error *err)
{
	_cleanup_free_ char *buf = NULL, *tail = xasprintf("/rkt-%s/%s", uuid, s->name);
	size_t len, n = 0;
	if (rkt_read_in_root(c->podfd, RKT_POD_CGROUPS, 1 << 20, &buf, &len) < 0)
		return 0; /* no limits, no devices hierarchy: the app has none of its own */
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		size_t ll = strlen(l), tl = strlen(tail);
		if (strncmp(l, "/sys/fs/cgroup/", 15) != 0 || strstr(l, "/../") || ll < tl ||
		    strcmp(l + ll - tl, tail) != 0)
			continue;
		if (n == ELEMENTSOF(s->cgroup_fds))
			return rkt_error_set(err, EBADMSG, "'" RKT_POD_CGROUPS "': too many lines");
		_cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", l);
		s->cgroup_fds[n] = open(procs, O_WRONLY | O_CLOEXEC);
		if (s->cgroup_fds[n++] < 0)
			return rkt_error_set(err, errno, "the app's cgroup '%s'", l);
	}
	return 0;
}

/* The pty of the entered process: one of the devpts instance at the app's /dev/pts (the pod's
 * own; the host's for fly, whose apps have the host's /dev), opened through ROOT_FD. */
static int open_pty(int root_fd, int *ret_master, int *ret_slave, struct rkt_error *err)
{
	_cleanup_close_ int pts = rkt_open_in_root(root_fd, "/dev/pts", O_PATH | O_DIRECTORY, 0);
	int r = pts < 0 ? pts : tty_open_pty(pts, ret_master, ret_slave);
	if (r < 0)
		return rkt_error_set(err, -r, "a terminal for the command in the app's /dev/pts");
	return 0;
}

static void __attribute__((noreturn)) child_die(const char *what, int e)
{
	const char *name = strerrorname_np(e);
	const char *parts[] = { "stage1: enter: ", what, ": ", name ? name : "error", "\n" };
	for (size_t i = 0; i < ELEMENTSOF(parts); i++)
		(void)!write(STDERR_FILENO, parts[i], strlen(parts[i]));
	_exit(STAGE1_EXIT_FAILURE);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "appname", required_argument, NULL, 'a' },
		{ 0 },
	};
	struct pod_ctx c = { .podfd = -EBADF, .devnull = -EBADF };
	struct rkt_error err = { 0 };
	const char *app = NULL;
	pid_t pid = 0;
	char pod_dir[PATH_MAX];
	int pod_cgroups[16];
	int c_;

	/* The pod can never reach or write this program's file: from here on /proc/<pid>/exe of
	 * this process and its child is a sealed memfd (CVE-2019-5736). */
	if (stage1_reexec_sealed(argv, &err) < 0)
		return stage1_fail(&err);
	/* Nor our memory, fds or root (the host's) through /proc/<pid> until the command runs;
	 * and nothing of our caller's reaches the command (CVE-2024-21626). */
	(void)prctl(PR_SET_DUMPABLE, 0);
	(void)syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);

	optind = 0;
	while ((c_ = getopt_long(argc, argv, "+", options, NULL)) != -1) {
		if (c_ == 'p')
			pid = (pid_t)atoi(optarg);
		else if (c_ == 'a')
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
	const char *uuid = strrchr(pod_dir, '/') + 1;

	size_t n_pod_cgroups = open_pod_cgroups(pid, pod_cgroups, ELEMENTSOF(pod_cgroups));
	/* The mount namespace last: the others are named through our /proc. */
	if (join(pid, "user", CLONE_NEWUSER) < 0 || join(pid, "ipc", CLONE_NEWIPC) < 0 ||
	    join(pid, "uts", CLONE_NEWUTS) < 0 || join(pid, "net", CLONE_NEWNET) < 0 ||
	    join(pid, "pid", CLONE_NEWPID) < 0 || join(pid, "cgroup", CLONE_NEWCGROUP) < 0 ||
	    join(pid, "mnt", CLONE_NEWNS) < 0)
		return STAGE1_EXIT_FAILURE;
	/* Read through the pod's mounts: the stage1 overlay that holds rkt/ may not be mounted
	 * in our caller's namespace (rkt run from a service's own mount namespace). */
	if (chdir(pod_dir) < 0) {
		rkt_error_set(&err, errno, "pod directory '%s'", pod_dir);
		return stage1_fail(&err);
	}
	if (stage1_load_pod(&c, &err) < 0)
		return stage1_fail(&err);
	/* --private-users: the pod's user namespace, bound there by stage1 (docs/pods.md);
	 * stage1_app_restrict joins it as it does for the apps. */
	c.userns.user = open_userns(c.podfd);
	if (c.userns.user == -EIO)
		return STAGE1_EXIT_FAILURE;
	struct app_state *s = NULL;
	for (size_t i = 0; i < c.n && !s; i++)
		if (strcmp(c.apps[i].name, app) == 0)
			s = &c.apps[i];
	if (!s) {
		rkt_error_set(&err, ENOENT, "the pod has no app \"%s\"", app);
		return stage1_fail(&err);
	}
	bool fly = false;
	if (stage1_app_settings_read(&c, s, &fly, &err) < 0 ||
	    stage1_app_isolators(&c, s, fly, &err) < 0 ||
	    (!fly && open_app_cgroups(&c, s, uuid, &err) < 0))
		return stage1_fail(&err);
	s->envp = read_env(c.podfd, app);
	_cleanup_free_ char *rel = rkt_pod_app_rootfs(app);
	s->root = xasprintf("%s/%s", pod_dir, rel);
	_cleanup_close_ int rootfd = open(s->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		rkt_error_set(&err, errno, "app root '%s'", s->root);
		return stage1_fail(&err);
	}
	char *path = NULL;
	if (rkt_exec_lookup(rootfd, cmd[0], rkt_envp_get(s->envp, "PATH"), &path, &err) < 0)
		return stage1_fail(&err);

	/* The caller's terminal never reaches the command, which could give it to the app's
	 * processes (/proc/<pid>/fd/0, TIOCSTI): those of fds 0-2 that are terminals become
	 * a pty of the pod's, its controlling terminal (docs/security.md, "rkt enter"). */
	unsigned ttys = 0;
	for (int fd = 0; fd < 3; fd++)
		ttys |= isatty(fd) ? 1u << fd : 0;
	int term = ttys & 1 ? 0 : ttys & 2 ? 1 : 2;
	_cleanup_close_ int master = -EBADF, slave = -EBADF;
	if (ttys) {
		if (open_pty(rootfd, &master, &slave, &err) < 0)
			return stage1_fail(&err);
		tty_copy_winsize(term, master);
	}
	/* Until tty_serve_on listens for them: the command's end is not missed, and a signal
	 * for us goes on to the command, which leads a session of its own. */
	sigset_t block, old;
	tty_serve_sigset(&block);
	(void)sigprocmask(SIG_BLOCK, &block, &old);

	fflush(stderr);
	pid_t child = fork();
	if (child < 0) {
		rkt_error_set(&err, errno, "fork");
		return stage1_fail(&err);
	}
	if (child == 0) {
		/* After fork: system calls only. A session of its own, never the caller's; then
		 * the cgroups apps without their own stay in; then stage1_app_restrict joins the
		 * app's own. */
		(void)sigprocmask(SIG_SETMASK, &old, NULL);
		int t = slave >= 0     ? tty_become_controlling_on(slave, ttys)
		        : setsid() < 0 ? -errno
		                       : 0;
		if (t < 0)
			child_die("the command's session", -t);
		for (size_t i = 0; i < n_pod_cgroups; i++)
			(void)rkt_cgroup_join(pod_cgroups[i]);
		const char *what = NULL;
		int r = stage1_app_restrict(&c, s, fly, &what);
		if (r < 0)
			child_die(what, -r);
		execve(path, cmd, s->envp);
		child_die("cannot execute the command", errno);
	}
	if (slave >= 0)
		close(TAKE_FD(slave));
	signal(SIGPIPE, SIG_IGN);
	/* The terminal's input goes to the pty if stdin is one; the pty's output to stdout or
	 * stderr, whichever is a terminal (the command writes to the others directly). */
	return tty_serve_on(child, master, ttys & 1 ? STDIN_FILENO : -EBADF,
	                    ttys & 2   ? STDOUT_FILENO
	                    : ttys & 4 ? STDERR_FILENO
	                               : -EBADF,
	                    ttys ? term : -EBADF, false);
}
