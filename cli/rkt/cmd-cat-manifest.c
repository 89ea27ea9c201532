/* rkt cat-manifest [--pretty-print[=bool]] (--uuid-file=F | UUID): the pod manifest. */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "pod-util.h"

int cmd_cat_manifest(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	static const struct option options[] = {
		{ "pretty-print", optional_argument, NULL, 'p' },
		{ "uuid-file", required_argument, NULL, 'u' },
		{},
	};
	_cleanup_(rkt_pod_freep) struct rkt_pod *pod = NULL;
	struct rkt_pod_manifest *m = NULL;
	const char *uuid_file = NULL;
	bool pretty = true;
	char *out;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (c == 'u') {
			uuid_file = optarg;
		} else if (c == 'p') {
			pretty = true;
			if (optarg && rkt_parse_bool(optarg, &pretty) < 0)
				return rkt_error_set(err, EINVAL,
				                     "cat-manifest: '%s' is not a boolean", optarg);
		} else {
			return cli_getopt_error("cat-manifest", c, argc, argv, err);
		}
	}
	if (argc - optind > 1 || (optind < argc) == !!uuid_file)
		return rkt_error_set(err, EINVAL,
		                     "cat-manifest: expected one pod UUID or --uuid-file");
	r = cli_pod_find(ctx, "cat-manifest", optind < argc ? argv[optind] : NULL, uuid_file, &pod,
	                 err);
	if (r < 0)
		return r;
	r = rkt_pod_read_manifest(pod, &m, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "cat-manifest");
	out = rkt_pod_manifest_format(m, pretty);
	printf("%s\n", out);
	free(out);
	rkt_pod_manifest_free(m);
	return 0;
}
