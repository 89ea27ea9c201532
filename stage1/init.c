/* The default stage1's run entrypoint (docs/stage1-abi.md section 3): namespaces, the pod's
 * PID 1, app mounts, starting and supervising apps, logs and exit statuses. Static, no
 * systemd. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "isolate/isolate.h"
#include "stage1.h"
#include "util/cleanup.h"
#include "util/io.h"
#include "util/xalloc.h"

#define STOP_GRACE_MS 10000

enum phase { PHASE_WAITING, PHASE_PRESTART, PHASE_MAIN, PHASE_POSTSTOP, PHASE_DONE };

struct app_state {
	const struct rkt_stage1_app *a;
	const char *name;
	char *root;
	uint64_t caps;
	struct rkt_bpf bpf;
	bool nnp;
	struct rkt_ids ids;
	char **envp;
	const char *workdir;
	char *exec_path, *pre_path, *post_path;
	char **argv, **pre_argv, **post_argv;
	bool has_oom;
	int oom;
	int out_r, out_w, err_r, err_w, log_fd;
	enum phase phase;
	pid_t pid;
};

struct pod_ctx {
	struct run_opts opts;
	char pod_dir[PATH_MAX];
	int podfd;
	struct rkt_stage1_pod pod;
	struct app_state *apps;
	size_t n;
	int devnull;
	bool stopping, stopped_by_signal;
	int first_failure;
	struct timespec deadline;
	bool has_deadline;
};

/* ---- per-app preparation (PID 1, before any app starts) ---- */

static char **strv_to_argv(const struct rkt_strv *v)
{
	char **argv = xmalloc_array(v->n + 1, sizeof(char *));
	for (size_t i = 0; i < v->n; i++)
		argv[i] = v->items[i];
	argv[v->n] = NULL;
	return argv;
}

static int mkdir_p_at(int dirfd, const char *path, mode_t mode)
{
	_cleanup_free_ char *p = xstrdup(path);
	for (char *s = p;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char saved = *s;
		*s = '\0';
		if (*p && mkdirat(dirfd, p, mode) < 0 && errno != EEXIST)
			return -errno;
		*s = saved;
		if (!saved)
			return 0;
	}
}

static bool exists_at(int dirfd, const char *path)
{
	return faccessat(dirfd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static int mount_root(struct pod_ctx *c, struct app_state *s, struct rkt_error *err)
{
	const struct rkt_stage1_app *a = s->a;
	_cleanup_free_ char *rel = xasprintf("stage1/rootfs/opt/stage2/%s/rootfs", s->name);
	int r;

	r = mkdir_p_at(c->podfd, rel, 0755);
	if (r < 0)
		return rkt_error_set(err, -r, "app \"%s\": '%s'", s->name, rel);
	s->root = xasprintf("%s/%s", c->pod_dir, rel);
	if (c->pod.overlay) {
		_cleanup_free_ char *upper =
		        xasprintf("overlay/%s/upper/%s", a->tree_store_id, s->name);
		_cleanup_free_ char *work =
		        xasprintf("overlay/%s/work/%s", a->tree_store_id, s->name);
		if ((r = mkdir_p_at(c->podfd, upper, 0755)) < 0 ||
		    (r = mkdir_p_at(c->podfd, work, 0755)) < 0)
			return rkt_error_set(err, -r, "app \"%s\": overlay directories", s->name);
		_cleanup_free_ char *data =
		        xasprintf("lowerdir=%s,upperdir=%s/%s,workdir=%s/%s", a->lowerdir,
		                  c->pod_dir, upper, c->pod_dir, work);
		if (mount("overlay", s->root, "overlay", 0, data) < 0)
			return rkt_error_set(err, errno, "app \"%s\": mounting overlay (%s)",
			                     s->name, data);
	} else if (mount(s->root, s->root, NULL, MS_BIND | MS_REC, NULL) < 0) {
		return rkt_error_set(err, errno, "app \"%s\": binding '%s'", s->name, s->root);
	}
	return 0;
}

static const char *dns_source(struct pod_ctx *c, enum stage1_dns mode, const char *stage0_file,
                              const char *host_file, int rootfd, const char *app_file,
                              const char *fallback, char *buf)
{
	bool have_stage0 = exists_at(c->podfd, stage0_file);
	const char *src = NULL;

	switch (mode) {
	case STAGE1_DNS_STAGE0:
		src = have_stage0 ? stage0_file : NULL;
		break;
	case STAGE1_DNS_HOST:
		src = host_file;
		break;
	case STAGE1_DNS_NONE:
		return NULL;
	case STAGE1_DNS_DEFAULT:
		if (have_stage0)
			src = stage0_file;
		else if (c->opts.net == STAGE1_NET_HOST)
			src = host_file;
		else if (fallback) {
			_cleanup_close_ int fd = rkt_open_in_root(rootfd, app_file, O_PATH, 0);
			if (fd < 0 && exists_at(c->podfd, fallback)) /* ACE-35, ACE-36 */
				src = fallback;
		}
		break;
	}
	if (!src)
		return NULL;
	if (src[0] != '/') {
		int n = snprintf(buf, PATH_MAX, "%s/%s", c->pod_dir, src);
		return n > 0 && n < PATH_MAX ? buf : NULL;
	}
	/* The host's file may be a symlink (e.g. to systemd-resolved's): use its target. */
	return realpath(src, buf);
}

static int write_env_file(struct pod_ctx *c, struct app_state *s, struct rkt_error *err)
{
	size_t len = 0;
	for (size_t i = 0; s->envp[i]; i++)
		len += strlen(s->envp[i]) + 1;
	_cleanup_free_ char *buf = xmalloc(len + 1);
	char *p = buf;
	for (size_t i = 0; s->envp[i]; i++)
		p = stpcpy(stpcpy(p, s->envp[i]), "\n");
	_cleanup_free_ char *path = xasprintf("stage1/rootfs/rkt/env/%s", s->name);
	int r = stage1_write_file_atomic(c->podfd, path, buf, len, 0644);
	return r < 0 ? rkt_error_set(err, -r, "'%s'", path) : 0;
}

static const struct rkt_isolator *last_isolator(const struct rkt_app *app, enum rkt_isolator_type t)
{
	const struct rkt_isolator *found = NULL;
	for (size_t i = 0; i < app->isolators.n; i++)
		if (app->isolators.items[i].type == t)
			found = &app->isolators.items[i];
	return found;
}

static void report_isolators(const struct app_state *s)
{
	/* ACE-32: say what is not enforced. */
	for (size_t i = 0; i < s->a->app->isolators.n; i++) {
		const struct rkt_isolator *iso = &s->a->app->isolators.items[i];
		switch (iso->type) {
		case RKT_ISOLATOR_CAPABILITIES_RETAIN:
		case RKT_ISOLATOR_CAPABILITIES_REMOVE:
		case RKT_ISOLATOR_NO_NEW_PRIVILEGES:
		case RKT_ISOLATOR_SECCOMP_REMOVE:
		case RKT_ISOLATOR_SECCOMP_RETAIN:
		case RKT_ISOLATOR_OOM_SCORE_ADJ:
			break;
		default:
			stage1_warn("app \"%s\": isolator \"%s\" ignored (not implemented)",
			            s->name, iso->name);
		}
	}
}

static int prepare_app(struct pod_ctx *c, struct app_state *s, struct rkt_error *err)
{
	const struct rkt_app *app = s->a->app;
	char resolv_buf[PATH_MAX], hosts_buf[PATH_MAX];
	struct rkt_mount_plan plan = { 0 };
	int r;

	r = mount_root(c, s, err);
	if (r < 0)
		return r;
	_cleanup_close_ int rootfd = open(s->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return rkt_error_set(err, errno, "'%s'", s->root);

	_cleanup_free_ char *hostname_file = xasprintf("%s/stage1/rootfs/etc/hostname", c->pod_dir);
	struct rkt_mount_plan_opts mo = {
		.pod_dir = c->pod_dir,
		.console = "/dev/null",
		.resolv_conf = dns_source(c, c->opts.resolv, "stage1/rootfs/etc/rkt-resolv.conf",
		                          "/etc/resolv.conf", rootfd, NULL, NULL, resolv_buf),
		.hosts = dns_source(c, c->opts.hosts, "stage1/rootfs/etc/rkt-hosts", "/etc/hosts",
		                    rootfd, "/etc/hosts", "stage1/rootfs/etc/hosts-fallback",
		                    hosts_buf),
		.hostname_file = hostname_file,
		.private_ipc = c->opts.private_ipc,
		.restrict_paths = !c->opts.disable_paths,
		.volumes_recursive = true,
	};
	if (c->opts.interactive && isatty(STDIN_FILENO))
		mo.console = ttyname(STDIN_FILENO);
	r = rkt_mount_plan_build(c->pod.manifest, s->a->ra, app, &mo, stage1_warn_cb, NULL, &plan,
	                         err);
	if (r < 0)
		return r;
	r = rkt_mount_plan_apply(s->root, &plan, stage1_warn_cb, NULL, err);
	rkt_mount_plan_release(&plan);
	if (r < 0)
		return r;
	/* /etc/mtab, as upstream's stage0 adds it. */
	_cleanup_close_ int etc = rkt_open_in_root(rootfd, "/etc", O_PATH | O_DIRECTORY, 0);
	if (etc >= 0 && !exists_at(etc, "mtab"))
		(void)symlinkat("../proc/self/mounts", etc, "mtab");

	r = rkt_ids_resolve(rootfd, app->user, app->group, app->supplementary_gids,
	                    app->n_supplementary_gids, &s->ids, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "app \"%s\"", s->name);

	_cleanup_free_ char *mds =
	        c->opts.mds_token ? xasprintf("http://127.0.0.1:18112/%s", c->opts.mds_token)
	                          : NULL;
	struct rkt_env_opts eo = {
		.app_name = s->name,
		.metadata_url = mds,
		.user_name = s->ids.user_name,
		.home = s->ids.home,
	};
	r = rkt_env_build(&app->environment, &eo, &s->envp, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "app \"%s\"", s->name);
	r = write_env_file(c, s, err);
	if (r < 0)
		return r;

	const char *path = rkt_envp_get(s->envp, "PATH");
	struct rkt_error lerr = { 0 };
	if (rkt_exec_lookup(rootfd, app->exec.items[0], path, &s->exec_path, &lerr) < 0)
		s->exec_path = xstrdup(app->exec.items[0]); /* execve reports it in the log */
	s->argv = strv_to_argv(&app->exec);
	for (size_t i = 0; i < app->n_event_handlers; i++) {
		const struct rkt_event_handler *h = &app->event_handlers[i];
		if (h->exec.n == 0)
			continue;
		bool pre = strcmp(h->name, "pre-start") == 0;
		char **p = pre ? &s->pre_path : &s->post_path;
		if (*p)
			continue;
		if (rkt_exec_lookup(rootfd, h->exec.items[0], path, p, &lerr) < 0)
			*p = xstrdup(h->exec.items[0]);
		*(pre ? &s->pre_argv : &s->post_argv) = strv_to_argv(&h->exec);
	}
	s->workdir =
	        app->working_directory && *app->working_directory ? app->working_directory : "/";

	s->caps = rkt_caps_default();
	if (!c->opts.disable_caps) {
		r = rkt_caps_compute(&app->isolators, &s->caps, err);
		if (r < 0)
			return rkt_error_wrap(err, r, "app \"%s\"", s->name);
	}
	const struct rkt_isolator *nnp = last_isolator(app, RKT_ISOLATOR_NO_NEW_PRIVILEGES);
	s->nnp = nnp && nnp->u.no_new_privileges;
	if (!c->opts.disable_seccomp) {
		struct rkt_seccomp_spec spec;
		r = rkt_seccomp_resolve(&app->isolators, &spec, err);
		if (r < 0)
			return rkt_error_wrap(err, r, "app \"%s\"", s->name);
		r = rkt_seccomp_compile(&spec, stage1_warn_cb, NULL, &s->bpf, err);
		/* Loading a filter without CAP_SYS_ADMIN needs no_new_privs; the apps' bounding
		 * set never has it, as with rkt's systemd units. */
		if (spec.enabled)
			s->nnp = true;
		rkt_seccomp_spec_release(&spec);
		if (r < 0)
			return rkt_error_wrap(err, r, "app \"%s\"", s->name);
	}
	const struct rkt_isolator *oom = last_isolator(app, RKT_ISOLATOR_OOM_SCORE_ADJ);
	if (oom) {
		s->has_oom = true;
		s->oom = (int)oom->u.integer;
	}
	report_isolators(s);

	if (!c->opts.interactive) {
		int p1[2], p2[2];
		if (pipe2(p1, O_CLOEXEC) < 0 || pipe2(p2, O_CLOEXEC) < 0)
			return rkt_error_set(err, errno, "pipe");
		s->out_r = p1[0];
		s->out_w = p1[1];
		s->err_r = p2[0];
		s->err_w = p2[1];
		(void)fcntl(s->out_r, F_SETFL, O_NONBLOCK);
		(void)fcntl(s->err_r, F_SETFL, O_NONBLOCK);
		_cleanup_free_ char *log = xasprintf("logs/%s.log", s->name);
		s->log_fd = openat(c->podfd, log,
		                   O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);
		if (s->log_fd < 0)
			return rkt_error_set(err, errno, "'%s'", log);
	}
	return 0;
}

/* ---- the forked app process: system calls only until execve ---- */

static void child_die(const char *what, int e)
{
	const char *name = strerrorname_np(e);
	char buf[256];
	size_t n = 0;
	const char *parts[] = { "stage1: ", what, ": ", name ? name : "error", "\n" };
	for (size_t i = 0; i < ELEMENTSOF(parts); i++)
		for (const char *p = parts[i]; *p && n < sizeof(buf); p++)
			buf[n++] = *p;
	(void)!write(STDERR_FILENO, buf, n);
	_exit(STAGE1_EXIT_FAILURE);
}

static void write_oom(int v)
{
	char buf[16];
	int n = 0, neg = v < 0;
	unsigned u = neg ? (unsigned)-v : (unsigned)v;
	char tmp[16];
	int k = 0;
	do {
		tmp[k++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (neg)
		buf[n++] = '-';
	while (k)
		buf[n++] = tmp[--k];
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, buf, (size_t)n) != n)
		child_die("oom_score_adj", errno);
	(void)close(fd);
}

static void __attribute__((noreturn))
child_exec(const struct pod_ctx *c, const struct app_state *s, const char *path, char **argv)
{
	sigset_t all;
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	(void)sigaction(SIGPIPE, &dfl, NULL);
	sigemptyset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, NULL);
	if (!c->opts.interactive) {
		(void)setsid();
		if (dup2(c->devnull, STDIN_FILENO) < 0 || dup2(s->out_w, STDOUT_FILENO) < 0 ||
		    dup2(s->err_w, STDERR_FILENO) < 0)
			_exit(STAGE1_EXIT_FAILURE);
	}
	if (s->has_oom)
		write_oom(s->oom);
	/* Own mount namespace so that pivot_root changes only this app's root (ACE-4). */
	if (unshare(CLONE_NEWNS) < 0)
		child_die("unshare", errno);
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		child_die("making / a slave", errno);
	if (chdir(s->root) < 0)
		child_die("chdir to the app root", errno);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		child_die("pivot_root", errno);
	if (umount2(".", MNT_DETACH) < 0)
		child_die("detaching the old root", errno);
	if (chdir("/") < 0)
		child_die("chdir /", errno);
	int r;
	if (!c->opts.disable_caps && (r = rkt_caps_apply_bounding(s->caps)) < 0)
		child_die("capability bounding set", -r);
	if ((r = rkt_ids_apply(&s->ids)) < 0)
		child_die("setting user and groups", -r);
	if (!c->opts.disable_caps && (r = rkt_caps_apply(s->caps)) < 0)
		child_die("capabilities", -r);
	if (chdir(s->workdir) < 0) /* ACE-19 */
		child_die("working directory", errno);
	if (s->nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_die("no_new_privs", errno);
	if ((r = rkt_seccomp_load(&s->bpf)) < 0) /* last: the filter may block the above */
		child_die("seccomp", -r);
	execve(path, argv, s->envp);
	child_die(argv[0], errno);
	_exit(STAGE1_EXIT_FAILURE);
}

static pid_t spawn(struct pod_ctx *c, struct app_state *s, const char *path, char **argv)
{
	pid_t pid = fork();
	if (pid == 0)
		child_exec(c, s, path, argv);
	if (pid < 0)
		stage1_warn("app \"%s\": fork: %s", s->name, strerror(errno));
	return pid;
}

/* ---- supervision ---- */

static void now_plus(struct timespec *t, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

static void signal_app(const struct pod_ctx *c, const struct app_state *s, int sig)
{
	if (s->pid <= 0)
		return;
	/* Each app leads its own process group (except --interactive). */
	if (c->opts.interactive || kill(-s->pid, sig) < 0)
		(void)kill(s->pid, sig);
}

static void begin_stop(struct pod_ctx *c)
{
	if (c->stopping)
		return;
	c->stopping = true;
	for (size_t i = 0; i < c->n; i++)
		if (c->apps[i].phase == PHASE_MAIN || c->apps[i].phase == PHASE_PRESTART)
			signal_app(c, &c->apps[i], SIGTERM);
	now_plus(&c->deadline, STOP_GRACE_MS);
	c->has_deadline = true;
}

static void write_status(struct pod_ctx *c, struct app_state *s, const char *suffix, int code)
{
	char buf[16];
	int n = code >= 0 ? snprintf(buf, sizeof(buf), "%d", code) : 0;
	_cleanup_free_ char *path = xasprintf("stage1/rootfs/rkt/status/%s%s", s->name, suffix);
	int r = stage1_write_file_atomic(c->podfd, path, buf, (size_t)n, 0644);
	if (r < 0)
		stage1_warn("'%s': %s", path, strerror(-r));
}

static void drain(struct app_state *s, int fd, int out)
{
	char buf[4096];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return;
		(void)rkt_write_all(s->log_fd, buf, (size_t)n);
		(void)rkt_write_all(out, buf, (size_t)n);
		if ((size_t)n < sizeof(buf))
			return;
	}
}

static void start_post_stop_or_finish(struct pod_ctx *c, struct app_state *s)
{
	if (s->post_path) {
		s->pid = spawn(c, s, s->post_path, s->post_argv);
		if (s->pid > 0) {
			s->phase = PHASE_POSTSTOP;
			if (c->stopping) {
				now_plus(&c->deadline, STOP_GRACE_MS);
				c->has_deadline = true;
			}
			return;
		}
	}
	s->phase = PHASE_DONE;
	s->pid = 0;
}

static void start_main(struct pod_ctx *c, struct app_state *s)
{
	write_status(c, s, "-started", -1);
	s->pid = spawn(c, s, s->exec_path, s->argv);
	if (s->pid > 0) {
		s->phase = PHASE_MAIN;
		return;
	}
	write_status(c, s, "", STAGE1_EXIT_FAILURE);
	if (!c->first_failure)
		c->first_failure = STAGE1_EXIT_FAILURE;
	s->phase = PHASE_DONE;
	begin_stop(c);
}

static void start_app(struct pod_ctx *c, struct app_state *s)
{
	if (s->pre_path) {
		s->pid = spawn(c, s, s->pre_path, s->pre_argv);
		if (s->pid > 0) {
			s->phase = PHASE_PRESTART;
			return;
		}
	}
	start_main(c, s);
}

static void child_exited(struct pod_ctx *c, pid_t pid, int wstatus)
{
	int code = stage1_exit_code(wstatus);
	for (size_t i = 0; i < c->n; i++) {
		struct app_state *s = &c->apps[i];
		if (s->pid != pid)
			continue;
		stage1_log("app \"%s\": process %d exited with %d", s->name, (int)pid, code);
		switch (s->phase) {
		case PHASE_PRESTART:
			s->pid = 0;
			if (code == 0 && !c->stopping) {
				start_main(c, s);
				return;
			}
			/* ACE-26: a failed pre-start fails the app; no main, no post-stop. */
			write_status(c, s, "", code ? code : 143);
			if (code && !c->first_failure && !c->stopping)
				c->first_failure = code;
			s->phase = PHASE_DONE;
			begin_stop(c);
			return;
		case PHASE_MAIN:
			s->pid = 0;
			write_status(c, s, "", code);
			if (code != 0 && !c->stopping) {
				c->first_failure = code;
				begin_stop(c);
			}
			start_post_stop_or_finish(c, s); /* ACE-25 */
			return;
		case PHASE_POSTSTOP:
			s->pid = 0;
			s->phase = PHASE_DONE;
			return;
		default:
			return;
		}
	}
	/* Anything else is an orphan re-parented to us: reaped, forgotten. */
}

static bool all_done(const struct pod_ctx *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->apps[i].phase != PHASE_DONE)
			return false;
	return true;
}

static int poll_timeout(const struct pod_ctx *c)
{
	if (!c->has_deadline)
		return -1;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (c->deadline.tv_sec - now.tv_sec) * 1000 +
	          (c->deadline.tv_nsec - now.tv_nsec) / 1000000L;
	return ms < 0 ? 0 : (int)ms;
}

static int supervise(struct pod_ctx *c, int sigfd)
{
	struct pollfd *pfds = xmalloc_array(1 + 2 * c->n, sizeof(*pfds));

	for (size_t i = 0; i < c->n; i++)
		start_app(c, &c->apps[i]);
	while (!all_done(c)) {
		size_t n = 0;
		pfds[n++] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
		for (size_t i = 0; i < c->n && !c->opts.interactive; i++) {
			pfds[n++] = (struct pollfd){ .fd = c->apps[i].out_r, .events = POLLIN };
			pfds[n++] = (struct pollfd){ .fd = c->apps[i].err_r, .events = POLLIN };
		}
		int r = poll(pfds, n, poll_timeout(c));
		if (r < 0 && errno != EINTR)
			break;
		if (r == 0 && c->has_deadline) {
			/* ACE-27: the grace period is over. */
			for (size_t i = 0; i < c->n; i++)
				if (c->apps[i].phase != PHASE_DONE)
					signal_app(c, &c->apps[i], SIGKILL);
			c->has_deadline = false;
		}
		for (size_t i = 1; i < n; i++)
			if (pfds[i].revents & (POLLIN | POLLHUP))
				drain(&c->apps[(i - 1) / 2], pfds[i].fd,
				      i % 2 ? STDOUT_FILENO : STDERR_FILENO);
		if (pfds[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo != SIGCHLD) {
					stage1_log("signal %u: stopping the pod", si.ssi_signo);
					c->stopped_by_signal = true;
					begin_stop(c);
				}
			}
			int ws;
			pid_t pid;
			while ((pid = waitpid(-1, &ws, WNOHANG)) > 0)
				child_exited(c, pid, ws);
		}
	}
	for (size_t i = 0; i < c->n && !c->opts.interactive; i++) {
		drain(&c->apps[i], c->apps[i].out_r, STDOUT_FILENO);
		drain(&c->apps[i], c->apps[i].err_r, STDERR_FILENO);
	}
	free(pfds);
	return c->first_failure;
}

/* ---- PID 1 ---- */

static int loopback_up(struct rkt_error *err)
{
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { 0 };
	if (fd < 0)
		return rkt_error_set(err, errno, "socket");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return rkt_error_set(err, errno, "lo: SIOCGIFFLAGS");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return rkt_error_set(err, errno, "lo: SIOCSIFFLAGS");
	return 0;
}

static int pod_setup(struct pod_ctx *c, struct rkt_error *err)
{
	_cleanup_free_ char *hostname =
	        c->opts.hostname ? xstrdup(c->opts.hostname) : xasprintf("rkt-%s", c->opts.uuid);
	int r;

	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return rkt_error_set(err, errno, "making / a slave mount");
	if (sethostname(hostname, strlen(hostname)) < 0)
		return rkt_error_set(err, errno, "sethostname \"%s\"", hostname);
	if (c->opts.net != STAGE1_NET_HOST && (r = loopback_up(err)) < 0)
		return r;
	if ((r = mkdir_p_at(c->podfd, "stage1/rootfs/rkt/status", 0755)) < 0 ||
	    (r = mkdir_p_at(c->podfd, "stage1/rootfs/rkt/env", 0755)) < 0 ||
	    (r = mkdir_p_at(c->podfd, "stage1/rootfs/etc", 0755)) < 0 ||
	    (r = mkdir_p_at(c->podfd, "logs", 0750)) < 0 ||
	    (r = mkdir_p_at(c->podfd, "sharedVolumes", 0755)) < 0)
		return rkt_error_set(err, -r, "pod directories");
	_cleanup_free_ char *hn = xasprintf("%s\n", hostname);
	r = stage1_write_file_atomic(c->podfd, "stage1/rootfs/etc/hostname", hn, strlen(hn), 0644);
	if (r < 0)
		return rkt_error_set(err, -r, "'stage1/rootfs/etc/hostname'");
	c->devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (c->devnull < 0)
		return rkt_error_set(err, errno, "/dev/null");
	for (size_t i = 0; i < c->n; i++) {
		r = prepare_app(c, &c->apps[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int pod_init(struct pod_ctx *c, int sync_fd)
{
	struct rkt_error err = { 0 };
	char b = 'r';
	sigset_t set;

	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* Apps of the pod must not reach our (host) root through /proc/1/root. */
	(void)prctl(PR_SET_DUMPABLE, 0);
	if (pod_setup(c, &err) < 0)
		return stage1_fail(&err);
	/* Ready: the parent writes $P/pid, then lets us start the apps. */
	if (write(sync_fd, &b, 1) != 1 || read(sync_fd, &b, 1) != 1 || b != 'g')
		return STAGE1_EXIT_FAILURE;
	close(sync_fd);

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	int sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0) {
		rkt_error_set(&err, errno, "signalfd");
		return stage1_fail(&err);
	}
	return supervise(c, sigfd);
}

/* ---- the stage1 parent ---- */

static volatile sig_atomic_t child_pid;

static void forward_signal(int sig)
{
	if (child_pid > 0)
		(void)kill(child_pid, sig);
}

static int keep_lock_fd(struct rkt_error *err)
{
	const char *s = getenv("RKT_LOCK_FD");
	char *end;
	if (!s)
		return 0; /* tests without stage0 */
	long fd = strtol(s, &end, 10);
	if (*end || fd < 0 || fd > INT_MAX || fcntl((int)fd, F_GETFD) < 0)
		return rkt_error_set(err, EBADF, "RKT_LOCK_FD=%s", s);
	/* Held by the stage1 processes for the pod's life, never by apps. */
	(void)fcntl((int)fd, F_SETFD, FD_CLOEXEC);
	return 0;
}

int main(int argc, char **argv)
{
	struct pod_ctx c = { .podfd = -EBADF, .devnull = -EBADF };
	struct rkt_error err = { 0 };
	int r, sv[2];

	r = stage1_parse_run_args(argc, argv, false, &c.opts, &err);
	if (r < 0)
		return stage1_fail(&err);
	stage1_debug = c.opts.debug;
	if ((r = keep_lock_fd(&err)) < 0)
		return stage1_fail(&err);
	if (!getcwd(c.pod_dir, sizeof(c.pod_dir))) {
		rkt_error_set(&err, errno, "getcwd");
		return stage1_fail(&err);
	}
	c.podfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c.podfd < 0) {
		rkt_error_set(&err, errno, "pod directory");
		return stage1_fail(&err);
	}
	if (rkt_stage1_pod_load(c.podfd, &c.pod, &err) < 0)
		return stage1_fail(&err);
	if (c.opts.interactive && c.pod.n_apps != 1) {
		rkt_error_set(&err, EINVAL, "--interactive needs exactly one app");
		return stage1_fail(&err);
	}
	if (c.opts.net == STAGE1_NET_DEFAULT)
		stage1_warn("--net=default: no CNI in this stage1; the pod has loopback only");
	c.n = c.pod.n_apps;
	c.apps = xmalloc_array(c.n, sizeof(*c.apps));
	memset(c.apps, 0, c.n * sizeof(*c.apps));
	for (size_t i = 0; i < c.n; i++) {
		c.apps[i].a = &c.pod.apps[i];
		c.apps[i].name = c.pod.apps[i].ra->name;
		c.apps[i].out_r = c.apps[i].out_w = c.apps[i].err_r = c.apps[i].err_w = -EBADF;
		c.apps[i].log_fd = STDERR_FILENO;
	}

	int flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWPID;
	if (c.opts.private_ipc)
		flags |= CLONE_NEWIPC;
	if (c.opts.net != STAGE1_NET_HOST)
		flags |= CLONE_NEWNET;
	if (unshare(flags) < 0) {
		rkt_error_set(&err, errno, "unshare");
		return stage1_fail(&err);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		rkt_error_set(&err, errno, "socketpair");
		return stage1_fail(&err);
	}
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	signal(SIGPIPE, SIG_IGN);
	pid_t pid = fork();
	if (pid < 0) {
		rkt_error_set(&err, errno, "fork");
		return stage1_fail(&err);
	}
	if (pid == 0) {
		close(sv[0]);
		_exit(pod_init(&c, sv[1]));
	}
	close(sv[1]);
	child_pid = pid;
	struct sigaction sa = { .sa_handler = forward_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);

	char b;
	ssize_t n;
	do
		n = read(sv[0], &b, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1) {
		char buf[32];
		int len = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
		r = stage1_write_file_atomic(c.podfd, "pid", buf, (size_t)len, 0644);
		if (r < 0) {
			stage1_warn("writing 'pid': %s", strerror(-r));
			(void)kill(pid, SIGKILL);
		} else {
			b = 'g';
			(void)!write(sv[0], &b, 1);
		}
	}
	close(sv[0]);
	int ws;
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return STAGE1_EXIT_FAILURE;
	return stage1_exit_code(ws);
}
