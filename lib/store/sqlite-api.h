/* SQLite, loaded on first use (util/dl.h), for the store's index (index.c, store.c, which include
 * this header instead of calling the linked library). Commands that never open the store, such
 * as `rkt version`, `rkt help` and `actool`, then skip its relocations at start. Every call
 * librkt makes is listed once; the code keeps the library's names, turned by this header into
 * calls through the loaded table. rkt_sqlite_load must have succeeded first: rkt_index_open
 * does it, and every other call takes the handle that it returns. */
#pragma once

#include <sqlite3.h>

#include "util/error.h"

#define RKT_SQLITE_FUNCS(X)             \
	X(sqlite3_bind_int)             \
	X(sqlite3_bind_int64)           \
	X(sqlite3_bind_parameter_count) \
	X(sqlite3_bind_text)            \
	X(sqlite3_busy_timeout)         \
	X(sqlite3_changes)              \
	X(sqlite3_close_v2)             \
	X(sqlite3_column_int)           \
	X(sqlite3_column_int64)         \
	X(sqlite3_column_text)          \
	X(sqlite3_errcode)              \
	X(sqlite3_errmsg)               \
	X(sqlite3_exec)                 \
	X(sqlite3_finalize)             \
	X(sqlite3_open_v2)              \
	X(sqlite3_prepare_v2)           \
	X(sqlite3_step)

struct rkt_sqlite_api {
#define RKT_SQLITE_FIELD(f) __typeof__(f) *f;
	RKT_SQLITE_FUNCS(RKT_SQLITE_FIELD)
#undef RKT_SQLITE_FIELD
};

/* The table, filled by rkt_sqlite_load; all NULL before. */
extern struct rkt_sqlite_api rkt_sqlite_api;

/* Loads libsqlite3 once per process (thread-safe). Returns 0, or -ELIBACC or -ENOENT with a
 * message naming the library (util/dl.h). */
int rkt_sqlite_load(struct rkt_error *err);

#ifndef RKT_SQLITE_API_IMPL
#define sqlite3_bind_int(...)             (rkt_sqlite_api.sqlite3_bind_int(__VA_ARGS__))
#define sqlite3_bind_int64(...)           (rkt_sqlite_api.sqlite3_bind_int64(__VA_ARGS__))
#define sqlite3_bind_parameter_count(...) (rkt_sqlite_api.sqlite3_bind_parameter_count(__VA_ARGS__))
#define sqlite3_bind_text(...)            (rkt_sqlite_api.sqlite3_bind_text(__VA_ARGS__))
#define sqlite3_busy_timeout(...)         (rkt_sqlite_api.sqlite3_busy_timeout(__VA_ARGS__))
#define sqlite3_changes(...)              (rkt_sqlite_api.sqlite3_changes(__VA_ARGS__))
#define sqlite3_close_v2(...)             (rkt_sqlite_api.sqlite3_close_v2(__VA_ARGS__))
#define sqlite3_column_int(...)           (rkt_sqlite_api.sqlite3_column_int(__VA_ARGS__))
#define sqlite3_column_int64(...)         (rkt_sqlite_api.sqlite3_column_int64(__VA_ARGS__))
#define sqlite3_column_text(...)          (rkt_sqlite_api.sqlite3_column_text(__VA_ARGS__))
#define sqlite3_errcode(...)              (rkt_sqlite_api.sqlite3_errcode(__VA_ARGS__))
#define sqlite3_errmsg(...)               (rkt_sqlite_api.sqlite3_errmsg(__VA_ARGS__))
#define sqlite3_exec(...)                 (rkt_sqlite_api.sqlite3_exec(__VA_ARGS__))
#define sqlite3_finalize(...)             (rkt_sqlite_api.sqlite3_finalize(__VA_ARGS__))
#define sqlite3_open_v2(...)              (rkt_sqlite_api.sqlite3_open_v2(__VA_ARGS__))
#define sqlite3_prepare_v2(...)           (rkt_sqlite_api.sqlite3_prepare_v2(__VA_ARGS__))
#define sqlite3_step(...)                 (rkt_sqlite_api.sqlite3_step(__VA_ARGS__))
#endif
