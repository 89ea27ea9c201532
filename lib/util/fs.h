/* Small file-system helpers shared by the library, the CLIs and stage1: opening a path inside a
 * root without leaving it, mkdir -p, atomic writes and reading small files. None of them prints;
 * all fds they open are O_CLOEXEC. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

/* Opens PATH inside ROOT_FD as if ROOT_FD were "/": openat2() with RESOLVE_IN_ROOT and
 * RESOLVE_NO_MAGICLINKS, so that neither ".." nor a symlink leaves the root. "" is the root
 * itself. FLAGS get O_CLOEXEC added; MODE is used with O_CREAT or O_TMPFILE. Retries while the
 * kernel says -EAGAIN (a concurrent rename). Returns the new fd or -errno. */
int rkt_open_in_root(int root_fd, const char *path, int flags, mode_t mode);
/* Like rkt_open_in_root (no O_CREAT), but any symlink on the way is an error (-ELOOP). */
int rkt_open_in_root_nosymlinks(int root_fd, const char *path, int flags);

/* mkdir -p of PATH relative to DIR_FD (or absolute): creates each missing component with MODE;
 * existing directories are fine. Returns 0 or -errno and records "create 'PREFIX'" (the
 * component that failed) in ERR (may be NULL). */
int rkt_mkdir_p_at(int dir_fd, const char *path, mode_t mode, struct rkt_error *err);

/* Gives the open file FD (an O_TMPFILE, or a finished file to publish) the name NAME under
 * DIR_FD: linkat(2) of /proc/self/fd/FD, which unlike AT_EMPTY_PATH needs no
 * CAP_DAC_READ_SEARCH. Never replaces NAME (-EEXIST). Returns 0 or -errno. */
int rkt_link_fd_at(int fd, int dir_fd, const char *name);

/* Writes LEN bytes of DATA to NAME under DIR_FD atomically: a temporary file ".NAME.tmp" in the
 * same directory, then rename(2) over NAME. The temporary file is removed on failure. Returns 0
 * or -errno, and records "write 'NAME'" in ERR (may be NULL). */
int rkt_write_file_atomic_at(int dir_fd, const char *name, const void *data, size_t len,
                             mode_t mode, struct rkt_error *err);

/* Reads FD to its end into a new NUL-terminated buffer (*RET, freed by the caller; *RET_LEN if
 * RET_LEN is not NULL). -EFBIG if it holds more than MAX bytes, else 0 or -errno. Nothing is
 * stored on failure. */
int rkt_read_fd(int fd, size_t max, char **ret, size_t *ret_len);

/* Reads the small file NAME under DIR_FD (at most RKT_SMALL_FILE_MAX bytes) into a new
 * NUL-terminated buffer. Returns 0 or -errno (-EFBIG if it is larger); ERR names NAME. */
#define RKT_SMALL_FILE_MAX (1024 * 1024 - 1)
int rkt_read_file_at(int dir_fd, const char *name, char **ret, size_t *ret_len,
                     struct rkt_error *err);

/* Reads the regular file PATH inside ROOT_FD (rkt_open_in_root) of at most MAX bytes into a new
 * NUL-terminated buffer. -EINVAL if it is not a regular file, -EFBIG if it is larger. */
int rkt_read_in_root(int root_fd, const char *path, size_t max, char **ret, size_t *ret_len);
