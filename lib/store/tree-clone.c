/* Cloning a rendered tree with hard links: the start of the tree of a container image whose
 * lower layers are exactly another stored image's (docs/store.md, "Layers").
 *
 * Directories are made anew with the source's owner, mode, xattrs and mtime; every other entry
 * is hard-linked, so that a 300 MB base costs one link per file instead of its bytes. That is
 * safe because a stored tree is never written in place: pods see it through overlayfs as a
 * read-only lower layer or copy it (--no-overlay), and the tree writer replaces an existing
 * entry by unlinking it (make_room), never by writing through it, so an upper layer applied to
 * the clone cannot reach the source. The destination is a private work directory that only
 * directories made here lead through, so paths relative to its fd need no further checks. */
#include "store/tree.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/xalloc.h"

struct clone {
	int dst_fd;
	bool root; /* may set owners */
	struct rkt_tree_writer *w;
	char *xattr_names;
	size_t xattr_cap;
	void *value;
	size_t value_cap;
};

/* "" for the top, else the path relative to the destination ("/a/b" -> "a/b"). */
static const char *rel_of(const struct rkt_walk_entry *e)
{
	return e->path[0] ? e->path + 1 : ".";
}

/* The xattrs of SRC_FD onto directory REL of the copy, which is opened only if there are any
 * (rare: most trees have none). */
static int copy_xattrs(struct clone *c, int src_fd, const char *rel, struct rkt_error *err)
{
	_cleanup_close_ int dst = -EBADF;
	ssize_t len;

	for (;;) {
		len = flistxattr(src_fd, c->xattr_names, c->xattr_cap);
		if (len >= 0)
			break;
		if (errno == EOPNOTSUPP)
			return 0;
		if (errno != ERANGE)
			return rkt_error_set(err, errno, "'%s': list xattrs", rel);
		len = flistxattr(src_fd, NULL, 0);
		if (len < 0)
			return rkt_error_set(err, errno, "'%s': list xattrs", rel);
		xgrow((void **)&c->xattr_names, &c->xattr_cap, (size_t)len + 1, 1);
	}
	if (len > 0) {
		dst = openat(c->dst_fd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dst < 0)
			return rkt_error_set(err, errno, "'%s': open the copy", rel);
	}
	for (ssize_t off = 0; off < len; off += (ssize_t)strlen(c->xattr_names + off) + 1) {
		const char *name = c->xattr_names + off;
		ssize_t n;

		/* What the file system or an LSM added (security.selinux) is not the image's. */
		if (!rkt_tree_xattr_allowed(name))
			continue;

		while ((n = fgetxattr(src_fd, name, c->value, c->value_cap)) < 0 &&
		       errno == ERANGE) {
			n = fgetxattr(src_fd, name, NULL, 0);
			if (n < 0)
				break;
			xgrow(&c->value, &c->value_cap, (size_t)n + 1, 1);
		}
		if (n < 0)
			return rkt_error_set(err, errno, "'%s': read xattr '%s'", rel, name);
		if (fsetxattr(dst, name, c->value, (size_t)n, 0) < 0 && errno != EOPNOTSUPP)
			return rkt_error_set(err, errno, "'%s': set xattr '%s'", rel, name);
	}
	return 0;
}

/* After the directory's entries are in: xattrs while it is still writable, owner before mode
 * (chown clears set-id bits), the mtime last, as nothing changes the directory after it. By path
 * below the copy's root: only directories made here lead there. */
static int finish_dir(struct clone *c, const struct rkt_walk_entry *e, struct rkt_error *err)
{
	const char *rel = rel_of(e);
	const struct stat *st = e->st;
	struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, st->st_mtim };
	int r = copy_xattrs(c, e->fd, rel, err);

	if (r < 0)
		return r;
	if (c->root && fchownat(c->dst_fd, rel, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return rkt_error_set(err, errno, "'%s': set owner", rel);
	if (fchmodat(c->dst_fd, rel, st->st_mode & 07777, 0) < 0)
		return rkt_error_set(err, errno, "'%s': set mode", rel);
	/* A writer that goes on sets it when it finishes, after its own entries. */
	if (c->w && e->depth > 0)
		rkt_tree_writer_remember_dir(c->w, rel, &st->st_mtim);
	else if (utimensat(c->dst_fd, rel, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return rkt_error_set(err, errno, "'%s': set mtime", rel);
	return 0;
}

static int clone_one(void *userdata, enum rkt_walk_event ev, const struct rkt_walk_entry *e,
                     struct rkt_error *err)
{
	struct clone *c = userdata;

	switch (ev) {
	case RKT_WALK_DIR_PRE:
		/* 0700 until its entries are in: the source may be mode 0. */
		if (e->depth > 0 && mkdirat(c->dst_fd, rel_of(e), 0700) < 0)
			return rkt_error_set(err, errno, "'%s': make directory", rel_of(e));
		return 0;
	case RKT_WALK_DIR_POST:
		return finish_dir(c, e, err);
	case RKT_WALK_ENTRY:
		if (linkat(e->parent_fd, e->name, c->dst_fd, rel_of(e), 0) < 0)
			return rkt_error_set(err, errno, "'%s': link", rel_of(e));
		return 0;
	}
	return 0;
}

int rkt_tree_clone_links(int src_dir_fd, const char *src, int dst_fd, struct rkt_tree_writer *w,
                         struct rkt_error *err)
{
	/* Never of size 0: that would ask for the size instead of the data. */
	struct clone c = { .dst_fd = dst_fd,
		           .root = geteuid() == 0,
		           .w = w,
		           .xattr_names = xmalloc(1024),
		           .xattr_cap = 1024,
		           .value = xmalloc(4096),
		           .value_cap = 4096 };
	/* Files need no lstat: a link takes their metadata along. */
	int r = rkt_walk(src_dir_fd, src, RKT_WALK_TYPE_ONLY, clone_one, &c, err);

	free(c.xattr_names);
	free(c.value);
	return r;
}
