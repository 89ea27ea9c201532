/* Applying OCI/Docker image layers to a tree (OCI image-spec layer.md: changesets, whiteouts).
 *
 * A layer is a tar (plain, gzip or zstd) read once through the ACI source (the same
 * decompressors). Compression bombs: the tar may not be longer than the free space of the
 * tree's file system, and an entry that says it is larger than what is left (holes of sparse
 * entries aside) is refused before a byte of it is written. A bound on size, not on ratio: a real layer holding a large file of
 * zeros (or a sparse file tar wrote out in full) expands a thousand times. Every entry name is cleaned; ".."
 * and absolute names are refused. Entries are written with the tree writer in no-symlinks mode:
 * a path (or a hard link target) that goes through a symlink is refused, so a layer can never
 * write through a symlink an earlier layer planted. Whiteouts: ".wh.NAME" removes NAME of the
 * lower layers, ".wh..wh..opq" removes every lower-layer child of its directory; entries of the
 * same layer are kept in both cases, whatever their order in the tar (the spec's rule). Other
 * ".wh..wh." names (aufs metadata) are ignored, as Docker does. */
#include "store/layer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "aci/aci-internal.h"
#include "aci/archive-api.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strset.h"
#include "util/walk.h"
#include "util/xalloc.h"

RKT_DEFINE_CLEANUP(struct archive *, archive_read_free);

struct applier {
	int root_fd;
	const struct aci_source *src;
	struct rkt_tree_writer *w;
	const char *what;
	bool no_whiteouts;
	struct rkt_strset *mine; /* paths this layer wrote, and their parents */
	char clean[ACI_MAX_NAME + 1];
	char clean_link[ACI_MAX_NAME + 1];
};

static int entry_fail(struct applier *ap, int code, const char *name, const char *reason,
                      struct rkt_error *err)
{
	char buf[256];

	return rkt_error_input(err, code, "%s: entry '%s': %s", ap->what,
	                       aci_printable(name, buf, sizeof(buf)), reason);
}

static void add_mine(struct applier *ap, const char *path)
{
	_cleanup_free_ char *p = xstrdup(path);

	for (;;) {
		if (rkt_strset_add(ap->mine, p, 1) == -EEXIST)
			return; /* its parents are in too */
		char *slash = strrchr(p, '/');
		if (!slash)
			return;
		*slash = '\0';
	}
}

/* Opens directory REL of the tree without following symlinks; -ENOENT if it is not there. */
static int open_dir(struct applier *ap, const char *rel, int *ret_fd)
{
	int fd = rkt_open_in_root_nosymlinks(ap->root_fd, rel, O_RDONLY | O_DIRECTORY);

	if (fd < 0)
		return fd;
	*ret_fd = fd;
	return 0;
}

/* Removes the children of DIR_FD (tree path REL) that this layer did not write, descending into
 * directories it did write. */
static int remove_lower(struct applier *ap, int dir_fd, const char *rel, struct rkt_error *err)
{
	int dfd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (dfd < 0)
		return rkt_error_set(err, errno, "%s: opaque directory '%s'", ap->what, rel);
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return rkt_error_set(err, errno, "%s: opaque directory '%s'", ap->what, rel);
	}
	while (r >= 0 && (errno = 0, de = readdir(d))) {
		_cleanup_free_ char *child = NULL;
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		child = rel[0] ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		if (!rkt_strset_get(ap->mine, child, NULL)) {
			r = rkt_rm_rf_at(dir_fd, de->d_name, err);
			if (r >= 0)
				rewinddir(d); /* the directory changed under readdir */
			continue;
		}
		if (fstatat(dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode)) {
			_cleanup_close_ int cfd =
			        openat(dir_fd, de->d_name,
			               O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (cfd < 0)
				r = rkt_error_set(err, errno, "%s: open '%s'", ap->what, child);
			else
				r = remove_lower(ap, cfd, child, err);
		}
	}
	closedir(d);
	return r;
}

static int whiteout(struct applier *ap, const char *name, const char *dir, const char *base,
                    struct rkt_error *err)
{
	_cleanup_close_ int dfd = -EBADF;
	int r;

	if (strcmp(base, ".wh..wh..opq") == 0) {
		r = open_dir(ap, dir, &dfd);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return entry_fail(ap, EINVAL, name,
			                  "opaque whiteout in a directory that is not one", err);
		r = remove_lower(ap, dfd, dir, err);
	} else if (strncmp(base, ".wh..wh.", 8) == 0) {
		return 0;
	} else {
		const char *target = base + 4;
		_cleanup_free_ char *path = NULL;

		if (!target[0] || strcmp(target, ".") == 0 || strcmp(target, "..") == 0)
			return entry_fail(ap, EINVAL, name,
			                  "whiteout names a path outside the layer", err);
		path = dir[0] ? xasprintf("%s/%s", dir, target) : xstrdup(target);
		if (rkt_strset_get(ap->mine, path, NULL))
			return 0; /* only lower layers are whited out */
		r = open_dir(ap, dir, &dfd);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return entry_fail(ap, EINVAL, name,
			                  "whiteout below something that is not a directory", err);
		r = rkt_rm_rf_at(dfd, target, err);
	}
	rkt_tree_writer_forget(ap->w);
	return r < 0 ? rkt_error_wrap(err, r, "%s: entry '%s'", ap->what, name) : 0;
}

static int apply_entry(struct applier *ap, struct archive *a, struct archive_entry *entry,
                       struct rkt_error *err)
{
	const char *name = archive_entry_pathname(entry), *reason = NULL, *path, *base;
	const char *hardlink = archive_entry_hardlink(entry);
	const char *link_rel = NULL;
	_cleanup_free_ char *dir = NULL;
	int r;

	if (!name)
		return rkt_error_input(err, EINVAL, "%s: entry without a name", ap->what);
	if (strlen(name) > ACI_MAX_NAME)
		return entry_fail(ap, EINVAL, name, "name too long", err);
	path = aci_clean_path(name, ap->clean, &reason);
	if (!path)
		return entry_fail(ap, EINVAL, name, reason, err);
	if (strcmp(path, ".") == 0)
		return 0; /* "./": the root's metadata is the image's, not a layer's */
	if (hardlink) {
		if (strlen(hardlink) > ACI_MAX_NAME ||
		    !(link_rel = aci_clean_path(hardlink, ap->clean_link, &reason)) ||
		    strcmp(link_rel, ".") == 0)
			return entry_fail(ap, EINVAL, name, "hard link target leaves the image",
			                  err);
	}
	dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	base = slash ? path + (slash - dir) + 1 : path;
	if (slash)
		*slash = '\0';
	else
		dir[0] = '\0';

	/* A sparse entry's size counts its holes, which are not written. */
	if (ap->src->max_tar && archive_entry_size(entry) > 0 &&
	    archive_entry_sparse_count(entry) == 0 &&
	    (uint64_t)archive_entry_size(entry) > ap->src->max_tar - ap->src->tar_size) {
		char msg[128];

		(void)snprintf(msg, sizeof(msg),
		               "%" PRIu64 " MiB: the layer expands to more than the %" PRIu64
		               " MiB free to unpack it (a compression bomb?)",
		               (uint64_t)archive_entry_size(entry) >> 20, ap->src->max_tar >> 20);
		return entry_fail(ap, EBADMSG, name, msg, err);
	}
	if (!ap->no_whiteouts && strncmp(base, ".wh.", 4) == 0)
		return whiteout(ap, name, dir, base, err);
	archive_entry_copy_pathname(entry, path);
	r = rkt_tree_writer_put(ap->w, a, entry, path, link_rel, err);
	if (r < 0) {
		if (hardlink && (r == -ENOENT || r == -EPERM || r == -ELOOP || r == -ENOTDIR))
			return entry_fail(ap, EINVAL, name,
			                  "hard link target is not a file in the image", err);
		return rkt_error_wrap(err, r == -ELOOP ? -EINVAL : r, "%s", ap->what);
	}
	add_mine(ap, path);
	return 0;
}

int rkt_layer_apply(int root_fd, struct rkt_tree_writer *w, int fd, const char *what,
                    const struct rkt_layer_apply_opts *opts, struct rkt_error *err)
{
	_cleanup_(rkt_strset_freep) struct rkt_strset *mine = rkt_strset_new();
	_cleanup_(archive_read_freep) struct archive *a = NULL;
	struct rkt_aci_read_opts ropts = { 0 };
	_cleanup_free_ struct aci_source *src = xzalloc(sizeof(*src));
	struct applier ap = { .root_fd = root_fd, .src = src, .w = w, .what = what, .mine = mine };
	struct statvfs sv;
	struct archive_entry *entry;
	uint64_t n = 0;
	int r;

	if (opts) {
		ap.no_whiteouts = opts->no_whiteouts;
		ropts.on_raw = opts->on_raw;
		ropts.raw_userdata = opts->raw_userdata;
	}
	if (fstatvfs(root_fd, &sv) < 0)
		return rkt_error_set(err, errno, "%s: free space", what);
	r = aci_source_open(src, fd, what, false, &ropts, err);
	if (r >= 0) {
		src->max_tar = (uint64_t)sv.f_bavail * sv.f_frsize;
		r = aci_source_open_tar(src, &a, err);
	}
	while (r >= 0) {
		r = archive_read_next_header(a, &entry);
		if (r == ARCHIVE_EOF) {
			r = 0;
			break;
		}
		if (r < ARCHIVE_WARN) {
			r = src->error ? src->error
			               : rkt_error_set(err, EBADMSG, "%s: %s", what,
			                               aci_archive_error(a));
			break;
		}
		if (++n > ACI_MAX_ENTRIES) {
			r = rkt_error_set(err, EINVAL, "%s: more than %d entries", what,
			                  ACI_MAX_ENTRIES);
			break;
		}
		r = apply_entry(&ap, a, entry, err);
		if (r >= 0 && src->error)
			r = src->error;
	}
	if (r >= 0)
		r = aci_source_drain(src);
	if (r >= 0 && ropts.on_raw)
		r = aci_source_drain_raw(src);
	if (a)
		archive_read_free(TAKE_PTR(a));
	aci_source_release(src);
	return r;
}
