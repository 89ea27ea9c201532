/* HTTP(S) downloads for fetching images, signatures and keys (rkt/rkt
 * Documentation/image-fetching-behavior.md), over libcurl.
 *
 * One call downloads one URL, streaming the body to a caller callback (so an import stays one
 * pass) or appending it to an fd (which also allows resuming an interrupted download). It
 * handles conditional requests (ETag / If-None-Match, 304), reports Cache-Control max-age,
 * follows a bounded number of redirects without ever going from https to plain http unless the
 * request allows plain http (--insecure-options=http), verifies TLS (optionally against a given
 * CA file) and reports progress.
 *
 * For tests, three environment variables are honoured (docs/trust.md, "Test variables"), but only
 * by programs linked with lib/net/http-test-env.c (rkt-test-env, the test tools), never by rkt:
 *   RKT_TEST_RESOLVE  "host:port:addr[,host:port:addr...]": fixed name resolution (CURLOPT_RESOLVE)
 *   RKT_TEST_CONNECT_TO "host:port:addr:port2[,...]": fixed connections (CURLOPT_CONNECT_TO)
 *   RKT_TEST_CAFILE   CA bundle to trust instead of the system's (else SSL_CERT_FILE, if set)
 *
 * Blocks on the network. curl is initialised once (pthread_once); a transfer may run in a thread
 * of its own (lib/fetch/download-stream.c). */
#pragma once

#include <stdatomic.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/* Whether the RKT_TEST_* variables above are honoured: false, unless the program links
 * lib/net/http-test-env.c, whose definition overrides the library's weak one. */
bool rkt_http_test_env(void);

enum rkt_http_flags {
	RKT_HTTP_ALLOW_HTTP = 1u << 0,   /* plain http allowed, also on redirects */
	RKT_HTTP_INSECURE_TLS = 1u << 1, /* do not verify the server certificate or name */
};

struct rkt_http_progress {
	uint64_t bytes; /* body bytes so far, including a resumed prefix */
	uint64_t total; /* expected size, 0 if unknown */
	uint64_t rate;  /* bytes per second over this transfer */
};

/* Receives body bytes in order. Returns 0, or a negative errno to abort the download. */
typedef int (*rkt_http_write_fn)(void *userdata, const void *buf, size_t len);
/* Called once before the first body byte of a 200 or 206 reply is delivered, with the reply's
 * ETag (or NULL): a resumable download records it first. Returns 0, or a negative errno to
 * abort the download. */
typedef int (*rkt_http_start_fn)(void *userdata, long status, const char *etag);
/* Called now and then during the transfer; may draw a progress bar. */
typedef void (*rkt_http_progress_fn)(void *userdata, const struct rkt_http_progress *p);

struct rkt_http_request {
	const char *url;     /* http:// or https:// */
	unsigned flags;      /* enum rkt_http_flags */
	const char *etag;    /* if set, sent as If-None-Match; a 304 reply sets not_modified */
	const char *ca_file; /* CA bundle; NULL: RKT_TEST_CAFILE, SSL_CERT_FILE, system */
	const char *const *headers; /* extra "Name: value" lines, NULL-terminated, or NULL; an
	                               "Authorization:" line is not sent after a redirect to
	                               another host, port or scheme */
	int max_redirects;          /* 0: 10; negative: no redirects followed */
	long connect_timeout;       /* seconds; 0: 30 */

	/* Destination: WRITE, or else FD (>= 0), which the body is appended to. */
	rkt_http_write_fn write;
	void *write_userdata;
	int fd;
	/* With FD: FD holds the start of an interrupted download of this URL. A Range request asks
	 * for the rest (If-Range: RESUME_ETAG when given); a 206 reply is appended, any 200 reply
	 * replaces FD's content from offset 0. */
	bool resume;
	const char *resume_etag;

	rkt_http_start_fn start; /* may be NULL; gets WRITE_USERDATA */

	rkt_http_progress_fn progress;
	void *progress_userdata;

	/* May be NULL. Once *CANCEL is true the transfer stops within about a second (also while
	 * the server sends nothing) and rkt_http_fetch() returns -ECANCELED. */
	const atomic_bool *cancel;

	/* If set, a 401 reply's WWW-Authenticate header (or NULL) is stored here (new string)
	 * before -EACCES is returned: registries say there how to authenticate. */
	char **ret_challenge;
};

struct rkt_http_result {
	long status;       /* final HTTP status (200, 206 or 304) */
	bool not_modified; /* 304 to If-None-Match: nothing was written */
	bool resumed;      /* 206: the body continued FD's content */
	char *etag;        /* ETag of the reply, or NULL */
	long max_age; /* Cache-Control max-age in seconds; 0 for no-cache or no-store; -1 absent */
	char *effective_url; /* URL after redirects */
	char *content_type;  /* or NULL */
	uint64_t size;       /* body bytes now held by the destination (with a resumed prefix) */
};

/* Frees the strings of R (not R itself); R may be zeroed or already released. */
void rkt_http_result_release(struct rkt_http_result *r);

/* S percent-encoded for a URL's query (curl_easy_escape: all but RFC 3986's unreserved
 * characters) into *RET, freed by the caller. Loads libcurl if needed. Returns 0, or -ELIBACC or
 * -ENOENT if libcurl cannot be loaded, -ENOMEM if curl refuses S (too long). */
int rkt_http_escape(const char *s, char **ret, struct rkt_error *err);

/* Downloads REQ->url. Returns 0 and fills *ret (release with rkt_http_result_release), or:
 *   -EINVAL           bad request (no destination, unsupported URL scheme)
 *   -EPROTONOSUPPORT  plain http (or a redirect from https to http) without RKT_HTTP_ALLOW_HTTP
 *   -ENOENT           HTTP 404 or 410;  -EACCES  HTTP 401 or 403
 *   -EPROTO           another unexpected HTTP status, or a bad 206 reply (wrong range)
 *   -EIO              HTTP 5xx, or the connection broke
 *   -ELOOP            too many redirects
 *   -EKEYREJECTED     the server's TLS certificate could not be verified
 *   -EHOSTUNREACH / -ECONNREFUSED / -ETIMEDOUT  resolving, connecting, timing out
 *   a negative errno returned by REQ->write or from writing FD.
 * Messages name the URL and, for HTTP errors, the status. On failure, data already written
 * stays written (FD can be resumed later). */
int rkt_http_fetch(const struct rkt_http_request *req, struct rkt_http_result *ret,
                   struct rkt_error *err);
