/* The terminal of an interactive pod (docs/security.md, "Terminals"): the app gets a pty of
 * the pod's own devpts instance, never the caller's terminal; stage1 copies between the two,
 * as systemd-nspawn and crun's console socket do. No appc types here. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include <termios.h>

/* Opens a new pty of the devpts instance mounted at PTS_DIR_FD (its "ptmx"), unlocked. The
 * slave is opened through the master (TIOCGPTPEER), never by a path. Both fds are O_CLOEXEC
 * and O_NOCTTY, the master non-blocking. Returns 0 or -errno. */
int tty_open_pty(int pts_dir_fd, int *ret_master, int *ret_slave);

/* The pty of an interactive app whose root is ROOT_FD: a pty of the devpts instance at its
 * /dev/pts (tty_open_pty), also bind-mounted onto its /dev/console. Needs the app's mounts in
 * place. Returns 0 or -errno. */
int tty_pod_pty(int root_fd, int *ret_master, int *ret_slave);

/* In a forked child before exec: a new session with SLAVE as its controlling terminal and as
 * fds 0, 1 and 2. System calls only. Returns 0 or -errno. */
int tty_become_controlling(int slave);
/* The same with SLAVE as only those of fds 0, 1 and 2 whose bit (1 << fd) is in FDS; the
 * others stay as they are. */
int tty_become_controlling_on(int slave, unsigned fds);

/* The caller's terminal modes, saved by tty_raw_on and put back by tty_raw_off. */
struct tty_saved {
	int fd;
	bool active;
	struct termios modes;
};
/* Saves the modes of the terminal FD in SAVED and puts it into raw mode. Returns 0 or -errno
 * (nothing changed). */
int tty_raw_on(int fd, struct tty_saved *saved);
/* Restores what tty_raw_on saved (once; later calls do nothing). */
void tty_raw_off(struct tty_saved *saved);

/* Copies the window size of the terminal FROM to the pty master TO (best effort). */
void tty_copy_winsize(int from, int to);

/* Why tty_proxy returned. */
enum tty_proxy_end {
	TTY_PROXY_HANGUP,  /* every slave fd is closed: the app and stage1 are gone */
	TTY_PROXY_DONE,    /* on_signal said so */
	TTY_PROXY_FAILURE, /* poll failed */
};

struct tty_proxy {
	/* the caller's terminal (or whatever stdin and stdout are); -EBADF: nothing is read,
	 * or what the master has is dropped */
	int in, out;
	int term;   /* the caller's terminal, whose window size the pty follows */
	int master; /* non-blocking; -EBADF: only signals are handled */
	/* signalfd of the signals the caller blocked; SIGWINCH is handled here (the caller's
	 * window size goes to the pty), every other one goes to on_signal. */
	int sigfd;
	/* Returns true to end the proxy (after what the master still has is copied out). */
	bool (*on_signal)(void *userdata, int signo);
	/* Called when the caller typed ^] three times within one second (NULL: no escape). */
	void (*on_escape)(void *userdata);
	void *userdata;
};

/* Copies P->in to the master and the master to P->out until the pty hangs up or on_signal
 * asks to stop. Blocks in poll(); writes to P->out block. */
enum tty_proxy_end tty_proxy(const struct tty_proxy *p);

/* The stage1 parent of an interactive pod on a terminal: puts the caller's terminal (stdin)
 * in raw mode, proxies it to MASTER (tty_proxy) while CHILD (the pod's PID 1) runs, passes
 * SIGTERM, SIGINT and SIGHUP on to CHILD and, on the ^]^]^] escape, SIGQUIT (which stops the
 * pod at once); restores the terminal once CHILD is gone. Blocks those signals and SIGCHLD
 * and SIGWINCH. Returns CHILD's exit code (stage1_exit_code) or STAGE1_EXIT_FAILURE. */
int tty_serve(pid_t child, int master);

/* tty_serve for a CHILD whose pty MASTER (or -EBADF: none, only signals are passed on) is
 * proxied from IN (raw mode if it is a terminal; -EBADF: none) to OUT (-EBADF: dropped), with
 * the window size of the terminal TERM; the escape only if ESCAPE. */
int tty_serve_on(pid_t child, int master, int in, int out, int term, bool escape);
/* The signals tty_serve_on listens for (SIGCHLD among them): blocked before CHILD is forked,
 * none is missed. */
void tty_serve_sigset(sigset_t *set);
