/* The pod directory as stage0 and stage1 both see it (docs/stage1-abi.md section 2): the file
 * names relative to the pod directory $P, and the few rules about paths recorded in it.
 *
 * Pure string functions: no I/O, so that stage1's static programs can use them too. */
#pragma once

#include <stdbool.h>

/* Files and directories directly in $P. */
#define RKT_POD_APPSINFO             "appsinfo"
#define RKT_POD_STAGE1_TREE_STORE_ID "stage1TreeStoreID"
/* ours: every image the pod uses (stage1, apps, their dependencies), one full ID a line,
 * written before anything is rendered, so that the store's rm and gc keep them */
#define RKT_POD_IMAGES "images"

/* Files in appsinfo/<app>/. */
#define RKT_POD_APP_TREE_STORE_ID "treeStoreID"

/* "appsinfo/<APP>/<NAME>" (new string). */
char *rkt_pod_app_file(const char *app, const char *name);

/* Recorded paths (appsinfo/<app>/lowerdir, stage1/lowerdir) must survive every move of the pod
 * between the state directories (pods/prepare/ -> pods/run/ ...): a path inside the pod is
 * recorded relative to $P, a path outside it (the store's trees) absolute. */

/* PATH relative to POD_DIR if it lies below it, else PATH itself (a pointer into PATH). */
const char *rkt_pod_path_relative(const char *pod_dir, const char *path);

/* Whether LOWERDIR (one or more paths separated by ':', topmost first) is fit for overlayfs:
 * each path absolute or relative to the pod directory without a ".." component, and nothing
 * that overlayfs parses specially (',', '\', a newline, an empty path). */
bool rkt_pod_lowerdir_valid(const char *lowerdir);

/* LOWERDIR with every relative path made absolute under POD_DIR (new string). */
char *rkt_pod_lowerdir_resolve(const char *pod_dir, const char *lowerdir);
