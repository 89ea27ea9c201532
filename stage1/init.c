/* The default stage1's run entrypoint (docs/stage1-abi.md section 3): namespaces, the pod's
 * PID 1, app mounts, starting and supervising apps, logs and exit statuses. Static, no
 * systemd. */
#include <errno.h>
#include <malloc.h>
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
#include <linux/close_range.h>
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
#include "activation.h"
#include "app.h"
#include "net.h"
#include "pod/layout.h"
#include "stage1.h"
#include "tty.h"
#include "util/cleanup.h"
#include "util/io.h"
#include "util/xalloc.h"

#define STOP_GRACE_MS 10000

/* ---- the forked app process: system calls only until execve ---- */

/* "stage1: app "APP": WHAT: strerror(E)" (strerrordesc_np is async-signal-safe). */
static void child_die(const char *app, const char *what, int e)
{
	const char *desc = strerrordesc_np(e);
	char buf[512];
	size_t n = 0;
	const char *parts[] = { "stage1: app \"",      app, "\": ", what, ": ",
		                desc ? desc : "error", "\n" };
	for (size_t i = 0; i < ELEMENTSOF(parts); i++)
		for (const char *p = parts[i]; *p && n < sizeof(buf); p++)
			buf[n++] = *p;
	(void)!write(STDERR_FILENO, buf, n);
	_exit(STAGE1_EXIT_FAILURE);
}

static void __attribute__((noreturn))
child_exec(const struct pod_ctx *c, struct app_state *s, const char *path, char **argv)
{
	sigset_t all;
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	(void)sigaction(SIGPIPE, &dfl, NULL);
	sigemptyset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, NULL);
	/* Every app leads a session of its own: never the caller's, never with the caller's
	 * terminal as its controlling terminal (docs/security.md, "Terminals"). */
	if (c->tty_slave >= 0) {
		int r = tty_become_controlling(c->tty_slave);
		if (r < 0)
			child_die(s->name, "the app's terminal", -r);
	} else if (setsid() < 0) {
		child_die(s->name, "setsid", errno);
	}
	if (!c->opts.interactive &&
	    (dup2(c->devnull, STDIN_FILENO) < 0 || dup2(s->out_w, STDOUT_FILENO) < 0 ||
	     dup2(s->err_w, STDERR_FILENO) < 0))
		_exit(STAGE1_EXIT_FAILURE);
	const char *what = NULL;
	/* the main process gets the listening sockets (activation.h) */
	s->pass_listen = argv == s->argv;
	int r = stage1_app_restrict(c, s, false, &what);
	if (r < 0)
		child_die(s->name, what, -r);
	execve(path, argv, s->pass_listen && s->envp_main ? s->envp_main : s->envp);
	child_die(s->name, argv[0], errno);
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
	/* Each app leads its own process group. */
	if (kill(-s->pid, sig) < 0)
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
	_cleanup_free_ char *path = rkt_pod_app_status(s->name, suffix);
	int r = rkt_write_file_atomic_at(c->podfd, path, buf, (size_t)n, 0644, NULL);
	if (r < 0) {
		/* A pod whose app's status is lost must not look successful: rkt status would
		 * call the app still running, and the caller would see 0. */
		stage1_warn("app \"%s\": recording its %s in '%s' failed: %s", s->name,
		            code >= 0 ? "exit status" : "start", path, strerror(-r));
		c->status_lost = true;
	}
}

static void drain(struct app_state *s, int fd, int out)
{
	char buf[4096];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return;
		int r = rkt_write_all(s->log_fd, buf, (size_t)n);
		if (r < 0 && !s->log_lost) {
			stage1_warn("app \"%s\": writing its log failed, output is lost from "
			            "there on: %s",
			            s->name, strerror(-r));
			s->log_lost = true;
		}
		/* the caller's terminal or pipe: a reader that went away is not our failure */
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
	struct pollfd *pfds = xmalloc_array(1 + 3 * c->n, sizeof(*pfds));

	for (size_t i = 0; i < c->n; i++)
		start_app(c, &c->apps[i]);
	while (!all_done(c)) {
		stage1_activation_check_ready(c);
		size_t n = 0, pipes;
		pfds[n++] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
		for (size_t i = 0; i < c->n && !c->opts.interactive; i++) {
			pfds[n++] = (struct pollfd){ .fd = c->apps[i].out_r, .events = POLLIN };
			pfds[n++] = (struct pollfd){ .fd = c->apps[i].err_r, .events = POLLIN };
		}
		pipes = n;
		n += stage1_activation_pollfds(c, pfds + n);
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
		for (size_t i = 1; i < pipes; i++)
			if (pfds[i].revents & (POLLIN | POLLHUP))
				drain(&c->apps[(i - 1) / 2], pfds[i].fd,
				      i % 2 ? STDOUT_FILENO : STDERR_FILENO);
		for (size_t i = pipes; i < n; i++)
			if (pfds[i].revents & POLLIN)
				stage1_activation_event(c, pfds[i].fd);
		if (pfds[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGQUIT) {
					/* the ^]^]^] escape (tty.h): stop now, no grace */
					stage1_log("signal %u: killing the pod", si.ssi_signo);
					c->stopped_by_signal = true;
					begin_stop(c);
					for (size_t i = 0; i < c->n; i++)
						signal_app(c, &c->apps[i], SIGKILL);
					c->has_deadline = false;
				} else if (si.ssi_signo != SIGCHLD) {
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
	stage1_cgroups_remove(c->podfd);
	if (!c->first_failure && c->status_lost) {
		stage1_warn("the pod fails: an exit status could not be recorded");
		return STAGE1_EXIT_FAILURE;
	}
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
	if (c->userns.user >= 0 && (r = stage1_bind_userns(c, err)) < 0)
		return r;
	if (sethostname(hostname, strlen(hostname)) < 0)
		return rkt_error_set(err, errno, "sethostname \"%s\"", hostname);
	if (c->opts.net != STAGE1_NET_HOST && (r = loopback_up(err)) < 0)
		return r;
	/* ISO-18, in the pod's namespaces (checked in main) */
	if ((r = rkt_sysctl_apply("/proc/sys", &c->pod.manifest->isolators, err)) < 0)
		return r;
	if ((r = rkt_mkdir_p_at(c->podfd, RKT_POD_STAGE1_STATUS_DIR, 0755, NULL)) < 0 ||
	    (r = rkt_mkdir_p_at(c->podfd, RKT_POD_STAGE1_ENV_DIR, 0755, NULL)) < 0 ||
	    (r = rkt_mkdir_p_at(c->podfd, RKT_POD_STAGE1_ETC, 0755, NULL)) < 0 ||
	    (r = rkt_mkdir_p_at(c->podfd, RKT_POD_LOGS, 0750, NULL)) < 0 ||
	    (r = rkt_mkdir_p_at(c->podfd, RKT_POD_SHARED_VOLUMES, 0755, NULL)) < 0)
		return rkt_error_set(err, -r, "pod directories");
	_cleanup_free_ char *hn = xasprintf("%s\n", hostname);
	r = rkt_write_file_atomic_at(c->podfd, RKT_POD_STAGE1_HOSTNAME, hn, strlen(hn), 0644, NULL);
	if (r < 0)
		return rkt_error_set(err, -r, "'" RKT_POD_STAGE1_HOSTNAME "'");
	c->devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (c->devnull < 0)
		return rkt_error_set(err, errno, "/dev/null");
	for (size_t i = 0; i < c->n; i++) {
		r = stage1_prepare_app(c, &c->apps[i], false, err);
		if (r >= 0) /* in the pod's network namespace: ours */
			r = stage1_activation_prepare(&c->apps[i], err);
		if (r < 0)
			return r;
	}
	const struct rkt_isolate_features f = {
		.caps = !c->opts.disable_caps,
		.seccomp = !c->opts.disable_seccomp,
		.nnp = true,
		.oom = true,
		.cgroups = !c->cgroups_failed,
		.sysctl = true,
		.net_bandwidth = c->opts.net == STAGE1_NET_CNI,
	};
	stage1_report_isolators(c, &f);
	return 0;
}

static int pod_init(struct pod_ctx *c, int sync_fd)
{
	struct rkt_error err = { 0 };
	char b = 'r';
	sigset_t set;

	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* Out of the caller's session and away from its terminal (docs/security.md). */
	(void)setsid();
	/* Apps of the pod must not reach our (host) root through /proc/1/root. */
	(void)prctl(PR_SET_DUMPABLE, 0);
	if (pod_setup(c, &err) < 0)
		return stage1_fail(&err);
	/* PID 1 lives as long as the pod: give back what the set-up freed (libseccomp's rule
	 * database, parsed manifests), which glibc keeps in the heap otherwise. */
	(void)malloc_trim(0);
	/* Ready: the parent writes $P/pid (and takes the app's pty master, which it proxies),
	 * then lets us start the apps. */
	if (rkt_send_byte_fd(sync_fd, b, c->tty_master) < 0 || read(sync_fd, &b, 1) != 1 ||
	    b != 'g')
		return STAGE1_EXIT_FAILURE;
	close(sync_fd);
	if (c->tty_master >= 0) {
		/* The caller's terminal is the parent's now: we keep only stderr on it. */
		close(c->tty_master);
		c->tty_master = -EBADF;
		(void)dup2(c->devnull, STDIN_FILENO);
		(void)dup2(c->devnull, STDOUT_FILENO);
	}

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	int sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0) {
		rkt_error_set(&err, errno, "signalfd");
		return stage1_fail(&err);
	}
	/* The set-up code stays mapped otherwise, counted in PID 1's resident set for the pod's
	 * life; supervising uses a few pages of it. */
	stage1_release_readonly_pages();
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

	/* The pod's PID 1 and each app process until its execve run a file no one can write
	 * through /proc/<pid>/exe: a read-only mount or a sealed copy (docs/security.md). */
	if (stage1_protect_exe(argv, &err) < 0)
		return stage1_fail(&err);
	r = stage1_parse_run_args(argc, argv, false, &c.opts, &err);
	if (r < 0)
		return stage1_fail(&err);
	stage1_debug = c.opts.debug;
	if ((r = keep_lock_fd(&err)) < 0)
		return stage1_fail(&err);
	if (stage1_load_pod(&c, &err) < 0)
		return stage1_fail(&err);
	if (c.opts.interactive && c.pod.n_apps != 1) {
		rkt_error_set(&err, EINVAL, "--interactive needs exactly one app");
		return stage1_fail(&err);
	}
	/* Before anything runs: a sysctl the pod cannot own would change the host. */
	if (rkt_sysctl_check(&c.pod.manifest->isolators, c.opts.net != STAGE1_NET_HOST,
	                     c.opts.private_ipc, true, &err) < 0)
		return stage1_fail(&err);

	int flags = CLONE_NEWUTS | CLONE_NEWPID;
	if (c.opts.private_ipc)
		flags |= CLONE_NEWIPC;
	if (c.opts.net == STAGE1_NET_NONE)
		flags |= CLONE_NEWNET;
	if (c.opts.net == STAGE1_NET_CNI) {
		/* from the host's namespaces, then into the pod's (docs/networking.md) */
		_cleanup_close_ int nsfd = -EBADF;
		if (stage1_net_setup(&c, &nsfd, &err) < 0)
			return stage1_fail(&err);
		if (setns(nsfd, CLONE_NEWNET) < 0) {
			rkt_error_set(&err, errno, "entering the pod's network namespace");
			return stage1_fail(&err);
		}
	}
	if (c.opts.private_users) {
		/* The pod's namespaces are owned by its user namespace (so that the apps' root
		 * has its capabilities there); we stay the host's root to mount and make cgroups. */
		if (rkt_userns_create(&c.opts.ids, flags & ~CLONE_NEWPID, &c.userns, &err) < 0 ||
		    rkt_userns_join_owned(&c.userns, &err) < 0)
			return stage1_fail(&err);
		/* The PID namespace needs its PID 1 to exist before it can be joined: ours, the
		 * host's root, makes it (docs/security.md). */
		flags = CLONE_NEWPID;
	}
	if (stage1_unshare_mounts(&c, flags, &err) < 0)
		return stage1_fail(&err);
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
	sigaddset(&block, SIGQUIT);
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
	_cleanup_close_ int master = -EBADF;
	if (rkt_recv_byte_fd(sv[0], &b, &master) == 0) {
		char buf[32];
		int len = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
		r = rkt_write_file_atomic_at(c.podfd, RKT_POD_PID, buf, (size_t)len, 0644, NULL);
		if (r < 0) {
			/* without $P/pid the pod cannot be stopped, entered or told from a dead
			 * one: it must not start (and the status is ours, not SIGKILL's) */
			(void)kill(pid, SIGKILL);
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
			close(sv[0]);
			rkt_error_set(&err, -r, "writing '%s' in the pod directory", RKT_POD_PID);
			return stage1_fail(&err);
		} else {
			if (master >= 0) /* the app starts with the caller's size */
				tty_copy_winsize(STDIN_FILENO, master);
			b = 'g';
			(void)!write(sv[0], &b, 1);
		}
	}
	close(sv[0]);
	int ws;
	if (master >= 0)
		return tty_serve(pid, master);
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return STAGE1_EXIT_FAILURE;
	return stage1_exit_code(ws);
}
