/* Writing archive entries into a directory tree without ever leaving it (ACI-7, REN-4), and
 * hashing a tree so that it can be verified later.
 *
 * Every entry is written relative to a root directory fd: its parent directory is resolved with
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), so a symlink in the path is resolved as if
 * the root were "/", and the final component is created with mkdirat/openat/symlinkat/linkat/
 * mknodat on that parent. Whatever exists at the final component is replaced, never followed:
 * a later layer overwrites an earlier one (REN-4). Mode bits, owner, mtime and extended
 * attributes are kept (ACI-6). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"
#include "util/hash.h"
#include "util/cleanup.h"
#include "util/walk.h"

struct archive;
struct archive_entry;

struct rkt_tree_write_opts {
	bool allow_devices; /* character and block devices are refused unless set */
	bool keep_owner;    /* chown entries to the archive's numeric uid/gid */
	/* Refuse any symlink on the way to an entry or a hard link target (container layers:
	 * a later layer must not write through an earlier layer's symlink). */
	bool no_symlinks;
};

struct rkt_tree_writer;

/* ROOT_FD is borrowed and must stay open until the writer is freed. */
int rkt_tree_writer_new(int root_fd, const struct rkt_tree_write_opts *opts,
                        struct rkt_tree_writer **ret, struct rkt_error *err);
/* Writes ENTRY (data read from A) at REL, a cleaned path relative to the root ("" is the root
 * itself, whose metadata is updated). LINK_REL is the hard-link target relative to the root, or
 * NULL. Errors name the entry by ENTRY's archive path: -EPERM for a refused device node,
 * -ENOTDIR if a parent is not a directory, other -errno from the file system. */
int rkt_tree_writer_put(struct rkt_tree_writer *w, struct archive *a, struct archive_entry *entry,
                        const char *rel, const char *link_rel, struct rkt_error *err);
/* Drops the cached parent directory: call after removing anything from the tree. */
void rkt_tree_writer_forget(struct rkt_tree_writer *w);
/* Disk usage (st_blocks) of the files and directories written so far. */
uint64_t rkt_tree_writer_size(const struct rkt_tree_writer *w);
/* Has rkt_tree_writer_finish() set directory REL's mtime to MTIME unless a later entry sets
 * another: for a directory the writer did not make (a tree it continues). */
void rkt_tree_writer_remember_dir(struct rkt_tree_writer *w, const char *rel,
                                  const struct timespec *mtime);
/* Sets the directories' mtimes (which writing inside them changed). */
int rkt_tree_writer_finish(struct rkt_tree_writer *w, struct rkt_error *err);
struct rkt_tree_writer *rkt_tree_writer_free(struct rkt_tree_writer *w);
RKT_DEFINE_CLEANUP(struct rkt_tree_writer *, rkt_tree_writer_free)

/* Whether an image's tree may carry xattr NAME: not trusted.* (overlayfs reads its own from
 * layers), not security.* (the LSMs' and IMA's) except security.capability. */
bool rkt_tree_xattr_allowed(const char *name);

/* Hashes the tree below DIR_FD (names in byte order; type, mode, owner, size, mtime, content,
 * link targets and xattrs) into "sha512-<hex>"; adds up the disk usage in *RET_SIZE (may be
 * NULL). Never follows symlinks. */
int rkt_tree_hash(int dir_fd, char ret[RKT_IMAGE_ID_SIZE], uint64_t *ret_size,
                  struct rkt_error *err);

/* Recreates the tree SRC below SRC_DIR_FD in the empty directory DST_FD: directories anew (owner,
 * mode, xattrs, mtime), everything else hard-linked to the source. W (may be NULL), a writer on
 * DST_FD that will go on with the tree, is left to set the directories' mtimes when it
 * finishes. The source must never be written in place afterwards. */
int rkt_tree_clone_links(int src_dir_fd, const char *src, int dst_fd, struct rkt_tree_writer *w,
                         struct rkt_error *err);

/* rkt_rm_rf_at() is in util/walk.h. */
