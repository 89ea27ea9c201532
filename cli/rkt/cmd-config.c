/* rkt config [--pretty-print=BOOL]: the configuration merged from --system-config,
 * --local-config and --user-config (lib/config/config.h, docs/config.md) as {"stage0": [...]}.
 * The paths entry shows the values in effect: --dir over paths.d "data", and the compiled-in
 * stage1 images directory when none is configured. */
#include <errno.h>
#include <json-c/json.h>

#include "rkt.h"
#include "util/json-util.h"

struct config_opts {
	bool pretty;
};

const struct cli_flag config_flags[] = {
	FLAG("pretty-print", CLI_FLAG_BOOL, struct config_opts, pretty, "true",
	     "apply indent to format the output"),
	{},
};

int cmd_config(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	const struct rkt_config *c = ctx->config;
	struct config_opts o = { .pretty = true };
	struct json_object *root;
	int r;

	r = cli_flags_parse(config_flags, "config", CLI_PARSE_INTERSPERSED, argc, argv, &o, err);
	if (r < 0)
		return r; /* upstream ignores arguments */
	root = rkt_config_to_json(c, ctx->dir,
	                          c->stage1_images_dir ?: rkt_config_default_stage1_images_dir());
	_cleanup_free_ char *s = rkt_json_format(root, o.pretty);
	printf("%s\n", s);
	json_object_put(root);
	return 0;
}
