#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "aci/archive-api.h"
#include "aci/aci-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strset.h"
#include "util/walk.h"
#include "util/xalloc.h"

struct builder {
	struct aci_sink sink;
	const struct rkt_aci_build_opts *opts;
	const char *dir;
	struct rkt_strset *inodes; /* "dev:ino" -> index into links */
	char **links;
	size_t n_links, cap_links;
	char path[ACI_MAX_NAME + 1]; /* archive path of the current entry */
	size_t path_len;
	uint8_t *buf;
	char *xattr_names;
	size_t xattr_names_size;
	uint8_t *xattr_value;
	size_t xattr_value_size;
};

static int build_fail(struct builder *b, int code, const char *what, struct rkt_error *err)
{
	char buf[256];

	return rkt_error_set(err, code, "build '%s': '%s': %s", b->sink.out,
	                     aci_printable(b->path, buf, sizeof(buf)), what);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ACI-16: entries in lexical order, so that the same tree always gives the same bytes. */
static int list_dir(DIR *d, char ***ret, size_t *ret_n)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;

	errno = 0;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		xgrow((void **)&names, &cap, n + 1, sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	if (errno != 0) {
		int r = -errno;

		strv_free(names, n);
		return r;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	*ret = names;
	*ret_n = n;
	return 0;
}

static int add_xattrs(struct builder *b, struct archive_entry *e, int fd, const char *lpath,
                      struct rkt_error *err)
{
	ssize_t n;
	size_t count = 0;
	char **names = NULL;

	for (;;) {
		n = fd >= 0 ? flistxattr(fd, b->xattr_names, b->xattr_names_size)
		            : llistxattr(lpath, b->xattr_names, b->xattr_names_size);
		if (n >= 0)
			break;
		if (n < 0 && errno != ERANGE) {
			/* No xattr support here, or (for a symlink) no /proc: nothing to keep. */
			if (errno == ENOTSUP || errno == ENOENT || errno == EPERM)
				return 0;
			return build_fail(b, errno, "list extended attributes", err);
		}
		b->xattr_names_size *= 2;
		b->xattr_names = xrealloc(b->xattr_names, b->xattr_names_size);
	}
	if (n == 0)
		return 0;

	/* listxattr order depends on the file system; sort for reproducible output. */
	for (char *p = b->xattr_names; p < b->xattr_names + n; p += strlen(p) + 1)
		count++;
	names = xmalloc_array(count, sizeof(*names));
	count = 0;
	for (char *p = b->xattr_names; p < b->xattr_names + n; p += strlen(p) + 1)
		names[count++] = p;
	qsort(names, count, sizeof(*names), cmp_names);

	for (size_t i = 0; i < count; i++) {
		ssize_t v;

		/* The build host's SELinux label is policy of that host, not image content. */
		if (strcmp(names[i], "security.selinux") == 0)
			continue;
		for (;;) {
			v = fd >= 0 ? fgetxattr(fd, names[i], b->xattr_value, b->xattr_value_size)
			            : lgetxattr(lpath, names[i], b->xattr_value,
			                        b->xattr_value_size);
			if (v >= 0 || errno != ERANGE)
				break;
			b->xattr_value_size *= 2;
			b->xattr_value = xrealloc(b->xattr_value, b->xattr_value_size);
		}
		if (v < 0) {
			if (errno == ENODATA)
				continue;
			free(names);
			return build_fail(b, errno, "read extended attribute", err);
		}
		archive_entry_xattr_add_entry(e, names[i], b->xattr_value, (size_t)v);
	}
	free(names);
	return 0;
}

static void fill_entry(struct builder *b, struct archive_entry *e, const struct stat *st)
{
	archive_entry_clear(e);
	archive_entry_copy_pathname(e, b->path);
	archive_entry_set_mode(e, st->st_mode);
	if (b->opts->owner_root) {
		archive_entry_set_uid(e, 0);
		archive_entry_set_gid(e, 0);
	} else {
		archive_entry_set_uid(e, st->st_uid);
		archive_entry_set_gid(e, st->st_gid);
	}
	/* Whole seconds, and never atime/ctime: they change on every read of the tree. */
	archive_entry_set_mtime(e, b->opts->normalize_mtime ? b->opts->mtime : st->st_mtim.tv_sec,
	                        0);
}

static int copy_file_data(struct builder *b, int fd, off_t size, struct rkt_error *err)
{
	off_t done = 0;
	int r;

	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	while (done < size) {
		size_t want = size - done < ACI_BUF_SIZE ? (size_t)(size - done) : ACI_BUF_SIZE;
		ssize_t n = read(fd, b->buf, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return build_fail(b, errno, "read", err);
		if (n == 0)
			return build_fail(b, EIO, "file shrank while being read", err);
		if ((r = aci_sink_write_data(&b->sink, b->buf, (size_t)n, b->path, err)) < 0)
			return r;
		done += n;
	}
	return 0;
}

/* Repeated inodes become hard links to the first path seen (ACI-16); returns the earlier
 * path, or NULL after remembering this one. */
static const char *link_target(struct builder *b, const struct stat *st)
{
	char key[64];
	uintptr_t idx;

	if (S_ISDIR(st->st_mode) || st->st_nlink < 2)
		return NULL;
	(void)snprintf(key, sizeof(key), "%llx:%llx", (unsigned long long)st->st_dev,
	               (unsigned long long)st->st_ino);
	if (rkt_strset_get(b->inodes, key, &idx))
		return b->links[idx];
	xgrow((void **)&b->links, &b->cap_links, b->n_links + 1, sizeof(*b->links));
	b->links[b->n_links] = xstrdup(b->path);
	(void)rkt_strset_add(b->inodes, key, b->n_links++);
	return NULL;
}

static int add_child(struct builder *b, int dfd, const char *name, struct rkt_error *err)
{
	struct archive_entry *e = b->sink.entry;
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *target = NULL;
	const char *link;
	char proc[64 + NAME_MAX];
	struct stat st, fst;
	int r;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return build_fail(b, errno, "stat", err);
	if (S_ISSOCK(st.st_mode))
		return 0; /* ACI-16: sockets are skipped */
	if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) {
		/* O_NONBLOCK: if the name was swapped for a FIFO since fstatat(), do not hang. */
		fd = openat(dfd, name,
		            O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK |
		                    (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0));
		if (fd < 0)
			return build_fail(b, errno, "open", err);
		if (fstat(fd, &fst) < 0)
			return build_fail(b, errno, "stat", err);
		if (fst.st_ino != st.st_ino || fst.st_dev != st.st_dev ||
		    (fst.st_mode & S_IFMT) != (st.st_mode & S_IFMT))
			return build_fail(b, EBUSY, "changed while being read", err);
		st = fst;
		if (S_ISDIR(st.st_mode)) /* the walk saw something else there */
			return build_fail(b, EBUSY, "changed while being read", err);
	}

	fill_entry(b, e, &st);
	link = link_target(b, &st);
	if (link) {
		archive_entry_set_hardlink(e, link);
		archive_entry_set_size(e, 0);
		return aci_sink_add_header(&b->sink, e, b->path, err);
	}
	if (S_ISLNK(st.st_mode)) {
		ssize_t n;

		if (st.st_size > ACI_MAX_NAME)
			return build_fail(b, ENAMETOOLONG, "symlink target too long", err);
		target = xmalloc((size_t)st.st_size + 2);
		n = readlinkat(dfd, name, target, (size_t)st.st_size + 1);
		if (n < 0)
			return build_fail(b, errno, "readlink", err);
		if (n > st.st_size)
			return build_fail(b, EBUSY, "changed while being read", err);
		target[n] = '\0';
		archive_entry_set_symlink(e, target);
	} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		archive_entry_set_rdev(e, st.st_rdev);
	} else if (S_ISREG(st.st_mode)) {
		archive_entry_set_size(e, st.st_size);
	}
	(void)snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", dfd, name);
	if ((r = add_xattrs(b, e, fd, proc, err)) < 0)
		return r;
	if ((r = aci_sink_add_header(&b->sink, e, b->path, err)) < 0)
		return r;
	if (S_ISREG(st.st_mode))
		return copy_file_data(b, fd, st.st_size, err);
	return 0;
}

/* One entry of the rootfs walk (util/walk.h): directories get their header before their
 * entries; everything else goes through add_child. */
static int build_one(void *userdata, enum rkt_walk_event ev, const struct rkt_walk_entry *e,
                     struct rkt_error *err)
{
	struct builder *b = userdata;
	const size_t base = strlen("rootfs");
	int r;

	if (ev == RKT_WALK_DIR_POST)
		return 0;
	if (base + e->path_len > ACI_MAX_NAME) {
		b->path_len = ACI_MAX_NAME;
		memcpy(b->path + base, e->path, ACI_MAX_NAME - base);
		b->path[ACI_MAX_NAME] = '\0';
		return build_fail(b, ENAMETOOLONG, "path too long", err);
	}
	memcpy(b->path + base, e->path, e->path_len + 1);
	b->path_len = base + e->path_len;
	if (ev == RKT_WALK_ENTRY)
		return add_child(b, e->parent_fd, e->name, err);
	fill_entry(b, b->sink.entry, e->st);
	if ((r = add_xattrs(b, b->sink.entry, e->fd, NULL, err)) < 0)
		return r;
	return aci_sink_add_header(&b->sink, b->sink.entry, b->path, err);
}

static int read_layout_manifest(int dfd, const char *dir, char **ret, struct stat *ret_st,
                                struct rkt_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	size_t got = 0;
	int r;

	fd = openat(dfd, "manifest", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return rkt_error_set(err, errno == ENOENT ? EINVAL : errno,
		                     "'%s': no image manifest found in layout", dir);
	if (fstat(fd, ret_st) < 0)
		return rkt_error_set(err, errno, "'%s/manifest'", dir);
	if (!S_ISREG(ret_st->st_mode))
		return rkt_error_set(err, EINVAL, "'%s/manifest': not a regular file", dir);
	if (ret_st->st_size > ACI_MAX_MANIFEST)
		return rkt_error_set(err, EINVAL, "'%s/manifest': larger than 1 MiB", dir);
	r = rkt_read_fd(fd, ACI_MAX_MANIFEST, &buf, &got);
	if (r == -EFBIG)
		return rkt_error_set(err, EINVAL, "'%s/manifest': larger than 1 MiB", dir);
	if (r < 0)
		return rkt_error_set(err, r, "read '%s/manifest'", dir);
	*ret = TAKE_PTR(buf);
	return (int)got;
}

/* Like actool's ValidateLayout: only "manifest" and "rootfs" in the layout (ACI-3). */
static int check_layout(int dfd, const char *dir, struct rkt_error *err)
{
	_cleanup_closedir_ DIR *d = NULL;
	char **names = NULL;
	size_t n = 0;
	int fd, r = 0;

	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return rkt_error_set(err, errno, "open '%s'", dir);
	d = fdopendir(fd);
	if (!d) {
		(void)close(fd);
		return rkt_error_set(err, errno, "open '%s'", dir);
	}
	if ((r = list_dir(d, &names, &n)) < 0)
		return rkt_error_set(err, -r, "read '%s'", dir);
	for (size_t i = 0; i < n && r == 0; i++)
		if (strcmp(names[i], "manifest") != 0 && strcmp(names[i], "rootfs") != 0) {
			char buf[256];

			r = rkt_error_set(err, EINVAL,
			                  "'%s': unrecognized file '%s' in image layout", dir,
			                  aci_printable(names[i], buf, sizeof(buf)));
		}
	strv_free(names, n);
	return r;
}

static int manifest_json(const char *buf, size_t len, const char *what, char **ret,
                         struct rkt_error *err)
{
	_cleanup_(rkt_image_manifest_freep) struct rkt_image_manifest *m = NULL;
	int r;

	r = rkt_image_manifest_parse(buf, len, what, &m, err);
	if (r < 0)
		return r;
	*ret = rkt_image_manifest_format(m, false);
	return 0;
}

int rkt_aci_build(const char *dir, const char *out, const struct rkt_aci_build_opts *opts,
                  char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err)
{
	_cleanup_(rkt_strset_freep) struct rkt_strset *inodes = NULL;
	_cleanup_close_ int dfd = -EBADF, rfd = -EBADF;
	_cleanup_free_ char *raw = NULL, *json = NULL, *what = NULL;
	_cleanup_free_ struct builder *b = xzalloc(sizeof(*b));
	struct stat mst, rst;
	int r;

	b->opts = opts;
	b->dir = dir;
	b->sink.fd = b->sink.dir_fd = -EBADF;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return rkt_error_set(err, errno, "build: open layout '%s'", dir);
	if ((r = check_layout(dfd, dir, err)) < 0)
		return r;
	if ((r = read_layout_manifest(dfd, dir, &raw, &mst, err)) < 0)
		return r;
	what = xasprintf("manifest '%s/manifest'", dir);
	if ((r = manifest_json(raw, (size_t)r, what, &json, err)) < 0)
		return r;
	rfd = openat(dfd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rfd < 0)
		return rkt_error_set(
		        err, errno == ENOENT || errno == ENOTDIR || errno == ELOOP ? EINVAL : errno,
		        "'%s': %s", dir,
		        errno == ENOENT ? "no rootfs found in layout"
		                        : "rootfs is not a directory");
	if (fstat(rfd, &rst) < 0)
		return rkt_error_set(err, errno, "'%s/rootfs'", dir);

	b->inodes = inodes = rkt_strset_new();
	b->buf = xmalloc(ACI_BUF_SIZE);
	/* The kernel's limits for a name list and a value (XATTR_LIST_MAX, XATTR_SIZE_MAX). */
	b->xattr_names_size = b->xattr_value_size = 65536;
	b->xattr_names = xmalloc(b->xattr_names_size);
	b->xattr_value = xmalloc(b->xattr_value_size);
	r = aci_sink_open(&b->sink, out, opts, err);
	if (r >= 0)
		r = aci_sink_add_manifest(&b->sink, json,
		                          opts->normalize_mtime ? opts->mtime : mst.st_mtim.tv_sec,
		                          err);
	if (r >= 0) {
		memcpy(b->path, "rootfs", 7);
		b->path_len = 6;
		r = rkt_walk(dfd, "rootfs", 0, build_one, b, err);
	}
	if (r >= 0)
		r = aci_sink_commit(&b->sink, ret_id, err);
	aci_sink_release(&b->sink);
	strv_free(b->links, b->n_links);
	free(b->buf);
	free(b->xattr_names);
	free(b->xattr_value);
	return r;
}

struct rewriter {
	struct aci_sink *sink;
	const struct rkt_aci_build_opts *opts;
	uint8_t *buf;
};

static int rewrite_entry(void *userdata, struct archive *a, struct archive_entry *entry,
                         const char *path, struct rkt_error *err)
{
	struct rewriter *rw = userdata;
	int r;

	if (strcmp(path, "manifest") == 0)
		return 0; /* replaced: the new one went first */
	if (rw->opts->owner_root) {
		archive_entry_set_uid(entry, 0);
		archive_entry_set_gid(entry, 0);
		archive_entry_set_uname(entry, NULL);
		archive_entry_set_gname(entry, NULL);
	}
	if (rw->opts->normalize_mtime) {
		archive_entry_set_mtime(entry, rw->opts->mtime, 0);
		archive_entry_unset_atime(entry);
		archive_entry_unset_ctime(entry);
	}
	if ((r = aci_sink_add_header(rw->sink, entry, path, err)) < 0)
		return r;
	if (archive_entry_filetype(entry) != AE_IFREG || archive_entry_hardlink(entry))
		return 0;
	for (;;) {
		/* archive_read_data() rather than _block(): it fills sparse holes with zeros,
		 * which is what the size in the header we just wrote promises. */
		la_ssize_t n = archive_read_data(a, rw->buf, ACI_BUF_SIZE);

		if (n == 0)
			return 0;
		if (n < 0)
			return rkt_error_set(err, EBADMSG, "%s", aci_archive_error(a));
		if ((r = aci_sink_write_data(rw->sink, rw->buf, (size_t)n, path, err)) < 0)
			return r;
	}
}

int rkt_aci_rewrite_manifest(int in_fd, const char *what, const char *out,
                             const struct rkt_image_manifest *manifest,
                             const struct rkt_aci_build_opts *opts, char ret_id[RKT_IMAGE_ID_SIZE],
                             struct rkt_error *err)
{
	_cleanup_free_ char *json = NULL;
	_cleanup_free_ uint8_t *buf = NULL;
	struct aci_sink sink;
	struct rewriter rw = { .sink = &sink, .opts = opts };
	struct rkt_aci_read_opts ropts = { .on_entry = rewrite_entry, .userdata = &rw };
	struct rkt_aci_info info = { 0 };
	int r;

	r = rkt_image_manifest_check(manifest, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "new manifest for %s", what);
	json = rkt_image_manifest_format(manifest, false);
	rw.buf = buf = xmalloc(ACI_BUF_SIZE);

	r = aci_sink_open(&sink, out, opts, err);
	if (r >= 0)
		r = aci_sink_add_manifest(&sink, json,
		                          opts->normalize_mtime ? opts->mtime : time(NULL), err);
	if (r >= 0)
		r = rkt_aci_read(in_fd, what, &ropts, &info, err);
	if (r >= 0)
		r = aci_sink_commit(&sink, ret_id, err);
	rkt_aci_info_release(&info);
	aci_sink_release(&sink);
	return r;
}
