/* Test driver for lib/net/http, for tests/e2e/http-fetch.bats:
 *
 *   http-get [--etag=E] [--resume] [--insecure-http] [--insecure-tls] [--cafile=F]
 *            [--max-redirects=N] [--progress] URL OUT
 *
 * Appends the body to OUT (created if needed; truncated first unless --resume) and prints what
 * the library reported: "status N", "etag E", "max-age N", "not-modified", "resumed",
 * "size N", "url U"; with --progress, the last progress report as "progress BYTES/TOTAL" on
 * stderr. Failures: "http-get: " and rkt_error_format() of the error on stderr, exit status 254. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/http.h"
#include "util/cleanup.h"

static void on_progress(void *userdata, const struct rkt_http_progress *p)
{
	*(struct rkt_http_progress *)userdata = *p;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "etag", required_argument, NULL, 'e' },
		{ "resume", no_argument, NULL, 'r' },
		{ "insecure-http", no_argument, NULL, 'h' },
		{ "insecure-tls", no_argument, NULL, 't' },
		{ "cafile", required_argument, NULL, 'c' },
		{ "max-redirects", required_argument, NULL, 'm' },
		{ "progress", no_argument, NULL, 'p' },
		{},
	};
	struct rkt_http_request req = { .fd = -1 };
	struct rkt_http_result res = { 0 };
	struct rkt_http_progress last = { 0 };
	struct rkt_error err = { 0 };
	_cleanup_close_ int fd = -EBADF;
	bool progress = false;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0) {
		switch (c) {
		case 'e':
			req.etag = optarg;
			break;
		case 'r':
			req.resume = true;
			break;
		case 'h':
			req.flags |= RKT_HTTP_ALLOW_HTTP;
			break;
		case 't':
			req.flags |= RKT_HTTP_INSECURE_TLS;
			break;
		case 'c':
			req.ca_file = optarg;
			break;
		case 'm':
			req.max_redirects = atoi(optarg);
			break;
		case 'p':
			progress = true;
			break;
		default:
			return 2;
		}
	}
	if (optind != argc - 2) {
		fprintf(stderr, "usage: http-get [options] URL OUT\n");
		return 2;
	}
	req.url = argv[optind];
	fd = open(argv[optind + 1], O_RDWR | O_CREAT | O_CLOEXEC | (req.resume ? 0 : O_TRUNC),
	          0644);
	if (fd < 0) {
		fprintf(stderr, "http-get: open '%s': %s\n", argv[optind + 1], strerror(errno));
		return 254;
	}
	req.fd = fd;
	if (progress) {
		req.progress = on_progress;
		req.progress_userdata = &last;
	}
	if (rkt_http_fetch(&req, &res, &err) < 0) {
		char line[sizeof(err.msg) + 128];

		fprintf(stderr, "http-get: %s\n", rkt_error_format(&err, line, sizeof(line)));
		return 254;
	}
	printf("status %ld\n", res.status);
	if (res.etag)
		printf("etag %s\n", res.etag);
	printf("max-age %ld\n", res.max_age);
	if (res.not_modified)
		printf("not-modified\n");
	if (res.resumed)
		printf("resumed\n");
	printf("size %" PRIu64 "\n", res.size);
	if (res.effective_url)
		printf("url %s\n", res.effective_url);
	if (progress)
		fprintf(stderr, "progress %" PRIu64 "/%" PRIu64 "\n", last.bytes, last.total);
	rkt_http_result_release(&res);
	return 0;
}
