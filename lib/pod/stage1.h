/* Calling a pod's stage1 entrypoints (docs/stage1-abi.md): finding them in the stage1 image
 * manifest, and running the fork+wait ones (gc, stop). The run and enter entrypoints are
 * exec'd by the commands themselves. */
#pragma once

#include <stdbool.h>

#include "pod/pod.h"
#include "util/error.h"

#define RKT_STAGE1_ANNOTATION_PREFIX "coreos.com/rkt/stage1/"

struct rkt_stage1_entry {
	char *path;                 /* absolute: <pod>/stage1/rootfs/<entrypoint> */
	unsigned interface_version; /* 1 if the annotation is absent */
	char *flavor;               /* target of stage1/rootfs/flavor, or NULL */
};
void rkt_stage1_entry_release(struct rkt_stage1_entry *e);

/* Looks up entrypoint NAME ("run", "enter", "gc", "stop") in $P/stage1/manifest. -ENOENT if
 * the stage1 has no such entrypoint (or no manifest), -EINVAL/-EBADMSG for a bad manifest. */
int rkt_stage1_entry(const struct rkt_pod *pod, const char *name, struct rkt_stage1_entry *ret,
                     struct rkt_error *err);

/* Forks, runs ARGV[0] with ARGV in the pod directory (stdout goes to stderr, stdin is
 * /dev/null) and waits. Returns its exit status (0..255, 128+N if killed by signal N). Blocks
 * until the child exits. */
int rkt_stage1_call(const struct rkt_pod *pod, char *const argv[], struct rkt_error *err);

/* Unmounts everything mounted at or below PATH (real path; read from /proc/self/mountinfo),
 * deepest first, retrying until nothing is left. Returns the number unmounted. */
int rkt_umount_below(const char *path, struct rkt_error *err);
