/* Container image layers in the store (docs/store.md, "Layers"). */
#include "store/store-internal.h"
#include "store/sqlite-api.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/layer.h"
#include "store/tree.h"
#include "util/cleanup.h"
#include "util/json-util.h"
#include "util/xalloc.h"

RKT_DEFINE_CLEANUP(sqlite3_stmt *, sqlite3_finalize)
#define _cleanup_stmt_ _cleanup_(sqlite3_finalizep)

/* "sha256:<hex>" -> "<2 hex>/sha256-<hex>" under cas/blob/sha256. */
static char *layer_rel(const char *digest)
{
	return xasprintf("%.2s/sha256-%s", digest + 7, digest + 7);
}

static int db_fail(struct rkt_store *s, struct rkt_error *err, const char *what)
{
	return rkt_error_set(err, EIO, "index: %s: %s", what, sqlite3_errmsg(s->db));
}

static int layer_row_exists(struct rkt_store *s, const char *digest)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM layers WHERE digest = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, digest, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		return 1;
	case SQLITE_DONE:
		return 0;
	default:
		return -EIO;
	}
}

bool rkt_store_has_layer(struct rkt_store *s, const char *digest)
{
	_cleanup_free_ char *rel = NULL;

	if (!rkt_sha256_digest_valid(digest) || layer_row_exists(s, digest) != 1)
		return false;
	rel = layer_rel(digest);
	return faccessat(s->layer_fd, rel, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int rkt_store_open_layer(struct rkt_store *s, const char *digest, int *ret_fd,
                         struct rkt_error *err)
{
	_cleanup_free_ char *rel = NULL;
	int fd;

	if (!rkt_sha256_digest_valid(digest))
		return rkt_error_input(err, EINVAL, "'%s' is not a sha256 digest", digest);
	rel = layer_rel(digest);
	fd = openat(s->layer_fd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return rkt_error_set(err, errno, "layer '%s'", digest);
	*ret_fd = fd;
	return 0;
}

int rkt_store_layer_tmpfile(struct rkt_store *s, int *ret_fd, struct rkt_error *err)
{
	int fd = openat(s->tmp_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0640);

	if (fd < 0)
		return rkt_error_set(err, errno, "store: create a file in 'cas/tmp'");
	*ret_fd = fd;
	return 0;
}

int rkt_store_image_layers(struct rkt_store *s, const char *id, char ***ret, size_t *ret_n,
                           struct rkt_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	char **v = NULL;
	size_t n = 0, cap = 0;
	int q;

	if (sqlite3_prepare_v2(s->db,
	                       "SELECT digest FROM imagelayers WHERE imageid = ? ORDER BY position",
	                       -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, err, "image layers");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((q = sqlite3_step(st)) == SQLITE_ROW) {
		xgrow((void **)&v, &cap, n + 2, sizeof(*v));
		v[n++] = xstrdup((const char *)sqlite3_column_text(st, 0) ?: "");
		v[n] = NULL;
	}
	if (q != SQLITE_DONE) {
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return db_fail(s, err, "image layers");
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static int new_writer(int rootfs_fd, struct rkt_tree_writer **ret, struct rkt_error *err)
{
	const struct rkt_tree_write_opts o = { .keep_owner = geteuid() == 0, .no_symlinks = true };

	return rkt_tree_writer_new(rootfs_fd, &o, ret, err);
}

/* Applies layers IN through W, a writer on ROOTFS_FD (an empty tree, or one it continues), and
 * finishes it. */
static int apply_layers(struct rkt_store *s, int rootfs_fd, struct rkt_tree_writer *w,
                        const struct rkt_store_layer_in *in, size_t n, const char *what,
                        struct rkt_error *err)
{
	int r = 0;

	for (size_t i = 0; r >= 0 && i < n; i++) {
		_cleanup_free_ char *lwhat = xasprintf("%s: layer '%s'", what, in[i].digest);
		_cleanup_close_ int own = -EBADF;
		int fd = in[i].fd;

		if (fd < 0) {
			r = rkt_store_open_layer(s, in[i].digest, &own, err);
			if (r < 0)
				return rkt_error_wrap(err, r, "%s", what);
			fd = own;
		} else if (lseek(fd, 0, SEEK_SET) < 0) {
			return rkt_error_set(err, errno, "%s: seek", lwhat);
		}
		r = rkt_layer_apply(rootfs_fd, w, fd, lwhat, NULL, err);
	}
	if (r >= 0)
		r = rkt_tree_writer_finish(w, err);
	/* Layers skip their "./" entries; the root gets a fixed mtime so that a tree rendered
	 * again (rkt image verify) is the same. */
	struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, { 0 } };
	if (r >= 0 && futimens(rootfs_fd, ts) < 0)
		r = rkt_error_set(err, errno, "%s: set the root's mtime", what);
	return r;
}

int rkt_store_render_layers(struct rkt_store *s, const char *id, int root_fd, struct rkt_error *err)
{
	_cleanup_free_ struct rkt_store_layer_in *in = NULL;
	_cleanup_free_ char *what = xasprintf("image '%s'", id);
	_cleanup_(rkt_tree_writer_freep) struct rkt_tree_writer *w = NULL;
	char **digests = NULL;
	size_t n = 0;
	int r = rkt_store_image_layers(s, id, &digests, &n, err);

	if (r < 0)
		return r;
	in = xzalloc((n + 1) * sizeof(*in));
	for (size_t i = 0; i < n; i++) {
		(void)snprintf(in[i].digest, sizeof(in[i].digest), "%s", digests[i]);
		in[i].fd = -1;
	}
	r = new_writer(root_fd, &w, err);
	if (r >= 0)
		r = apply_layers(s, root_fd, w, in, n, what, err);
	for (size_t i = 0; i < n; i++)
		free(digests[i]);
	free(digests);
	return r;
}

static int write_all(int fd, const char *buf, size_t len, struct rkt_error *err)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = write(fd, buf + done, len - done);
		if (n < 0)
			return rkt_error_set(err, errno, "store: write");
		done += (size_t)n;
	}
	return 0;
}

/* The image's blob: what identifies it (its manifest and its layers), as canonical JSON. */
static char *image_record(const struct rkt_store_layered_opts *o)
{
	_cleanup_(json_object_putp) struct json_object *rec = json_object_new_object();
	struct json_object *layers = json_object_new_array();
	struct json_object *m = json_tokener_parse(o->manifest);

	json_object_object_add(rec, "mediaType",
	                       json_object_new_string("application/vnd.rkt.layered-image.v1+json"));
	json_object_object_add(rec, "manifest", m);
	for (size_t i = 0; i < o->n_layers; i++) {
		struct json_object *l = json_object_new_object();

		json_object_object_add(l, "digest", json_object_new_string(o->layers[i].digest));
		json_object_object_add(l, "mediaType",
		                       json_object_new_string(o->layers[i].media_type ?: ""));
		json_object_object_add(l, "size",
		                       json_object_new_int64((int64_t)o->layers[i].size));
		json_object_array_add(layers, l);
	}
	json_object_object_add(rec, "layers", layers);
	return rkt_json_format(rec, false);
}

static int publish_layer(struct rkt_store *s, const struct rkt_store_layer_in *l,
                         struct rkt_error *err)
{
	_cleanup_free_ char *rel = layer_rel(l->digest);
	int r;

	if (fsync(l->fd) < 0)
		return rkt_error_set(err, errno, "store: sync layer '%s'", l->digest);
	r = rkt_store_publish_file(s->layer_fd, rel, l->fd, NULL);
	if (r < 0)
		return rkt_error_set(err, -r, "store: publish layer '%s'", l->digest);
	return 0;
}

static int record_rows(struct rkt_store *s, const struct rkt_store_layered_opts *o,
                       const struct rkt_image_manifest *m, const char *id, uint64_t size,
                       uint64_t tree_size, struct rkt_error *err)
{
	int64_t now = rkt_now_ns();
	struct rkt_image_info row = {
		.name = m->name,
		.labels = m->labels,
		.import_time = now,
		.last_used = now,
		.latest = o->latest,
		.size = size,
		.tree_size = tree_size,
		.insecure_options = o->insecure_options,
		.origin = (char *)o->origin,
	};
	bool existed = false;
	int r;

	memcpy(row.id, id, sizeof(row.id));
	r = rkt_index_begin(s->db, err);
	if (r < 0)
		return r;
	r = rkt_index_insert_or_touch(s->db, &row, o->manifest, err);
	existed = r == 1;
	for (size_t i = 0; r >= 0 && !existed && i < o->n_layers; i++) {
		_cleanup_stmt_ sqlite3_stmt *a = NULL, *b = NULL;

		if (sqlite3_prepare_v2(s->db,
		                       "INSERT OR IGNORE INTO layers (digest, size, mediatype, "
		                       "importtime) VALUES (?,?,?,?)",
		                       -1, &a, NULL) != SQLITE_OK ||
		    sqlite3_prepare_v2(s->db,
		                       "INSERT INTO imagelayers (imageid, position, digest) "
		                       "VALUES (?,?,?)",
		                       -1, &b, NULL) != SQLITE_OK) {
			r = db_fail(s, err, "insert layer");
			break;
		}
		sqlite3_bind_text(a, 1, o->layers[i].digest, -1, SQLITE_STATIC);
		sqlite3_bind_int64(a, 2, (sqlite3_int64)o->layers[i].size);
		sqlite3_bind_text(a, 3, o->layers[i].media_type ?: "", -1, SQLITE_STATIC);
		sqlite3_bind_int64(a, 4, now);
		sqlite3_bind_text(b, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(b, 2, (sqlite3_int64)i);
		sqlite3_bind_text(b, 3, o->layers[i].digest, -1, SQLITE_STATIC);
		if (sqlite3_step(a) != SQLITE_DONE || sqlite3_step(b) != SQLITE_DONE)
			r = db_fail(s, err, "insert layer");
	}
	r = rkt_index_end(s->db, r, err);
	return r < 0 ? r : existed;
}

/* 1 and the image in BASE if a stored image with a tree is made of the first K of O's layers,
 * the largest such K (all of them too: the same layers under another config); 0 if none. Only
 * images that share the bottom layer can be one. Errors only mean "no base". */
static int find_base(struct rkt_store *s, const struct rkt_store_layered_opts *o,
                     char base[RKT_IMAGE_ID_SIZE], size_t *ret_k)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	size_t best = 0;

	if (o->n_layers == 0 ||
	    sqlite3_prepare_v2(s->db,
	                       "SELECT imageid FROM imagelayers WHERE position = 0 AND digest = ?",
	                       -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, o->layers[0].digest, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		_cleanup_free_ char *rootfs = NULL;
		char **v = NULL;
		size_t n = 0, same = 0;

		if (!id || strlen(id) != RKT_IMAGE_ID_SIZE - 1 ||
		    rkt_store_image_layers(s, id, &v, &n, NULL) < 0)
			continue;
		while (same < n && same < o->n_layers &&
		       strcmp(v[same], o->layers[same].digest) == 0)
			same++;
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		if (same != n || n <= best)
			continue; /* not a prefix of ours, or no better */
		rootfs = xasprintf("%s/rootfs", id);
		if (faccessat(s->tree_fd, rootfs, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
			memcpy(base, id, RKT_IMAGE_ID_SIZE);
			best = n;
		}
	}
	*ret_k = best;
	return best > 0;
}

/* An empty TREE_FD/rootfs, replacing what is there. */
static int new_rootfs(int tree_fd, int *ret_fd, struct rkt_error *err)
{
	int r = rkt_rm_rf_at(tree_fd, "rootfs", err), fd;

	if (r < 0)
		return r;
	if (mkdirat(tree_fd, "rootfs", 0755) < 0 ||
	    (fd = openat(tree_fd, "rootfs", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return rkt_error_set(err, errno, "store: create tree");
	*ret_fd = fd;
	return 0;
}

/* Fills *ROOTFS_FD (empty) with the tree of O's layers. When a stored image is made of the
 * first K of them, its tree is cloned with hard links and only the layers above K are applied:
 * a second image on the same base costs its new layers, not the base again. If the clone fails
 * (EMLINK, a link the file system refuses, a tree removed meanwhile), the tree is rendered
 * from the bottom layer in a new, empty *ROOTFS_FD. */
static int render_tree(struct rkt_store *s, const struct rkt_store_layered_opts *o, int tree_fd,
                       int *rootfs_fd, uint64_t *ret_size, struct rkt_error *err)
{
	_cleanup_(rkt_tree_writer_freep) struct rkt_tree_writer *w = NULL;
	char base[RKT_IMAGE_ID_SIZE];
	uint64_t base_size = 0;
	size_t k = 0;
	int r = new_writer(*rootfs_fd, &w, err);

	if (r < 0)
		return r;
	if (find_base(s, o, base, &k) > 0) {
		_cleanup_free_ char *src = xasprintf("%s/rootfs", base);
		struct rkt_image_info info = { 0 };

		if (rkt_tree_clone_links(s->tree_fd, src, *rootfs_fd, w, NULL) >= 0) {
			if (rkt_store_get_info(s, base, &info, NULL) >= 0)
				base_size = info.tree_size;
			rkt_image_info_release(&info);
		} else {
			k = 0;
			w = rkt_tree_writer_free(w);
			(void)close(*rootfs_fd);
			*rootfs_fd = -EBADF;
			r = new_rootfs(tree_fd, rootfs_fd, err);
			if (r >= 0)
				r = new_writer(*rootfs_fd, &w, err);
			if (r < 0)
				return r;
		}
	}
	r = apply_layers(s, *rootfs_fd, w, o->layers + k, o->n_layers - k, o->what, err);
	if (r >= 0)
		*ret_size = base_size + rkt_tree_writer_size(w);
	return r;
}

int rkt_store_import_layered(struct rkt_store *s, const struct rkt_store_layered_opts *o,
                             char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err)
{
	_cleanup_(rkt_store_work_release) struct rkt_store_work w = { .lock_fd = -EBADF,
		                                                      .fd = -EBADF };
	_cleanup_(rkt_image_manifest_freep) struct rkt_image_manifest *m = NULL;
	_cleanup_close_ int tree_fd = -EBADF, rootfs_fd = -EBADF, blob_fd = -EBADF;
	_cleanup_(rkt_sha512_freep) struct rkt_sha512 *h = rkt_sha512_new();
	_cleanup_free_ char *rec = image_record(o), *blob = NULL;
	char id[RKT_IMAGE_ID_SIZE];
	uint64_t tree_size = 0, size = 0;
	int r;

	r = rkt_image_manifest_parse(o->manifest, strlen(o->manifest), o->what, &m, err);
	if (r < 0)
		return r;
	rkt_sha512_update(h, rec, strlen(rec));
	rkt_sha512_final_id(h, id);

	r = rkt_store_work_new(s, &w, err);
	if (r < 0)
		return r;
	if (mkdirat(w.fd, "tree", 0700) < 0 ||
	    (tree_fd = openat(w.fd, "tree", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    mkdirat(tree_fd, "rootfs", 0755) < 0 ||
	    (rootfs_fd = openat(tree_fd, "rootfs", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return rkt_error_set(err, errno, "store: create tree");
	r = render_tree(s, o, tree_fd, &rootfs_fd, &tree_size, err);
	if (r < 0)
		return r;
	{
		_cleanup_close_ int mfd =
		        openat(tree_fd, "manifest", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (mfd < 0)
			return rkt_error_set(err, errno, "store: create manifest");
		r = write_all(mfd, o->manifest, strlen(o->manifest), err);
		if (r < 0)
			return r;
	}
	blob_fd = openat(w.fd, "blob", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (blob_fd < 0)
		return rkt_error_set(err, errno, "store: create blob");
	r = write_all(blob_fd, rec, strlen(rec), err);
	if (r < 0)
		return r;
	if (fsync(blob_fd) < 0 || syncfs(w.fd) < 0)
		return rkt_error_set(err, errno, "store: sync");
	for (size_t i = 0; i < o->n_layers; i++)
		size += o->layers[i].size;

	/* Published from here on: a failure leaves orphans for the next exclusive user. */
	for (size_t i = 0; r >= 0 && i < o->n_layers; i++)
		if (o->layers[i].fd >= 0)
			r = publish_layer(s, &o->layers[i], err);
	blob = xasprintf("%.2s/%s", id + 7, id);
	if (r >= 0 && (r = rkt_store_publish_file(s->blob_fd, blob, -EBADF, &w)) < 0)
		r = rkt_error_set(err, -r, "store: publish blob '%s'", id);
	if (r >= 0 && fsync(s->layer_fd) < 0)
		r = rkt_error_set(err, errno, "store: sync 'cas/blob/sha256'");
	if (r >= 0)
		r = rkt_store_publish_tree(s, &w, id, err);
	if (r >= 0)
		r = record_rows(s, o, m, id, size, tree_size, err);
	if (r < 0) {
		(void)rkt_store_mark_dirty(s, NULL);
		return r;
	}
	memcpy(ret_id, id, RKT_IMAGE_ID_SIZE);
	return r;
}

int rkt_store_prune_layers(struct rkt_store *s, struct rkt_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	char **v = NULL;
	size_t n = 0, cap = 0;
	int r, q;

	r = rkt_index_begin(s->db, err);
	if (r < 0)
		return r;
	if (sqlite3_prepare_v2(s->db,
	                       "SELECT digest FROM layers WHERE digest NOT IN "
	                       "(SELECT digest FROM imagelayers)",
	                       -1, &st, NULL) != SQLITE_OK) {
		rkt_index_rollback(s->db);
		return db_fail(s, err, "unused layers");
	}
	while ((q = sqlite3_step(st)) == SQLITE_ROW) {
		xgrow((void **)&v, &cap, n + 1, sizeof(*v));
		v[n++] = xstrdup((const char *)sqlite3_column_text(st, 0) ?: "");
	}
	sqlite3_finalize(TAKE_PTR(st));
	r = q == SQLITE_DONE ? 0 : db_fail(s, err, "unused layers");
	if (r >= 0 && sqlite3_exec(s->db,
	                           "DELETE FROM layers WHERE digest NOT IN "
	                           "(SELECT digest FROM imagelayers)",
	                           NULL, NULL, NULL) != SQLITE_OK)
		r = db_fail(s, err, "delete unused layers");
	r = rkt_index_end(s->db, r, err);
	for (size_t i = 0; i < n; i++) {
		if (r >= 0 && rkt_sha256_digest_valid(v[i])) {
			_cleanup_free_ char *rel = layer_rel(v[i]);

			if (unlinkat(s->layer_fd, rel, 0) < 0 && errno != ENOENT)
				r = rkt_error_set(err, errno, "layer '%s': remove blob", v[i]);
		}
		free(v[i]);
	}
	free(v);
	return r;
}

int rkt_store_is_layered(struct rkt_store *s, const char *id, struct rkt_error *err)
{
	char **v = NULL;
	size_t n = 0;
	int r = rkt_store_image_layers(s, id, &v, &n, err);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return n > 0;
}

static int hash_layer(struct rkt_store *s, const char *digest, struct rkt_error *err)
{
	_cleanup_(rkt_sha256_freep) struct rkt_sha256 *h = rkt_sha256_new();
	_cleanup_free_ char *buf = xmalloc(1 << 20);
	_cleanup_close_ int fd = -EBADF;
	char got[RKT_SHA256_DIGEST_SIZE];
	int r = rkt_store_open_layer(s, digest, &fd, err);

	if (r < 0)
		return r;
	for (;;) {
		ssize_t n = read(fd, buf, 1 << 20);
		if (n < 0)
			return rkt_error_set(err, errno, "layer '%s'", digest);
		if (n == 0)
			break;
		rkt_sha256_update(h, buf, (size_t)n);
	}
	rkt_sha256_final_digest(h, got);
	if (strcmp(got, digest) != 0)
		return rkt_error_set(err, EBADMSG, "layer '%s' hashes to '%s'", digest, got);
	return 0;
}

int rkt_store_verify_layers(struct rkt_store *s, const char *id, int work_fd, struct rkt_error *err)
{
	_cleanup_close_ int tree_fd = -EBADF, rootfs_fd = -EBADF;
	char **v = NULL;
	size_t n = 0;
	int r = rkt_store_image_layers(s, id, &v, &n, err);

	for (size_t i = 0; r >= 0 && i < n; i++)
		r = hash_layer(s, v[i], err);
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	if (r < 0)
		return r;
	if (mkdirat(work_fd, "tree", 0700) < 0 ||
	    (tree_fd = openat(work_fd, "tree", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    mkdirat(tree_fd, "rootfs", 0755) < 0 ||
	    (rootfs_fd = openat(tree_fd, "rootfs", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return rkt_error_set(err, errno, "store: create tree");
	r = rkt_store_render_layers(s, id, rootfs_fd, err);
	if (r >= 0) {
		_cleanup_free_ char *m = NULL;

		r = rkt_store_get_manifest(s, id, &m, err);
		if (r >= 0) {
			_cleanup_close_ int mfd = openat(
			        tree_fd, "manifest", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
			r = mfd < 0 ? rkt_error_set(err, errno, "store: create manifest")
			            : write_all(mfd, m, strlen(m), err);
		}
	}
	return r;
}
