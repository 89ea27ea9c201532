/* actool cat-manifest: print the manifest of an ACI.
 *
 * Without --pretty-print the manifest bytes are printed as stored, as the reference tool does;
 * with it, the manifest is reserialized with four-space indentation, which is what the
 * reference tool's json.MarshalIndent(im, "", "    ") prints. The whole archive is checked
 * first, so a broken ACI is reported rather than half printed. */
#include <string.h>

#include "actool.h"

struct cat_manifest_opts {
	bool pretty;
	const char *path;
};

static int cat_manifest_parse_args(int argc, char **argv, struct cat_manifest_opts *opts,
                                   struct rkt_error *err)
{
	enum { OPT_PRETTY = 0x100 };
	static const struct option options[] = { { "pretty-print", no_argument, NULL, OPT_PRETTY },
		                                 {} };
	int c;

	while ((c = actool_getopt(argc, argv, options)) != -1) {
		if (c != OPT_PRETTY)
			return actool_getopt_error("cat-manifest", c, argc, argv, err);
		opts->pretty = true;
	}
	if (argc - optind != 1)
		return actool_usage_error(err, "cat-manifest: expected one ACI file");
	opts->path = argv[optind];
	return 0;
}

/* Doubles the leading indentation of each line: our formatter indents by two spaces, like
 * Go's MarshalIndent(v, "", "  "); strings hold no raw newlines, so lines are JSON lines. */
static void print_reindented(const char *s)
{
	while (*s) {
		size_t indent = strspn(s, " ");
		size_t len = strcspn(s, "\n");

		for (size_t i = 0; i < 2 * indent; i++)
			putchar(' ');
		fwrite(s + indent, 1, len - indent, stdout);
		s += len;
		if (*s == '\n') {
			putchar('\n');
			s++;
		}
	}
}

int cmd_cat_manifest(int argc, char **argv, struct rkt_error *err)
{
	struct cat_manifest_opts opts = { 0 };
	_cleanup_(rkt_aci_info_releasep) struct rkt_aci_info info = { 0 };
	_cleanup_free_ char *pretty = NULL;
	int r;

	r = cat_manifest_parse_args(argc, argv, &opts, err);
	if (r != 0)
		return r;
	r = actool_read_aci(opts.path, &info, err);
	if (r < 0)
		return r;
	if (opts.pretty) {
		pretty = rkt_image_manifest_format(info.manifest, true);
		print_reindented(pretty);
	} else
		fwrite(info.manifest_raw, 1, info.manifest_len, stdout);
	putchar('\n');
	return 0;
}
