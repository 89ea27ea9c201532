/* User namespaces of pods (--private-users, docs/security.md): the host id range a pod runs as,
 * the namespace that maps it, idmapped mounts that show the host's trees through that mapping,
 * and, for trees copied into the pod, shifting their owners (upstream's way).
 *
 * A range maps the ids 0..COUNT-1 inside to BASE..BASE+COUNT-1 on the host, for users and
 * groups alike. No appc types here; nothing prints. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

#define RKT_ID_RANGE_COUNT 65536u /* ids per pod, as upstream */

struct rkt_id_range {
	uint32_t base, count;
};

/* "BASE:COUNT" (upstream's serialization): COUNT > 0, BASE > 0, BASE + COUNT <= 2^32 - 1
 * (uid -1 is never mapped). -EINVAL naming S. */
int rkt_id_range_parse(const char *s, struct rkt_id_range *ret, struct rkt_error *err);
/* Whether A and B share an id. */
bool rkt_id_ranges_overlap(const struct rkt_id_range *a, const struct rkt_id_range *b);
/* The host id of ID inside R (ID < R->count). */
static inline uint32_t rkt_id_range_map(const struct rkt_id_range *r, uint32_t id)
{
	return r->base + id;
}

/* A user namespace mapping a range, and the namespaces it owns. -EBADF where absent. */
struct rkt_userns {
	int user;
	int uts, ipc, net;
};
/* Makes a user namespace with R as its uid and gid map and, owned by it, new namespaces of
 * FLAGS (CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWNET; not CLONE_NEWPID: a PID namespace cannot be
 * joined before its first process exists), through a short-lived child.
 * The caller (root on the host) keeps its own credentials: it may join the owned namespaces
 * with rkt_userns_join_owned and still do what only the host's root may (idmapped mounts,
 * cgroups); its apps join the user namespace last (rkt_userns_enter). */
int rkt_userns_create(const struct rkt_id_range *r, int flags, struct rkt_userns *ret,
                      struct rkt_error *err);
/* A user namespace whose ids R->base.. inside are 0.. on the host (nothing else mapped): an
 * idmapped mount through it shows the files a pod of range R wrote with the ids the pod saw
 * (rkt export). */
int rkt_userns_create_inverse(const struct rkt_id_range *r, struct rkt_userns *ret,
                              struct rkt_error *err);
void rkt_userns_close(struct rkt_userns *ns);
/* setns() into each namespace of NS other than the user namespace. */
int rkt_userns_join_owned(const struct rkt_userns *ns, struct rkt_error *err);
/* In a forked, single-threaded child: joins the user namespace USERNS_FD and becomes its root
 * (uid and gid 0 inside, the range's base outside), with every capability in it; the caller
 * then sets the app's ids and capabilities. Async-signal-safe. 0 or -errno. */
int rkt_userns_enter(int userns_fd);

/* Clones the mount at PATH (not its submounts) as a detached mount shown through the mapping
 * of USERNS_FD (MOUNT_ATTR_IDMAP) and attaches it at TARGET (an existing directory). -EINVAL
 * or -EPERM (with a message naming PATH) where the filesystem cannot be idmapped. */
int rkt_idmap_bind(const char *path, const char *target, int userns_fd, struct rkt_error *err);
/* Whether the kernel can make idmapped mounts of the filesystems of the N PATHS (WHATS[i] names
 * PATHS[i] in the message): makes one throwaway user namespace and a detached idmapped clone of
 * the first path of each filesystem. 0, or -EOPNOTSUPP with a message saying what is missing. */
int rkt_idmap_probe(const char *const *paths, const char *const *whats, size_t n,
                    struct rkt_error *err);

/* Adds R's base to the owner and group of every entry of the tree NAME below DIR_FD (ids
 * outside 0..R->count-1 become the overflow id 65534 inside), keeping set-id bits. */
int rkt_tree_shift_ids(int dir_fd, const char *name, const struct rkt_id_range *r,
                       struct rkt_error *err);
