/* Rendering an image with its dependencies into a directory (docs/conformance.md: REN-*): into a
 * new directory (REN-1), every layer extracted with the ACI rules (REN-13); appc has no whiteouts,
 * so `.wh.*` files are ordinary files (REN-9).
 *
 * The layer list is built depth-first over each image's dependencies in listed order, each
 * image after its dependencies and the top image last (REN-3): A -> [B, C], C -> [D] gives
 * B, D, C, A; a shared dependency appears once per path. Layers are then extracted in that order
 * with rkt_tree_writer, later entries replacing earlier ones without following symlinks (REN-4);
 * only rootfs/ is extracted (REN-5); every layer's ID is checked while it is read (REN-14).
 * Whitelists follow the Go renderer (REN-6/REN-7): an image's own pathWhitelist filters its
 * non-directory entries, and the first non-empty whitelist on the way from the top image down
 * to a layer filters all of that layer's entries. Cycles are refused (REN-10). */
#pragma once

#include <stdbool.h>

#include "appc/manifest.h"
#include "store/store.h"
#include "util/error.h"
#include "util/hash.h"

struct rkt_layer {
	char id[RKT_IMAGE_ID_SIZE];
	struct rkt_image_manifest *manifest;   /* owned */
	const struct rkt_strv *own_whitelist;  /* NULL if empty */
	const struct rkt_strv *path_whitelist; /* first non-empty from the top; NULL if none */
};

struct rkt_layers {
	struct rkt_layer *items; /* bottom (applied first) to top */
	size_t n;
};
void rkt_layers_release(struct rkt_layers *l);

/* Finds the image a dependency names (REN-2): by imageID if set (the image must exist and
 * have that ID), else by name and labels. Returns its full ID and a new parsed manifest. */
typedef int (*rkt_dep_resolve_fn)(void *userdata, const struct rkt_dependency *dep,
                                  char ret_id[RKT_IMAGE_ID_SIZE],
                                  struct rkt_image_manifest **ret_manifest, struct rkt_error *err);

/* Builds the layer list of the image TOP_ID with manifest TOP (ownership passes to *ret even on
 * failure). -ELOOP for a dependency cycle, -E2BIG for more than RKT_RENDER_MAX_LAYERS layers,
 * or whatever RESOLVE returns. ERR gives the path of dependencies ("dependency 'a': dependency
 * 'b': ..."); the caller names the top image. */
#define RKT_RENDER_MAX_LAYERS 1024
int rkt_layers_build(const char *top_id, struct rkt_image_manifest *top, rkt_dep_resolve_fn resolve,
                     void *userdata, struct rkt_layers *ret, struct rkt_error *err);

/* Whether an entry at PATH ("/etc/hosts", "/" for the root) of LAYER survives (REN-7). */
bool rkt_layer_keeps(const struct rkt_layer *layer, const char *path, bool is_dir);

/* The store's resolver for rkt_layers_build (USERDATA is the struct rkt_store). A dependency
 * that gives a size (MAN-9) must resolve to an image whose stored ACI has that many bytes
 * (-EBADMSG otherwise). */
int rkt_store_resolve_dep(void *userdata, const struct rkt_dependency *dep,
                          char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_image_manifest **ret_manifest,
                          struct rkt_error *err);

struct rkt_render_opts {
	bool with_dependencies; /* render (true) or extract the image alone (false) */
	bool rootfs_only;       /* DIR gets the rootfs; else DIR/rootfs and DIR/manifest */
	bool overwrite;         /* replace DIR if it exists */
};

/* Renders image ID from STORE into DIR, which appears complete or not at all (built in a
 * sibling temporary directory and renamed). -EEXIST if DIR exists and !overwrite. */
int rkt_image_render(struct rkt_store *store, const char *id, const char *dir,
                     const struct rkt_render_opts *opts, struct rkt_error *err);
