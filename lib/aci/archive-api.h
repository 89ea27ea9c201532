/* libarchive, loaded on first use (util/dl.h). Every function of it that librkt calls is listed
 * here once; the code keeps calling the library's names, which this header (included instead of
 * <archive.h> and <archive_entry.h>) turns into calls through the loaded table. Commands that
 * read or write no archive, `rkt run` of a stored image among them, so no longer load
 * libarchive and its compressors, libxml2 and ICU at every start (docs/performance.md).
 *
 * rkt_archive_load must have succeeded before any of these calls: the archive, the writer and
 * the entry objects that all other calls take come from archive_read_new, archive_write_new
 * and archive_entry_new, whose callers (aci_source_open, aci_sink_open) load it first. A name
 * missing from the list is a link error, since libarchive is not linked. */
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include "util/error.h"

#define RKT_ARCHIVE_FUNCS(X)                       \
	X(archive_entry_clear)                     \
	X(archive_entry_copy_hardlink)             \
	X(archive_entry_copy_pathname)             \
	X(archive_entry_filetype)                  \
	X(archive_entry_free)                      \
	X(archive_entry_gid)                       \
	X(archive_entry_hardlink)                  \
	X(archive_entry_mtime)                     \
	X(archive_entry_mtime_nsec)                \
	X(archive_entry_new)                       \
	X(archive_entry_pathname)                  \
	X(archive_entry_perm)                      \
	X(archive_entry_rdev)                      \
	X(archive_entry_set_filetype)              \
	X(archive_entry_set_gid)                   \
	X(archive_entry_set_gname)                 \
	X(archive_entry_set_hardlink)              \
	X(archive_entry_set_mode)                  \
	X(archive_entry_set_mtime)                 \
	X(archive_entry_set_pathname)              \
	X(archive_entry_set_perm)                  \
	X(archive_entry_set_rdev)                  \
	X(archive_entry_set_size)                  \
	X(archive_entry_set_symlink)               \
	X(archive_entry_set_uid)                   \
	X(archive_entry_set_uname)                 \
	X(archive_entry_size)                      \
	X(archive_entry_sparse_count)              \
	X(archive_entry_symlink)                   \
	X(archive_entry_uid)                       \
	X(archive_entry_unset_atime)               \
	X(archive_entry_unset_ctime)               \
	X(archive_entry_xattr_add_entry)           \
	X(archive_entry_xattr_next)                \
	X(archive_entry_xattr_reset)               \
	X(archive_errno)                           \
	X(archive_error_string)                    \
	X(archive_read_data)                       \
	X(archive_read_data_block)                 \
	X(archive_read_free)                       \
	X(archive_read_new)                        \
	X(archive_read_next_header)                \
	X(archive_read_open)                       \
	X(archive_read_support_filter_bzip2)       \
	X(archive_read_support_filter_xz)          \
	X(archive_read_support_filter_zstd)        \
	X(archive_read_support_format_raw)         \
	X(archive_read_support_format_tar)         \
	X(archive_set_error)                       \
	X(archive_write_add_filter_bzip2)          \
	X(archive_write_add_filter_xz)             \
	X(archive_write_add_filter_zstd)           \
	X(archive_write_close)                     \
	X(archive_write_data)                      \
	X(archive_write_free)                      \
	X(archive_write_header)                    \
	X(archive_write_new)                       \
	X(archive_write_open)                      \
	X(archive_write_open_fd)                   \
	X(archive_write_set_bytes_in_last_block)   \
	X(archive_write_set_bytes_per_block)       \
	X(archive_write_set_format_pax_restricted) \
	X(archive_write_set_format_raw)

struct rkt_archive_api {
#define RKT_ARCHIVE_FIELD(f) __typeof__(f) *f;
	RKT_ARCHIVE_FUNCS(RKT_ARCHIVE_FIELD)
#undef RKT_ARCHIVE_FIELD
};

/* The table, filled by rkt_archive_load; all NULL before. */
extern struct rkt_archive_api rkt_archive_api;

/* Loads libarchive once per process (thread-safe). Returns 0, or -ELIBACC or -ENOENT with a
 * message naming the library (util/dl.h). */
int rkt_archive_load(struct rkt_error *err);

#ifndef RKT_ARCHIVE_API_IMPL
#define archive_entry_clear(...)         (rkt_archive_api.archive_entry_clear(__VA_ARGS__))
#define archive_entry_copy_hardlink(...) (rkt_archive_api.archive_entry_copy_hardlink(__VA_ARGS__))
#define archive_entry_copy_pathname(...) (rkt_archive_api.archive_entry_copy_pathname(__VA_ARGS__))
#define archive_entry_filetype(...)      (rkt_archive_api.archive_entry_filetype(__VA_ARGS__))
#define archive_entry_free(...)          (rkt_archive_api.archive_entry_free(__VA_ARGS__))
#define archive_entry_gid(...)           (rkt_archive_api.archive_entry_gid(__VA_ARGS__))
#define archive_entry_hardlink(...)      (rkt_archive_api.archive_entry_hardlink(__VA_ARGS__))
#define archive_entry_mtime(...)         (rkt_archive_api.archive_entry_mtime(__VA_ARGS__))
#define archive_entry_mtime_nsec(...)    (rkt_archive_api.archive_entry_mtime_nsec(__VA_ARGS__))
#define archive_entry_new(...)           (rkt_archive_api.archive_entry_new(__VA_ARGS__))
#define archive_entry_pathname(...)      (rkt_archive_api.archive_entry_pathname(__VA_ARGS__))
#define archive_entry_perm(...)          (rkt_archive_api.archive_entry_perm(__VA_ARGS__))
#define archive_entry_rdev(...)          (rkt_archive_api.archive_entry_rdev(__VA_ARGS__))
#define archive_entry_set_filetype(...)  (rkt_archive_api.archive_entry_set_filetype(__VA_ARGS__))
#define archive_entry_set_gid(...)       (rkt_archive_api.archive_entry_set_gid(__VA_ARGS__))
#define archive_entry_set_gname(...)     (rkt_archive_api.archive_entry_set_gname(__VA_ARGS__))
#define archive_entry_set_hardlink(...)  (rkt_archive_api.archive_entry_set_hardlink(__VA_ARGS__))
#define archive_entry_set_mode(...)      (rkt_archive_api.archive_entry_set_mode(__VA_ARGS__))
#define archive_entry_set_mtime(...)     (rkt_archive_api.archive_entry_set_mtime(__VA_ARGS__))
#define archive_entry_set_pathname(...)  (rkt_archive_api.archive_entry_set_pathname(__VA_ARGS__))
#define archive_entry_set_perm(...)      (rkt_archive_api.archive_entry_set_perm(__VA_ARGS__))
#define archive_entry_set_rdev(...)      (rkt_archive_api.archive_entry_set_rdev(__VA_ARGS__))
#define archive_entry_set_size(...)      (rkt_archive_api.archive_entry_set_size(__VA_ARGS__))
#define archive_entry_set_symlink(...)   (rkt_archive_api.archive_entry_set_symlink(__VA_ARGS__))
#define archive_entry_set_uid(...)       (rkt_archive_api.archive_entry_set_uid(__VA_ARGS__))
#define archive_entry_set_uname(...)     (rkt_archive_api.archive_entry_set_uname(__VA_ARGS__))
#define archive_entry_size(...)          (rkt_archive_api.archive_entry_size(__VA_ARGS__))
#define archive_entry_sparse_count(...)  (rkt_archive_api.archive_entry_sparse_count(__VA_ARGS__))
#define archive_entry_symlink(...)       (rkt_archive_api.archive_entry_symlink(__VA_ARGS__))
#define archive_entry_uid(...)           (rkt_archive_api.archive_entry_uid(__VA_ARGS__))
#define archive_entry_unset_atime(...)   (rkt_archive_api.archive_entry_unset_atime(__VA_ARGS__))
#define archive_entry_unset_ctime(...)   (rkt_archive_api.archive_entry_unset_ctime(__VA_ARGS__))
#define archive_entry_xattr_add_entry(...) \
	(rkt_archive_api.archive_entry_xattr_add_entry(__VA_ARGS__))
#define archive_entry_xattr_next(...)  (rkt_archive_api.archive_entry_xattr_next(__VA_ARGS__))
#define archive_entry_xattr_reset(...) (rkt_archive_api.archive_entry_xattr_reset(__VA_ARGS__))
#define archive_errno(...)             (rkt_archive_api.archive_errno(__VA_ARGS__))
#define archive_error_string(...)      (rkt_archive_api.archive_error_string(__VA_ARGS__))
#define archive_read_data(...)         (rkt_archive_api.archive_read_data(__VA_ARGS__))
#define archive_read_data_block(...)   (rkt_archive_api.archive_read_data_block(__VA_ARGS__))
#define archive_read_free(...)         (rkt_archive_api.archive_read_free(__VA_ARGS__))
#define archive_read_new(...)          (rkt_archive_api.archive_read_new(__VA_ARGS__))
#define archive_read_next_header(...)  (rkt_archive_api.archive_read_next_header(__VA_ARGS__))
#define archive_read_open(...)         (rkt_archive_api.archive_read_open(__VA_ARGS__))
#define archive_read_support_filter_bzip2(...) \
	(rkt_archive_api.archive_read_support_filter_bzip2(__VA_ARGS__))
#define archive_read_support_filter_xz(...) \
	(rkt_archive_api.archive_read_support_filter_xz(__VA_ARGS__))
#define archive_read_support_filter_zstd(...) \
	(rkt_archive_api.archive_read_support_filter_zstd(__VA_ARGS__))
#define archive_read_support_format_raw(...) \
	(rkt_archive_api.archive_read_support_format_raw(__VA_ARGS__))
#define archive_read_support_format_tar(...) \
	(rkt_archive_api.archive_read_support_format_tar(__VA_ARGS__))
#define archive_set_error(...) (rkt_archive_api.archive_set_error(__VA_ARGS__))
#define archive_write_add_filter_bzip2(...) \
	(rkt_archive_api.archive_write_add_filter_bzip2(__VA_ARGS__))
#define archive_write_add_filter_xz(...) (rkt_archive_api.archive_write_add_filter_xz(__VA_ARGS__))
#define archive_write_add_filter_zstd(...) \
	(rkt_archive_api.archive_write_add_filter_zstd(__VA_ARGS__))
#define archive_write_close(...)   (rkt_archive_api.archive_write_close(__VA_ARGS__))
#define archive_write_data(...)    (rkt_archive_api.archive_write_data(__VA_ARGS__))
#define archive_write_free(...)    (rkt_archive_api.archive_write_free(__VA_ARGS__))
#define archive_write_header(...)  (rkt_archive_api.archive_write_header(__VA_ARGS__))
#define archive_write_new(...)     (rkt_archive_api.archive_write_new(__VA_ARGS__))
#define archive_write_open(...)    (rkt_archive_api.archive_write_open(__VA_ARGS__))
#define archive_write_open_fd(...) (rkt_archive_api.archive_write_open_fd(__VA_ARGS__))
#define archive_write_set_bytes_in_last_block(...) \
	(rkt_archive_api.archive_write_set_bytes_in_last_block(__VA_ARGS__))
#define archive_write_set_bytes_per_block(...) \
	(rkt_archive_api.archive_write_set_bytes_per_block(__VA_ARGS__))
#define archive_write_set_format_pax_restricted(...) \
	(rkt_archive_api.archive_write_set_format_pax_restricted(__VA_ARGS__))
#define archive_write_set_format_raw(...) \
	(rkt_archive_api.archive_write_set_format_raw(__VA_ARGS__))
#endif
