/* rkt cat-manifest [--pretty-print[=bool]] (--uuid-file=F | UUID): the pod manifest. */
#include <errno.h>
#include <string.h>

#include "pod-util.h"

struct cat_manifest_opts {
	bool pretty;
	const char *uuid_file;
};

const struct cli_flag cat_manifest_flags[] = {
	FLAG("pretty-print", CLI_FLAG_BOOL, struct cat_manifest_opts, pretty, "true",
	     "apply indent to format the output"),
	FLAG("uuid-file", CLI_FLAG_STRING, struct cat_manifest_opts, uuid_file, "",
	     "read pod UUID from file instead of argument"),
	{},
};

int cmd_cat_manifest(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	_cleanup_(rkt_pod_freep) struct rkt_pod *pod = NULL;
	struct cat_manifest_opts o = { .pretty = true };
	struct rkt_pod_manifest *m = NULL;
	char *out;
	int n, r;

	n = cli_flags_parse(cat_manifest_flags, "cat-manifest", CLI_PARSE_INTERSPERSED, argc, argv,
	                    &o, err);
	if (n < 0)
		return n;
	if (n > 1 || (n == 1) == !!o.uuid_file)
		return rkt_error_set(err, EINVAL,
		                     "cat-manifest: expected one pod UUID or --uuid-file");
	r = cli_pod_find(ctx, "cat-manifest", n ? argv[1] : NULL, o.uuid_file, &pod, err);
	if (r < 0)
		return r;
	r = rkt_pod_read_manifest(pod, &m, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "cat-manifest");
	out = rkt_pod_manifest_format(m, o.pretty);
	printf("%s\n", out);
	free(out);
	rkt_pod_manifest_free(m);
	return 0;
}
