/* Which host ids a pod with --private-users runs as (docs/pods.md, docs/security.md).
 *
 * The pod directory is the registry: a pod's range is in its file private-users-prepared
 * ("BASE:COUNT", upstream's name and format) from the time it is prepared until gc removes the
 * directory, which frees the range. Allocating takes pods/private-users.lock, reads every pod's
 * range and writes the new pod's before dropping the lock, so that pods prepared at the same
 * time get disjoint ranges. */
#pragma once

#include "isolate/userns.h"
#include "pod/pod.h"

/* The range of the pod directory POD_FD: 1 and RET if it has one, 0 if not. */
int rkt_pod_private_users(int pod_fd, struct rkt_id_range *ret, struct rkt_error *err);
/* Picks a random 65536-id range (base a multiple of 65536) that no pod under the pod's data
 * directory uses and records it in POD. -ENOSPC if none is left. */
int rkt_pod_private_users_allocate(struct rkt_pod *pod, struct rkt_id_range *ret,
                                   struct rkt_error *err);
/* Whether pods of the stage1 STAGE1_ID with the apps of M can have private users: not with the
 * fly stage1; with OVERLAY, the filesystems of the apps' trees (in the store and in the pod
 * directories under DATA_DIR) must allow idmapped mounts. -EINVAL, -EOPNOTSUPP with a message
 * saying why. Call it before the pod directory exists. */
int rkt_pod_private_users_check(struct rkt_store *store, const char *data_dir,
                                const char *stage1_id, const struct rkt_pod_manifest *m,
                                bool overlay, struct rkt_error *err);
