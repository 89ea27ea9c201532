/* rkt fetch IMAGE...: import images (and their dependencies) into the store and print their
 * IDs, one per line (rkt/rkt Documentation/subcommands/fetch.md). Also "rkt image fetch". */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rkt.h"
#include "util/time.h"

struct fetch_opts {
	enum rkt_pull_policy pull_policy;
	bool full;
	const char *signature;
};

static int parse_args(int argc, char **argv, struct fetch_opts *o, struct rkt_error *err)
{
	enum { OPT_PULL_POLICY = 256, OPT_FULL, OPT_SIGNATURE, OPT_STORE_ONLY, OPT_NO_STORE };
	static const struct option options[] = {
		{ "pull-policy", required_argument, NULL, OPT_PULL_POLICY },
		{ "full", no_argument, NULL, OPT_FULL },
		{ "signature", required_argument, NULL, OPT_SIGNATURE },
		{ "store-only", no_argument, NULL, OPT_STORE_ONLY },
		{ "no-store", no_argument, NULL, OPT_NO_STORE },
		{}
	};
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		switch (c) {
		case OPT_PULL_POLICY:
			r = rkt_pull_policy_from_name(optarg, &o->pull_policy, err);
			if (r < 0)
				return r;
			break;
		case OPT_FULL:
			o->full = true;
			break;
		case OPT_SIGNATURE:
			o->signature = optarg;
			break;
		/* deprecated spellings (rkt/rkt Documentation/subcommands/fetch.md) */
		case OPT_STORE_ONLY:
			o->pull_policy = RKT_PULL_POLICY_NEVER;
			break;
		case OPT_NO_STORE:
			o->pull_policy = RKT_PULL_POLICY_UPDATE;
			break;
		default:
			return cli_getopt_error("fetch", c, argc, argv, err);
		}
	}
	if (optind >= argc)
		return rkt_error_set(err, EINVAL, "fetch: expected at least one image");
	if (o->signature && argc - optind > 1)
		return rkt_error_set(err, EINVAL, "fetch: --signature needs exactly one image");
	return 0;
}

/* A progress bar on stderr, drawn only when stderr is a terminal. */
struct progress_bar {
	int64_t last_ns;
	bool drawn;
};

/* Decimal units, as upstream's progress bar ("7.24 MB"). */
static void format_bytes(uint64_t n, char *buf, size_t size)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)n;
	size_t u = 0;

	while (v >= 1000 && u + 1 < ELEMENTSOF(units))
		v /= 1000, u++;
	if (u == 0)
		(void)snprintf(buf, size, "%" PRIu64 " B", n);
	else
		(void)snprintf(buf, size, "%.2f %s", v, units[u]);
}

static void draw_progress(void *userdata, const char *what, const struct rkt_http_progress *p)
{
	struct progress_bar *bar = userdata;
	char done[32], total[32], rate[32], eta[32] = "";
	char fill[31];
	int64_t now = rkt_monotonic_ns();
	size_t width = sizeof(fill) - 1, n = 0;

	if (!p) {
		if (bar->drawn)
			fputc('\n', stderr);
		bar->drawn = false;
		bar->last_ns = 0;
		return;
	}
	/* At most ten redraws a second, and always the last one. */
	if (bar->drawn && now - bar->last_ns < 100000000 && (!p->total || p->bytes < p->total))
		return;
	bar->last_ns = now;
	bar->drawn = true;
	format_bytes(p->bytes, done, sizeof(done));
	format_bytes(p->rate, rate, sizeof(rate));
	if (p->total) {
		format_bytes(p->total, total, sizeof(total));
		n = (size_t)((double)width * (double)p->bytes / (double)p->total);
		if (n > width)
			n = width;
		if (p->rate && p->bytes < p->total) {
			uint64_t s = (p->total - p->bytes) / p->rate;
			(void)snprintf(eta, sizeof(eta), " ETA %" PRIu64 ":%02" PRIu64, s / 60,
			               s % 60);
		}
	} else {
		(void)snprintf(total, sizeof(total), "?");
	}
	memset(fill, '=', n);
	memset(fill + n, ' ', width - n);
	fill[width] = '\0';
	fprintf(stderr, "\rDownloading %s: [%s] %s / %s %s/s%s\033[K", what, fill, done, total,
	        rate, eta);
	fflush(stderr);
}

int cmd_fetch(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	struct fetch_opts o = { .pull_policy = RKT_PULL_POLICY_UPDATE };
	struct rkt_store *s;
	int r;

	r = parse_args(argc, argv, &o, err);
	if (r < 0)
		return r;
	r = cli_store(ctx, &s, err);
	if (r < 0)
		return r;

	struct rkt_fetch_opts fo;
	cli_fetch_opts(ctx, o.pull_policy, &fo);
	fo.signature = o.signature;
	struct progress_bar bar = { 0 };
	if (isatty(STDERR_FILENO)) {
		fo.progress = draw_progress;
		fo.progress_userdata = &bar;
	}
	for (int i = optind; i < argc; i++) {
		char id[RKT_IMAGE_ID_SIZE], shortid[40];

		r = rkt_fetch(s, argv[i], &fo, id, err);
		if (r < 0)
			return rkt_error_wrap(err, r, "fetch");
		if (o.full) {
			printf("%s\n", id);
		} else {
			rkt_image_id_short(id, shortid);
			printf("%s\n", shortid);
		}
	}
	return 0;
}
