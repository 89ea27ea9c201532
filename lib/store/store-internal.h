/* Internals of the image store shared by its files and the unit tests. */
#pragma once

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include "util/time.h"

/* Schema version of cas/db/index.sqlite (PRAGMA user_version). */
#define RKT_INDEX_SCHEMA_VERSION  2
#define RKT_INDEX_BUSY_TIMEOUT_MS 60000

struct rkt_store {
	int dir_fd;   /* the data dir */
	int cas_fd;   /* DIR/cas */
	int lock_fd;  /* DIR/cas/lock, flock'ed SH (or EX while exclusive) */
	int blob_fd;  /* DIR/cas/blob/sha512 */
	int layer_fd; /* DIR/cas/blob/sha256: container image layers */
	int tree_fd;  /* DIR/cas/tree */
	int tmp_fd;   /* DIR/cas/tmp */
	sqlite3 *db;
	char *dir;
	rkt_store_refs_fn refs; /* images in use, or NULL */
	void *refs_userdata;
};

/* Opens the index at PATH (creating it), sets WAL and the busy timeout, and migrates it to
 * RKT_INDEX_SCHEMA_VERSION. -EPROTONOSUPPORT if it is newer, -EIO for SQLite failures. */
int rkt_index_open(const char *path, sqlite3 **ret, struct rkt_error *err);
/* Brings DB from its user_version to RKT_INDEX_SCHEMA_VERSION in one IMMEDIATE transaction. */
int rkt_index_migrate(sqlite3 *db, struct rkt_error *err);
int rkt_index_version(sqlite3 *db, int *ret, struct rkt_error *err);

/* Transactions: BEGIN IMMEDIATE (writers), COMMIT, ROLLBACK. */
int rkt_index_begin(sqlite3 *db, struct rkt_error *err);
int rkt_index_commit(sqlite3 *db, struct rkt_error *err);
void rkt_index_rollback(sqlite3 *db);
/* Ends the transaction by the result R of its work: commits if R >= 0, else (or if the commit
 * fails) rolls back. Returns R, or the commit's error. */
int rkt_index_end(sqlite3 *db, int r, struct rkt_error *err);

/* Row operations; MANIFEST is the raw manifest JSON. Insert fails with -EEXIST if ID exists. */
int rkt_index_insert(sqlite3 *db, const struct rkt_image_info *info, const char *manifest,
                     struct rkt_error *err);
/* Inserts INFO's row, or if its ID is stored, sets that row's last use to INFO->last_used.
 * Returns 0 (inserted), 1 (stored before) or -errno. */
int rkt_index_insert_or_touch(sqlite3 *db, const struct rkt_image_info *info, const char *manifest,
                              struct rkt_error *err);
int rkt_index_delete(sqlite3 *db, const char *id, struct rkt_error *err);
int rkt_index_get(sqlite3 *db, const char *id, struct rkt_image_info *ret, char **ret_manifest,
                  struct rkt_error *err);
/* Every row, oldest import first. */
int rkt_index_list(sqlite3 *db, struct rkt_image_info **ret, size_t *ret_n, struct rkt_error *err);
int rkt_index_touch(sqlite3 *db, const char *id, int64_t now_ns, struct rkt_error *err);
/* rkt_index_touch outside a transaction without waiting for the disk (the time is a hint for
 * gc, a crash may lose it); returns what the update returned, the error not recorded. */
int rkt_index_touch_hint(sqlite3 *db, const char *id, int64_t now_ns);
/* Rows whose id starts with PREFIX (full form "sha512-..."): up to 2 ids, count in *ret_n. */
int rkt_index_match_prefix(sqlite3 *db, const char *prefix, char ret_id[RKT_IMAGE_ID_SIZE],
                           size_t *ret_n, struct rkt_error *err);
int rkt_index_put_remote(sqlite3 *db, const struct rkt_remote *r, struct rkt_error *err);
int rkt_index_get_remote(sqlite3 *db, const char *url, struct rkt_remote *ret,
                         struct rkt_error *err);

/* Image labels as stored in the index (a JSON object {"name":"value"}), and back. */
char *rkt_labels_to_json(const struct rkt_kv_list *labels);
int rkt_labels_from_json(const char *s, struct rkt_kv_list *ret);

/* flock the store lock file shared or exclusive (converting what this process holds). */
int rkt_store_lock(struct rkt_store *s, bool exclusive, struct rkt_error *err);
/* Creates cas/dirty: blobs or trees may lack their index row. The next store user that gets
 * the exclusive lock (or rkt_store_gc) removes those orphans and the mark. */
int rkt_store_mark_dirty(struct rkt_store *s, struct rkt_error *err);
/* Removes the work directories of dead imports under cas/tmp, and with DOWNLOADS the partial
 * downloads nobody is writing; returns how many. */
size_t rkt_store_sweep_tmp(struct rkt_store *s, bool downloads);
/* If NAME (in cas/tmp) is a partial download's body that nobody holds, removes it and its
 * side files and returns true. */
bool rkt_store_sweep_download(struct rkt_store *s, const char *name);

/* Drops the layers no image uses: their rows, then their blobs (exclusive lock held). */
int rkt_store_prune_layers(struct rkt_store *s, struct rkt_error *err);
/* Removes layer blobs without a row in table layers; returns how many (exclusive lock held). */
size_t rkt_store_sweep_layers(struct rkt_store *s);

/* A private work directory under cas/tmp, alive while its lock file is flock'ed. */
struct rkt_store_work {
	struct rkt_store *store;
	char name[40];
	int lock_fd;
	int fd;
};
int rkt_store_work_new(struct rkt_store *s, struct rkt_store_work *w, struct rkt_error *err);
void rkt_store_work_release(struct rkt_store_work *w);
/* Publishes a finished file as REL ("fan/name") under DIR_FD (cas/blob, cas/blob/sha256),
 * creating the fan-out directory: FD is linked in, replacing a file of that name (an orphan
 * without its index row, or the same content), or with FD < 0, W's "blob" is renamed there.
 * Returns 0 or -errno; the caller names the file. */
int rkt_store_publish_file(int dir_fd, const char *rel, int fd, struct rkt_store_work *w);
/* Renames W/tree to cas/tree/ID (another import's complete tree there is fine). */
int rkt_store_publish_tree(struct rkt_store *s, struct rkt_store_work *w, const char *id,
                           struct rkt_error *err);

/* 1 if image ID is made of container layers, 0 if it is an ACI. */
int rkt_store_is_layered(struct rkt_store *s, const char *id, struct rkt_error *err);
/* Re-hashes the layers of ID against their digests and renders them into WORK_FD/tree/rootfs
 * (for rkt_store_verify). -EBADMSG for a damaged layer. */
int rkt_store_verify_layers(struct rkt_store *s, const char *id, int work_fd,
                            struct rkt_error *err);
