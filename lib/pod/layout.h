/* The pod directory as stage0 and stage1 both see it (docs/stage1-abi.md section 2): the file
 * names relative to the pod directory $P, and the few rules about paths recorded in it.
 *
 * Pure string functions: no I/O, so that stage1's static programs can use them too. */
#pragma once

#include <stdbool.h>

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
