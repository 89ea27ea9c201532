/* User namespaces and idmapped mounts (see userns.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "isolate/userns.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

int rkt_id_range_parse(const char *s, struct rkt_id_range *ret, struct rkt_error *err)
{
	char *end;
	unsigned long long base, count;

	errno = 0;
	base = strtoull(s, &end, 10);
	if (errno || end == s || *end != ':' || s[0] == '-')
		goto bad;
	const char *c = end + 1;
	count = strtoull(c, &end, 10);
	if (errno || end == c || (*end && *end != '\n') || c[0] == '-')
		goto bad;
	if (base == 0 || count == 0 || base + count > UINT32_MAX)
		goto bad;
	*ret = (struct rkt_id_range){ .base = (uint32_t)base, .count = (uint32_t)count };
	return 0;
bad:
	return rkt_error_set(err, EINVAL, "id range '%.*s' is not BASE:COUNT of host ids",
	                     (int)strcspn(s, "\n"), s);
}

bool rkt_id_ranges_overlap(const struct rkt_id_range *a, const struct rkt_id_range *b)
{
	return (uint64_t)a->base < (uint64_t)b->base + b->count &&
	       (uint64_t)b->base < (uint64_t)a->base + a->count;
}

void rkt_userns_close(struct rkt_userns *ns)
{
	int *fds[] = { &ns->user, &ns->uts, &ns->ipc, &ns->net };
	for (size_t i = 0; i < ELEMENTSOF(fds); i++) {
		if (*fds[i] >= 0)
			(void)close(*fds[i]);
		*fds[i] = -EBADF;
	}
}

/* INVERSE: the range's ids inside are 0.. outside (for showing its files as the pod sees them) */
static int write_map(pid_t pid, const char *file, const struct rkt_id_range *r, bool inverse)
{
	char path[64], line[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	int n = snprintf(line, sizeof(line), "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n",
	                 inverse ? r->base : 0, inverse ? 0 : r->base, r->count);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, line, (size_t)n) != n)
		return -errno;
	return 0;
}

static int open_ns(pid_t pid, const char *name, int *ret)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, name);
	*ret = open(path, O_RDONLY | O_CLOEXEC);
	return *ret < 0 ? -errno : 0;
}

static int create(const struct rkt_id_range *r, bool inverse, int flags, struct rkt_userns *ret,
                  struct rkt_error *err)
{
	struct rkt_userns ns = { -EBADF, -EBADF, -EBADF, -EBADF };
	int go[2], ready[2], ws, rv = 0;
	char b = 0;

	if (flags & ~(CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET))
		return rkt_error_set(err, EINVAL, "rkt_userns_create: unsupported flags");
	if (pipe2(go, O_CLOEXEC) < 0)
		return rkt_error_set(err, errno, "pipe");
	if (pipe2(ready, O_CLOEXEC) < 0) {
		rv = -errno;
		close(go[0]);
		close(go[1]);
		return rkt_error_set(err, -rv, "pipe");
	}
	pid_t pid = fork();
	if (pid == 0) {
		/* System calls only: report whether unshare worked, wait for the maps. */
		close(go[1]);
		close(ready[0]);
		b = unshare(CLONE_NEWUSER | flags) < 0 ? (char)errno : 0;
		(void)!write(ready[1], &b, 1);
		(void)!read(go[0], &b, 1);
		_exit(0);
	}
	close(go[0]);
	close(ready[1]);
	if (pid < 0) {
		rv = rkt_error_set(err, errno, "fork");
		goto out;
	}
	if (read(ready[0], &b, 1) != 1 || b) {
		rv = rkt_error_set(err, b ? b : EIO, "making a user namespace");
		goto out;
	}
	/* Written by the host's root: setgroups stays allowed inside. */
	if ((rv = write_map(pid, "uid_map", r, inverse)) < 0 ||
	    (rv = write_map(pid, "gid_map", r, inverse)) < 0) {
		rv = rkt_error_set(err, -rv, "writing the id map %" PRIu32 ":%" PRIu32, r->base,
		                   r->count);
		goto out;
	}
	if ((rv = open_ns(pid, "user", &ns.user)) < 0 ||
	    ((flags & CLONE_NEWUTS) && (rv = open_ns(pid, "uts", &ns.uts)) < 0) ||
	    ((flags & CLONE_NEWIPC) && (rv = open_ns(pid, "ipc", &ns.ipc)) < 0) ||
	    ((flags & CLONE_NEWNET) && (rv = open_ns(pid, "net", &ns.net)) < 0))
		rv = rkt_error_set(err, -rv, "opening the pod's namespaces");
out:
	close(go[1]); /* the child exits */
	close(ready[0]);
	if (pid > 0)
		while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
			;
	if (rv < 0) {
		rkt_userns_close(&ns);
		return rv;
	}
	*ret = ns;
	return 0;
}

int rkt_userns_create(const struct rkt_id_range *r, int flags, struct rkt_userns *ret,
                      struct rkt_error *err)
{
	return create(r, false, flags, ret, err);
}

int rkt_userns_create_inverse(const struct rkt_id_range *r, struct rkt_userns *ret,
                              struct rkt_error *err)
{
	return create(r, true, 0, ret, err);
}

int rkt_userns_join_owned(const struct rkt_userns *ns, struct rkt_error *err)
{
	const struct {
		int fd, type;
		const char *name;
	} v[] = { { ns->uts, CLONE_NEWUTS, "uts" },
		  { ns->ipc, CLONE_NEWIPC, "ipc" },
		  { ns->net, CLONE_NEWNET, "net" } };
	for (size_t i = 0; i < ELEMENTSOF(v); i++)
		if (v[i].fd >= 0 && setns(v[i].fd, v[i].type) < 0)
			return rkt_error_set(err, errno, "joining the pod's %s namespace",
			                     v[i].name);
	return 0;
}

int rkt_userns_enter(int userns_fd)
{
	if (setns(userns_fd, CLONE_NEWUSER) < 0)
		return -errno;
	/* Our ids are the host's root, unmapped here: become the namespace's root. */
	if (syscall(SYS_setgroups, 0, NULL) < 0 || syscall(SYS_setresgid, 0, 0, 0) < 0 ||
	    syscall(SYS_setresuid, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

/* WHAT names PATH in messages. */
static int idmapped_clone(const char *path, const char *what, int userns_fd, int *ret,
                          struct rkt_error *err)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns_fd };
	_cleanup_close_ int fd =
	        (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fd < 0)
		return rkt_error_set(err, errno, "cloning the mount of '%s'", path);
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
		int e = errno;
		return rkt_error_input(err, e == EINVAL || e == EPERM ? EOPNOTSUPP : e,
		                       "--private-users: the filesystem of %s cannot be idmapped "
		                       "(%s); overlay needs idmapped mounts (Linux 5.19 or later "
		                       "and a filesystem that has them), or use --no-overlay",
		                       what, strerrorname_np(e) ?: "error");
	}
	*ret = TAKE_FD(fd);
	return 0;
}

int rkt_idmap_bind(const char *path, const char *target, int userns_fd, struct rkt_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *what = xasprintf("'%s'", path);
	int r = idmapped_clone(path, what, userns_fd, &fd, err);
	if (r < 0)
		return r;
	if (syscall(SYS_move_mount, fd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return rkt_error_set(err, errno, "attaching the idmapped mount of '%s' at '%s'",
		                     path, target);
	return 0;
}

int rkt_idmap_probe(const char *const *paths, const char *const *whats, size_t n,
                    struct rkt_error *err)
{
	struct rkt_userns ns;
	int r = rkt_userns_create(&(struct rkt_id_range){ .base = 0xfffe0000u, .count = 1 }, 0, &ns,
	                          err);
	if (r < 0)
		return rkt_error_input(err, EOPNOTSUPP,
		                       "--private-users: this kernel cannot make user namespaces "
		                       "(%s)",
		                       strerror(-r));
	dev_t *seen = xmalloc_array(n + 1, sizeof(*seen));
	size_t n_seen = 0;
	for (size_t i = 0; i < n && r >= 0; i++) {
		struct stat st;
		bool done = false;
		if (stat(paths[i], &st) < 0) {
			r = rkt_error_set(err, errno, "%s", whats[i]);
			break;
		}
		for (size_t j = 0; j < n_seen; j++)
			done |= seen[j] == st.st_dev;
		if (done)
			continue; /* one clone per filesystem */
		_cleanup_close_ int fd = -EBADF;
		r = idmapped_clone(paths[i], whats[i], ns.user, &fd, err);
		seen[n_seen++] = st.st_dev;
	}
	free(seen);
	rkt_userns_close(&ns);
	return r;
}
