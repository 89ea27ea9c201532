/* rkt image VERB: dispatches to cmd-image-<verb>.c. */
#include <errno.h>
#include <string.h>

#include "rkt.h"

static const struct cli_command image_commands[] = {
	{ "cat-manifest", cmd_image_cat_manifest, "Inspect and print the image manifest",
	  "[--pretty-print] IMAGE" },
	{ "export", cmd_image_export, "Export a stored image to an ACI file",
	  "[--overwrite] IMAGE OUTPUT_ACI_FILE" },
	{ "extract", cmd_image_extract, "Extract a stored image to a directory",
	  "[--rootfs-only] [--overwrite] IMAGE OUTPUT_DIR" },
	{ "fetch", cmd_fetch, "Fetch image(s) and store them in the local store",
	  "[--pull-policy=new|update|never] [--full] IMAGE..." },
	{ "gc", cmd_image_gc, "Garbage collect local store", "[--grace-period=24h0m0s]" },
	{ "list", cmd_image_list, "List images in the local store",
	  "[--no-legend] [--full] [--fields=...] [--sort=...] [--order=asc|desc] "
	  "[--format=json|json-pretty]" },
	{ "render", cmd_image_render, "Render a stored image with its dependencies to a directory",
	  "[--rootfs-only] [--overwrite] IMAGE OUTPUT_DIR" },
	{ "rm", cmd_image_rm,
	  "Remove one or more images with the given IDs or names from the "
	  "local store",
	  "IMAGE..." },
	{ "verify", cmd_image_verify, "Verify stored images and repair their trees", "[IMAGE...]" },
};

int cmd_image(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	if (argc < 2)
		return rkt_error_set(err, EINVAL, "image: expected a subcommand (%s)",
		                     "list, rm, gc, cat-manifest, export, extract, render, verify");
	for (size_t i = 0; i < ELEMENTSOF(image_commands); i++)
		if (strcmp(image_commands[i].name, argv[1]) == 0)
			return image_commands[i].run(ctx, argc - 1, argv + 1, err);
	return rkt_error_set(err, EINVAL, "image: unknown subcommand '%s'", argv[1]);
}
