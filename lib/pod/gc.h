/* Garbage collection and removal of pods (rkt/rkt Documentation/subcommands/gc.md,
 * Documentation/subcommands/rm.md, Documentation/devel/pod-lifecycle.md).
 *
 * gc marks, then sweeps: exited pods (run/, unlocked) move to exited-garbage/, aborted prepares
 * and abandoned embryos to garbage/, prepared pods older than the expiry (ctime) to garbage/;
 * then exited-garbage pods marked longer ago than the grace period, and every garbage pod, are
 * deleted: exclusive lock, the stage1 gc entrypoint (exited pods only; fork+wait, cwd = the pod),
 * every mount below the pod removed, deepest first, and the directory removed. A pod another
 * process holds or moves meanwhile is left for the next run. May block on the stage1 gc.
 * Last, the networks of pods of the data dir whose directory vanished are removed
 * (rkt_cni_sweep). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "pod/pod.h"
#include "util/error.h"

enum rkt_gc_action {
	RKT_GC_KEEP = 0,
	RKT_GC_MARK_EXITED,  /* -> exited-garbage/ */
	RKT_GC_MARK_GARBAGE, /* -> garbage/ */
	RKT_GC_DELETE,
	_RKT_GC_MAX
};

enum rkt_gc_event {
	RKT_GC_EVENT_MARKED = 0, /* moved to a garbage directory */
	RKT_GC_EVENT_DELETING,   /* about to delete */
	RKT_GC_EVENT_FAILED,     /* could not be collected; ERR says why (gc goes on) */
	RKT_GC_EVENT_SWEPT,      /* the networks of a pod whose directory vanished were removed */
	_RKT_GC_EVENT_MAX
};

struct rkt_gc_opts {
	int64_t grace_ns;           /* exited-garbage dwell time before deletion */
	int64_t expire_prepared_ns; /* age after which a prepared pod is garbage */
	bool mark_only;             /* only move exited and aborted pods */
	bool debug;                 /* passed to the stage1 gc entrypoint */
	void (*event)(void *userdata, enum rkt_gc_event ev, const char *uuid,
	              const struct rkt_error *err);
	void *userdata;
};

/* What gc does with a pod in STATE whose directory was last changed AGE_NS ago. ABANDONED says
 * that an embryo's creator is gone. Pure. */
enum rkt_gc_action rkt_gc_decide(enum rkt_pod_state state, int64_t age_ns, bool abandoned,
                                 const struct rkt_gc_opts *opts);

/* One gc run over every pod of DATA_DIR. Per-pod failures are reported through OPTS->event and
 * do not stop the run; returns -errno only if the pods could not be listed. */
int rkt_gc(const char *data_dir, const struct rkt_gc_opts *opts, struct rkt_error *err);

/* Deletes POD now (rkt rm): exited, aborted or prepared pods only; -EBUSY for a running,
 * preparing or deleting pod. DEBUG is passed to the stage1 gc. */
int rkt_pod_remove(struct rkt_pod *pod, bool debug, struct rkt_error *err);
