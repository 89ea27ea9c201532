#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/io.h"
#include "util/xalloc.h"

static int openat2_retry(int root_fd, const char *path, struct open_how *how)
{
	/* EAGAIN: a concurrent rename somewhere in the tree; the kernel asks us to retry. */
	for (int tries = 0; tries < 16; tries++) {
		long fd = syscall(SYS_openat2, root_fd, path[0] ? path : ".", how, sizeof(*how));

		if (fd >= 0)
			return (int)fd;
		if (errno != EAGAIN)
			break;
	}
	return -errno;
}

int rkt_open_in_root(int root_fd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	return openat2_retry(root_fd, path, &how);
}

int rkt_open_in_root_nosymlinks(int root_fd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};

	return openat2_retry(root_fd, path, &how);
}

int rkt_link_fd_at(int fd, int dir_fd, const char *name)
{
	char proc[64];

	(void)snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return linkat(AT_FDCWD, proc, dir_fd, name, AT_SYMLINK_FOLLOW) < 0 ? -errno : 0;
}

int rkt_mkdir_p_at(int dir_fd, const char *path, mode_t mode, struct rkt_error *err)
{
	_cleanup_free_ char *p = xstrdup(path);

	for (char *s = p;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		/* "" is the leading "/" of an absolute path (or an empty PATH): nothing to create. */
		if (*p && mkdirat(dir_fd, p, mode) < 0 && errno != EEXIST)
			return rkt_error_set(err, errno, "create '%s'", p);
		if (!c)
			return 0;
		*s = c;
	}
}

int rkt_write_file_atomic_at(int dir_fd, const char *name, const void *data, size_t len,
                             mode_t mode, struct rkt_error *err)
{
	const char *slash = strrchr(name, '/');
	_cleanup_free_ char *tmp =
	        slash ? xasprintf("%.*s/.%s.tmp", (int)(slash - name), name, slash + 1)
	              : xasprintf(".%s.tmp", name);
	_cleanup_close_ int fd = -EBADF;
	int r;

	fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return rkt_error_set(err, errno, "write '%s'", name);
	r = rkt_write_all(fd, data, len);
	if (r >= 0 && close(TAKE_FD(fd)) < 0)
		r = -errno;
	if (r >= 0 && renameat(dir_fd, tmp, dir_fd, name) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlinkat(dir_fd, tmp, 0);
		return rkt_error_set(err, r, "write '%s'", name);
	}
	return 0;
}

int rkt_read_fd(int fd, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			if (cap > max + 1)
				return -EFBIG;
			xgrow((void **)&buf, &cap, cap ? cap * 2 : 4096, 1);
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return -EFBIG;
	}
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	*ret = TAKE_PTR(buf);
	return 0;
}

int rkt_read_file_at(int dir_fd, const char *name, char **ret, size_t *ret_len,
                     struct rkt_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return rkt_error_set(err, errno, "open '%s'", name);
	r = rkt_read_fd(fd, RKT_SMALL_FILE_MAX, ret, ret_len);
	if (r == -EFBIG)
		return rkt_error_input(err, r, "'%s' is larger than 1 MiB", name);
	if (r < 0)
		return rkt_error_set(err, r, "read '%s'", name);
	return 0;
}

int rkt_read_in_root(int root_fd, const char *path, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = rkt_open_in_root(root_fd, path, O_RDONLY | O_NOCTTY, 0);
	struct stat st;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	return rkt_read_fd(fd, max, ret, ret_len);
}
