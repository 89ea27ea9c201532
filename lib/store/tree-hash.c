/* Hashing and removing directory trees with directory fds only (never following symlinks). */
#include "store/tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/xalloc.h"

struct names {
	char **v;
	size_t n, cap;
};

static void names_release(struct names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of the directory FD (borrowed), sorted by name. */
static int read_names(int fd, struct names *ret)
{
	_cleanup_closedir_ DIR *d = NULL;
	int dfd = dup(fd);
	struct dirent *de;

	if (dfd < 0)
		return -errno;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -errno;
	}
	rewinddir(d);
	while ((errno = 0, de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		xgrow((void **)&ret->v, &ret->cap, ret->n + 1, sizeof(*ret->v));
		ret->v[ret->n++] = xstrdup(de->d_name);
	}
	if (errno)
		return -errno;
	if (ret->n)
		qsort(ret->v, ret->n, sizeof(*ret->v), cmp_str);
	return 0;
}

int rkt_rm_rf_at(int dir_fd, const char *name, struct rkt_error *err)
{
	struct names names = { 0 };
	_cleanup_close_ int fd = -EBADF;
	struct stat st;
	int r = 0;

	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : rkt_error_set(err, errno, "remove '%s'", name);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dir_fd, name, 0) < 0 && errno != ENOENT)
			return rkt_error_set(err, errno, "remove '%s'", name);
		return 0;
	}
	fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == EACCES) {
		/* A directory with mode 0 from an image, when we are not root. */
		(void)fchmodat(dir_fd, name, 0700, 0);
		fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return errno == ENOENT ? 0 : rkt_error_set(err, errno, "remove '%s'", name);
	r = read_names(fd, &names);
	if (r < 0)
		rkt_error_set(err, r, "remove '%s': read directory", name);
	for (size_t i = 0; r >= 0 && i < names.n; i++) {
		r = rkt_rm_rf_at(fd, names.v[i], err);
		if (r < 0)
			rkt_error_wrap(err, r, "remove '%s'", name);
	}
	names_release(&names);
	if (r < 0)
		return r;
	if (unlinkat(dir_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return rkt_error_set(err, errno, "remove '%s'", name);
	return 0;
}

static void hash_xattrs(struct rkt_sha512 *h, int fd)
{
	char list[4096];
	ssize_t n = flistxattr(fd, list, sizeof(list));
	struct names names = { 0 };

	for (ssize_t off = 0; n > 0 && off < n; off += (ssize_t)strlen(list + off) + 1) {
		xgrow((void **)&names.v, &names.cap, names.n + 1, sizeof(*names.v));
		names.v[names.n++] = xstrdup(list + off);
	}
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	for (size_t i = 0; i < names.n; i++) {
		char value[4096];
		ssize_t len = fgetxattr(fd, names.v[i], value, sizeof(value));

		rkt_sha512_update(h, names.v[i], strlen(names.v[i]) + 1);
		if (len > 0)
			rkt_sha512_update(h, value, (size_t)len);
		rkt_sha512_update(h, "\n", 1);
	}
	names_release(&names);
}

static int hash_content(struct rkt_sha512 *h, int fd)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		rkt_sha512_update(h, buf, (size_t)n);
	return n < 0 ? -errno : 0;
}

static int hash_entry(struct rkt_sha512 *h, int dir_fd, const char *name, const char *rel,
                      uint64_t *size, unsigned depth, struct rkt_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	char line[256];
	struct stat st;
	int r;

	if (depth > 4096)
		return rkt_error_set(err, ELOOP, "'%s': tree too deep", rel);
	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return rkt_error_set(err, errno, "'%s'", rel);
	*size += (uint64_t)st.st_blocks * 512;
	(void)snprintf(line, sizeof(line), "%o %u %u %" PRId64 " %" PRId64 ".%09ld %" PRIu64 "\n",
	               (unsigned)st.st_mode, (unsigned)st.st_uid, (unsigned)st.st_gid,
	               (int64_t)st.st_size, (int64_t)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
	               (uint64_t)(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? st.st_rdev : 0));
	rkt_sha512_update(h, rel, strlen(rel) + 1);
	rkt_sha512_update(h, line, strlen(line));

	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(dir_fd, name, target, sizeof(target));

		if (n < 0)
			return rkt_error_set(err, errno, "'%s': readlink", rel);
		rkt_sha512_update(h, target, (size_t)n);
		return 0;
	}
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return 0;
	fd = openat(dir_fd, name,
	            O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	                    (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0));
	if (fd < 0)
		return rkt_error_set(err, errno, "'%s': open", rel);
	hash_xattrs(h, fd);
	if (S_ISREG(st.st_mode)) {
		r = hash_content(h, fd);
		return r < 0 ? rkt_error_set(err, r, "'%s': read", rel) : 0;
	}

	struct names names = { 0 };
	r = read_names(fd, &names);
	if (r < 0)
		rkt_error_set(err, r, "'%s': read directory", rel);
	for (size_t i = 0; r >= 0 && i < names.n; i++) {
		_cleanup_free_ char *sub = xasprintf("%s/%s", rel, names.v[i]);

		r = hash_entry(h, fd, names.v[i], sub, size, depth + 1, err);
	}
	names_release(&names);
	return r;
}

int rkt_tree_hash(int dir_fd, char ret[RKT_IMAGE_ID_SIZE], uint64_t *ret_size,
                  struct rkt_error *err)
{
	_cleanup_(rkt_sha512_freep) struct rkt_sha512 *h = rkt_sha512_new();
	uint64_t size = 0;
	int r;

	r = hash_entry(h, dir_fd, ".", "", &size, 0, err);
	if (r < 0)
		return r;
	rkt_sha512_final_id(h, ret);
	if (ret_size)
		*ret_size = size;
	return 0;
}
