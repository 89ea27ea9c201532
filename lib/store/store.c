/* Opening the store, its locks, lookups, removal, garbage collection and verification. */
#include "store/store-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/tree.h"
#include "store/sqlite-api.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

static int open_subdir(int dir_fd, const char *name, mode_t mode, int *ret_fd)
{
	int fd;

	if (mkdirat(dir_fd, name, mode) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

int rkt_store_lock(struct rkt_store *s, bool exclusive, struct rkt_error *err)
{
	while (flock(s->lock_fd, exclusive ? LOCK_EX : LOCK_SH) < 0)
		if (errno != EINTR)
			return rkt_error_set(err, errno, "store '%s': lock", s->dir);
	return 0;
}

/* Names in DIR_FD that are neither "." nor "..". */
static int list_dir(int dir_fd, char ***ret, size_t *ret_n)
{
	_cleanup_closedir_ DIR *d = NULL;
	int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char **v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		xgrow((void **)&v, &cap, n + 1, sizeof(*v));
		v[n++] = xstrdup(de->d_name);
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static void strv_free_n(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Removes the work directories of imports that died: "<name>.lock" files nobody holds. A work
 * directory is created only after its lock file appeared already locked, and removed before
 * it, so a directory without a lock file is a leftover too. Partial downloads are kept for the
 * next fetch of their URL unless DOWNLOADS (gc) says to remove those nobody holds. */
size_t rkt_store_sweep_tmp(struct rkt_store *s, bool downloads)
{
	char **names = NULL;
	size_t n = 0, removed = 0;

	if (list_dir(s->tmp_fd, &names, &n) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		_cleanup_close_ int fd = -EBADF;
		_cleanup_free_ char *lock = NULL;

		if (strncmp(names[i], RKT_STORE_DOWNLOAD_PREFIX,
		            strlen(RKT_STORE_DOWNLOAD_PREFIX)) == 0) {
			if (downloads && rkt_store_sweep_download(s, names[i]))
				removed++;
			continue;
		}
		if (len > 5 && strcmp(names[i] + len - 5, ".lock") == 0) {
			fd = openat(s->tmp_fd, names[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
				continue;
			_cleanup_free_ char *work = xstrndup(names[i], len - 5);
			(void)rkt_rm_rf_at(s->tmp_fd, work, NULL);
			(void)unlinkat(s->tmp_fd, names[i], 0);
			removed++;
			continue;
		}
		lock = xasprintf("%s.lock", names[i]);
		if (faccessat(s->tmp_fd, lock, F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT) {
			(void)rkt_rm_rf_at(s->tmp_fd, names[i], NULL);
			removed++;
		}
	}
	strv_free_n(names, n);
	return removed;
}

static bool is_full_id(const char *s)
{
	return rkt_image_id_check(s, true, "id", NULL) == 0;
}

/* cas/dirty: the index and the files may disagree (a removal or an import was killed halfway);
 * the next store user that gets the exclusive lock sweeps orphans and removes it. */
#define DIRTY_MARK "dirty"

int rkt_store_mark_dirty(struct rkt_store *s, struct rkt_error *err)
{
	_cleanup_close_ int fd =
	        openat(s->cas_fd, DIRTY_MARK, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);

	if (fd < 0)
		return rkt_error_set(err, errno, "store '%s': create 'cas/%s'", s->dir, DIRTY_MARK);
	return 0;
}

/* Removes the files of the fan-out directory DIR_FD (cas/blob, cas/blob/sha256) that KEEP does
 * not claim, and the fan directories left empty; returns how many files it removed. */
static size_t sweep_fanout(struct rkt_store *s, int dir_fd,
                           bool (*keep)(struct rkt_store *s, const char *name))
{
	char **fans = NULL;
	size_t n_fans = 0, removed = 0;

	if (list_dir(dir_fd, &fans, &n_fans) < 0)
		return 0;
	for (size_t i = 0; i < n_fans; i++) {
		_cleanup_close_ int fd =
		        openat(dir_fd, fans[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		char **files = NULL;
		size_t n_files = 0;

		if (fd < 0 || list_dir(fd, &files, &n_files) < 0)
			continue;
		for (size_t j = 0; j < n_files; j++)
			if (!keep(s, files[j]) && unlinkat(fd, files[j], 0) == 0)
				removed++;
		strv_free_n(files, n_files);
		(void)unlinkat(dir_fd, fans[i], AT_REMOVEDIR);
	}
	strv_free_n(fans, n_fans);
	return removed;
}

static bool layer_in_use(struct rkt_store *s, const char *name)
{
	_cleanup_free_ char *digest = NULL;

	if (strncmp(name, "sha256-", 7) != 0)
		return false;
	digest = xasprintf("sha256:%s", name + 7);
	return rkt_store_has_layer(s, digest);
}

static bool image_in_index(struct rkt_store *s, const char *name)
{
	return is_full_id(name) && rkt_index_get(s->db, name, NULL, NULL, NULL) != -ENOENT;
}

size_t rkt_store_sweep_layers(struct rkt_store *s)
{
	return sweep_fanout(s, s->layer_fd, layer_in_use);
}

/* Removes blobs and trees that no index row refers to (left by an import or removal that was
 * killed). Call with the exclusive lock held. */
static size_t sweep_orphans(struct rkt_store *s)
{
	char **trees = NULL;
	size_t n_trees = 0, removed;

	removed = sweep_fanout(s, s->blob_fd, image_in_index);
	removed += rkt_store_sweep_layers(s);
	if (list_dir(s->tree_fd, &trees, &n_trees) >= 0) {
		for (size_t i = 0; i < n_trees; i++) {
			if (image_in_index(s, trees[i]))
				continue;
			if (rkt_rm_rf_at(s->tree_fd, trees[i], NULL) == 0)
				removed++;
		}
		strv_free_n(trees, n_trees);
	}
	return removed;
}

int rkt_store_open(const char *dir, struct rkt_store **ret, struct rkt_error *err)
{
	_cleanup_(rkt_store_freep) struct rkt_store *s = xzalloc(sizeof(*s));
	_cleanup_close_ int db_fd = -EBADF, sha_fd = -EBADF;
	_cleanup_free_ char *db_path = NULL;
	int r;

	s->dir_fd = s->cas_fd = s->lock_fd = s->blob_fd = s->tree_fd = s->tmp_fd = -EBADF;
	s->layer_fd = -EBADF;
	s->dir = xstrdup(dir);
	r = rkt_mkdir_p_at(AT_FDCWD, dir, 0755, NULL);
	if (r < 0)
		return rkt_error_set(err, r, "store '%s': create", dir);
	s->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dir_fd < 0)
		return rkt_error_set(err, errno, "store '%s': open", dir);
	r = open_subdir(s->dir_fd, "cas", 0755, &s->cas_fd);
	if (r < 0)
		return rkt_error_set(err, r, "store '%s': open 'cas'", dir);
	s->lock_fd = openat(s->cas_fd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (s->lock_fd < 0)
		return rkt_error_set(err, errno, "store '%s': open 'cas/lock'", dir);
	r = rkt_store_lock(s, false, err);
	if (r < 0)
		return r;
	if ((r = open_subdir(s->cas_fd, "blob", 0750, &sha_fd)) < 0 ||
	    (r = open_subdir(sha_fd, "sha512", 0750, &s->blob_fd)) < 0 ||
	    (r = open_subdir(sha_fd, "sha256", 0750, &s->layer_fd)) < 0 ||
	    /* Trees hold setuid binaries of images: only the owner may enter (as upstream). */
	    (r = open_subdir(s->cas_fd, "tree", 0700, &s->tree_fd)) < 0 ||
	    (r = open_subdir(s->cas_fd, "tmp", 0700, &s->tmp_fd)) < 0 ||
	    (r = open_subdir(s->cas_fd, "db", 0750, &db_fd)) < 0)
		return rkt_error_set(err, r, "store '%s': create directories", dir);

	db_path = xasprintf("%s/cas/db/index.sqlite", dir);
	r = rkt_index_open(db_path, &s->db, err);
	if (r < 0)
		return r;

	/* A dead import may have published a blob or tree without its index row: remember to
	 * look for orphans, which needs the store to ourselves. */
	if (rkt_store_sweep_tmp(s, false) > 0)
		(void)rkt_store_mark_dirty(s, NULL);
	/* Leftovers of killed removals and imports, when nobody else is using the store. Only
	 * when marked: checking every blob against the index costs a query per image. */
	if (faccessat(s->cas_fd, DIRTY_MARK, F_OK, AT_SYMLINK_NOFOLLOW) == 0 &&
	    flock(s->lock_fd, LOCK_EX | LOCK_NB) == 0) {
		(void)sweep_orphans(s);
		(void)unlinkat(s->cas_fd, DIRTY_MARK, 0);
	}
	/* A failed conversion drops the shared lock too (flock(2) is not atomic): take it again. */
	r = rkt_store_lock(s, false, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(s);
	return 0;
}

struct rkt_store *rkt_store_free(struct rkt_store *s)
{
	if (!s)
		return NULL;
	if (s->db)
		sqlite3_close_v2(s->db);
	int fds[] = { s->dir_fd,   s->cas_fd,  s->lock_fd, s->blob_fd,
		      s->layer_fd, s->tree_fd, s->tmp_fd };
	for (size_t i = 0; i < ELEMENTSOF(fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(s->dir);
	free(s);
	return NULL;
}

int rkt_store_list(struct rkt_store *s, struct rkt_image_info **ret, size_t *ret_n,
                   struct rkt_error *err)
{
	return rkt_index_list(s->db, ret, ret_n, err);
}

int rkt_store_resolve(struct rkt_store *s, const char *id_or_prefix, char ret_id[RKT_IMAGE_ID_SIZE],
                      struct rkt_error *err)
{
	_cleanup_free_ char *prefix = NULL;
	const char *hex = id_or_prefix;
	size_t n = 0;
	int r;

	if (strncmp(hex, "sha512-", 7) == 0)
		hex += 7;
	if (!hex[0] || strlen(hex) > RKT_SHA512_HEX_LEN ||
	    strspn(hex, "0123456789abcdef") != strlen(hex))
		return rkt_error_set(err, EINVAL, "'%s' is not an image ID", id_or_prefix);
	prefix = xasprintf("sha512-%s", hex);
	r = rkt_index_match_prefix(s->db, prefix, ret_id, &n, err);
	if (r < 0)
		return r;
	if (n == 0)
		return rkt_error_input(err, ENOENT, "no image with ID '%s' in the store",
		                       id_or_prefix);
	if (n > 1)
		return rkt_error_set(err, ENOTUNIQ,
		                     "image ID '%s' is ambiguous: several images start with it",
		                     id_or_prefix);
	return 0;
}

int rkt_store_get_info(struct rkt_store *s, const char *id, struct rkt_image_info *ret,
                       struct rkt_error *err)
{
	return rkt_index_get(s->db, id, ret, NULL, err);
}

int rkt_store_get_manifest(struct rkt_store *s, const char *id, char **ret, struct rkt_error *err)
{
	return rkt_index_get(s->db, id, NULL, ret, err);
}

int rkt_store_get_remote(struct rkt_store *s, const char *url, struct rkt_remote *ret,
                         struct rkt_error *err)
{
	return rkt_index_get_remote(s->db, url, ret, err);
}

static bool labels_match(const struct rkt_kv_list *have, const struct rkt_kv_list *want)
{
	for (size_t i = 0; want && i < want->n; i++) {
		const char *v = rkt_kv_list_get(have, want->items[i].name);

		if (!v || strcmp(v, want->items[i].value) != 0)
			return false;
	}
	return true;
}

int rkt_store_find_by_name(struct rkt_store *s, const char *name, const struct rkt_kv_list *labels,
                           char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err)
{
	struct rkt_image_info *v = NULL;
	const struct rkt_image_info *best = NULL;
	bool want_latest = !labels || !rkt_kv_list_get(labels, "version");
	size_t n = 0;
	int r;

	r = rkt_index_list(s->db, &v, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].name, name) != 0 || !labels_match(&v[i].labels, labels))
			continue;
		/* Rows come oldest first: a later one wins unless latest decides. */
		if (best && want_latest && best->latest && !v[i].latest)
			continue;
		best = &v[i];
	}
	if (best)
		memcpy(ret_id, best->id, RKT_IMAGE_ID_SIZE);
	rkt_image_info_array_free(v, n);
	if (!best)
		return rkt_error_input(
		        err, ENOENT, "no image named '%s' with matching labels in the store", name);
	return 0;
}

static char *blob_rel(const char *id)
{
	return xasprintf("%.2s/%s", id + 7, id);
}

int rkt_store_open_blob(struct rkt_store *s, const char *id, int *ret_fd, struct rkt_error *err)
{
	_cleanup_free_ char *rel = blob_rel(id);
	int r = rkt_index_get(s->db, id, NULL, NULL, err), fd;

	if (r < 0)
		return r;
	fd = openat(s->blob_fd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return rkt_error_set(err, errno, "image '%s': open blob", id);
	(void)rkt_index_touch_hint(s->db, id, rkt_now_ns());
	*ret_fd = fd;
	return 0;
}

int rkt_store_open_tree(struct rkt_store *s, const char *id, int *ret_fd, struct rkt_error *err)
{
	int fd;

	if (!is_full_id(id))
		return rkt_error_set(err, EINVAL, "'%s' is not a full image ID", id);
	fd = openat(s->tree_fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return rkt_error_set(err, errno, "image '%s': open tree", id);
	*ret_fd = fd;
	return 0;
}

/* Deletes the row (in its own transaction), then the files. Exclusive lock held. */
static int remove_locked(struct rkt_store *s, const char *id, struct rkt_error *err)
{
	_cleanup_free_ char *rel = blob_rel(id);
	int r;

	/* Killed between the index and the files, the next user finds the orphans. A mark that
	 * was there before stays: it may stand for other orphans. */
	bool was_dirty = faccessat(s->cas_fd, DIRTY_MARK, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
	r = rkt_store_mark_dirty(s, err);
	if (r < 0)
		return r;
	r = rkt_index_begin(s->db, err);
	if (r < 0)
		return r;
	r = rkt_index_end(s->db, rkt_index_delete(s->db, id, err), err);
	if (r < 0)
		return r;
	if (unlinkat(s->blob_fd, rel, 0) < 0 && errno != ENOENT)
		return rkt_error_set(err, errno, "image '%s': remove blob", id);
	r = rkt_rm_rf_at(s->tree_fd, id, err);
	if (r < 0)
		return r;
	r = rkt_store_prune_layers(s, err);
	if (r < 0)
		return r;
	if (!was_dirty)
		(void)unlinkat(s->cas_fd, DIRTY_MARK, 0);
	return 0;
}

void rkt_image_refs_free(struct rkt_image_ref *refs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(refs[i].holder);
	free(refs);
}

void rkt_store_set_refs(struct rkt_store *s, rkt_store_refs_fn fn, void *userdata)
{
	s->refs = fn;
	s->refs_userdata = userdata;
}

/* The images in use; exclusive lock held. */
static int list_refs(struct rkt_store *s, struct rkt_image_ref **ret, size_t *ret_n,
                     struct rkt_error *err)
{
	*ret = NULL;
	*ret_n = 0;
	if (!s->refs)
		return 0;
	return s->refs(s->refs_userdata, ret, ret_n, err);
}

static const struct rkt_image_ref *find_ref(const struct rkt_image_ref *refs, size_t n,
                                            const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(refs[i].id, id) == 0)
			return &refs[i];
	return NULL;
}

int rkt_store_remove(struct rkt_store *s, const char *id, struct rkt_error *err)
{
	struct rkt_image_ref *refs = NULL;
	const struct rkt_image_ref *ref;
	size_t n_refs = 0;
	int r = rkt_store_lock(s, true, err);

	if (r < 0)
		return r;
	r = list_refs(s, &refs, &n_refs, err);
	if (r >= 0 && (ref = find_ref(refs, n_refs, id)))
		r = rkt_error_input(err, EBUSY, "image '%s' is in use by %s", id, ref->holder);
	rkt_image_refs_free(refs, n_refs);
	if (r >= 0)
		r = remove_locked(s, id, err);
	int q = rkt_store_lock(s, false, r < 0 ? NULL : err);
	return r < 0 ? r : q;
}

int rkt_store_gc(struct rkt_store *s, int64_t grace_ns,
                 void (*removed_id)(void *userdata, const char *id), void *userdata,
                 struct rkt_store_gc_result *ret, struct rkt_error *err)
{
	struct rkt_store_gc_result res = { 0 };
	struct rkt_image_info *v = NULL;
	struct rkt_image_ref *refs = NULL;
	int64_t now = rkt_now_ns();
	size_t n = 0, n_refs = 0;
	int r;

	r = rkt_store_lock(s, true, err);
	if (r < 0)
		return r;
	r = list_refs(s, &refs, &n_refs, err);
	if (r >= 0)
		r = rkt_index_list(s->db, &v, &n, err);
	for (size_t i = 0; r >= 0 && grace_ns >= 0 && i < n; i++) {
		if (now - v[i].last_used < grace_ns)
			continue;
		if (find_ref(refs, n_refs, v[i].id)) {
			res.images_in_use++;
			continue;
		}
		r = remove_locked(s, v[i].id, err);
		if (r >= 0) {
			res.images_removed++;
			if (removed_id)
				removed_id(userdata, v[i].id);
		}
	}
	rkt_image_info_array_free(v, n);
	rkt_image_refs_free(refs, n_refs);
	if (r >= 0)
		r = rkt_store_prune_layers(s, err);
	if (r >= 0) {
		res.files_removed = rkt_store_sweep_tmp(s, true) + sweep_orphans(s);
		(void)unlinkat(s->cas_fd, DIRTY_MARK, 0);
		res.trees_removed = 0;
	}
	int q = rkt_store_lock(s, false, r < 0 ? NULL : err);
	if (r < 0)
		return r;
	if (ret)
		*ret = res;
	return q;
}
