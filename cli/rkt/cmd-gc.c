/* rkt gc [--grace-period=30m] [--expire-prepared=24h] [--mark-only]: collect exited, aborted
 * and expired pods (lib/pod/gc.h). stderr says which pods are moved to garbage, stdout which
 * are deleted, as upstream; a pod that cannot be collected is reported and skipped. */
#include <errno.h>
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
	case RKT_GC_EVENT_SWEPT:
		fprintf(stderr, "gc: pod \"%s\" is gone: removed its networks\n", uuid);
		break;
	case RKT_GC_EVENT_FAILED:
		if (st->failed++ == 0)
			st->first = *e;
		break;
	case _RKT_GC_EVENT_MAX:
		break;
	}
}

const struct cli_flag gc_flags[] = {
	FLAG("expire-prepared", CLI_FLAG_DURATION, struct rkt_gc_opts, expire_prepared_ns,
	     "24h0m0s", "duration to wait before expiring prepared pods"),
	FLAG("grace-period", CLI_FLAG_DURATION, struct rkt_gc_opts, grace_ns, "30m0s",
	     "duration to wait before discarding inactive pods from garbage"),
	FLAG("mark-only", CLI_FLAG_BOOL, struct rkt_gc_opts, mark_only, "false",
	     "if set to true, only the \"mark\" phase of the garbage collection process will be "
	     "performed (i.e., exited/aborted pods will be moved to the garbage, but nothing will "
	     "be "
	     "deleted)"),
	{},
};

int cmd_gc(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	struct gc_state st = { 0 };
	struct rkt_gc_opts o = {
		.grace_ns = 30 * NS_PER_MIN,
		.expire_prepared_ns = 24 * 60 * NS_PER_MIN,
		.debug = ctx->debug,
		.event = on_event,
		.userdata = &st,
	};
	int r;

	r = cli_flags_parse(gc_flags, "gc", CLI_PARSE_INTERSPERSED, argc, argv, &o, err);
	if (r < 0)
		return r;
	if (r > 0)
		return rkt_error_set(err, EINVAL, "gc: unexpected argument '%s'", argv[1]);
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
