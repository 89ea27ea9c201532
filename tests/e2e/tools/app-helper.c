/* app-helper: what the apps of the terminal and activation suites do (pod-terminal.bats,
 * pod-activation.bats). Linked statically so that it runs in any image.
 *
 *   app-helper inject TEXT   pushes TEXT into the input of the terminal on fd 0 (TIOCSTI);
 *                            prints "inject: allowed" or "inject: denied (ERRNO)"
 *   app-helper sd-listen     checks the sd_listen_fds protocol (LISTEN_FDS=1, LISTEN_PID = its
 *                            pid, fd 3 a listening socket), prints "listen: NAMES", accepts one
 *                            connection on fd 3 and writes "hello from NAMES\n" to it
 *   app-helper sd-notify DIR writes "started" to the FIFO DIR/a, reads a line from the FIFO
 *                            DIR/b, sends READY=1 to $NOTIFY_SOCKET, prints "notified", then
 *                            reads DIR/b again and exits
 *   app-helper tty-info      prints "stdin: MAJ:MIN" (its device, or "stdin: no tty"),
 *                            "session: self|parent|other" (who leads its session) and
 *                            "ctty: stdin|none|other" (its controlling terminal is fd 0, it
 *                            has none, or another one)
 *   app-helper open-ttys     opens fds 0-2 of every process in /proc as they are (through
 *                            /proc/PID/fd/N) and prints "open: PID/N MAJ:MIN" for each
 *                            terminal it could open
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

static int inject(const char *text)
{
	for (const char *p = text; *p; p++) {
		if (ioctl(STDIN_FILENO, TIOCSTI, p) < 0) {
			printf("inject: denied (%s)\n", strerrorname_np(errno));
			return 0;
		}
	}
	printf("inject: allowed\n");
	return 0;
}

static int die(const char *what)
{
	printf("%s: %s\n", what, strerrorname_np(errno) ? strerrorname_np(errno) : "?");
	return 1;
}

static int sd_listen(void)
{
	const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
	const char *names = getenv("LISTEN_FDNAMES");
	int acc = 0;
	socklen_t len = sizeof(acc);

	if (!fds || strcmp(fds, "1") != 0 || !pid || atoi(pid) != (int)getpid() || !names) {
		printf("bad environment: LISTEN_FDS=%s LISTEN_PID=%s (pid %d) LISTEN_FDNAMES=%s\n",
		       fds ? fds : "", pid ? pid : "", (int)getpid(), names ? names : "");
		return 1;
	}
	if (getsockopt(3, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) < 0 || !acc)
		return die("fd 3 is no listening socket");
	if (fcntl(4, F_GETFD) >= 0) {
		printf("fd 4 is open\n");
		return 1;
	}
	printf("listen: %s\n", names);
	fflush(stdout);
	int c = accept4(3, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return die("accept");
	dprintf(c, "hello from %s\n", names);
	close(c);
	return 0;
}

/* Waits for a line written to the FIFO PATH. An end of file without data is the writer of the
 * previous line closing after we reopened: wait for the next writer. */
static int read_line(const char *path)
{
	for (;;) {
		char buf[64];
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -1;
		ssize_t n = read(fd, buf, sizeof(buf));
		close(fd);
		if (n != 0)
			return n > 0 ? 0 : -1;
	}
}

static int sd_notify(const char *dir)
{
	char a[256], b[256];
	const char *sock = getenv("NOTIFY_SOCKET");
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	if (!sock || strlen(sock) >= sizeof(addr.sun_path)) {
		printf("no NOTIFY_SOCKET\n");
		return 1;
	}
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	int fd = open(a, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "started\n", 8) != 8)
		return die(a);
	close(fd);
	if (read_line(b) < 0)
		return die(b);
	strcpy(addr.sun_path, sock);
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 ||
	    sendto(s, "STATUS=up\nREADY=1", 18, 0, (struct sockaddr *)&addr, sizeof(addr)) != 18)
		return die("sendto NOTIFY_SOCKET");
	printf("notified\n");
	fflush(stdout);
	if (read_line(b) < 0)
		return die(b);
	return 0;
}

static int tty_info(void)
{
	struct stat st;
	pid_t sid = 0;

	if (fstat(STDIN_FILENO, &st) == 0 && isatty(STDIN_FILENO))
		printf("stdin: %u:%u\n", major(st.st_rdev), minor(st.st_rdev));
	else
		printf("stdin: no tty\n");
	pid_t leader = getsid(0);
	printf("session: %s\n", leader == getpid()    ? "self"
	                        : leader == getppid() ? "parent"
	                                              : "other");
	/* TIOCGSID answers on a terminal only for the session it controls */
	if (ioctl(STDIN_FILENO, TIOCGSID, &sid) == 0 && sid == getsid(0)) {
		printf("ctty: stdin\n");
	} else {
		int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
		printf("ctty: %s\n", fd < 0 ? "none" : "other");
		if (fd >= 0)
			close(fd);
	}
	return 0;
}

static int open_ttys(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	char path[300];
	struct stat st;

	if (!d)
		return die("/proc");
	while ((e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9' || atoi(e->d_name) == (int)getpid())
			continue;
		for (int n = 0; n < 3; n++) {
			snprintf(path, sizeof(path), "/proc/%s/fd/%d", e->d_name, n);
			int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
			if (fd < 0)
				continue;
			if (isatty(fd) && fstat(fd, &st) == 0)
				printf("open: %s/%d %u:%u\n", e->d_name, n, major(st.st_rdev),
				       minor(st.st_rdev));
			close(fd);
		}
	}
	closedir(d);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "inject") == 0)
		return inject(argv[2]);
	if (argc == 2 && strcmp(argv[1], "sd-listen") == 0)
		return sd_listen();
	if (argc == 3 && strcmp(argv[1], "sd-notify") == 0)
		return sd_notify(argv[2]);
	if (argc == 2 && strcmp(argv[1], "tty-info") == 0)
		return tty_info();
	if (argc == 2 && strcmp(argv[1], "open-ttys") == 0)
		return open_ttys();
	fprintf(stderr, "usage: app-helper inject TEXT | sd-listen | sd-notify DIR | tty-info | "
	                "open-ttys\n");
	return 2;
}
