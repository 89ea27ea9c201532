/* rkt gc [--grace-period=30m] [--expire-prepared=24h] [--mark-only]: collect exited, aborted
 * and expired pods (lib/pod/gc.h). stderr says which pods are moved to garbage, stdout which
 * are deleted, as upstream; a pod that cannot be collected is reported and skipped. */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "pod-util.h"
#include "pod/gc.h"

#define NS_PER_MIN (60LL * 1000000000)

struct gc_state {
	size_t failed;
	struct rkt_error first;
};

static void on_event(void *userdata, enum rkt_gc_event ev, const char *uuid,
                     const struct rkt_error *e)
{
	struct gc_state *st = userdata;

	switch (ev) {
	case RKT_GC_EVENT_MARKED:
		fprintf(stderr, "gc: moving pod \"%s\" to garbage\n", uuid);
		break;
	case RKT_GC_EVENT_DELETING:
		printf("Garbage collecting pod \"%s\"\n", uuid);
		fflush(stdout);
		break;
	case RKT_GC_EVENT_FAILED:
		if (st->failed++ == 0)
			st->first = *e;
		break;
	case _RKT_GC_EVENT_MAX:
		break;
	}
}

enum { OPT_GRACE = 256, OPT_EXPIRE, OPT_MARK_ONLY };

int cmd_gc(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	static const struct option options[] = {
		{ "grace-period", required_argument, NULL, OPT_GRACE },
		{ "expire-prepared", required_argument, NULL, OPT_EXPIRE },
		{ "mark-only", optional_argument, NULL, OPT_MARK_ONLY },
		{},
	};
	struct gc_state st = { 0 };
	struct rkt_gc_opts o = {
		.grace_ns = 30 * NS_PER_MIN,
		.expire_prepared_ns = 24 * 60 * NS_PER_MIN,
		.debug = ctx->debug,
		.event = on_event,
		.userdata = &st,
	};
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		switch (c) {
		case OPT_GRACE:
		case OPT_EXPIRE:
			if (cli_parse_duration(optarg, c == OPT_GRACE ? &o.grace_ns
			                                              : &o.expire_prepared_ns) < 0)
				return rkt_error_set(err, EINVAL, "gc: '%s' is not a duration",
				                     optarg);
			break;
		case OPT_MARK_ONLY:
			o.mark_only = true;
			if (optarg && rkt_parse_bool(optarg, &o.mark_only) < 0)
				return rkt_error_set(err, EINVAL, "gc: '%s' is not a boolean",
				                     optarg);
			break;
		default:
			return cli_getopt_error("gc", c, argc, argv, err);
		}
	}
	if (optind < argc)
		return rkt_error_set(err, EINVAL, "gc: unexpected argument '%s'", argv[optind]);
	r = rkt_gc(ctx->dir, &o, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "gc");
	if (st.failed) {
		*err = st.first;
		return rkt_error_wrap(err, -st.first.code, "gc: %zu pod(s) not collected",
		                      st.failed);
	}
	return 0;
}
