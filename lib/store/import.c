/* Importing an ACI into the store atomically, and verifying what is stored. */
#include "store/store-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aci/archive-api.h"
#include "store/tree.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

void rkt_store_work_release(struct rkt_store_work *w)
{
	if (w->fd >= 0) {
		(void)rkt_rm_rf_at(w->store->tmp_fd, w->name, NULL);
		close(w->fd);
	}
	if (w->lock_fd >= 0) {
		char lock[64];

		(void)snprintf(lock, sizeof(lock), "%s.lock", w->name);
		(void)unlinkat(w->store->tmp_fd, lock, 0);
		close(w->lock_fd);
	}
	w->fd = w->lock_fd = -EBADF;
}

/* The lock file appears already locked (O_TMPFILE, flock, then linked in), so a sweeper never
 * sees it unlocked while we live. */
int rkt_store_work_new(struct rkt_store *s, struct rkt_store_work *w, struct rkt_error *err)
{
	uint8_t rnd[12];
	char lock[64];
	int r;

	*w = (struct rkt_store_work){ .store = s, .lock_fd = -EBADF, .fd = -EBADF };
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		return rkt_error_set(err, errno, "store: random name");
	int n = snprintf(w->name, sizeof(w->name), "import-");
	for (size_t i = 0; i < sizeof(rnd); i++)
		n += snprintf(w->name + n, sizeof(w->name) - (size_t)n, "%02x", rnd[i]);
	(void)snprintf(lock, sizeof(lock), "%s.lock", w->name);

	w->lock_fd = openat(s->tmp_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (w->lock_fd < 0)
		return rkt_error_set(err, errno, "store: create lock file in 'cas/tmp'");
	if (flock(w->lock_fd, LOCK_EX) < 0)
		return rkt_error_set(err, errno, "store: lock work directory");
	r = rkt_link_fd_at(w->lock_fd, s->tmp_fd, lock);
	if (r < 0)
		return rkt_error_set(err, -r, "store: link lock file in 'cas/tmp'");
	if (mkdirat(s->tmp_fd, w->name, 0700) < 0)
		return rkt_error_set(err, errno, "store: create work directory");
	w->fd = openat(s->tmp_fd, w->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (w->fd < 0)
		return rkt_error_set(err, errno, "store: open work directory");
	return 0;
}

/* The raw tee of the one pass: the file as fetched becomes the blob while it is checked,
 * hashed and extracted. */
static int write_blob(void *userdata, const void *buf, size_t len, struct rkt_error *err)
{
	int fd = *(const int *)userdata;

	for (size_t done = 0; done < len;) {
		ssize_t m = write(fd, (const char *)buf + done, len - done);
		if (m < 0) {
			if (errno == EINTR)
				continue;
			return rkt_error_set(err, errno, "store: write blob");
		}
		done += (size_t)m;
	}
	return 0;
}

/* A stream whose bytes another writer stores: read to its end, nothing to keep. */
static int skip_raw(void *userdata, const void *buf, size_t len, struct rkt_error *err)
{
	(void)userdata, (void)buf, (void)len, (void)err;
	return 0;
}

struct extract_ctx {
	struct rkt_tree_writer *writer;
	const char *what;
};

/* "rootfs/a/b" -> "a/b", "rootfs" -> "": archive paths come cleaned from rkt_aci_read. */
static const char *rootfs_rel(const char *path)
{
	if (strcmp(path, "rootfs") == 0)
		return "";
	if (strncmp(path, "rootfs/", 7) == 0)
		return path + 7;
	return NULL;
}

static int on_entry(void *userdata, struct archive *a, struct archive_entry *entry,
                    const char *path, struct rkt_error *err)
{
	struct extract_ctx *ctx = userdata;
	const char *link = archive_entry_hardlink(entry);
	const char *rel = rootfs_rel(path), *link_rel = NULL;
	int r;

	if (!rel)
		return 0; /* the manifest: rkt_aci_read parses it */
	if (link && !(link_rel = rootfs_rel(link)))
		return rkt_error_set(err, EINVAL,
		                     "%s: entry '%s': hard link target leaves the rootfs",
		                     ctx->what, path);
	r = rkt_tree_writer_put(ctx->writer, a, entry, rel, link_rel, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "%s", ctx->what);
	return 0;
}

static int write_file_at(int dir_fd, const char *name, const void *data, size_t len,
                         struct rkt_error *err)
{
	_cleanup_close_ int fd =
	        openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

	if (fd < 0)
		return rkt_error_set(err, errno, "store: create '%s'", name);
	for (size_t done = 0; done < len;) {
		ssize_t n = write(fd, (const char *)data + done, len - done);
		if (n < 0)
			return rkt_error_set(err, errno, "store: write '%s'", name);
		done += (size_t)n;
	}
	return 0;
}

/* Reads the ACI from IN_FD once: copies it to BLOB_FD (unless < 0; with TO_END, reads it to its
 * end without copying), checks it, computes its ID and extracts it into
 * WORK/tree/{rootfs,manifest}, all in the same pass. The tree is not hashed
 * here (that would read it all again): rkt_store_verify() compares it with a new extraction. */
static int extract(struct rkt_store_work *w, int in_fd, int blob_fd, bool to_end, const char *what,
                   struct rkt_aci_info *ret, uint64_t *ret_tree_size, struct rkt_error *err)
{
	_cleanup_(rkt_tree_writer_freep) struct rkt_tree_writer *writer = NULL;
	_cleanup_close_ int tree_fd = -EBADF, rootfs_fd = -EBADF;
	struct rkt_tree_write_opts wopts = { .keep_owner = geteuid() == 0 };
	struct rkt_aci_info info = { 0 };
	int r;

	if (mkdirat(w->fd, "tree", 0700) < 0 ||
	    (tree_fd = openat(w->fd, "tree", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    mkdirat(tree_fd, "rootfs", 0755) < 0 ||
	    (rootfs_fd = openat(tree_fd, "rootfs", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return rkt_error_set(err, errno, "store: create tree");
	r = rkt_tree_writer_new(rootfs_fd, &wopts, &writer, err);
	if (r < 0)
		return r;

	struct extract_ctx ctx = { .writer = writer, .what = what };
	struct rkt_aci_read_opts ropts = { .on_entry = on_entry,
		                           .userdata = &ctx,
		                           .refuse_devices = true,
		                           .on_raw = blob_fd >= 0 ? write_blob
		                                     : to_end     ? skip_raw
		                                                  : NULL,
		                           .raw_userdata = &blob_fd };
	r = rkt_aci_read(in_fd, what, &ropts, &info, err);
	if (r < 0)
		return r;
	r = rkt_tree_writer_finish(writer, err);
	if (r >= 0)
		r = write_file_at(tree_fd, "manifest", info.manifest_raw, info.manifest_len, err);
	if (r < 0) {
		rkt_aci_info_release(&info);
		return r;
	}
	*ret = info;
	*ret_tree_size = rkt_tree_writer_size(writer);
	return 0;
}

int rkt_store_publish_tree(struct rkt_store *s, struct rkt_store_work *w, const char *id,
                           struct rkt_error *err)
{
	if (renameat(w->fd, "tree", s->tree_fd, id) < 0) {
		/* Another import of the same image won: its tree is complete too. */
		if (errno == EEXIST || errno == ENOTEMPTY)
			return 0;
		return rkt_error_set(err, errno, "store: publish tree '%s'", id);
	}
	if (fsync(s->tree_fd) < 0)
		return rkt_error_set(err, errno, "store: sync 'cas/tree'");
	return 0;
}

static int check_signature(const struct rkt_store_import_opts *o, int blob_fd,
                           const struct rkt_aci_info *info, struct rkt_error *err)
{
	if (o->check) {
		int r = o->check(o->check_userdata, blob_fd, info, err);

		if (r < 0)
			return rkt_error_wrap(err, r, "%s", o->what);
	}
	if (o->insecure)
		return 0;
	if (!o->verify)
		return rkt_error_set(
		        err, ENOKEY,
		        "%s: image '%s' is not signed by a trusted key (no signature "
		        "check is available); use --insecure-options=image to fetch it "
		        "anyway",
		        o->what, info->manifest->name);
	if (lseek(blob_fd, 0, SEEK_SET) < 0)
		return rkt_error_set(err, errno, "store: seek blob");
	int r = o->verify(o->verify_userdata, blob_fd, info, err);
	return r < 0 ? rkt_error_wrap(err, r, "%s", o->what) : r;
}

static int record(struct rkt_store *s, const struct rkt_store_import_opts *o,
                  const struct rkt_aci_info *info, uint64_t size, uint64_t tree_size,
                  struct rkt_error *err)
{
	int64_t now = rkt_now_ns();
	struct rkt_image_info row = {
		.name = info->manifest->name,
		.labels = info->manifest->labels,
		.import_time = now,
		.last_used = now,
		.latest = o->latest,
		.size = size,
		.tree_size = tree_size,
		.insecure_options = o->insecure_options,
		.origin = o->remote ? o->remote->aci_url : NULL,
	};
	_cleanup_free_ char *manifest = xstrndup(info->manifest_raw, info->manifest_len);
	bool existed = false;
	int r;

	memcpy(row.id, info->id, sizeof(row.id));
	r = rkt_index_begin(s->db, err);
	if (r < 0)
		return r;
	r = rkt_index_insert_or_touch(s->db, &row, manifest, err);
	existed = r == 1;
	if (r >= 0 && o->remote) {
		struct rkt_remote rem = *o->remote;

		memcpy(rem.blob_key, info->id, sizeof(rem.blob_key));
		r = rkt_index_put_remote(s->db, &rem, err);
	}
	r = rkt_index_end(s->db, r, err);
	return r < 0 ? r : existed;
}

int rkt_store_publish_file(int dir_fd, const char *rel, int fd, struct rkt_store_work *w)
{
	_cleanup_free_ char *fan = xstrndup(rel, strcspn(rel, "/"));
	int r;

	if (mkdirat(dir_fd, fan, 0750) < 0 && errno != EEXIST)
		return -errno;
	if (fd < 0)
		return renameat(w->fd, "blob", dir_fd, rel) < 0 ? -errno : 0;
	r = rkt_link_fd_at(fd, dir_fd, rel);
	if (r != -EEXIST)
		return r;
	if (unlinkat(dir_fd, rel, 0) < 0 && errno != ENOENT)
		return -errno;
	r = rkt_link_fd_at(fd, dir_fd, rel);
	/* EEXIST: another import published the same content in between */
	return r == -EEXIST ? 0 : r;
}

int rkt_store_import(struct rkt_store *s, int fd, const struct rkt_store_import_opts *opts,
                     char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err)
{
	_cleanup_(rkt_store_work_release) struct rkt_store_work w = { .lock_fd = -EBADF,
		                                                      .fd = -EBADF };
	_cleanup_(rkt_aci_info_release) struct rkt_aci_info info = { 0 };
	_cleanup_close_ int blob_fd = -EBADF;
	_cleanup_free_ char *blob = NULL;
	uint64_t tree_size = 0;
	struct stat st;
	int r;

	r = rkt_store_work_new(s, &w, err);
	if (r < 0)
		return r;
	if (opts->adopt && opts->complete) {
		/* The file is the blob and fills while the stream is read. */
		r = extract(&w, fd, -EBADF, true, opts->what, &info, &tree_size, err);
		if (r >= 0)
			r = opts->complete(opts->complete_userdata, err);
		fd = opts->adopt_fd;
		if (r >= 0)
			r = check_signature(opts, fd, &info, err);
	} else if (opts->adopt) {
		/* Read from the start; the file is the blob, nothing to copy. */
		if (lseek(fd, 0, SEEK_SET) < 0)
			return rkt_error_set(err, errno, "store: seek %s", opts->what);
		r = extract(&w, fd, -EBADF, false, opts->what, &info, &tree_size, err);
		if (r >= 0)
			r = check_signature(opts, fd, &info, err);
	} else {
		blob_fd = openat(w.fd, "blob", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
		if (blob_fd < 0)
			return rkt_error_set(err, errno, "store: create blob");
		r = extract(&w, fd, blob_fd, false, opts->what, &info, &tree_size, err);
		if (r >= 0)
			r = check_signature(opts, blob_fd, &info, err);
	}
	if (r < 0)
		return r;

	/* Everything written so far reaches the disk before anything is published. */
	int data_fd = opts->adopt ? fd : blob_fd;
	if ((opts->adopt && fchmod(fd, 0640) < 0) || fsync(data_fd) < 0 || syncfs(w.fd) < 0 ||
	    fstat(data_fd, &st) < 0)
		return rkt_error_set(err, errno, "store: sync");
	blob = xasprintf("%.2s/%s", info.id + 7, info.id);
	/* A stored image keeps its blob (it may have been fetched with another compression). */
	if (rkt_index_get(s->db, info.id, NULL, NULL, NULL) < 0 ||
	    faccessat(s->blob_fd, blob, F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
		r = rkt_store_publish_file(s->blob_fd, blob, opts->adopt ? fd : -EBADF, &w);
		if (r < 0)
			return rkt_error_set(err, -r, "store: publish blob '%s'", info.id);
	}
	r = rkt_store_publish_tree(s, &w, info.id, err);
	if (r >= 0)
		r = record(s, opts, &info, (uint64_t)st.st_size, tree_size, err);
	if (r < 0) {
		/* Published without an index row: orphans for the next exclusive user. */
		(void)rkt_store_mark_dirty(s, NULL);
		return r;
	}
	memcpy(ret_id, info.id, RKT_IMAGE_ID_SIZE);
	return r;
}

int rkt_store_verify(struct rkt_store *s, const char *id, enum rkt_verify_status *ret,
                     struct rkt_error *err)
{
	_cleanup_(rkt_store_work_release) struct rkt_store_work w = { .lock_fd = -EBADF,
		                                                      .fd = -EBADF };
	_cleanup_(rkt_aci_info_release) struct rkt_aci_info info = { 0 };
	_cleanup_close_ int blob_fd = -EBADF, rootfs_fd = -EBADF, fresh_fd = -EBADF;
	_cleanup_free_ char *what = xasprintf("image '%s'", id);
	_cleanup_free_ char *rootfs = xasprintf("%s/rootfs", id);
	char want[RKT_IMAGE_ID_SIZE] = "", have[RKT_IMAGE_ID_SIZE] = "";
	uint64_t tree_size;
	int r;

	r = rkt_store_open_blob(s, id, &blob_fd, err);
	if (r < 0)
		return r;
	r = rkt_store_work_new(s, &w, err);
	if (r < 0)
		return r;
	r = rkt_store_is_layered(s, id, err);
	if (r < 0)
		return r;
	if (r > 0) {
		/* Container layers: each is re-hashed and the tree rendered again. */
		r = rkt_store_verify_layers(s, id, w.fd, err);
		if (r < 0)
			return rkt_error_wrap(err, r == -EINVAL ? -EBADMSG : r,
			                      "image '%s' is damaged", id);
	} else {
		/* The blob is re-hashed by extracting it again: that also yields the tree to
		 * compare. */
		r = extract(&w, blob_fd, -EBADF, false, what, &info, &tree_size, err);
		if (r < 0)
			return rkt_error_wrap(err, r == -EINVAL ? -EBADMSG : r,
			                      "image '%s' is damaged", id);
		if (strcmp(info.id, id) != 0)
			return rkt_error_set(err, EBADMSG,
			                     "image '%s' is damaged: its blob hashes to '%s'", id,
			                     info.id);
	}

	*ret = RKT_VERIFY_OK;
	fresh_fd = openat(w.fd, "tree/rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fresh_fd < 0)
		return rkt_error_set(err, errno, "store: open extracted tree");
	r = rkt_tree_hash(fresh_fd, want, NULL, err);
	if (r < 0)
		return r;
	rootfs_fd = openat(s->tree_fd, rootfs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rootfs_fd >= 0 && rkt_tree_hash(rootfs_fd, have, NULL, NULL) < 0)
		have[0] = '\0';
	if (strcmp(want, have) == 0)
		return 0;

	/* Repair: replace the tree with the one just extracted. */
	r = rkt_store_lock(s, true, err);
	if (r < 0)
		return r;
	r = rkt_rm_rf_at(s->tree_fd, id, err);
	if (r >= 0)
		r = rkt_store_publish_tree(s, &w, id, err);
	int q = rkt_store_lock(s, false, r < 0 ? NULL : err);
	if (r < 0)
		return r;
	*ret = RKT_VERIFY_REPAIRED;
	return q;
}
