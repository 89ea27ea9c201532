/* rkt fetch IMAGE...: import images (and their dependencies) into the store and print their
 * IDs, one per line (rkt/rkt Documentation/subcommands/fetch.md). Also "rkt image fetch". */
#include <errno.h>
#include <fcntl.h>
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
	const char *os, *arch;
};

static int parse_pull_policy(void *opts, const struct cli_flag *f, const char *value,
                             struct rkt_error *err)
{
	struct fetch_opts *o = opts;

	return rkt_pull_policy_from_name(value, &o->pull_policy, err);
}

/* The deprecated spellings of --pull-policy: never and update. */
static int parse_store_flag(void *opts, const struct cli_flag *f, const char *value,
                            struct rkt_error *err)
{
	struct fetch_opts *o = opts;

	if (strcmp(value, "true") == 0)
		o->pull_policy = f->id;
	return 0;
}

const struct cli_flag fetch_flags[] = {
	CLI_PLATFORM_FLAG("arch", struct fetch_opts, arch, CLI_HELP_ARCH),
	FLAG("full", CLI_FLAG_BOOL, struct fetch_opts, full, "false",
	     "print the full image hash after fetching"),
	{ .name = "no-store",
	  .type = CLI_FLAG_BOOL,
	  .def = "false",
	  .help = "fetch images, ignoring the local store (deprecated: --pull-policy=update)",
	  .parse = parse_store_flag,
	  .id = RKT_PULL_POLICY_UPDATE },
	{ .name = "pull-policy",
	  .type = CLI_FLAG_CUSTOM,
	  .def = "update",
	  .help = "when to pull an image: never (only the store), new (if not in the store), "
	          "update (always)",
	  .parse = parse_pull_policy,
	  .values = "never new update" },
	CLI_PLATFORM_FLAG("os", struct fetch_opts, os, CLI_HELP_OS),
	FLAG("signature", CLI_FLAG_STRING, struct fetch_opts, signature, "",
	     "local signature file to use in validating the image"),
	{ .name = "store-only",
	  .type = CLI_FLAG_BOOL,
	  .def = "false",
	  .help = "use only available images in the store (deprecated: --pull-policy=never)",
	  .parse = parse_store_flag,
	  .id = RKT_PULL_POLICY_NEVER },
	{},
};

static int parse_args(int argc, char **argv, struct fetch_opts *o, struct rkt_error *err)
{
	int n = cli_flags_parse(fetch_flags, "fetch", CLI_PARSE_INTERSPERSED, argc, argv, o, err);

	if (n < 0)
		return n;
	if (n == 0)
		return rkt_error_set(err, EINVAL, "fetch: expected at least one image");
	if (o->signature && n > 1)
		return rkt_error_set(err, EINVAL, "fetch: --signature needs exactly one image");
	return n;
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

/* Upstream's line per downloaded layer (docker2aci), when no bar drew it already. */
static void layer_line(void *userdata, const char *digest, uint64_t size, bool cached, bool done)
{
	char total[32];

	(void)userdata;
	if (cached || !done)
		return;
	format_bytes(size, total, sizeof(total));
	fprintf(stderr, "Downloading %.19s: [==============================] %s / %s\n", digest,
	        total, total);
}

int cmd_fetch(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	struct fetch_opts o = { .pull_policy = RKT_PULL_POLICY_UPDATE };
	struct rkt_store *s;
	int r;

	r = parse_args(argc, argv, &o, err);
	if (r < 0)
		return r;
	argc = r + 1;
	r = cli_store(ctx, &s, err);
	if (r < 0)
		return r;

	struct rkt_fetch_opts fo;
	cli_fetch_opts(ctx, o.pull_policy, &fo);
	fo.signature = o.signature;
	fo.os = o.os;
	fo.arch = o.arch;
	struct progress_bar bar = { 0 };
	if (isatty(STDERR_FILENO)) {
		fo.progress = draw_progress;
		fo.progress_userdata = &bar;
	} else {
		fo.layer = layer_line;
	}
	for (int i = 1; i < argc; i++) {
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
