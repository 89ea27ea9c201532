/* rkt trust [--prefix=P | --root] [--skip-fingerprint-review] [--insecure-allow-http] KEY...:
 * add armored public keys (files or http(s) URLs) to the local keystore (rkt/rkt
 * Documentation/subcommands/trust.md, Documentation/configuration.md). The review (prefix, key
 * location, fingerprint, user IDs) and the yes/no question go to stderr; the stored path goes to
 * stdout. The answer is a line read from stdin, terminal or not (as upstream, so that
 * `yes | rkt trust ...` works); end of input means no. See docs/trust.md. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util/escape.h"
#include "net/http.h"
#include "rkt.h"
#include "trust/trust.h"

#define KEY_MAX (1024 * 1024)

struct trust_opts {
	const char *prefix;
	bool root;
	bool skip_review;
	bool allow_http;
};

const struct cli_flag trust_flags[] = {
	FLAG("insecure-allow-http", CLI_FLAG_BOOL, struct trust_opts, allow_http, "false",
	     "allow HTTP use for key discovery and/or retrieval"),
	FLAG("prefix", CLI_FLAG_STRING, struct trust_opts, prefix, "", "prefix to limit trust to"),
	FLAG("root", CLI_FLAG_BOOL, struct trust_opts, root, "false",
	     "add root key from filesystem without a prefix"),
	FLAG("skip-fingerprint-review", CLI_FLAG_BOOL, struct trust_opts, skip_review, "false",
	     "accept key without fingerprint confirmation"),
	{},
};

/* Returns the number of keys, moved to ARGV[1..]. */
static int parse_args(int argc, char **argv, struct trust_opts *o, struct rkt_error *err)
{
	int n = cli_flags_parse(trust_flags, "trust", CLI_PARSE_INTERSPERSED, argc, argv, o, err);

	if (n < 0)
		return n;
	/* Upstream's refusals: unbounded trust needs --root spelled out. */
	if (o->root && o->prefix)
		return rkt_error_set(err, EINVAL,
		                     "trust: --root and --prefix usage mutually exclusive");
	if (!o->root && !o->prefix)
		return rkt_error_set(err, EINVAL,
		                     "trust: --root required for non-prefixed (root) keys");
	if (o->prefix && strstr(o->prefix, "://"))
		return rkt_error_set(err, EINVAL,
		                     "trust: --prefix must not contain a URL scheme, "
		                     "omit '%.*s://'",
		                     (int)(strstr(o->prefix, "://") - o->prefix), o->prefix);
	if (o->prefix && !rkt_trust_prefix_is_valid(o->prefix))
		return rkt_error_set(err, EINVAL,
		                     "trust: prefix '%s' is not a valid image name prefix",
		                     o->prefix);
	if (n == 0 && o->root)
		return rkt_error_set(err, EINVAL, "trust: --root requires a key file or URL");
	return n;
}

struct membuf {
	char *data;
	size_t len, cap;
};

static int membuf_write(void *userdata, const void *p, size_t len)
{
	struct membuf *b = userdata;

	if (b->len + len > KEY_MAX)
		return -EFBIG;
	xgrow((void **)&b->data, &b->cap, b->len + len, 1);
	memcpy(b->data + b->len, p, len);
	b->len += len;
	return 0;
}

static bool is_url(const char *s)
{
	return strncasecmp(s, "https://", 8) == 0 || strncasecmp(s, "http://", 7) == 0;
}

/* Reads the key at LOCATION (a path or an http(s) URL) into *RET. */
static int read_key(struct cli_ctx *ctx, const struct trust_opts *o, const char *location,
                    struct membuf *ret, struct rkt_error *err)
{
	_cleanup_close_ int fd = -EBADF;

	if (is_url(location)) {
		struct rkt_http_request req = {
			.url = location,
			.write = membuf_write,
			.write_userdata = ret,
			.fd = -1,
		};
		struct rkt_http_result res = { 0 };
		int r;

		if (o->allow_http || (ctx->insecure & RKT_INSECURE_HTTP))
			req.flags |= RKT_HTTP_ALLOW_HTTP;
		if (ctx->insecure & RKT_INSECURE_TLS)
			req.flags |= RKT_HTTP_INSECURE_TLS;
		r = rkt_http_fetch(&req, &res, err);
		rkt_http_result_release(&res);
		/* The download's errors name the URL ("GET 'URL': ..."). */
		if (r == -EPROTONOSUPPORT) {
			char inner[sizeof(err->msg)];

			(void)snprintf(inner, sizeof(inner), "%s", err->msg);
			return rkt_error_input(err, r, "trust: %s (use --insecure-allow-http)",
			                       inner);
		}
		return r < 0 ? rkt_error_wrap(err, r, "trust") : 0;
	}
	fd = open(location, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return rkt_error_set(err, errno, "trust: open key '%s'", location);
	for (;;) {
		char buf[8192];
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return rkt_error_set(err, errno, "trust: read key '%s'", location);
		if (n == 0)
			return 0;
		if (membuf_write(ret, buf, (size_t)n) < 0)
			return rkt_error_set(err, EFBIG, "trust: key '%s' is larger than %d bytes",
			                     location, KEY_MAX);
	}
}

/* "8B86 DE38 890D DB72 9186  7B02 5210 BD88 8818 2190", as upstream prints it. */
static void print_fingerprint(FILE *f, const char *fpr)
{
	size_t n = strlen(fpr);

	for (size_t i = 0; i < n; i++) {
		if (i > 0 && i % 4 == 0)
			fputs(i == n / 2 ? "  " : " ", f);
		fputc(fpr[i] >= 'a' && fpr[i] <= 'f' ? fpr[i] - 'a' + 'A' : fpr[i], f);
	}
	fputc('\n', f);
}

/* Asks until a line says "yes" or "no"; end of input is "no". */
static bool confirm(void)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;

	for (;;) {
		fputs("Are you sure you want to trust this key (yes/no)?\n", stderr);
		if (getline(&line, &cap, stdin) < 0)
			return false;
		line[strcspn(line, "\r\n")] = '\0';
		if (strcasecmp(line, "yes") == 0 || strcasecmp(line, "y") == 0)
			return true;
		if (strcasecmp(line, "no") == 0 || strcasecmp(line, "n") == 0)
			return false;
		fprintf(stderr, "Please enter 'yes' or 'no'\n");
	}
}

static int trust_one(struct cli_ctx *ctx, struct rkt_keystore *ks, const struct trust_opts *o,
                     const char *location, struct rkt_error *err)
{
	_cleanup_(rkt_trust_key_freep) struct rkt_trust_key *key = NULL;
	_cleanup_free_ char *what = xasprintf("trust: key '%s'", location);
	_cleanup_free_ char *path = NULL;
	struct membuf buf = { 0 };
	int r;

	r = read_key(ctx, o, location, &buf, err);
	if (r >= 0)
		r = rkt_trust_key_parse(buf.data, buf.len, what, &key, err);
	free(buf.data);
	if (r < 0)
		return r;

	_cleanup_free_ char *loc = rkt_escape_ctl(location);

	fprintf(stderr, "Prefix: \"%s\"\nKey: \"%s\"\nGPG key fingerprint is: ", o->prefix ?: "",
	        loc);
	print_fingerprint(stderr, key->fingerprint);
	for (size_t i = 0; i < key->n_uids; i++) {
		_cleanup_free_ char *uid = rkt_escape_ctl(key->uids[i]);

		fprintf(stderr, "\t%s\n", uid);
	}
	if (!o->skip_review && !confirm())
		return rkt_error_input(err, ECANCELED, "trust: key '%s' was not trusted", location);
	if (o->prefix)
		fprintf(stderr, "Trusting \"%s\" for prefix \"%s\".\n", location, o->prefix);
	else
		fprintf(stderr, "Trusting \"%s\" for all images (root).\n", location);

	r = rkt_keystore_add(ks, o->prefix, key, &path, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "trust: key '%s'", location);
	if (o->prefix)
		printf("Added key for prefix \"%s\" at \"%s\"\n", o->prefix, path);
	else
		printf("Added root key at \"%s\"\n", path);
	return 0;
}

/* Without a key: the keys of the prefix's ac-discovery-pubkeys (rkt/rkt
 * Documentation/subcommands/trust.md), each reviewed as a key given by URL. */
static int trust_discovered(struct cli_ctx *ctx, struct rkt_keystore *ks,
                            const struct trust_opts *o, struct rkt_error *err)
{
	unsigned insecure = ctx->insecure & (RKT_INSECURE_HTTP | RKT_INSECURE_TLS);
	char **keys = NULL;
	size_t n = 0;
	int r;

	if (o->allow_http)
		insecure |= RKT_INSECURE_HTTP;
	r = rkt_discover_pubkeys(o->prefix, insecure, ctx->config, &keys, &n, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "trust");
	for (size_t i = 0; i < n && r >= 0; i++)
		r = trust_one(ctx, ks, o, keys[i], err);
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
	return r;
}

int cmd_trust(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	struct trust_opts o = { 0 };
	_cleanup_(rkt_keystore_freep) struct rkt_keystore *ks = NULL;
	int r;

	r = parse_args(argc, argv, &o, err);
	if (r < 0)
		return r;
	argc = r + 1;
	ks = rkt_keystore_new(ctx->system_config, ctx->local_config);
	if (argc == 1)
		return trust_discovered(ctx, ks, &o, err);
	for (int i = 1; i < argc; i++) {
		r = trust_one(ctx, ks, &o, argv[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}
