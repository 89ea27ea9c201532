/* Hashing directory trees with directory fds only (never following symlinks), through the
 * iterative walk of util/walk.h. */
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
#include "util/walk.h"
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

struct hash_ctx {
	struct rkt_sha512 *h;
	uint64_t size;
};

/* Each entry: its path ("" for the top, "/a/b" below), a line of metadata, then the link
 * target, or the xattrs and the content. */
static int hash_one(void *userdata, enum rkt_walk_event ev, const struct rkt_walk_entry *e,
                    struct rkt_error *err)
{
	struct hash_ctx *c = userdata;
	const struct stat *st = e->st;
	_cleanup_close_ int fd = -EBADF;
	char line[256];
	int r;

	if (ev == RKT_WALK_DIR_POST)
		return 0;
	c->size += (uint64_t)st->st_blocks * 512;
	(void)snprintf(line, sizeof(line), "%o %u %u %" PRId64 " %" PRId64 ".%09ld %" PRIu64 "\n",
	               (unsigned)st->st_mode, (unsigned)st->st_uid, (unsigned)st->st_gid,
	               (int64_t)st->st_size, (int64_t)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
	               (uint64_t)(S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode) ? st->st_rdev : 0));
	rkt_sha512_update(c->h, e->path, e->path_len + 1);
	rkt_sha512_update(c->h, line, strlen(line));

	if (S_ISLNK(st->st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(e->parent_fd, e->name, target, sizeof(target));

		if (n < 0)
			return rkt_error_set(err, errno, "'%s': readlink", e->path);
		rkt_sha512_update(c->h, target, (size_t)n);
		return 0;
	}
	if (ev == RKT_WALK_DIR_PRE) {
		hash_xattrs(c->h, e->fd);
		return 0;
	}
	if (!S_ISREG(st->st_mode))
		return 0;
	fd = openat(e->parent_fd, e->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return rkt_error_set(err, errno, "'%s': open", e->path);
	hash_xattrs(c->h, fd);
	r = hash_content(c->h, fd);
	return r < 0 ? rkt_error_set(err, r, "'%s': read", e->path) : 0;
}

int rkt_tree_hash(int dir_fd, char ret[RKT_IMAGE_ID_SIZE], uint64_t *ret_size,
                  struct rkt_error *err)
{
	_cleanup_(rkt_sha512_freep) struct rkt_sha512 *h = rkt_sha512_new();
	struct hash_ctx c = { .h = h };
	int r;

	r = rkt_walk(dir_fd, ".", 0, hash_one, &c, err);
	if (r < 0)
		return r;
	rkt_sha512_final_id(h, ret);
	if (ret_size)
		*ret_size = c.size;
	return 0;
}
