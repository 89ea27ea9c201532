/* actool build: an ACI from an image layout directory (DIR/manifest + DIR/rootfs).
 *
 * Like the reference tool it prints nothing on success (`actool validate` shows the image ID).
 * Unlike it, the output is reproducible: entries are sorted, and --mtime or SOURCE_DATE_EPOCH
 * (https://reproducible-builds.org/specs/source-date-epoch/) fixes every modification time. */
#include <errno.h>
#include <stdlib.h>

#include "actool.h"

struct build_opts {
	struct rkt_aci_build_opts aci;
	const char *dir;
	const char *out;
};

static int parse_mtime(const char *what, const char *s, int64_t *ret, struct rkt_error *err)
{
	uint64_t v;

	if (actool_parse_uint(s, INT64_MAX, &v) < 0)
		return actool_usage_error(
		        err, "%s: '%s' is not a number of seconds since the epoch", what, s);
	*ret = (int64_t)v;
	return 0;
}

static int build_parse_args(int argc, char **argv, struct build_opts *opts, struct rkt_error *err)
{
	enum { OPT_COMPRESSION = 0x100, OPT_NO_COMPRESSION, OPT_MTIME, OPT_OVERWRITE, OPT_OWNER };
	static const struct option options[] = {
		{ "compression", required_argument, NULL, OPT_COMPRESSION },
		{ "no-compression", no_argument, NULL, OPT_NO_COMPRESSION },
		{ "mtime", required_argument, NULL, OPT_MTIME },
		{ "overwrite", no_argument, NULL, OPT_OVERWRITE },
		{ "owner-root", no_argument, NULL, OPT_OWNER },
		{}
	};
	const char *epoch;
	int c, r;

	while ((c = actool_getopt(argc, argv, options)) != -1) {
		switch (c) {
		case OPT_COMPRESSION:
		case OPT_NO_COMPRESSION:
			r = actool_parse_compression(c == OPT_COMPRESSION ? optarg : "none",
			                             &opts->aci.compression, err);
			if (r != 0)
				return r;
			break;
		case OPT_MTIME:
			r = parse_mtime("--mtime", optarg, &opts->aci.mtime, err);
			if (r != 0)
				return r;
			opts->aci.normalize_mtime = true;
			break;
		case OPT_OVERWRITE:
			opts->aci.overwrite = true;
			break;
		case OPT_OWNER:
			opts->aci.owner_root = true;
			break;
		default:
			return actool_getopt_error("build", c, argc, argv, err);
		}
	}
	if (argc - optind != 2)
		return actool_usage_error(err, "build: expected a directory and an output file");
	opts->dir = argv[optind];
	opts->out = argv[optind + 1];

	epoch = getenv("SOURCE_DATE_EPOCH");
	if (!opts->aci.normalize_mtime && epoch && *epoch) {
		r = parse_mtime("SOURCE_DATE_EPOCH", epoch, &opts->aci.mtime, err);
		if (r != 0)
			return r;
		opts->aci.normalize_mtime = true;
	}
	return 0;
}

int cmd_build(int argc, char **argv, struct rkt_error *err)
{
	struct build_opts opts = { .aci = { .compression = RKT_COMPRESSION_GZIP } };
	char id[RKT_IMAGE_ID_SIZE];
	int r;

	r = build_parse_args(argc, argv, &opts, err);
	if (r != 0)
		return r;
	r = actool_check_aci_name(opts.out, err);
	if (r < 0)
		return r;
	r = rkt_aci_build(opts.dir, opts.out, &opts.aci, id, err);
	if (r == -EEXIST)
		return rkt_error_set(err, EEXIST, "'%s' exists (use --overwrite to replace it)",
		                     opts.out);
	return r < 0 ? r : 0;
}
