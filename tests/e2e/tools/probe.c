/* probe: lists what the process that runs it can do, for the security suites (docs/security.md).
 *
 *   probe             every check, one line each
 *   probe CHECK...    only those (unknown names are a usage error, exit 2)
 *   probe --list      the names of the checks
 *   probe --status    only what the process is: every capability set, seccomp, no_new_privs,
 *                     user and groups, working directory and open fds (for rkt enter's tests)
 *
 * Each check runs in a child process of its own, so that a check the seccomp filter answers
 * with SIGSYS (or one that changes the process, such as unshare) affects nothing else. A line is
 *
 *   NAME: allowed
 *   NAME: denied (EPERM)        the call failed with that errno
 *   NAME: denied (SIGSYS)       the child was killed by that signal
 *
 * and, first, informational lines: "caps: CapEff=... CapBnd=...", "seccomp: mode N, M filters",
 * "no_new_privs: N". A check that succeeds undoes what it did where it can (unmounts, closes)
 * and never writes into what it opens: "allowed" for a write check means the open for writing
 * succeeded. Linked statically so that it runs in any image. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/mount.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#ifndef MNT_DETACH
#define MNT_DETACH 2 /* <sys/mount.h> would clash with <linux/mount.h> */
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* Where checks create nodes and mount points; the image's /tmp, or $PROBE_DIR. */
static const char *work_dir(void)
{
	const char *d = getenv("PROBE_DIR");
	return d && *d ? d : "/tmp";
}

/* The child's end of a pipe to the parent: a check reports its verdict (0 or an errno) with
 * report() as soon as it is known, before it cleans up, so that a cleanup call the filter
 * kills (umount2 after a mount that worked) cannot turn "allowed" into "denied". */
static int report_fd = -1;

static int report(int e)
{
	if (report_fd >= 0) {
		(void)!write(report_fd, &e, sizeof(e));
		close(report_fd);
		report_fd = -1;
	}
	return e;
}

/* Each check returns 0 if the operation succeeded, else an errno value. */
static int ret_of(long r)
{
	return r < 0 ? errno : 0;
}

static int do_mknod(dev_t dev, bool open_it, int flags)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/probe-node.%d", work_dir(), getpid());
	if (mknod(path, S_IFCHR | 0600, dev) < 0)
		return errno;
	int e = 0;
	if (open_it) {
		int fd = open(path, flags | O_CLOEXEC | O_NOCTTY);
		e = fd < 0 ? errno : 0;
		if (fd >= 0)
			close(fd);
	}
	unlink(path);
	return e;
}

static int check_mknod(void)
{
	return do_mknod(makedev(1, 3), false, 0);
}

static int check_mknod_open_null(void)
{
	return do_mknod(makedev(1, 3), true, O_RDWR);
}

static int check_mknod_open_kmsg(void)
{
	return do_mknod(makedev(1, 11), true, O_WRONLY);
}

static int open_path(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int check_open_dev_kmsg(void)
{
	return open_path("/dev/kmsg", O_WRONLY);
}

static int check_open_dev_tty0(void)
{
	return open_path("/dev/tty0", O_WRONLY);
}

static int check_open_dev_null(void)
{
	return open_path("/dev/null", O_RDWR);
}

static int check_open_dev_zero(void)
{
	return open_path("/dev/zero", O_RDONLY);
}

static int check_open_dev_urandom(void)
{
	return open_path("/dev/urandom", O_RDONLY);
}

/* A node the image ships (or a volume brings): $PROBE_NODE, for writing (/dev/kmsg asks
 * for CAP_SYSLOG only to read). */
static int check_open_node(void)
{
	const char *p = getenv("PROBE_NODE");
	return open_path(p && *p ? p : "/dev/probe-node", O_WRONLY);
}

static int check_raw_socket(void)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int check_packet_socket(void)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* A fresh directory to mount on; the caller removes it. */
static int mount_point(char *buf, size_t size)
{
	snprintf(buf, size, "%s/probe-mnt.XXXXXX", work_dir());
	return mkdtemp(buf) ? 0 : errno;
}

static int mount_old(const char *fstype, const char *data)
{
	char dir[256];
	int e = mount_point(dir, sizeof(dir));
	if (e)
		return e;
	e = report(ret_of(syscall(SYS_mount, "probe", dir, fstype, 0UL, data)));
	if (!e)
		(void)syscall(SYS_umount2, dir, MNT_DETACH);
	rmdir(dir);
	return e;
}

static int check_mount_tmpfs(void)
{
	return mount_old("tmpfs", NULL);
}

static int check_mount_cgroup2(void)
{
	return mount_old("cgroup2", NULL);
}

static int check_mount_cgroup1(void)
{
	return mount_old("cgroup", "none,name=probe");
}

static int check_mount_proc(void)
{
	return mount_old("proc", NULL);
}

/* The mount API of Linux 5.2: fsopen, fsconfig, fsmount, move_mount. */
static int fsmount_fs(const char *fstype)
{
	char dir[256];
	int e, fs, mnt;

	fs = (int)syscall(SYS_fsopen, fstype, FSOPEN_CLOEXEC);
	if (fs < 0)
		return errno;
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		e = errno;
		close(fs);
		return e;
	}
	mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
	e = mnt < 0 ? errno : 0;
	close(fs);
	if (e)
		return e;
	e = mount_point(dir, sizeof(dir));
	if (!e) {
		e = report(ret_of(
		        syscall(SYS_move_mount, mnt, "", AT_FDCWD, dir, MOVE_MOUNT_F_EMPTY_PATH)));
		if (!e)
			(void)syscall(SYS_umount2, dir, MNT_DETACH);
		rmdir(dir);
	}
	close(mnt);
	return e;
}

static int check_fsmount_tmpfs(void);
static int check_fsmount_cgroup2(void);

/* The same from inside a new user namespace (with a mount namespace, and a cgroup one for
 * cgroup2), where an unprivileged app is root: the way a pod without CAP_SYS_ADMIN gets
 * there. */
static int in_userns(int flags, int (*fn)(void))
{
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS | flags) < 0)
		return errno;
	return fn();
}

/* CVE-2022-0492: open for writing a cgroup v1 release_agent, the pod's /sys/fs/cgroup one
 * (any hierarchy), or in a hierarchy mounted afresh (in a new user+cgroup namespace). */
static int check_release_agent(void)
{
	static const char *const h[] = { "memory", "rdma", "cpu", "devices", "pids", "systemd" };
	int e = ENOENT;
	for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
		char path[128];
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/release_agent", h[i]);
		int r = open_path(path, O_WRONLY);
		if (r != ENOENT)
			return r; /* 0: allowed */
	}
	return e;
}

static int mount_release_agent(void)
{
	char dir[256], path[300];
	int e = mount_point(dir, sizeof(dir));
	if (e)
		return e;
	e = ret_of(syscall(SYS_mount, "probe", dir, "cgroup", 0UL, "rdma"));
	if (!e) {
		snprintf(path, sizeof(path), "%s/release_agent", dir);
		e = report(open_path(path, O_WRONLY));
		(void)syscall(SYS_umount2, dir, MNT_DETACH);
	}
	rmdir(dir);
	return e;
}

static int check_userns_release_agent(void)
{
	return in_userns(CLONE_NEWCGROUP, mount_release_agent);
}

static int check_userns_mount_tmpfs(void)
{
	return in_userns(0, check_mount_tmpfs);
}

static int check_userns_fsmount_tmpfs(void)
{
	return in_userns(0, check_fsmount_tmpfs);
}

static int check_userns_mount_cgroup2(void)
{
	return in_userns(CLONE_NEWCGROUP, check_mount_cgroup2);
}

static int check_userns_fsmount_cgroup2(void)
{
	return in_userns(CLONE_NEWCGROUP, check_fsmount_cgroup2);
}

static int check_fsmount_tmpfs(void)
{
	return fsmount_fs("tmpfs");
}

static int check_fsmount_cgroup2(void)
{
	return fsmount_fs("cgroup2");
}

static int check_open_tree(void)
{
	int fd = (int)syscall(SYS_open_tree, AT_FDCWD, "/", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int unshare_check(int flag)
{
	return ret_of(unshare(flag));
}

static int check_unshare_user(void)
{
	return unshare_check(CLONE_NEWUSER);
}
static int check_unshare_mnt(void)
{
	return unshare_check(CLONE_NEWNS);
}
static int check_unshare_net(void)
{
	return unshare_check(CLONE_NEWNET);
}
static int check_unshare_pid(void)
{
	return unshare_check(CLONE_NEWPID);
}
static int check_unshare_ipc(void)
{
	return unshare_check(CLONE_NEWIPC);
}
static int check_unshare_uts(void)
{
	return unshare_check(CLONE_NEWUTS);
}
static int check_unshare_cgroup(void)
{
	return unshare_check(CLONE_NEWCGROUP);
}
static int check_unshare_time(void)
{
	return unshare_check(CLONE_NEWTIME);
}

/* clone with CLONE_NEWUSER, the way around a filter that only denies unshare. */
static int check_clone_newuser(void)
{
	long pid =
	        syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), NULL, NULL, NULL, 0UL);
	if (pid < 0)
		return errno;
	if (pid == 0)
		_exit(0);
	(void)waitpid((pid_t)pid, NULL, 0);
	return 0;
}

static int check_io_uring(void)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof(p));
	int fd = (int)syscall(SYS_io_uring_setup, 1, &p);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int check_keyctl(void)
{
	return ret_of(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
}

static int check_bpf(void)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	int fd = (int)syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* PTRACE_SEIZE does not stop PID 1; the tracer's exit detaches. */
static int check_ptrace_pid1(void)
{
	return ret_of(ptrace(PTRACE_SEIZE, 1, NULL, NULL));
}

static int check_write_proc_sys(void)
{
	return open_path("/proc/sys/kernel/core_pattern", O_WRONLY);
}

static int check_write_proc_sysrq(void)
{
	return open_path("/proc/sysrq-trigger", O_WRONLY);
}

static int check_write_sys(void)
{
	return open_path("/sys/kernel/mm/transparent_hugepage/enabled", O_WRONLY);
}

/* Pushes one space into the input of the terminal on fd 0 (ENOTTY when there is none). */
static int check_tiocsti(void)
{
	char c = ' ';
	return ret_of(ioctl(STDIN_FILENO, TIOCSTI, &c));
}

/* setns into the process's own network namespace: changes nothing, needs the call and
 * CAP_SYS_ADMIN. */
static int check_setns(void)
{
	int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	int e = ret_of(setns(fd, CLONE_NEWNET));
	close(fd);
	return e;
}

static const struct check {
	const char *name;
	int (*fn)(void);
} checks[] = {
	{ "mknod", check_mknod },
	{ "mknod-open-null", check_mknod_open_null },
	{ "mknod-open-kmsg", check_mknod_open_kmsg },
	{ "open-dev-kmsg", check_open_dev_kmsg },
	{ "open-dev-tty0", check_open_dev_tty0 },
	{ "open-dev-null", check_open_dev_null },
	{ "open-dev-zero", check_open_dev_zero },
	{ "open-dev-urandom", check_open_dev_urandom },
	{ "open-node", check_open_node },
	{ "release-agent", check_release_agent },
	{ "userns-release-agent", check_userns_release_agent },
	{ "raw-socket", check_raw_socket },
	{ "packet-socket", check_packet_socket },
	{ "mount-tmpfs", check_mount_tmpfs },
	{ "mount-proc", check_mount_proc },
	{ "mount-cgroup2", check_mount_cgroup2 },
	{ "mount-cgroup1", check_mount_cgroup1 },
	{ "fsmount-tmpfs", check_fsmount_tmpfs },
	{ "userns-mount-tmpfs", check_userns_mount_tmpfs },
	{ "userns-fsmount-tmpfs", check_userns_fsmount_tmpfs },
	{ "userns-mount-cgroup2", check_userns_mount_cgroup2 },
	{ "userns-fsmount-cgroup2", check_userns_fsmount_cgroup2 },
	{ "open-tree", check_open_tree },
	{ "unshare-user", check_unshare_user },
	{ "unshare-mnt", check_unshare_mnt },
	{ "unshare-net", check_unshare_net },
	{ "unshare-pid", check_unshare_pid },
	{ "unshare-ipc", check_unshare_ipc },
	{ "unshare-uts", check_unshare_uts },
	{ "unshare-cgroup", check_unshare_cgroup },
	{ "unshare-time", check_unshare_time },
	{ "clone-newuser", check_clone_newuser },
	{ "setns", check_setns },
	{ "io-uring", check_io_uring },
	{ "keyctl", check_keyctl },
	{ "bpf", check_bpf },
	{ "ptrace-pid1", check_ptrace_pid1 },
	{ "write-proc-sys", check_write_proc_sys },
	{ "write-proc-sysrq", check_write_proc_sysrq },
	{ "write-sys", check_write_sys },
	{ "tiocsti", check_tiocsti },
};

#define N_CHECKS (sizeof(checks) / sizeof(checks[0]))

static void run_check(const struct check *c)
{
	pid_t pid;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		printf("%s: error (pipe: %s)\n", c->name, strerrorname_np(errno));
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("%s: error (fork: %s)\n", c->name, strerrorname_np(errno));
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		close(p[0]);
		report_fd = p[1];
		int e = report(c->fn());
		_exit(e == 0 ? 0 : e > 150 ? 250 : 100 + e);
	}
	close(p[1]);
	int reported, st;
	ssize_t got = read(p[0], &reported, sizeof(reported));
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			printf("%s: error (waitpid: %s)\n", c->name, strerrorname_np(errno));
			return;
		}
	if (got == (ssize_t)sizeof(reported)) {
		if (reported == 0)
			printf("%s: allowed\n", c->name);
		else
			printf("%s: denied (%s)\n", c->name, strerrorname_np(reported) ?: "?");
	} else if (WIFSIGNALED(st))
		printf("%s: denied (SIG%s)\n", c->name, sigabbrev_np(WTERMSIG(st)) ?: "?");
	else if (WEXITSTATUS(st) == 0)
		printf("%s: allowed\n", c->name);
	else if (WEXITSTATUS(st) >= 100 && WEXITSTATUS(st) < 250)
		printf("%s: denied (%s)\n", c->name, strerrorname_np(WEXITSTATUS(st) - 100) ?: "?");
	else
		printf("%s: error (status %d)\n", c->name, WEXITSTATUS(st));
}

/* The lines of /proc/self/status that say how the process is confined. */
static void print_status(void)
{
	char line[256], capeff[32] = "?", capbnd[32] = "?", mode[8] = "?", filters[8] = "?",
	                nnp[8] = "?";
	FILE *f = fopen("/proc/self/status", "re");
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *v = strchr(line, ':');
		if (!v)
			continue;
		*v++ = '\0';
		v += strspn(v, " \t");
		if (strcmp(line, "CapEff") == 0)
			snprintf(capeff, sizeof(capeff), "%s", v);
		else if (strcmp(line, "CapBnd") == 0)
			snprintf(capbnd, sizeof(capbnd), "%s", v);
		else if (strcmp(line, "Seccomp") == 0)
			snprintf(mode, sizeof(mode), "%s", v);
		else if (strcmp(line, "Seccomp_filters") == 0)
			snprintf(filters, sizeof(filters), "%s", v);
		else if (strcmp(line, "NoNewPrivs") == 0)
			snprintf(nnp, sizeof(nnp), "%s", v);
	}
	if (f)
		fclose(f);
	printf("caps: CapEff=%s CapBnd=%s\n", capeff, capbnd);
	printf("seccomp: mode %s, %s filters\n", mode, filters);
	printf("no_new_privs: %s\n", nnp);
}

/* --status: the lines of /proc/self/status about identity and confinement, as they are, then
 * the working directory and the open fds (without the one that lists them). */
static void print_identity(void)
{
	static const char *const keys[] = { "Uid",        "Gid",     "Groups",         "CapInh",
		                            "CapPrm",     "CapEff",  "CapBnd",         "CapAmb",
		                            "NoNewPrivs", "Seccomp", "Seccomp_filters" };
	char line[512], cwd[4096];
	FILE *f = fopen("/proc/self/status", "re");
	while (f && fgets(line, sizeof(line), f)) {
		char *v = strchr(line, ':');
		if (!v)
			continue;
		*v = '\0';
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcmp(line, keys[i]) == 0)
				printf("%s:%s", line, v + 1);
	}
	if (f)
		fclose(f);
	printf("cwd: %s\n", getcwd(cwd, sizeof(cwd)) ? cwd : strerrorname_np(errno));
	fflush(stdout);
	DIR *d = opendir("/proc/self/fd");
	printf("fds:");
	for (struct dirent *e; d && (e = readdir(d));)
		if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d))
			printf(" %s", e->d_name);
	printf("\n");
	if (d)
		closedir(d);
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--status") == 0) {
		print_identity();
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < N_CHECKS; i++)
			printf("%s\n", checks[i].name);
		return 0;
	}
	for (int a = 1; a < argc; a++) {
		size_t i = 0;
		while (i < N_CHECKS && strcmp(checks[i].name, argv[a]) != 0)
			i++;
		if (i == N_CHECKS) {
			fprintf(stderr, "probe: unknown check '%s' (probe --list)\n", argv[a]);
			return 2;
		}
	}
	if (argc == 1) {
		print_status();
		for (size_t i = 0; i < N_CHECKS; i++)
			run_check(&checks[i]);
		return 0;
	}
	for (int a = 1; a < argc; a++)
		for (size_t i = 0; i < N_CHECKS; i++)
			if (strcmp(checks[i].name, argv[a]) == 0)
				run_check(&checks[i]);
	return 0;
}
