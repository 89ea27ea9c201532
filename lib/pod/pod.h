/* Pods on disk: the pod directories under <dir>/pods and their state machine (rkt/rkt
 * Documentation/devel/pod-lifecycle.md, Documentation/devel/stage1-implementors-guide.md).
 *
 * A pod is a directory named by its UUID in one of
 *   pods/embryo/  pods/prepare/  pods/prepared/  pods/run/  pods/exited-garbage/  pods/garbage/
 * and moves between them by rename(2) only. Whether the directory is flock()ed exclusively
 * tells the rest: a locked pod in prepare/ is being prepared (unlocked: an aborted prepare), a
 * locked pod in run/ is running (its stage1 holds the lock through the inherited RKT_LOCK_FD),
 * an unlocked one has exited. Readers find the state with a non-blocking shared lock on a fresh
 * fd of the directory; a pod that moves while it is being looked at is looked up again, and a
 * rename that loses a race (ENOENT) is reported as -ENOENT for callers to treat as normal.
 *
 * A creator holds a shared lock on pods/embryo.lock from mkdir until it owns the pod's exclusive
 * lock, so that gc (which takes that file exclusively, without waiting) can tell an abandoned
 * embryo from one being born.
 *
 * Nothing here prints. Functions may block on the file system; only rkt_pod_lock() with WAIT
 * blocks on another process. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "appc/manifest.h"
#include "store/store.h"
#include "util/fs.h"
#include "util/cleanup.h"
#include "util/error.h"

#define RKT_UUID_STRING_SIZE 37

enum rkt_pod_state {
	RKT_POD_STATE_EMBRYO = 0,
	RKT_POD_STATE_PREPARING,
	RKT_POD_STATE_ABORTED_PREPARE,
	RKT_POD_STATE_PREPARED,
	RKT_POD_STATE_RUNNING,
	RKT_POD_STATE_DELETING,        /* garbage/, locked */
	RKT_POD_STATE_EXITED_DELETING, /* exited-garbage/, locked */
	RKT_POD_STATE_EXITED,
	RKT_POD_STATE_EXITED_GARBAGE,
	RKT_POD_STATE_GARBAGE,
	_RKT_POD_STATE_MAX
};

/* Upstream's names: "embryo", "preparing", "aborted prepare", "prepared", "running",
 * "deleting", "exited deleting", "exited", "exited garbage", "garbage". */
const char *rkt_pod_state_name(enum rkt_pod_state s);

/* The directories of the state machine, in lookup order. */
enum rkt_pod_dir {
	RKT_POD_DIR_EMBRYO = 0,
	RKT_POD_DIR_PREPARE,
	RKT_POD_DIR_PREPARED,
	RKT_POD_DIR_RUN,
	RKT_POD_DIR_EXITED_GARBAGE,
	RKT_POD_DIR_GARBAGE,
	_RKT_POD_DIR_MAX
};
/* "embryo", "prepare", ... */
const char *rkt_pod_dir_name(enum rkt_pod_dir d);

struct rkt_pod {
	char uuid[RKT_UUID_STRING_SIZE];
	char *data_dir;       /* the rkt data dir (--dir) */
	char *path;           /* <data_dir>/pods/<dir>/<uuid>, where the pod was last seen */
	enum rkt_pod_dir dir; /* which directory that is */
	enum rkt_pod_state state;
	int fd;      /* O_DIRECTORY fd on the pod dir (follows renames) */
	bool locked; /* FD holds the exclusive lock */
};

/* Creates <data_dir>/pods and its state directories if missing. */
int rkt_pods_init(const char *data_dir, struct rkt_error *err);

/* Creates a pod with a new random UUID (or UUID if not NULL) in embryo/, takes its exclusive
 * lock and moves it to prepare/: the pod is returned PREPARING and locked. -EEXIST if UUID
 * exists. */
int rkt_pod_create(const char *data_dir, const char *uuid, struct rkt_pod **ret,
                   struct rkt_error *err);

/* Finds the pod called UUID (the full UUID) and its state. -ENOENT if there is none. */
int rkt_pod_load(const char *data_dir, const char *uuid, struct rkt_pod **ret,
                 struct rkt_error *err);

/* Resolves a UUID or a unique prefix of one (dashes optional, any case) to the full UUID.
 * -ENOENT if no pod matches, -ENOTUNIQ if several do (the message lists them), -EINVAL if
 * PREFIX is empty or not hex. */
int rkt_pod_resolve(const char *data_dir, const char *prefix, char ret[RKT_UUID_STRING_SIZE],
                    struct rkt_error *err);

/* rkt_pod_resolve() + rkt_pod_load(). */
int rkt_pod_find(const char *data_dir, const char *prefix, struct rkt_pod **ret,
                 struct rkt_error *err);

/* The UUIDs of every pod in any state, sorted, each once. *RET is a NULL-terminated array of
 * new strings (free with rkt_strv_free_array). */
int rkt_pod_list_uuids(const char *data_dir, char ***ret, size_t *ret_n, struct rkt_error *err);
char **rkt_strv_free_array(char **v);
static inline void rkt_strv_free_arrayp(char ***v)
{
	rkt_strv_free_array(*v);
}

/* The images every pod that exists (in any state directory) uses: its stage1, its apps'
 * images and their dependencies (the pod's "images" file, written before anything is
 * rendered), each with the pod as holder ("pod '<uuid>'"). Pods use these trees as overlay lower
 * directories, and stop, export and run-prepared need them until the pod is collected. */
int rkt_pods_image_refs(const char *data_dir, struct rkt_image_ref **ret, size_t *ret_n,
                        struct rkt_error *err);
/* The same IDs, sorted, each once, NULL-terminated (free with rkt_strv_free_array). */
int rkt_pods_image_ids(const char *data_dir, char ***ret, size_t *ret_n, struct rkt_error *err);
/* Makes the store's rm and gc keep the images the pods under DATA_DIR use (DATA_DIR must
 * outlive STORE). */
void rkt_pods_hold_images(struct rkt_store *store, const char *data_dir);

/* Looks at the pod's directory again (it may have moved, or its lock holder may have exited).
 * -ENOENT if the pod is gone. */
int rkt_pod_refresh(struct rkt_pod *pod, struct rkt_error *err);

/* Takes the exclusive lock on the pod (waiting for it if WAIT, else -EWOULDBLOCK), then
 * refreshes the state. */
int rkt_pod_lock(struct rkt_pod *pod, bool wait, struct rkt_error *err);
/* Drops the exclusive lock (the pod then reads as not running/preparing). */
int rkt_pod_unlock(struct rkt_pod *pod, struct rkt_error *err);

/* Renames the pod into directory TO (the caller holds whatever lock the transition needs).
 * -ENOENT if the pod is no longer where it was (someone else moved it: a lost race). */
int rkt_pod_move(struct rkt_pod *pod, enum rkt_pod_dir to, struct rkt_error *err);

/* Waits until nobody holds the pod's exclusive lock (a running pod has exited). Blocks. */
int rkt_pod_wait_unlocked(struct rkt_pod *pod, struct rkt_error *err);

/* Clears FD_CLOEXEC on the lock fd, for handing it to stage1 as RKT_LOCK_FD; returns the fd. */
int rkt_pod_lock_fd_for_exec(struct rkt_pod *pod, struct rkt_error *err);

struct rkt_pod *rkt_pod_free(struct rkt_pod *pod);
RKT_DEFINE_CLEANUP(struct rkt_pod *, rkt_pod_free)

/* Times in nanoseconds since the epoch. Creation: mtime of pod-created (else pod, else the
 * directory). Start: mtime of pid (else ppid); 0 if never started. */
int rkt_pod_created_time(const struct rkt_pod *pod, int64_t *ret, struct rkt_error *err);
int64_t rkt_pod_started_time(const struct rkt_pod *pod);
/* Mark time used by gc: ctime of the pod dir (the rename into a garbage dir updates it). */
int rkt_pod_ctime(const struct rkt_pod *pod, int64_t *ret, struct rkt_error *err);

/* PID of the pod's stage1 process for enter/status: from pid, or from ppid's unique child.
 * -ENOENT if not (yet) written, -ESRCH if ppid has no unique child. */
int rkt_pod_pid(const struct rkt_pod *pod, pid_t *ret, struct rkt_error *err);
/* rkt_pod_pid(), polled (as upstream) while the pod is running but its stage1 has not written
 * the pid yet; refreshes POD. -EINVAL (named) once the pod is no longer running. */
int rkt_pod_wait_pid(struct rkt_pod *pod, pid_t *ret, struct rkt_error *err);

/* The pod manifest ($P/pod). Raw bytes (new string), or parsed. */
int rkt_pod_read_manifest_raw(const struct rkt_pod *pod, char **ret, size_t *ret_len,
                              struct rkt_error *err);
int rkt_pod_read_manifest(const struct rkt_pod *pod, struct rkt_pod_manifest **ret,
                          struct rkt_error *err);

/* The exit status stage1 recorded for APP ($P/stage1/rootfs/rkt/status/<app>, docs/stage1-abi.md).
 * -ENOENT if none. */
int rkt_pod_app_exit_code(const struct rkt_pod *pod, const char *app, int *ret,
                          struct rkt_error *err);
