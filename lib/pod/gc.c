/* Pod garbage collection (rkt/rkt Documentation/subcommands/gc.md,
 * Documentation/devel/pod-lifecycle.md). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "net/cni.h"
#include "pod/gc.h"
#include "pod/layout.h"
#include "mds/client.h"
#include "mds/server.h"
#include "pod/stage1.h"
#include "store/tree.h"
#include "util/cleanup.h"
#include "util/time.h"
#include "util/xalloc.h"

enum rkt_gc_action rkt_gc_decide(enum rkt_pod_state state, int64_t age_ns, bool abandoned,
                                 const struct rkt_gc_opts *opts)
{
	switch (state) {
	case RKT_POD_STATE_EXITED:
		return RKT_GC_MARK_EXITED;
	case RKT_POD_STATE_ABORTED_PREPARE:
		return RKT_GC_MARK_GARBAGE;
	case RKT_POD_STATE_EMBRYO:
		return abandoned ? RKT_GC_MARK_GARBAGE : RKT_GC_KEEP;
	case RKT_POD_STATE_PREPARED:
		return !opts->mark_only && age_ns >= opts->expire_prepared_ns ? RKT_GC_MARK_GARBAGE
		                                                              : RKT_GC_KEEP;
	case RKT_POD_STATE_EXITED_GARBAGE:
		return !opts->mark_only && age_ns >= opts->grace_ns ? RKT_GC_DELETE : RKT_GC_KEEP;
	case RKT_POD_STATE_GARBAGE:
		return opts->mark_only ? RKT_GC_KEEP : RKT_GC_DELETE;
	case RKT_POD_STATE_PREPARING:
	case RKT_POD_STATE_RUNNING:
	case RKT_POD_STATE_DELETING:
	case RKT_POD_STATE_EXITED_DELETING:
	case _RKT_POD_STATE_MAX:
		break;
	}
	return RKT_GC_KEEP;
}

/* Deletes a pod whose exclusive lock we hold. */
static int delete_locked(struct rkt_pod *pod, bool debug, struct rkt_error *err)
{
	struct rkt_stage1_entry gc = { 0 };
	int r;

	if (pod->dir == RKT_POD_DIR_EXITED_GARBAGE && rkt_stage1_entry(pod, "gc", &gc, NULL) == 0 &&
	    access(gc.path, X_OK) == 0) {
		_cleanup_(rkt_strv_free_arrayp) char **argv = rkt_stage1_gc_argv(&gc, pod, debug);

		/* Like upstream, a failing stage1 gc does not keep the pod: the mounts it would
		 * have removed are removed below. */
		(void)rkt_stage1_call(pod, argv, NULL);
	}
	rkt_stage1_entry_release(&gc);
	/* networks a stage1 gc did not detach: its entrypoint is in a stage1 overlay this mount
	 * namespace does not see (rkt run from a private one), or it failed */
	if (faccessat(pod->fd, RKT_POD_NET_PLAN, F_OK, 0) == 0 ||
	    faccessat(pod->fd, RKT_POD_NETNS, F_OK, 0) == 0)
		(void)rkt_cni_pod_teardown(pod->fd, -1, NULL);
	/* upstream: a pod registered with the metadata service leaves it with its directory; a
	 * service that is gone (or was restarted) has nothing to forget */
	(void)rkt_mds_unregister_pod(rkt_mds_socket_path(), pod, NULL);
	r = rkt_umount_below(pod->path, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "remove pod '%s'", pod->uuid);
	r = rkt_rm_rf_at(AT_FDCWD, pod->path, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "remove pod '%s'", pod->uuid);
	return 0;
}

static void emit(const struct rkt_gc_opts *opts, enum rkt_gc_event ev, const char *uuid,
                 const struct rkt_error *err)
{
	if (opts->event)
		opts->event(opts->userdata, ev, uuid, err);
}

/* Applies ACTION to the pod called UUID if it still applies once the pod is locked. */
static int apply(const char *data_dir, const char *uuid, bool abandoned, bool sweep,
                 const struct rkt_gc_opts *opts, struct rkt_error *err)
{
	_cleanup_(rkt_pod_freep) struct rkt_pod *pod = NULL;
	enum rkt_gc_action action;
	enum rkt_pod_dir dir;
	int64_t ctime;
	int r;

	r = rkt_pod_load(data_dir, uuid, &pod, err);
	if (r == -ENOENT)
		return 0; /* removed meanwhile */
	if (r < 0)
		return r;
	r = rkt_pod_ctime(pod, &ctime, err);
	if (r < 0)
		return r;
	action = rkt_gc_decide(pod->state, rkt_now_ns() - ctime, abandoned, opts);
	if (action == RKT_GC_KEEP || (action == RKT_GC_DELETE) != sweep)
		return 0;
	dir = pod->dir;
	r = rkt_pod_lock(pod, false, err);
	if (r == -EWOULDBLOCK || r == -ENOENT)
		return 0; /* someone else has it now: next time */
	if (r < 0)
		return r;
	if (pod->dir != dir)
		return 0;
	switch (action) {
	case RKT_GC_MARK_EXITED:
	case RKT_GC_MARK_GARBAGE:
		r = rkt_pod_move(pod,
		                 action == RKT_GC_MARK_EXITED ? RKT_POD_DIR_EXITED_GARBAGE
		                                              : RKT_POD_DIR_GARBAGE,
		                 err);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return r;
		emit(opts, RKT_GC_EVENT_MARKED, uuid, NULL);
		return 0;
	case RKT_GC_DELETE:
		emit(opts, RKT_GC_EVENT_DELETING, uuid, NULL);
		return delete_locked(pod, opts->debug, err);
	case RKT_GC_KEEP:
	case _RKT_GC_MAX:
		break;
	}
	return 0;
}

struct sweep_ctx {
	const char *data_dir;
	const struct rkt_gc_opts *opts;
};

static bool pod_exists(void *userdata, const char *uuid)
{
	struct sweep_ctx *c = userdata;
	_cleanup_(rkt_pod_freep) struct rkt_pod *pod = NULL;
	/* only a pod that is certainly gone: any other error keeps its networks */
	return rkt_pod_load(c->data_dir, uuid, &pod, NULL) != -ENOENT;
}

static void pod_swept(void *userdata, const char *uuid, const struct rkt_error *err)
{
	struct sweep_ctx *c = userdata;
	emit(c->opts, RKT_GC_EVENT_SWEPT, uuid, NULL);
	if (err)
		emit(c->opts, RKT_GC_EVENT_FAILED, uuid, err);
}

/* Networks of pods of DATA_DIR whose directory vanished (docs/networking.md). */
static void sweep_networks(const char *data_dir, const struct rkt_gc_opts *opts)
{
	_cleanup_free_ char *real = realpath(data_dir, NULL);
	struct sweep_ctx c = { .data_dir = data_dir, .opts = opts };
	if (real)
		(void)rkt_cni_sweep(real, pod_exists, pod_swept, &c);
}

int rkt_gc(const char *data_dir, const struct rkt_gc_opts *opts, struct rkt_error *err)
{
	_cleanup_free_ char *embryo_lock = xasprintf("%s/pods/embryo.lock", data_dir);
	_cleanup_close_ int lock = -EBADF;
	bool abandoned = false;
	int r;

	r = rkt_pods_init(data_dir, err);
	if (r < 0)
		return r;
	/* With the embryo lock exclusive, no creator is between mkdir and its pod lock, so every
	 * embryo left is abandoned (pod.h). */
	lock = open(embryo_lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) == 0)
		abandoned = true;

	for (int sweep = 0; sweep < 2; sweep++) {
		_cleanup_(rkt_strv_free_arrayp) char **uuids = NULL;

		if (sweep && opts->mark_only)
			break;
		r = rkt_pod_list_uuids(data_dir, &uuids, NULL, err);
		if (r < 0)
			return r;
		for (char **u = uuids; *u; u++) {
			struct rkt_error e = { 0 };

			if (apply(data_dir, *u, abandoned, sweep, opts, &e) < 0)
				emit(opts, RKT_GC_EVENT_FAILED, *u, &e);
		}
		if (lock >= 0) {
			(void)close(lock);
			lock = -EBADF;
			abandoned = false;
		}
	}
	if (!opts->mark_only)
		sweep_networks(data_dir, opts);
	return 0;
}

int rkt_pod_remove(struct rkt_pod *pod, bool debug, struct rkt_error *err)
{
	int r;

	switch (pod->state) {
	case RKT_POD_STATE_EXITED:
	case RKT_POD_STATE_EXITED_GARBAGE:
	case RKT_POD_STATE_PREPARED:
	case RKT_POD_STATE_ABORTED_PREPARE:
	case RKT_POD_STATE_GARBAGE:
	case RKT_POD_STATE_EMBRYO:
		break;
	case RKT_POD_STATE_PREPARING:
	case RKT_POD_STATE_RUNNING:
	case RKT_POD_STATE_DELETING:
	case RKT_POD_STATE_EXITED_DELETING:
	case _RKT_POD_STATE_MAX:
	default:
		return rkt_error_input(err, EBUSY, "pod '%s' is %s and cannot be removed",
		                       pod->uuid, rkt_pod_state_name(pod->state));
	}
	r = rkt_pod_lock(pod, false, err);
	if (r == -EWOULDBLOCK)
		return rkt_error_input(err, EBUSY, "pod '%s' is in use by another process",
		                       pod->uuid);
	if (r < 0)
		return r;
	/* Mark first, as gc does, so that a crash in between leaves a pod gc finishes. */
	if (pod->dir == RKT_POD_DIR_RUN)
		r = rkt_pod_move(pod, RKT_POD_DIR_EXITED_GARBAGE, err);
	else if (pod->dir != RKT_POD_DIR_EXITED_GARBAGE && pod->dir != RKT_POD_DIR_GARBAGE)
		r = rkt_pod_move(pod, RKT_POD_DIR_GARBAGE, err);
	if (r < 0)
		return r;
	return delete_locked(pod, debug, err);
}
