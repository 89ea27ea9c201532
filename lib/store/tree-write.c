/* Writing archive entries below a root directory fd without leaving it (ACI-7, REN-4). */
#include "store/tree.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "aci/archive-api.h"
#include "store/store-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

struct dir_time {
	char *rel;
	struct timespec mtime;
};

struct rkt_tree_writer {
	int root_fd;
	struct rkt_tree_write_opts opts;
	struct dir_time *dirs;
	size_t n_dirs, cap_dirs;
	uint64_t size; /* disk usage of what was written */
	/* The parent directory of the last entry: archives list a directory's entries together,
	 * so most entries need no openat2. Dropped whenever an entry replaced something, which
	 * is the only way a directory of the tree can leave its path. */
	char *parent;
	int parent_fd;
};

/* rkt_open_in_root() with the fd handed back through RET_FD: 0 or -errno. */
static int open_in_root(const struct rkt_tree_writer *w, const char *rel, int flags, int *ret_fd)
{
	int fd = w->opts.no_symlinks ? rkt_open_in_root_nosymlinks(w->root_fd, rel, flags)
	                             : rkt_open_in_root(w->root_fd, rel, flags, 0);

	if (fd < 0)
		return fd;
	*ret_fd = fd;
	return 0;
}

int rkt_tree_writer_new(int root_fd, const struct rkt_tree_write_opts *opts,
                        struct rkt_tree_writer **ret, struct rkt_error *err)
{
	struct rkt_tree_writer *w;
	int r;

	/* The entries may come from a reader that has not loaded libarchive through us. */
	r = rkt_archive_load(err);
	if (r < 0)
		return r;
	w = xzalloc(sizeof(*w));
	w->root_fd = root_fd;
	w->parent_fd = -EBADF;
	if (opts)
		w->opts = *opts;
	*ret = w;
	return 0;
}

struct rkt_tree_writer *rkt_tree_writer_free(struct rkt_tree_writer *w)
{
	if (!w)
		return NULL;
	for (size_t i = 0; i < w->n_dirs; i++)
		free(w->dirs[i].rel);
	free(w->dirs);
	free(w->parent);
	if (w->parent_fd >= 0)
		close(w->parent_fd);
	free(w);
	return NULL;
}

uint64_t rkt_tree_writer_size(const struct rkt_tree_writer *w)
{
	return w->size;
}

static void forget_parent(struct rkt_tree_writer *w)
{
	if (w->parent_fd >= 0)
		close(w->parent_fd);
	w->parent_fd = -EBADF;
	free(w->parent);
	w->parent = NULL;
}

void rkt_tree_writer_forget(struct rkt_tree_writer *w)
{
	forget_parent(w);
}

static void add_size(struct rkt_tree_writer *w, int fd)
{
	struct stat st;

	if (fstat(fd, &st) == 0)
		w->size += (uint64_t)st.st_blocks * 512;
}

/* Opens the directory REL (O_PATH), creating missing components with mode 0755 as tar does for
 * implicit parents. A component that exists and is no directory (or a dangling symlink) is an
 * error: -ENOTDIR. */
static int open_parent(const struct rkt_tree_writer *w, const char *rel, int *ret_fd)
{
	_cleanup_free_ char *prefix = NULL;
	int r;

	r = open_in_root(w, rel, O_PATH | O_DIRECTORY, ret_fd);
	if (r != -ENOENT)
		return r;

	prefix = xstrdup(rel);
	for (char *p = prefix;;) {
		char *slash = strchr(p, '/');
		_cleanup_close_ int dfd = -EBADF;

		if (slash)
			*slash = '\0';
		r = open_in_root(w, prefix, O_PATH | O_DIRECTORY, &dfd);
		if (r == -ENOENT) {
			_cleanup_close_ int pfd = -EBADF;
			char *last = strrchr(prefix, '/');
			const char *name = last ? last + 1 : prefix;

			if (last)
				*last = '\0';
			r = open_in_root(w, last ? prefix : "", O_PATH | O_DIRECTORY, &pfd);
			if (last)
				*last = '/';
			if (r < 0)
				return r;
			if (mkdirat(pfd, name, 0755) < 0 && errno != EEXIST)
				return -errno;
			r = open_in_root(w, prefix, O_PATH | O_DIRECTORY, &dfd);
			if (r == -ENOENT)
				r = -ENOTDIR; /* a dangling symlink is in the way */
		}
		if (r < 0)
			return r;
		if (!slash) {
			*ret_fd = TAKE_FD(dfd);
			return 0;
		}
		*slash = '/';
		p = slash + 1;
	}
}

/* Makes room for a new entry of type TYPE at NAME: an existing directory stays if the new entry
 * is one too; anything else, symlinks included, is removed without being followed (REN-4). */
static int make_room(int pfd, const char *name, mode_t type, bool *ret_exists,
                     struct rkt_error *err)
{
	struct stat st;

	*ret_exists = false;
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISDIR(st.st_mode) && type == AE_IFDIR) {
		*ret_exists = true;
		return 0;
	}
	if (S_ISDIR(st.st_mode))
		return rkt_rm_rf_at(pfd, name, err);
	if (unlinkat(pfd, name, 0) < 0)
		return -errno;
	return 0;
}

static int copy_data(struct archive *a, int fd, int64_t size, const char *path,
                     struct rkt_error *err)
{
	int64_t end = 0;

	for (;;) {
		const void *buf;
		size_t len;
		la_int64_t off;
		int ar = archive_read_data_block(a, &buf, &len, &off);

		if (ar == ARCHIVE_EOF)
			break;
		if (ar < ARCHIVE_WARN)
			return rkt_error_set(err, EBADMSG, "entry '%s': %s", path,
			                     archive_error_string(a) ?: "cannot read data");
		for (size_t done = 0; done < len;) {
			ssize_t n = pwrite(fd, (const char *)buf + done, len - done,
			                   (off_t)(off + (la_int64_t)done));
			if (n < 0)
				return rkt_error_set(err, errno, "entry '%s': write", path);
			done += (size_t)n;
		}
		end = off + (int64_t)len;
	}
	/* A sparse file may end in a hole. */
	if (end != size && ftruncate(fd, (off_t)size) < 0)
		return rkt_error_set(err, errno, "entry '%s': truncate", path);
	return 0;
}

/* trusted.* xattrs are the kernel's (overlayfs reads trusted.overlay.redirect, .opaque,
 * .metacopy and .origin from its layers: an image could point a file at another or hide a
 * directory) and security.* ones are the LSMs' and IMA's: neither belongs to an image, and both
 * are dropped on import. security.capability (file capabilities, limited by the app's bounding
 * set) is kept, as docker and tar --xattrs do. */
bool rkt_tree_xattr_allowed(const char *name)
{
	if (strncmp(name, "trusted.", 8) == 0)
		return false;
	if (strncmp(name, "security.", 9) == 0)
		return strcmp(name, "security.capability") == 0;
	return true;
}

static int set_xattrs(int fd, struct archive_entry *e, const char *path, struct rkt_error *err)
{
	const char *name;
	const void *value;
	size_t size;

	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		if (!rkt_tree_xattr_allowed(name))
			continue;
		/* A file system without xattr support loses them, as tar does. */
		if (fsetxattr(fd, name, value, size, 0) < 0 && errno != EOPNOTSUPP)
			return rkt_error_set(err, errno, "entry '%s': set xattr '%s'", path, name);
	}
	return 0;
}

/* Owner, mode, xattrs and (except for directories) mtime of an opened file or directory. */
static int set_meta_fd(struct rkt_tree_writer *w, int fd, struct archive_entry *e, bool is_dir,
                       const char *path, struct rkt_error *err)
{
	int r;

	/* chown before chmod: chown clears set-user-ID bits. */
	if (w->opts.keep_owner &&
	    fchown(fd, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e)) < 0)
		return rkt_error_set(err, errno, "entry '%s': chown", path);
	if (fchmod(fd, archive_entry_perm(e) & 07777) < 0)
		return rkt_error_set(err, errno, "entry '%s': chmod", path);
	r = set_xattrs(fd, e, path, err);
	if (r < 0)
		return r;
	if (!is_dir) {
		struct timespec ts[2] = {
			{ .tv_nsec = UTIME_OMIT },
			{ archive_entry_mtime(e), archive_entry_mtime_nsec(e) },
		};
		if (futimens(fd, ts) < 0)
			return rkt_error_set(err, errno, "entry '%s': set mtime", path);
	}
	return 0;
}

/* Metadata of something that cannot be opened for writing (symlink, FIFO, device). */
static int set_meta_at(struct rkt_tree_writer *w, int pfd, const char *name,
                       struct archive_entry *e, bool is_symlink, const char *path,
                       struct rkt_error *err)
{
	struct timespec ts[2] = {
		{ .tv_nsec = UTIME_OMIT },
		{ archive_entry_mtime(e), archive_entry_mtime_nsec(e) },
	};

	if (w->opts.keep_owner && fchownat(pfd, name, (uid_t)archive_entry_uid(e),
	                                   (gid_t)archive_entry_gid(e), AT_SYMLINK_NOFOLLOW) < 0)
		return rkt_error_set(err, errno, "entry '%s': chown", path);
	/* We created NAME ourselves in a private tree; only symlinks need care (no chmod). */
	if (!is_symlink && fchmodat(pfd, name, archive_entry_perm(e) & 07777, 0) < 0)
		return rkt_error_set(err, errno, "entry '%s': chmod", path);
	if (utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return rkt_error_set(err, errno, "entry '%s': set mtime", path);
	return 0;
}

static int put_dir(struct rkt_tree_writer *w, int pfd, const char *name, const char *rel,
                   struct archive_entry *e, bool exists, const char *path, struct rkt_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (!exists && mkdirat(pfd, name, 0700) < 0)
		return errno == EEXIST ? -EEXIST
		                       : rkt_error_set(err, errno, "entry '%s': mkdir", path);
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return rkt_error_set(err, errno, "entry '%s': open directory", path);
	r = set_meta_fd(w, fd, e, true, path, err);
	if (r < 0)
		return r;
	if (!exists)
		add_size(w, fd);
	rkt_tree_writer_remember_dir(
	        w, rel, &(struct timespec){ archive_entry_mtime(e), archive_entry_mtime_nsec(e) });
	return 0;
}

void rkt_tree_writer_remember_dir(struct rkt_tree_writer *w, const char *rel,
                                  const struct timespec *mtime)
{
	xgrow((void **)&w->dirs, &w->cap_dirs, w->n_dirs + 1, sizeof(*w->dirs));
	w->dirs[w->n_dirs++] = (struct dir_time){ .rel = xstrdup(rel), .mtime = *mtime };
}

static int put_file(struct rkt_tree_writer *w, int pfd, const char *name, struct archive *a,
                    struct archive_entry *e, const char *path, struct rkt_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? -EEXIST
		                       : rkt_error_set(err, errno, "entry '%s': create", path);
	r = copy_data(a, fd, archive_entry_size(e), path, err);
	if (r < 0)
		return r;
	r = set_meta_fd(w, fd, e, false, path, err);
	if (r < 0)
		return r;
	add_size(w, fd);
	return 0;
}

static int put_hardlink(const struct rkt_tree_writer *w, int pfd, const char *name,
                        const char *link_rel, const char *path, struct rkt_error *err)
{
	_cleanup_close_ int tfd = -EBADF;
	_cleanup_free_ char *tparent = xstrdup(link_rel);
	char *slash = strrchr(tparent, '/');
	const char *tname = slash ? slash + 1 : tparent;
	int r;

	if (slash)
		*slash = '\0';
	if (!tname[0] || strcmp(tname, ".") == 0 || strcmp(tname, "..") == 0)
		return rkt_error_set(err, EINVAL, "entry '%s': bad hard link target", path);
	r = open_in_root(w, slash ? tparent : "", O_PATH | O_DIRECTORY, &tfd);
	if (r < 0)
		return rkt_error_set(err, r, "entry '%s': hard link target '%s'", path, link_rel);
	/* No AT_SYMLINK_FOLLOW: a link to a symlink links the symlink, as tar does. */
	if (linkat(tfd, tname, pfd, name, 0) < 0)
		return errno == EEXIST ? -EEXIST
		                       : rkt_error_set(err, errno, "entry '%s': hard link to '%s'",
		                                       path, link_rel);
	return 0;
}

static int put_node(struct rkt_tree_writer *w, int pfd, const char *name, struct archive_entry *e,
                    mode_t type, const char *path, struct rkt_error *err)
{
	if (type == AE_IFIFO) {
		if (mkfifoat(pfd, name, 0600) < 0)
			return errno == EEXIST
			               ? -EEXIST
			               : rkt_error_set(err, errno, "entry '%s': mkfifo", path);
	} else {
		if (!w->opts.allow_devices)
			return rkt_error_input(err, EPERM,
			                       "entry '%s': device nodes are not allowed", path);
		if (mknodat(pfd, name, (type == AE_IFCHR ? S_IFCHR : S_IFBLK) | 0600,
		            archive_entry_rdev(e)) < 0)
			return errno == EEXIST
			               ? -EEXIST
			               : rkt_error_set(err, errno, "entry '%s': mknod", path);
	}
	return set_meta_at(w, pfd, name, e, false, path, err);
}

/* Creates the entry at NAME in PFD; -EEXIST (nothing consumed, ERR untouched) if something is
 * in the way. EXISTS: NAME is a directory to keep (only its metadata is set). */
static int put_entry(struct rkt_tree_writer *w, int pfd, const char *name, const char *rel,
                     struct archive *a, struct archive_entry *entry, mode_t type,
                     const char *link_rel, bool exists, const char *path, struct rkt_error *err)
{
	if (link_rel)
		return put_hardlink(w, pfd, name, link_rel, path, err);
	switch (type) {
	case AE_IFDIR:
		return put_dir(w, pfd, name, rel, entry, exists, path, err);
	case AE_IFREG:
		return put_file(w, pfd, name, a, entry, path, err);
	case AE_IFLNK: {
		const char *target = archive_entry_symlink(entry);

		if (!target)
			return rkt_error_set(err, EINVAL, "entry '%s': symlink", path);
		if (symlinkat(target, pfd, name) < 0)
			return errno == EEXIST
			               ? -EEXIST
			               : rkt_error_set(err, errno, "entry '%s': symlink", path);
		return set_meta_at(w, pfd, name, entry, true, path, err);
	}
	case AE_IFIFO:
	case AE_IFCHR:
	case AE_IFBLK:
		return put_node(w, pfd, name, entry, type, path, err);
	default:
		return rkt_error_set(err, EINVAL, "entry '%s': unsupported file type", path);
	}
}

/* The parent directory PARENT ("" for the root), from the cache or opened (and cached). */
static int get_parent(struct rkt_tree_writer *w, const char *parent, int *ret_fd)
{
	int fd = -EBADF, r;

	if (w->parent && strcmp(w->parent, parent) == 0) {
		*ret_fd = w->parent_fd;
		return 0;
	}
	r = open_parent(w, parent, &fd);
	if (r < 0)
		return r;
	forget_parent(w);
	w->parent = xstrdup(parent);
	w->parent_fd = fd;
	*ret_fd = fd;
	return 0;
}

int rkt_tree_writer_put(struct rkt_tree_writer *w, struct archive *a, struct archive_entry *entry,
                        const char *rel, const char *link_rel, struct rkt_error *err)
{
	const char *path = archive_entry_pathname(entry) ?: "?";
	mode_t type = archive_entry_filetype(entry);
	_cleanup_free_ char *parent = NULL;
	const char *name;
	bool exists = false;
	int pfd = -EBADF, r;

	if (!rel[0]) {
		/* The root directory itself: only its metadata. */
		if (type != AE_IFDIR)
			return rkt_error_set(err, EINVAL, "entry '%s': not a directory", path);
		return put_dir(w, w->root_fd, ".", "", entry, true, path, err);
	}
	if (type == AE_IFCHR || type == AE_IFBLK) {
		if (!w->opts.allow_devices)
			return rkt_error_input(err, EPERM,
			                       "entry '%s': device nodes are not allowed", path);
	}

	parent = xstrdup(rel);
	char *slash = strrchr(parent, '/');
	name = slash ? slash + 1 : rel;
	if (slash)
		*slash = '\0';
	if (!name[0] || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return rkt_error_set(err, EINVAL, "entry '%s': bad name", path);

	r = get_parent(w, slash ? parent : "", &pfd);
	if (r == -ENOTDIR || r == -ELOOP)
		return rkt_error_set(err, EINVAL,
		                     "entry '%s': parent '%s' is not a directory inside the image",
		                     path, parent);
	if (r < 0)
		return rkt_error_set(err, r, "entry '%s': parent directory", path);
	if (link_rel)
		type = 0; /* a hard link replaces whatever is there, like a file */

	/* Create first: in a new tree nothing is in the way, and checking costs a syscall. */
	r = put_entry(w, pfd, name, rel, a, entry, type, link_rel, false, path, err);
	if (r != -EEXIST)
		return r;
	r = make_room(pfd, name, type, &exists, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "entry '%s': replace existing", path);
	r = put_entry(w, pfd, name, rel, a, entry, type, link_rel, exists, path, err);
	/* Something was removed: a cached directory may have been it, or below it. */
	if (!exists)
		forget_parent(w);
	if (r == -EEXIST)
		return rkt_error_set(err, EEXIST, "entry '%s': replace existing", path);
	return r;
}

int rkt_tree_writer_finish(struct rkt_tree_writer *w, struct rkt_error *err)
{
	/* In the order written, so that of a directory listed by several layers the last one's
	 * mtime stays (REN-4). The order of parents and children does not matter: setting a
	 * directory's mtime does not change its parent's contents. */
	for (size_t i = 0; i < w->n_dirs; i++) {
		_cleanup_close_ int fd = -EBADF;
		struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, w->dirs[i].mtime };
		int r = open_in_root(w, w->dirs[i].rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, &fd);

		if (r == -ENOENT || r == -ENOTDIR || r == -ELOOP)
			continue; /* replaced by a later entry */
		if (r < 0)
			return rkt_error_set(err, r, "directory '%s'", w->dirs[i].rel);
		if (futimens(fd, ts) < 0)
			return rkt_error_set(err, errno, "directory '%s': set mtime",
			                     w->dirs[i].rel);
	}
	return 0;
}
