/* rkt config [--pretty-print=BOOL]: the configuration merged from --system-config,
 * --local-config and --user-config (lib/config/config.h, docs/config.md) as {"stage0": [...]}.
 * The paths entry shows the values in effect: --dir over paths.d "data", and the compiled-in
 * stage1 images directory when none is configured. */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>

#include "rkt.h"
#include "util/json-util.h"

int cmd_config(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	enum { OPT_PRETTY = 256 };
	static const struct option options[] = {
		{ "pretty-print", optional_argument, NULL, OPT_PRETTY }, {}
	};
	const struct rkt_config *c = ctx->config;
	struct json_object *root;
	bool pretty = true;
	int ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (ch != OPT_PRETTY)
			return cli_getopt_error("config", ch, argc, argv, err);
		if (optarg && rkt_parse_bool(optarg, &pretty) < 0)
			return rkt_error_set(err, EINVAL,
			                     "config: --pretty-print: '%s' is not a boolean",
			                     optarg);
	}
	root = rkt_config_to_json(c, ctx->dir,
	                          c->stage1_images_dir ?: rkt_config_default_stage1_images_dir());
	_cleanup_free_ char *s = rkt_json_format(root, pretty);
	printf("%s\n", s);
	json_object_put(root);
	return 0;
}
