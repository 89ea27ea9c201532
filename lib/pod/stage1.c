/* stage1 entrypoints and mount cleanup (docs/stage1-abi.md sections 1, 6, 7). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pod/layout.h"
#include "pod/stage1.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

void rkt_stage1_entry_release(struct rkt_stage1_entry *e)
{
	free(e->path);
	free(e->flavor);
	*e = (struct rkt_stage1_entry){ 0 };
}

bool rkt_stage1_flavor_is_fly(int dirfd, const char *path)
{
	char flavor[8];
	ssize_t n = readlinkat(dirfd, path, flavor, sizeof(flavor));
	return n == 3 && memcmp(flavor, "fly", 3) == 0;
}

/* The stage1 overlay is mounted in the namespace rkt run ran in. When that was a mount
 * namespace of its own (`unshare -m`, a unit with PrivateTmp=), ours does not have it: reach
 * the entrypoint through the root of the pod's process, whose namespace does (default flavor;
 * fly's process is chrooted into its app). */
static void through_pod_root(const struct rkt_pod *pod, struct rkt_stage1_entry *e)
{
	char link[PATH_MAX];
	pid_t pid;

	if (rkt_pod_pid(pod, &pid, NULL) < 0)
		return;
	_cleanup_free_ char *path = xasprintf("/proc/%d/root%s", (int)pid, e->path);
	if (access(path, X_OK) < 0)
		return;
	free(e->path);
	e->path = TAKE_PTR(path);
	if (!e->flavor) {
		_cleanup_free_ char *fl =
		        xasprintf("/proc/%d/root%s/stage1/rootfs/flavor", (int)pid, pod->path);
		ssize_t n = readlink(fl, link, sizeof(link) - 1);
		e->flavor = n > 0 ? xstrndup(link, (size_t)n) : NULL;
	}
}

int rkt_stage1_entry(const struct rkt_pod *pod, const char *name, struct rkt_stage1_entry *ret,
                     struct rkt_error *err)
{
	_cleanup_(rkt_image_manifest_freep) struct rkt_image_manifest *m = NULL;
	_cleanup_free_ char *buf = NULL, *key = NULL, *what = NULL;
	const char *ep, *version;
	char link[PATH_MAX];
	unsigned v = 1;
	size_t len;
	ssize_t n;
	int r;

	r = rkt_read_file_at(pod->fd, RKT_POD_STAGE1_MANIFEST, &buf, &len, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "pod '%s': stage1", pod->uuid);
	what = xasprintf("stage1 manifest of pod '%s'", pod->uuid);
	r = rkt_image_manifest_parse(buf, len, what, &m, err);
	if (r < 0)
		return r;
	key = xasprintf(RKT_STAGE1_ANNOTATION_PREFIX "%s", name);
	ep = rkt_kv_list_get(&m->annotations, key);
	if (!ep || ep[0] != '/' || strstr(ep, ".."))
		return rkt_error_input(err, ENOENT, "pod '%s': stage1 has no %s entrypoint",
		                       pod->uuid, name);
	version =
	        rkt_kv_list_get(&m->annotations, RKT_STAGE1_ANNOTATION_PREFIX "interface-version");
	if (version) {
		char *end;
		unsigned long l;

		errno = 0;
		l = strtoul(version, &end, 10);
		if (errno || *end || end == version || l == 0 || l > 1000)
			return rkt_error_set(err, EINVAL, "%s: bad interface-version '%s'", what,
			                     version);
		v = (unsigned)l;
	}
	ret->path = xasprintf("%s/" RKT_POD_STAGE1_ROOTFS "%s", pod->path, ep);
	ret->interface_version = v;
	n = readlinkat(pod->fd, RKT_POD_STAGE1_FLAVOR, link, sizeof(link) - 1);
	ret->flavor = n > 0 ? xstrndup(link, (size_t)n) : NULL;
	if (access(ret->path, X_OK) < 0 && errno == ENOENT)
		through_pod_root(pod, ret);
	return 0;
}

int rkt_stage1_call(const struct rkt_pod *pod, char *const argv[], struct rkt_error *err)
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return rkt_error_set(err, errno, "fork");
	if (pid == 0) {
		/* async-signal-safe only until exec */
		int null = open("/dev/null", O_RDONLY);

		if (null < 0 || dup2(null, 0) < 0 || dup2(2, 1) < 0 || chdir(pod->path) < 0)
			_exit(254);
		execv(argv[0], argv);
		_exit(254);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return rkt_error_set(err, errno, "wait for '%s'", argv[0]);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int rkt_stage1_exec(const char *path, char *const argv[], struct rkt_error *err)
{
	extern char **environ;
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
		                               MOUNT_ATTR_NODEV };
	/* A private, detached, read-only bind mount of the file itself (runc 1.2 does the same
	 * for its own binary): /proc/<pid>/exe of the stage1 processes leads to a file that no
	 * one can open for writing through it (EROFS), and to no directory (docs/security.md,
	 * "rkt enter"). Not attached anywhere: nothing to unmount, gone with its last user. */
	_cleanup_close_ int fd =
	        (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);

	if (fd >= 0 && syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) == 0)
		syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
	/* Before Linux 5.12 (the stage1 protects itself then, stage1/common.c), or a script,
	 * which cannot be run from a close-on-exec descriptor (ENOENT). */
	execv(path, argv);
	return rkt_error_set(err, errno, "execute stage1 '%s'", path);
}

/* Undoes the octal escapes (\040 for space, ...) of /proc/self/mountinfo fields, in place. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

static int cmp_depth(const void *a, const void *b)
{
	size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);

	return la < lb ? 1 : la > lb ? -1 : 0;
}

/* Mount points at or below ROOT, deepest (longest) first. */
static int mounts_below(const char *root, char ***ret, size_t *ret_n, struct rkt_error *err)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0, n = 0, vcap = 0, rlen = strlen(root);
	char **v = NULL;

	if (!f)
		return rkt_error_set(err, errno, "open '/proc/self/mountinfo'");
	while (getline(&line, &cap, f) > 0) {
		char *mp = NULL;

		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT ... */
		if (sscanf(line, "%*s %*s %*s %*s %ms", &mp) != 1)
			continue;
		unescape(mp);
		if (strncmp(mp, root, rlen) != 0 || (mp[rlen] != '\0' && mp[rlen] != '/')) {
			free(mp);
			continue;
		}
		xgrow((void **)&v, &vcap, n + 1, sizeof(*v));
		v[n++] = mp;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_depth);
	*ret = v;
	*ret_n = n;
	return 0;
}

int rkt_umount_below(const char *path, struct rkt_error *err)
{
	_cleanup_free_ char *root = realpath(path, NULL);
	int total = 0;

	if (!root) {
		if (errno == ENOENT)
			return 0;
		return rkt_error_set(err, errno, "resolve '%s'", path);
	}
	for (int round = 0; round < 16; round++) {
		char **v = NULL;
		size_t n = 0;
		int r, failed = 0;

		r = mounts_below(root, &v, &n, err);
		if (r < 0)
			return r;
		for (size_t i = 0; i < n; i++) {
			if (umount2(v[i], UMOUNT_NOFOLLOW) == 0 ||
			    umount2(v[i], MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
				total++;
			else if (errno != EINVAL && errno != ENOENT)
				failed = errno;
			free(v[i]);
		}
		free(v);
		if (n == 0)
			return total;
		if (failed && round == 15)
			return rkt_error_set(err, failed, "unmount below '%s'", root);
	}
	return rkt_error_set(err, EBUSY, "mounts below '%s' keep coming back", root);
}
