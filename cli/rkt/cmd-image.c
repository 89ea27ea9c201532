/* rkt image VERB: dispatches to cmd-image-<verb>.c. */
#include <errno.h>
#include <string.h>

#include "rkt.h"

const struct cli_command cli_image_commands[] = {
	CMD("cat-manifest", cmd_image_cat_manifest, "Inspect and print the image manifest", "IMAGE",
	    .flags = image_cat_manifest_flags),
	CMD("export", cmd_image_export, "Export a stored image to an ACI file",
	    "IMAGE OUTPUT_ACI_FILE", .flags = image_export_flags),
	CMD("extract", cmd_image_extract, "Extract a stored image to a directory",
	    "IMAGE OUTPUT_DIR", .flags = image_extract_flags),
	CMD("fetch", cmd_fetch, "Fetch image(s) and store them in the local store", "IMAGE...",
	    .flags = fetch_flags),
	CMD("gc", cmd_image_gc, "Garbage collect local store", "", .flags = image_gc_flags),
	CMD("list", cmd_image_list, "List images in the local store", "",
	    .flags = image_list_flags),
	CMD("render", cmd_image_render,
	    "Render a stored image with its dependencies to a directory", "IMAGE OUTPUT_DIR",
	    .flags = image_extract_flags),
	CMD("rm", cmd_image_rm,
	    "Remove one or more images with the given IDs or names from the "
	    "local store",
	    "IMAGE..."),
	CMD("verify", cmd_image_verify, "Verify stored images and repair their trees",
	    "[IMAGE...]"),
	{},
};

int cmd_image(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	if (argc < 2)
		return rkt_error_set(err, EINVAL, "image: expected a subcommand (%s)",
		                     "list, rm, gc, cat-manifest, export, extract, render, verify");
	for (const struct cli_command *c = cli_image_commands; c->name; c++)
		if (strcmp(c->name, argv[1]) == 0)
			return c->run(ctx, argc - 1, argv + 1, err);
	if (argv[1][0] == '-')
		return rkt_error_set(err, EINVAL, "image: unknown flag '%.*s'",
		                     (int)strcspn(argv[1], "="), argv[1]);
	return rkt_error_set(err, EINVAL, "image: unknown subcommand '%s'", argv[1]);
}
