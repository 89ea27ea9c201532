/* Walking a directory tree iteratively, with a bounded number of open file descriptors, never
 * following symlinks: every tree walk of the project (hashing, removing, copying, archiving)
 * goes through it, so that no tree, however deep or wide, can exhaust the stack or the fd
 * table (a pod's app can make 100,000 nested directories; an image can hold thousands).
 *
 * The walk is depth-first and pre-order, each directory's entries in byte order of their
 * names. Memory grows with the depth and with the names of the directories being walked;
 * at most RKT_WALK_MAX_FDS directory fds are open at once (plus one the callback may open):
 * deeper ancestors are closed and reopened through ".." when the walk comes back up, checked
 * by device and inode against what was first opened (-EBUSY if the tree was moved meanwhile). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "util/error.h"

#define RKT_WALK_MAX_FDS 32

enum rkt_walk_event {
	RKT_WALK_ENTRY,    /* anything but a directory */
	RKT_WALK_DIR_PRE,  /* a directory, before its entries */
	RKT_WALK_DIR_POST, /* a directory, after its entries */
};

struct rkt_walk_entry {
	int parent_fd;         /* the directory that holds the entry (the caller's for the top) */
	const char *name;      /* its name in PARENT_FD */
	const char *path;      /* "" for the top, "/a", "/a/b" below it */
	size_t path_len;       /* strlen(path) */
	const struct stat *st; /* lstat of the entry (fstat of the opened fd for directories) */
	int fd;                /* directories: the directory itself (O_RDONLY|O_DIRECTORY) */
	unsigned long depth;   /* 0 for the top */
};

/* Returns 0 to go on, RKT_WALK_SKIP from DIR_PRE not to enter that directory (no DIR_POST
 * follows), or a negative errno (with ERR filled) to stop the walk, which returns it. */
#define RKT_WALK_SKIP 1
typedef int (*rkt_walk_fn)(void *userdata, enum rkt_walk_event ev, const struct rkt_walk_entry *e,
                           struct rkt_error *err);

enum {
	/* A directory that cannot be opened for lack of permission (mode 0 in an image) is made
	 * 0700 and opened again: for removal by its owner. */
	RKT_WALK_CHMOD_UNREADABLE = 1 << 0,
	/* Entries that are not directories get a stat with only the file type in st_mode when
	 * the directory listing says the type (which saves an lstat per file). */
	RKT_WALK_TYPE_ONLY = 1 << 1,
};

/* Walks NAME below DIR_FD (AT_FDCWD for a path) and everything under it, calling FN for each
 * entry. -ENOENT (with ERR filled) if NAME does not exist. */
int rkt_walk(int dir_fd, const char *name, unsigned flags, rkt_walk_fn fn, void *userdata,
             struct rkt_error *err);

/* Removes NAME below DIR_FD and everything under it, without following symlinks; a directory
 * of mode 0 is made removable first. 0 if it did not exist. */
int rkt_rm_rf_at(int dir_fd, const char *name, struct rkt_error *err);
