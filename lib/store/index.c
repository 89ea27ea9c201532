/* The store index: SQLite at cas/db/index.sqlite (upstream rkt uses ql at cas/db/ql.db).
 *
 * WAL mode so that readers never block the writer; every writer starts with BEGIN IMMEDIATE
 * so that two writers serialize on the database lock (with a busy timeout) instead of failing
 * on a lock upgrade. The schema version is PRAGMA user_version; migrations are a list of steps,
 * applied in one transaction. */
#include "store/store-internal.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/sqlite-api.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

RKT_DEFINE_CLEANUP(sqlite3_stmt *, sqlite3_finalize)
#define _cleanup_stmt_ _cleanup_(sqlite3_finalizep)

/* Step N brings user_version N to N+1. Never edit a step once released: add one. */
static const char *const migrations[RKT_INDEX_SCHEMA_VERSION] = {
	"CREATE TABLE images ("
	" id TEXT PRIMARY KEY NOT NULL," /* blob key: sha512-<128 hex> */
	" name TEXT NOT NULL,"
	" labels TEXT NOT NULL," /* JSON [{"name":..,"value":..}] as in the manifest */
	" manifest TEXT NOT NULL,"
	" importtime INTEGER NOT NULL," /* ns since the epoch */
	" lastused INTEGER NOT NULL,"
	" latest INTEGER NOT NULL,"
	" size INTEGER NOT NULL,"
	" treestoresize INTEGER NOT NULL,"
	" insecureoptions INTEGER NOT NULL);"
	"CREATE INDEX images_name ON images(name);"
	"CREATE TABLE remote ("
	" aciurl TEXT PRIMARY KEY NOT NULL,"
	" sigurl TEXT,"
	" etag TEXT,"
	" blobkey TEXT NOT NULL,"
	" cachemaxage INTEGER NOT NULL,"
	" downloadtime INTEGER NOT NULL);",
	/* 1 -> 2: container image layers (docs/store.md, "Layers") and where images came from. */
	"CREATE TABLE layers ("
	" digest TEXT PRIMARY KEY NOT NULL," /* sha256:<64 hex> of the blob as fetched */
	" size INTEGER NOT NULL,"
	" mediatype TEXT NOT NULL,"
	" importtime INTEGER NOT NULL);"
	"CREATE TABLE imagelayers ("
	" imageid TEXT NOT NULL,"
	" position INTEGER NOT NULL," /* 0 is the bottom layer */
	" digest TEXT NOT NULL,"
	" PRIMARY KEY (imageid, position));"
	"CREATE INDEX imagelayers_digest ON imagelayers(digest);"
	"ALTER TABLE images ADD COLUMN origin TEXT;",
};

static int db_error(sqlite3 *db, struct rkt_error *err, const char *what)
{
	int code = sqlite3_errcode(db);

	return rkt_error_set(err, code == SQLITE_BUSY || code == SQLITE_LOCKED ? EBUSY : EIO,
	                     "index: %s: %s", what, sqlite3_errmsg(db));
}

static int exec(sqlite3 *db, const char *sql, struct rkt_error *err)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(db, err, sql);
	return 0;
}

int rkt_index_begin(sqlite3 *db, struct rkt_error *err)
{
	return exec(db, "BEGIN IMMEDIATE", err);
}

int rkt_index_commit(sqlite3 *db, struct rkt_error *err)
{
	return exec(db, "COMMIT", err);
}

void rkt_index_rollback(sqlite3 *db)
{
	(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

int rkt_index_end(sqlite3 *db, int r, struct rkt_error *err)
{
	int c;

	if (r >= 0 && (c = rkt_index_commit(db, err)) < 0)
		r = c;
	if (r < 0)
		rkt_index_rollback(db);
	return r;
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **ret, struct rkt_error *err)
{
	if (sqlite3_prepare_v2(db, sql, -1, ret, NULL) != SQLITE_OK)
		return db_error(db, err, "prepare");
	return 0;
}

int rkt_index_version(sqlite3 *db, int *ret, struct rkt_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r = prepare(db, "PRAGMA user_version", &st, err);

	if (r < 0)
		return r;
	if (sqlite3_step(st) != SQLITE_ROW)
		return db_error(db, err, "read schema version");
	*ret = sqlite3_column_int(st, 0);
	return 0;
}

int rkt_index_migrate(sqlite3 *db, struct rkt_error *err)
{
	int version, r;

	r = rkt_index_version(db, &version, err);
	if (r < 0)
		return r;
	if (version == RKT_INDEX_SCHEMA_VERSION)
		return 0;
	r = rkt_index_begin(db, err);
	if (r < 0)
		return r;
	/* Read again inside the transaction: another process may have migrated meanwhile. */
	r = rkt_index_version(db, &version, err);
	if (r >= 0 && (version < 0 || version > RKT_INDEX_SCHEMA_VERSION))
		r = rkt_error_set(err, EPROTONOSUPPORT,
		                  "index: schema version %d is newer than this rkt (%d)", version,
		                  RKT_INDEX_SCHEMA_VERSION);
	for (int v = version; r >= 0 && v < RKT_INDEX_SCHEMA_VERSION; v++)
		r = exec(db, migrations[v], err);
	if (r >= 0) {
		_cleanup_free_ char *sql =
		        xasprintf("PRAGMA user_version = %d", RKT_INDEX_SCHEMA_VERSION);
		r = exec(db, sql, err);
	}
	if (r >= 0)
		r = rkt_index_commit(db, err);
	if (r < 0)
		rkt_index_rollback(db);
	return r;
}

RKT_DEFINE_CLEANUP(sqlite3 *, sqlite3_close_v2)

/* WAL is a property of the file: read the mode first and set it only on a new index. Setting it
 * needs an exclusive lock and SQLite does not run the busy handler for it, so rkt commands
 * opening the store at once (30 pods started together) got "database is locked"; a conversion
 * that loses that race is tried again. */
static int use_wal(sqlite3 *db, struct rkt_error *err)
{
	for (int tries = 0;; tries++) {
		_cleanup_stmt_ sqlite3_stmt *st = NULL;
		int q;

		if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL) != SQLITE_OK)
			return db_error(db, err, "PRAGMA journal_mode");
		q = sqlite3_step(st);
		if (q == SQLITE_ROW &&
		    strcmp((const char *)sqlite3_column_text(st, 0) ?: "", "wal") == 0)
			return 0;
		sqlite3_finalize(TAKE_PTR(st));
		q = sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
		if (q == SQLITE_OK)
			return 0;
		if ((q & 0xff) != SQLITE_BUSY || tries >= 1000)
			return db_error(db, err, "PRAGMA journal_mode=WAL");
		(void)nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
}

int rkt_index_open(const char *path, sqlite3 **ret, struct rkt_error *err)
{
	_cleanup_(sqlite3_close_v2p) sqlite3 *db = NULL;
	int r;

	r = rkt_sqlite_load(err);
	if (r < 0)
		return rkt_error_wrap(err, r, "index '%s'", path);
	if (sqlite3_open_v2(path, &db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK) {
		if (!db)
			return rkt_error_set(err, ENOMEM, "index '%s': cannot open", path);
		return rkt_error_set(err, EIO, "index '%s': %s", path, sqlite3_errmsg(db));
	}
	sqlite3_busy_timeout(db, RKT_INDEX_BUSY_TIMEOUT_MS);
	r = use_wal(db, err);
	if (r >= 0)
		r = exec(db, "PRAGMA synchronous=FULL", err);
	if (r >= 0)
		r = rkt_index_migrate(db, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "index '%s'", path);
	*ret = TAKE_PTR(db);
	return 0;
}

char *rkt_labels_to_json(const struct rkt_kv_list *labels)
{
	struct json_object *arr = json_object_new_array();
	char *s;

	for (size_t i = 0; labels && i < labels->n; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(labels->items[i].name));
		json_object_object_add(o, "value", json_object_new_string(labels->items[i].value));
		json_object_array_add(arr, o);
	}
	s = xstrdup(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN));
	json_object_put(arr);
	return s;
}

int rkt_labels_from_json(const char *s, struct rkt_kv_list *ret)
{
	struct json_object *arr = json_tokener_parse(s);
	struct rkt_kv_list l = { 0 };

	if (!arr || !json_object_is_type(arr, json_type_array)) {
		json_object_put(arr);
		return -EBADMSG;
	}
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i), *n, *v;

		if (json_object_object_get_ex(o, "name", &n) &&
		    json_object_object_get_ex(o, "value", &v))
			rkt_kv_list_set(&l, json_object_get_string(n), json_object_get_string(v));
	}
	json_object_put(arr);
	*ret = l;
	return 0;
}

static const char select_cols[] = "SELECT id, name, labels, importtime, lastused, latest, size, "
                                  "treestoresize, insecureoptions, manifest, origin FROM images ";

static void row_to_info(sqlite3_stmt *st, struct rkt_image_info *info)
{
	const char *id = (const char *)sqlite3_column_text(st, 0);

	*info = (struct rkt_image_info){ 0 };
	(void)snprintf(info->id, sizeof(info->id), "%s", id ?: "");
	info->name = xstrdup((const char *)sqlite3_column_text(st, 1) ?: "");
	(void)rkt_labels_from_json((const char *)sqlite3_column_text(st, 2) ?: "[]", &info->labels);
	info->import_time = sqlite3_column_int64(st, 3);
	info->last_used = sqlite3_column_int64(st, 4);
	info->latest = sqlite3_column_int(st, 5) != 0;
	info->size = (uint64_t)sqlite3_column_int64(st, 6);
	info->tree_size = (uint64_t)sqlite3_column_int64(st, 7);
	info->insecure_options = (unsigned)sqlite3_column_int(st, 8);
	if (sqlite3_column_text(st, 10))
		info->origin = xstrdup((const char *)sqlite3_column_text(st, 10));
}

int rkt_index_insert(sqlite3 *db, const struct rkt_image_info *info, const char *manifest,
                     struct rkt_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_free_ char *labels = rkt_labels_to_json(&info->labels);
	int r = prepare(
	        db,
	        "INSERT INTO images (id, name, labels, importtime, lastused, latest, size, "
	        "treestoresize, insecureoptions, manifest, origin) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
	        &st, err);

	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, info->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, info->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, labels, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, info->import_time);
	sqlite3_bind_int64(st, 5, info->last_used);
	sqlite3_bind_int(st, 6, info->latest);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)info->size);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)info->tree_size);
	sqlite3_bind_int(st, 9, (int)info->insecure_options);
	sqlite3_bind_text(st, 10, manifest, -1, SQLITE_STATIC);
	if (info->origin)
		sqlite3_bind_text(st, 11, info->origin, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_DONE:
		return 0;
	case SQLITE_CONSTRAINT:
		return rkt_error_set(err, EEXIST, "index: image '%s' exists", info->id);
	default:
		return db_error(db, err, "insert image");
	}
}

static int exec_id(sqlite3 *db, const char *sql, const char *id, int64_t arg, struct rkt_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r = prepare(db, sql, &st, err);

	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(st) > 1)
		sqlite3_bind_int64(st, 2, arg);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_error(db, err, "update");
	return sqlite3_changes(db) > 0 ? 0 : -ENOENT;
}

int rkt_index_delete(sqlite3 *db, const char *id, struct rkt_error *err)
{
	int r = exec_id(db, "DELETE FROM images WHERE id = ?", id, 0, err);

	if (r < 0 && r != -ENOENT)
		return r;
	(void)exec_id(db, "DELETE FROM remote WHERE blobkey = ?", id, 0, err);
	(void)exec_id(db, "DELETE FROM imagelayers WHERE imageid = ?", id, 0, err);
	return r == -ENOENT ? rkt_error_input(err, ENOENT, "no image '%s' in the store", id) : 0;
}

int rkt_index_insert_or_touch(sqlite3 *db, const struct rkt_image_info *info, const char *manifest,
                              struct rkt_error *err)
{
	int r = rkt_index_insert(db, info, manifest, err);

	if (r != -EEXIST)
		return r;
	rkt_error_clear(err);
	r = rkt_index_touch(db, info->id, info->last_used, err);
	return r < 0 ? r : 1;
}

int rkt_index_touch(sqlite3 *db, const char *id, int64_t now_ns, struct rkt_error *err)
{
	int r = exec_id(db, "UPDATE images SET lastused = ?2 WHERE id = ?1", id, now_ns, err);

	return r == -ENOENT ? 0 : r;
}

int rkt_index_touch_hint(sqlite3 *db, const char *id, int64_t now_ns)
{
	int r;

	/* The last-used time only ages images for gc's grace period: a run should not wait for
	 * two disk flushes (WAL, directory) to record it. In WAL mode synchronous=NORMAL stays
	 * consistent; a crash can only lose this update. The next full commit syncs it too. */
	(void)exec(db, "PRAGMA synchronous=NORMAL", NULL);
	r = rkt_index_touch(db, id, now_ns, NULL);
	(void)exec(db, "PRAGMA synchronous=FULL", NULL);
	return r;
}

int rkt_index_get(sqlite3 *db, const char *id, struct rkt_image_info *ret, char **ret_manifest,
                  struct rkt_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_free_ char *sql = xasprintf("%sWHERE id = ?", select_cols);
	int r = prepare(db, sql, &st, err);

	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		break;
	case SQLITE_DONE:
		return rkt_error_input(err, ENOENT, "image '%s' is not in the store", id);
	default:
		return db_error(db, err, "read image");
	}
	if (ret)
		row_to_info(st, ret);
	if (ret_manifest)
		*ret_manifest = xstrdup((const char *)sqlite3_column_text(st, 9) ?: "");
	return 0;
}

int rkt_index_list(sqlite3 *db, struct rkt_image_info **ret, size_t *ret_n, struct rkt_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_free_ char *sql = xasprintf("%sORDER BY importtime, id", select_cols);
	struct rkt_image_info *v = NULL;
	size_t n = 0, cap = 0;
	int r = prepare(db, sql, &st, err), s;

	if (r < 0)
		return r;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		xgrow((void **)&v, &cap, n + 1, sizeof(*v));
		row_to_info(st, &v[n++]);
	}
	if (s != SQLITE_DONE) {
		rkt_image_info_array_free(v, n);
		return db_error(db, err, "list images");
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int rkt_index_match_prefix(sqlite3 *db, const char *prefix, char ret_id[RKT_IMAGE_ID_SIZE],
                           size_t *ret_n, struct rkt_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	size_t n = 0;
	int r = prepare(db, "SELECT id FROM images WHERE substr(id, 1, length(?1)) = ?1 LIMIT 2",
	                &st, err),
	    s;

	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++ == 0)
			(void)snprintf(ret_id, RKT_IMAGE_ID_SIZE, "%s",
			               (const char *)sqlite3_column_text(st, 0));
	}
	if (s != SQLITE_DONE)
		return db_error(db, err, "match image ID");
	*ret_n = n;
	return 0;
}

int rkt_index_put_remote(sqlite3 *db, const struct rkt_remote *rem, struct rkt_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r = prepare(
	        db,
	        "INSERT OR REPLACE INTO remote (aciurl, sigurl, etag, blobkey, cachemaxage, "
	        "downloadtime) VALUES (?,?,?,?,?,?)",
	        &st, err);

	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, rem->aci_url, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rem->sig_url, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, rem->etag, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, rem->blob_key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, rem->cache_max_age);
	sqlite3_bind_int64(st, 6, rem->download_time);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_error(db, err, "record remote");
	return 0;
}

int rkt_index_get_remote(sqlite3 *db, const char *url, struct rkt_remote *ret,
                         struct rkt_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int r = prepare(db,
	                "SELECT r.sigurl, r.etag, r.blobkey, r.cachemaxage, r.downloadtime FROM "
	                "remote r JOIN images i ON i.id = r.blobkey WHERE r.aciurl = ?",
	                &st, err);
	const char *s;

	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		break;
	case SQLITE_DONE:
		return rkt_error_input(err, ENOENT, "'%s' is not in the store", url);
	default:
		return db_error(db, err, "read remote");
	}
	*ret = (struct rkt_remote){ 0 };
	ret->aci_url = xstrdup(url);
	s = (const char *)sqlite3_column_text(st, 0);
	ret->sig_url = s ? xstrdup(s) : NULL;
	s = (const char *)sqlite3_column_text(st, 1);
	ret->etag = s ? xstrdup(s) : NULL;
	(void)snprintf(ret->blob_key, sizeof(ret->blob_key), "%s",
	               (const char *)sqlite3_column_text(st, 2) ?: "");
	ret->cache_max_age = sqlite3_column_int64(st, 3);
	ret->download_time = sqlite3_column_int64(st, 4);
	return 0;
}

void rkt_remote_release(struct rkt_remote *r)
{
	if (!r)
		return;
	free(r->aci_url);
	free(r->sig_url);
	free(r->etag);
	*r = (struct rkt_remote){ 0 };
}

void rkt_image_info_release(struct rkt_image_info *info)
{
	if (!info)
		return;
	free(info->name);
	free(info->origin);
	rkt_kv_list_release(&info->labels);
	*info = (struct rkt_image_info){ 0 };
}

void rkt_image_info_array_free(struct rkt_image_info *infos, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rkt_image_info_release(&infos[i]);
	free(infos);
}
