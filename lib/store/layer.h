/* Applying an OCI/Docker image layer (a tar changeset with whiteouts) to a tree. */
#pragma once

#include <stddef.h>

#include "store/tree.h"
#include "util/error.h"

struct rkt_layer_apply_opts {
	/* Sees every byte read from FD before it is decompressed (may be NULL). */
	int (*on_raw)(void *userdata, const void *buf, size_t len, struct rkt_error *err);
	void *raw_userdata;
	/* A plain tar: ".wh." names are ordinary files (extracting an archive of blobs). */
	bool no_whiteouts;
};

/* Reads the layer from FD (tar, tar+gzip or tar+zstd) and applies it to the tree under ROOT_FD
 * through W (which must have been made with no_symlinks), with the OCI image spec's whiteouts.
 * WHAT names the layer in errors. -EINVAL for a hostile or malformed entry (named), -EPERM for
 * a device node, -EBADMSG for a corrupt stream or a compression bomb (a tar longer than the free
 * space of the tree's file system, or an entry larger than what is left of it). */
int rkt_layer_apply(int root_fd, struct rkt_tree_writer *w, int fd, const char *what,
                    const struct rkt_layer_apply_opts *opts, struct rkt_error *err);
