/* stage0's side of a pod directory (rkt/rkt Documentation/devel/architecture.md, docs/stage1-abi.md
 * section 2): the files written while preparing, the stage1 root made available before exec,
 * the DNS files, and the image trees apps and stage1 are made from.
 *
 * All functions work on a pod whose exclusive lock the caller holds. They may block on the file
 * system and the store; none forks. */
#pragma once

#include <stdbool.h>

#include "appc/manifest.h"
#include "fetch/fetch.h"
#include "pod/pod.h"
#include "store/store.h"
#include "isolate/userns.h"
#include "util/error.h"

struct rkt_prepare_app {
	const char *name;     /* app name in the pod manifest */
	const char *image_id; /* full ID = tree store ID */
};

struct rkt_prepare_opts {
	const struct rkt_pod_manifest *manifest; /* reified */
	const char *stage1_id;
	const struct rkt_prepare_app *apps; /* in manifest order */
	size_t n_apps;
	bool no_overlay; /* copy trees into the pod instead of overlay mounts */
	/* --private-users with no_overlay: the apps' copies get their owners shifted into this
	 * range (upstream's way); NULL otherwise (with overlay, stage1 shows the shared trees
	 * through idmapped mounts) */
	const struct rkt_id_range *shift_ids;
};

/* Writes images (first: every image the pod uses, see pod/layout.h), pod, pod-created,
 * stage1/manifest, stage1TreeStoreID, appsinfo/<app>/{manifest,
 * treeStoreID,lowerdir}, overlay-prepared and the overlay upper/work dirs, or (no_overlay) the
 * stage1 and app trees copied into place. */
int rkt_pod_prepare(struct rkt_pod *pod, struct rkt_store *store,
                    const struct rkt_prepare_opts *opts, struct rkt_error *err);

/* Makes $P/stage1/rootfs available: the overlay mount of the stage1 tree (in the caller's mount
 * namespace, as upstream) when the pod uses overlay; nothing otherwise. */
int rkt_pod_mount_stage1(struct rkt_pod *pod, struct rkt_error *err);

/* Writes $S1/etc/rkt-resolv.conf and/or $S1/etc/rkt-hosts (NULL: leave it). */
int rkt_pod_write_dns(struct rkt_pod *pod, const char *resolv_conf, const char *hosts,
                      struct rkt_error *err);

/* The directory that holds image ID's root filesystem with its dependencies applied, usable as
 * an overlayfs lower directory: the store's tree when the image has no dependencies and its
 * path is overlay-safe; otherwise the image is rendered into RENDER_DIR (which must not exist)
 * and RENDER_DIR/rootfs is returned. New string in *RET. */
int rkt_image_lowerdir(struct rkt_store *store, const char *id, const char *render_dir, char **ret,
                       struct rkt_error *err);

/* Appends the IDs of image ID and of every image in its dependency chain (REN-2) to OUT. */
int rkt_image_layer_ids(struct rkt_store *store, const char *id, struct rkt_strv *out,
                        struct rkt_error *err);

/* Finds or imports the image a command line names (a path, file:// URL, http(s) URL, hash, or
 * name with the store's lookup) with rkt_fetch() under OPTS (pull policy, insecure options,
 * keystore: the same checks as rkt fetch). Returns the full ID and the parsed manifest. */
int rkt_image_resolve(struct rkt_store *store, const char *image, const struct rkt_fetch_opts *opts,
                      char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_image_manifest **ret_manifest,
                      struct rkt_error *err);

/* What stage1 would refuse, checked before a pod directory exists: each app's image is for
 * this host (MAN-6, rkt_image_manifest_host_check), the capability isolators of the app
 * stage1 will start name known capabilities (ISO-9..11), and its user and group, when names,
 * are in its /etc/passwd and /etc/group (ACE-22). The error names the app. */
int rkt_pod_apps_check(struct rkt_store *store, const struct rkt_pod_manifest *m,
                       struct rkt_error *err);

/* The source of every host volume (the pod's and the apps' own) exists, as stage1 needs it:
 * checked by run and prepare before a pod directory exists, and by run-prepared before the
 * pod leaves prepared/. The error names the volume and its source. */
int rkt_pod_volumes_check(const struct rkt_pod_manifest *m, struct rkt_error *err);
