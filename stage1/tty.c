/* The pty of an interactive pod and the loop that copies between it and the caller's
 * terminal (tty.h). */
#include "tty.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stage1.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/io.h"

#define ESCAPE_CHAR      0x1d /* ^] */
#define ESCAPE_COUNT     3
#define ESCAPE_WINDOW_NS 1000000000LL

int tty_open_pty(int pts_dir_fd, int *ret_master, int *ret_slave)
{
	int unlock = 0;
	/* "ptmx" of this instance (mounted with newinstance): the pty is numbered in, and
	 * visible in, the pod's /dev/pts only. */
	_cleanup_close_ int master =
	        rkt_open_in_root(pts_dir_fd, "ptmx", O_RDWR | O_NOCTTY | O_NONBLOCK, 0);
	if (master < 0)
		return master;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return -errno;
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return -errno;
	*ret_master = TAKE_FD(master);
	*ret_slave = slave;
	return 0;
}

int tty_pod_pty(int root_fd, int *ret_master, int *ret_slave)
{
	_cleanup_close_ int pts = rkt_open_in_root(root_fd, "/dev/pts", O_PATH | O_DIRECTORY, 0);
	_cleanup_close_ int master = -EBADF, slave = -EBADF;
	char src[64], dst[64];
	int r;

	if (pts < 0)
		return pts;
	r = tty_open_pty(pts, &master, &slave);
	if (r < 0)
		return r;
	/* /dev/console is the pty too, as nspawn does; through fds, never a path in the root. */
	_cleanup_close_ int console = rkt_open_in_root(root_fd, "/dev/console", O_PATH, 0);
	if (console < 0)
		return console;
	snprintf(src, sizeof(src), "/proc/self/fd/%d", slave);
	snprintf(dst, sizeof(dst), "/proc/self/fd/%d", console);
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
		return -errno;
	*ret_master = TAKE_FD(master);
	*ret_slave = TAKE_FD(slave);
	return 0;
}

int tty_become_controlling_on(int slave, unsigned fds)
{
	if (setsid() < 0)
		return -errno;
	/* 1: take it even if an earlier session (a pre-start handler's) still names it; the
	 * child still has CAP_SYS_ADMIN here. */
	if (ioctl(slave, TIOCSCTTY, 1) < 0)
		return -errno;
	for (int fd = 0; fd < 3; fd++)
		if ((fds & (1u << fd)) && dup2(slave, fd) < 0)
			return -errno;
	return 0;
}

int tty_become_controlling(int slave)
{
	return tty_become_controlling_on(slave, 07);
}

int tty_raw_on(int fd, struct tty_saved *saved)
{
	struct termios raw;

	if (tcgetattr(fd, &saved->modes) < 0)
		return -errno;
	raw = saved->modes;
	cfmakeraw(&raw);
	/* Output post-processing stays with the pty inside (it has OPOST). */
	if (tcsetattr(fd, TCSANOW, &raw) < 0)
		return -errno;
	saved->fd = fd;
	saved->active = true;
	return 0;
}

void tty_raw_off(struct tty_saved *saved)
{
	if (!saved->active)
		return;
	/* TCSADRAIN: what we copied out is shown in raw mode first. */
	while (tcsetattr(saved->fd, TCSADRAIN, &saved->modes) < 0 && errno == EINTR)
		;
	saved->active = false;
}

void tty_copy_winsize(int from, int to)
{
	struct winsize ws;
	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(to, TIOCSWINSZ, &ws);
}

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

struct escape {
	unsigned count;
	int64_t first;
};

/* As systemd-nspawn(1), whose console upstream's --interactive was: ^] three times within a
 * second. Any other byte starts the count again. The bytes still reach the app. */
static bool escape_seen(struct escape *e, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] != ESCAPE_CHAR) {
			e->count = 0;
			continue;
		}
		int64_t t = now_ns();
		if (e->count == 0 || t - e->first > ESCAPE_WINDOW_NS) {
			e->count = 0;
			e->first = t;
		}
		if (++e->count >= ESCAPE_COUNT) {
			e->count = 0;
			return true;
		}
	}
	return false;
}

/* Copies what the master has to OUT. Returns false once the master hung up. */
static bool master_out(const struct tty_proxy *p)
{
	char buf[4096];
	for (;;) {
		ssize_t n = read(p->master, buf, sizeof(buf));
		if (n > 0) {
			if (p->out >= 0)
				(void)rkt_write_all(p->out, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		/* EAGAIN: nothing more now; EIO or 0: no slave fd is open any more */
		return n < 0 && errno == EAGAIN;
	}
}

enum tty_proxy_end tty_proxy(const struct tty_proxy *p)
{
	char inbuf[4096];
	size_t inlen = 0, inoff = 0;
	bool in_open = true;
	struct escape esc = { 0 };

	for (;;) {
		struct pollfd pfd[3] = {
			{ .fd = p->sigfd, .events = POLLIN },
			{ .fd = p->master, .events = POLLIN | (inlen ? POLLOUT : 0) },
			/* read more input only once the last is in the pty */
			{ .fd = in_open && !inlen ? p->in : -1, .events = POLLIN },
		};
		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return TTY_PROXY_FAILURE;
		}
		/* Signals first: a resize that came before some input reaches the app first. */
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(p->sigfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGWINCH) {
					tty_copy_winsize(p->term, p->master);
					continue;
				}
				if (p->on_signal(p->userdata, (int)si.ssi_signo)) {
					(void)master_out(p);
					return TTY_PROXY_DONE;
				}
			}
		}
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (!master_out(p))
				return TTY_PROXY_HANGUP;
		}
		if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(p->in, inbuf, sizeof(inbuf));
			if (n > 0) {
				inlen = (size_t)n;
				inoff = 0;
				if (p->on_escape && escape_seen(&esc, inbuf, inlen))
					p->on_escape(p->userdata);
			} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				in_open = false; /* end of input or a hung-up terminal */
			}
		}
		if (inlen) {
			ssize_t n = write(p->master, inbuf + inoff, inlen);
			if (n > 0) {
				inoff += (size_t)n;
				inlen -= (size_t)n;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				inlen = 0; /* the pty is going away: drop it */
			}
		}
	}
}

struct serve {
	pid_t child;
	int wstatus;
	bool escaped;
};

static bool serve_signal(void *userdata, int signo)
{
	struct serve *sv = userdata;
	if (signo == SIGCHLD)
		return waitpid(sv->child, &sv->wstatus, WNOHANG) == sv->child;
	(void)kill(sv->child, signo);
	return false;
}

static void serve_escape(void *userdata)
{
	struct serve *sv = userdata;
	if (!sv->escaped)
		stage1_log("^]^]^]: stopping the pod");
	sv->escaped = true;
	(void)kill(sv->child, SIGQUIT);
}

int tty_serve(pid_t child, int master)
{
	return tty_serve_on(child, master, STDIN_FILENO, STDOUT_FILENO, STDIN_FILENO, true);
}

void tty_serve_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGWINCH);
}

int tty_serve_on(pid_t child, int master, int in, int out, int term, bool escape)
{
	struct serve sv = { .child = child, .wstatus = -1 };
	struct tty_saved saved = { .fd = -EBADF };
	sigset_t set;
	int r;

	tty_serve_sigset(&set);
	(void)sigprocmask(SIG_BLOCK, &set, NULL);
	_cleanup_close_ int sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0) {
		stage1_warn("signalfd: %s", strerror(errno));
		(void)kill(child, SIGKILL);
	} else {
		if (in >= 0 && isatty(in) && (r = tty_raw_on(in, &saved)) < 0)
			stage1_warn("the terminal's raw mode: %s", strerror(-r));
		const struct tty_proxy p = {
			.in = in,
			.out = out,
			.term = term,
			.master = master,
			.sigfd = sigfd,
			.on_signal = serve_signal,
			.on_escape = escape ? serve_escape : NULL,
			.userdata = &sv,
		};
		if (tty_proxy(&p) == TTY_PROXY_FAILURE)
			stage1_warn("terminal proxy: %s", strerror(errno));
	}
	/* Whatever ended the proxy, the child (the pod's PID 1, or an entered process) is
	 * waited for before the terminal is given back, so that nothing of the pod writes to it
	 * in raw mode. */
	while (sv.wstatus == -1 && waitpid(child, &sv.wstatus, 0) < 0)
		if (errno != EINTR)
			break;
	tty_raw_off(&saved);
	return sv.wstatus == -1 ? STAGE1_EXIT_FAILURE : stage1_exit_code(sv.wstatus);
}
