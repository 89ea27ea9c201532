/* Helpers shared by the stage1 entrypoints. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <link.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/cni.h"
#include "stage1.h"
#include "util/cleanup.h"
#include "util/io.h"

bool stage1_debug;

void stage1_log(const char *fmt, ...)
{
	va_list ap;
	if (!stage1_debug)
		return;
	va_start(ap, fmt);
	fputs("stage1: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void stage1_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("stage1: warning: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void stage1_warn_cb(void *userdata, const char *msg)
{
	stage1_warn("%s", msg);
}

int stage1_fail(const struct rkt_error *err)
{
	char line[sizeof(err->msg) + 128];

	fprintf(stderr, "stage1: %s\n", rkt_error_format(err, line, sizeof(line)));
	return STAGE1_EXIT_FAILURE;
}

static int parse_dns(const char *arg, struct run_opts *o, struct rkt_error *err)
{
	static const char *const names[] = { "default", "host", "stage0", "none" };
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", arg);
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		if (!eq)
			return rkt_error_set(err, EINVAL, "--dns-conf-mode: bad item \"%s\"", tok);
		*eq = '\0';
		int v = -1;
		for (int i = 0; i < 4; i++)
			if (strcmp(eq + 1, names[i]) == 0)
				v = i;
		if (strcmp(tok, "resolv") == 0 && v >= 0)
			o->resolv = (enum stage1_dns)v;
		else if (strcmp(tok, "hosts") == 0 && v >= 0 && v != STAGE1_DNS_NONE)
			o->hosts = (enum stage1_dns)v;
		else
			return rkt_error_set(err, EINVAL, "--dns-conf-mode: bad item \"%s=%s\"",
			                     tok, eq + 1);
	}
	return 0;
}

enum {
	OPT_DEBUG = 256,
	OPT_NET,
	OPT_HOSTNAME,
	OPT_INTERACTIVE,
	OPT_MDS_TOKEN,
	OPT_LOCAL_CONFIG,
	OPT_DNS_CONF_MODE,
	OPT_IPC,
	OPT_PRIVATE_USERS,
	OPT_MUTABLE,
	OPT_DISABLE_CAPS,
	OPT_DISABLE_PATHS,
	OPT_DISABLE_SECCOMP,
};

int stage1_parse_run_args(int argc, char **argv, bool fly, struct run_opts *ret,
                          struct rkt_error *err)
{
	static const struct option options[] = {
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{ "net", required_argument, NULL, OPT_NET },
		{ "hostname", required_argument, NULL, OPT_HOSTNAME },
		{ "interactive", no_argument, NULL, OPT_INTERACTIVE },
		{ "mds-token", required_argument, NULL, OPT_MDS_TOKEN },
		{ "local-config", required_argument, NULL, OPT_LOCAL_CONFIG },
		{ "dns-conf-mode", required_argument, NULL, OPT_DNS_CONF_MODE },
		{ "ipc", required_argument, NULL, OPT_IPC },
		{ "private-users", required_argument, NULL, OPT_PRIVATE_USERS },
		{ "mutable", no_argument, NULL, OPT_MUTABLE },
		{ "disable-capabilities-restriction", no_argument, NULL, OPT_DISABLE_CAPS },
		{ "disable-paths", no_argument, NULL, OPT_DISABLE_PATHS },
		{ "disable-seccomp", no_argument, NULL, OPT_DISABLE_SECCOMP },
		{ 0 },
	};
	struct run_opts o = { .net = STAGE1_NET_CNI, .net_arg = "default", .private_ipc = true };
	int c, r;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", options, NULL)) != -1) {
		switch (c) {
		case OPT_DEBUG:
			o.debug = true;
			break;
		case OPT_NET: {
			struct rkt_cni_net_arg a = { 0 };
			r = rkt_cni_net_arg_parse(optarg, &a, err);
			if (r < 0)
				return r;
			o.net = a.mode == RKT_CNI_MODE_HOST   ? STAGE1_NET_HOST
			        : a.mode == RKT_CNI_MODE_NONE ? STAGE1_NET_NONE
			                                      : STAGE1_NET_CNI;
			o.net_arg = optarg;
			rkt_cni_net_arg_release(&a);
			/* fly: always the host's network (upstream ignores --net) */
			if (fly && o.net != STAGE1_NET_HOST && strcmp(optarg, "default") != 0)
				return rkt_error_set(err, EINVAL,
				                     "--net=%s: the fly stage1 only supports host",
				                     optarg);
			break;
		}
		case OPT_HOSTNAME:
			o.hostname = optarg;
			break;
		case OPT_INTERACTIVE:
			o.interactive = true;
			break;
		case OPT_MDS_TOKEN:
			o.mds_token = optarg;
			break;
		case OPT_LOCAL_CONFIG:
			o.local_config = optarg;
			break;
		case OPT_DNS_CONF_MODE:
			r = parse_dns(optarg, &o, err);
			if (r < 0)
				return r;
			break;
		case OPT_IPC:
			if (fly)
				return rkt_error_set(err, EINVAL, "--ipc: not supported by fly");
			if (strcmp(optarg, "parent") == 0)
				o.private_ipc = false;
			else if (strcmp(optarg, "auto") == 0 || strcmp(optarg, "private") == 0)
				o.private_ipc = true;
			else
				return rkt_error_set(err, EINVAL, "--ipc=%s: bad value", optarg);
			break;
		case OPT_PRIVATE_USERS:
			if (fly)
				return rkt_error_set(err, EINVAL,
				                     "--private-users: not supported by the fly "
				                     "stage1");
			r = rkt_id_range_parse(optarg, &o.ids, err);
			if (r < 0)
				return rkt_error_wrap(err, r, "--private-users");
			o.private_users = true;
			break;
		case OPT_MUTABLE:
			return rkt_error_set(err, EINVAL,
			                     "--mutable: mutable pods are not supported by this "
			                     "stage1");
		case OPT_DISABLE_CAPS:
			o.disable_caps = true;
			break;
		case OPT_DISABLE_PATHS:
			o.disable_paths = true;
			break;
		case OPT_DISABLE_SECCOMP:
			o.disable_seccomp = true;
			break;
		default:
			return rkt_error_set(err, EINVAL, "unknown or malformed option '%s'",
			                     argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return rkt_error_set(err, EINVAL, "expected exactly one pod UUID argument");
	o.uuid = argv[optind];
	if (fly)
		o.net = STAGE1_NET_HOST;
	*ret = o;
	return 0;
}

int stage1_read_pid(int dirfd, const char *name, pid_t *ret)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char buf[32];
	ssize_t n;
	char *end;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	long v = strtol(buf, &end, 10);
	if (end == buf || (*end && *end != '\n') || v <= 0 || v > 1 << 22)
		return -EINVAL;
	*ret = (pid_t)v;
	return 0;
}

int stage1_exit_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return STAGE1_EXIT_FAILURE;
}

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux 6.3: executable on hosts with vm.memfd_noexec=1 */
#endif
#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

int stage1_reexec_sealed(char **argv, struct rkt_error *err)
{
	extern char **environ;
	_cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (self < 0 || fstat(self, &st) < 0)
		return rkt_error_set(err, errno, "/proc/self/exe");
	int seals = fcntl(self, F_GET_SEALS);
	if (seals >= 0 && (seals & SEALS) == SEALS)
		return 0; /* this is the sealed copy */
	_cleanup_close_ int fd =
	        memfd_create("rkt-stage1", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL) /* before Linux 6.3 */
		fd = memfd_create("rkt-stage1", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return rkt_error_set(err, errno, "memfd_create");
	for (off_t done = 0; done < st.st_size;) {
		ssize_t n = sendfile(fd, self, NULL, (size_t)(st.st_size - done));
		if (n <= 0)
			return rkt_error_set(err, n < 0 ? errno : EIO, "copying /proc/self/exe");
		done += n;
	}
	if (fcntl(fd, F_ADD_SEALS, SEALS) < 0)
		return rkt_error_set(err, errno, "sealing the copy of /proc/self/exe");
	syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
	return rkt_error_set(err, errno, "executing the sealed copy of /proc/self/exe");
}

int stage1_protect_exe(char **argv, struct rkt_error *err)
{
	struct statvfs sv;

	if (statvfs("/proc/self/exe", &sv) == 0 && (sv.f_flag & ST_RDONLY))
		return 0;
	return stage1_reexec_sealed(argv, err);
}

/* Only the program's own segments: the vDSO and any library have a name. */
static int release_segments(struct dl_phdr_info *info, size_t size, void *userdata)
{
	const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);

	if (info->dlpi_name && info->dlpi_name[0])
		return 0;
	for (size_t i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start, end;

		/* Writable segments hold data (and relocated RELRO): never dropped. */
		if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W))
			continue;
		start = (info->dlpi_addr + ph->p_vaddr) & ~(page - 1);
		end = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + page - 1) & ~(page - 1);
		(void)madvise((void *)start, end - start, MADV_DONTNEED);
	}
	return 1;
}

void stage1_release_readonly_pages(void)
{
	(void)dl_iterate_phdr(release_segments, NULL);
}
