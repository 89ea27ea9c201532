/* Downloads over libcurl. */
#include "net/http.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/dl.h"
#include "util/io.h"
#include "util/xalloc.h"

#define DEFAULT_MAX_REDIRECTS   10
#define DEFAULT_CONNECT_TIMEOUT 30L
#define HTTP_BUFFER_SIZE        (512L * 1024)

/* libcurl is loaded on the first download (util/dl.h): these are the functions we call. */
#define CURL_FUNCS(X)                          \
	X(curl_global_init, global_init)       \
	X(curl_easy_init, easy_init)           \
	X(curl_easy_cleanup, easy_cleanup)     \
	X(curl_easy_setopt, easy_setopt)       \
	X(curl_easy_perform, easy_perform)     \
	X(curl_easy_getinfo, easy_getinfo)     \
	X(curl_easy_header, easy_header)       \
	X(curl_easy_strerror, easy_strerror)   \
	X(curl_slist_append, slist_append)     \
	X(curl_slist_free_all, slist_free_all) \
	X(curl_easy_escape, easy_escape)       \
	X(curl_free, free)

struct curl_api {
#define CURL_FIELD(sym, field) __typeof__(sym) *field;
	CURL_FUNCS(CURL_FIELD)
#undef CURL_FIELD
};

static struct curl_api curl_api;
static const struct curl_api *C; /* set once libcurl is loaded and initialised */

static void curl_easy_cleanupp(CURL **c)
{
	if (*c)
		C->easy_cleanup(*c);
}

static void curl_slist_freep(struct curl_slist **l)
{
	C->slist_free_all(*l);
}

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static struct rkt_error global_error;
static int global_result;

/* Loads libcurl and runs curl_global_init, once per process. */
static void global_init(void)
{
	static const char *const sonames[] = { "libcurl.so.4", NULL };
#define CURL_SYMBOL(sym, field) { #sym, (void **)&curl_api.field },
	static const struct rkt_dl_symbol syms[] = { CURL_FUNCS(CURL_SYMBOL) };
#undef CURL_SYMBOL
	CURLcode c;

	global_result = rkt_dl_open(sonames, syms, sizeof(syms) / sizeof(syms[0]), &global_error);
	if (global_result < 0)
		return;
	c = curl_api.global_init(CURL_GLOBAL_DEFAULT);
	if (c != CURLE_OK) {
		global_result = rkt_error_set(&global_error, ENOMEM, "curl_global_init: %s",
		                              curl_api.easy_strerror(c));
		return;
	}
	C = &curl_api;
}

void rkt_http_result_release(struct rkt_http_result *r)
{
	free(r->etag);
	free(r->effective_url);
	free(r->content_type);
	r->etag = r->effective_url = r->content_type = NULL;
}

struct xfer {
	const struct rkt_http_request *req;
	CURL *curl;
	uint64_t offset;  /* bytes already in req->fd when resuming */
	uint64_t written; /* body bytes delivered in this transfer */
	long status;
	bool started;
	bool discard;   /* body of an error reply: not the caller's data */
	bool bad_range; /* a 206 that does not continue where we asked */
	int error;      /* negative errno from the destination */
};

/* "bytes N-M/T": true if N is OFFSET. */
static bool content_range_starts_at(CURL *curl, uint64_t offset)
{
	struct curl_header *h = NULL;
	unsigned long long start;

	if (C->easy_header(curl, "Content-Range", 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
		return false;
	if (sscanf(h->value, "bytes %llu-", &start) != 1)
		return false;
	return start == offset;
}

static char *header_dup(CURL *curl, const char *name);

static int reply_started(struct xfer *x)
{
	_cleanup_free_ char *etag = NULL;

	if (!x->req->start)
		return 0;
	etag = header_dup(x->curl, "ETag");
	return x->req->start(x->req->write_userdata, x->status, etag);
}

/* The first body bytes: decide where they go, now that the status is known. */
static int body_start(struct xfer *x)
{
	const struct rkt_http_request *req = x->req;

	x->started = true;
	(void)C->easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &x->status);
	if (x->status < 200 || x->status >= 300) {
		x->discard = true;
		return 0;
	}
	if (x->status == 206) {
		if (x->offset == 0 || !content_range_starts_at(x->curl, x->offset)) {
			x->bad_range = true;
			return -EPROTO;
		}
		return reply_started(x);
	}
	if (!req->write && x->offset > 0) {
		/* A full reply to a Range request (the file changed, or ranges are not
		 * supported): start over. */
		if (ftruncate(req->fd, 0) < 0 || lseek(req->fd, 0, SEEK_SET) < 0)
			return -errno;
		x->offset = 0;
	}
	return reply_started(x);
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct xfer *x = userdata;
	size_t len = size * nmemb;
	int r;

	if (!x->started) {
		r = body_start(x);
		if (r < 0) {
			x->error = r;
			return 0;
		}
	}
	if (x->discard)
		return len;
	r = x->req->write ? x->req->write(x->req->write_userdata, ptr, len)
	                  : rkt_write_all(x->req->fd, ptr, len);
	if (r < 0) {
		x->error = r;
		return 0; /* aborts with CURLE_WRITE_ERROR */
	}
	x->written += len;
	return len;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
	struct xfer *x = userdata;
	struct rkt_http_progress p = { 0 };
	curl_off_t speed = 0;

	(void)ultotal;
	(void)ulnow;
	if (x->req->cancel && atomic_load(x->req->cancel)) {
		x->error = -ECANCELED;
		return 1; /* aborts with CURLE_ABORTED_BY_CALLBACK */
	}
	if (x->discard || !x->req->progress)
		return 0;
	(void)C->easy_getinfo(x->curl, CURLINFO_SPEED_DOWNLOAD_T, &speed);
	p.bytes = x->offset + (uint64_t)dlnow;
	p.total = dltotal > 0 ? x->offset + (uint64_t)dltotal : 0;
	p.rate = speed > 0 ? (uint64_t)speed : 0;
	x->req->progress(x->req->progress_userdata, &p);
	return 0;
}

static char *header_dup(CURL *curl, const char *name)
{
	struct curl_header *h = NULL;

	if (C->easy_header(curl, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
		return NULL;
	return xstrdup(h->value);
}

/* Cache-Control: no-cache or no-store mean 0 (as upstream rkt); else max-age=N; else -1. */
static long parse_max_age(CURL *curl)
{
	_cleanup_free_ char *v = header_dup(curl, "Cache-Control");
	long max_age = -1;
	char *save = NULL;

	if (!v)
		return -1;
	for (char *tok = strtok_r(v, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		long n;

		tok += strspn(tok, " \t");
		if (strncasecmp(tok, "no-cache", 8) == 0 || strncasecmp(tok, "no-store", 8) == 0)
			return 0;
		if (strncasecmp(tok, "max-age=", 8) != 0)
			continue;
		errno = 0;
		n = strtol(tok + 8, &end, 10);
		if (errno == 0 && end != tok + 8 && n >= 0)
			max_age = n;
	}
	return max_age;
}

/* False in rkt as built and installed; the test programs link lib/net/http-test-env.c. */
__attribute__((weak)) bool rkt_http_test_env(void)
{
	return false;
}

/* RKT_TEST_RESOLVE="host:port:addr[,host:port:addr...]" for CURLOPT_RESOLVE, and
 * RKT_TEST_CONNECT_TO="host:port:addr:port2[,...]" for CURLOPT_CONNECT_TO (discovery URLs have
 * no port: the test server's is given here). */
static struct curl_slist *test_env_list(const char *var)
{
	const char *env = rkt_http_test_env() ? getenv(var) : NULL;
	struct curl_slist *l = NULL;
	_cleanup_free_ char *copy = NULL;
	char *save = NULL;

	if (!env || !*env)
		return NULL;
	copy = xstrdup(env);
	for (char *tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		struct curl_slist *n = C->slist_append(l, tok);

		if (!n)
			abort();
		l = n;
	}
	return l;
}

static const char *ca_file_for(const struct rkt_http_request *req)
{
	const char *v;

	if (req->ca_file)
		return req->ca_file;
	v = rkt_http_test_env() ? getenv("RKT_TEST_CAFILE") : NULL;
	if (v && *v)
		return v;
	/* curl's OpenSSL backend uses its built-in bundle path and ignores SSL_CERT_FILE. */
	v = getenv("SSL_CERT_FILE");
	if (v && *v)
		return v;
	return NULL;
}

static struct curl_slist *slist_add(struct curl_slist *l, const char *s)
{
	struct curl_slist *n = C->slist_append(l, s);

	if (!n)
		abort();
	return n;
}

static int curl_to_errno(CURLcode res)
{
	switch (res) {
	case CURLE_UNSUPPORTED_PROTOCOL:
		return EPROTONOSUPPORT;
	case CURLE_TOO_MANY_REDIRECTS:
		return ELOOP;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return EHOSTUNREACH;
	case CURLE_COULDNT_CONNECT:
		return ECONNREFUSED;
	case CURLE_OPERATION_TIMEDOUT:
		return ETIMEDOUT;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CONNECT_ERROR:
		return EKEYREJECTED;
	case CURLE_OUT_OF_MEMORY:
		return ENOMEM;
	default:
		return EIO;
	}
}

static int status_to_errno(long status)
{
	if (status == 404 || status == 410)
		return ENOENT;
	if (status == 401 || status == 403)
		return EACCES;
	if (status >= 500)
		return EIO;
	return EPROTO;
}

static int setup_handle(CURL *curl, const struct rkt_http_request *req, struct xfer *x,
                        struct curl_slist *headers, struct curl_slist *resolve,
                        struct curl_slist *connect_to, char *errbuf)
{
	const char *protocols = req->flags & RKT_HTTP_ALLOW_HTTP ? "http,https" : "https";
	const char *ca = ca_file_for(req);
	int max_redirects = req->max_redirects ? req->max_redirects : DEFAULT_MAX_REDIRECTS;
	bool ok = true;

#define SET(opt, val) ok = ok && C->easy_setopt(curl, opt, val) == CURLE_OK
	SET(CURLOPT_URL, req->url);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_USERAGENT, "rkt/" RKT_VERSION);
	/* A redirect may not downgrade https to http unless plain http is allowed. */
	SET(CURLOPT_PROTOCOLS_STR, protocols);
	SET(CURLOPT_REDIR_PROTOCOLS_STR, protocols);
	SET(CURLOPT_FOLLOWLOCATION, max_redirects > 0 ? 1L : 0L);
	SET(CURLOPT_MAXREDIRS, (long)(max_redirects > 0 ? max_redirects : 0));
	/* Credentials must not follow a redirect to another host (registries redirect blobs to
	 * object storage): curl (>= 7.83.1) drops an "Authorization:" line of the request's
	 * headers when a redirect changes the host, port or scheme, unless this is set. That is
	 * the default, stated here so nobody flips it (tests/e2e/rkt-config.bats checks it). */
	SET(CURLOPT_UNRESTRICTED_AUTH, 0L);
	SET(CURLOPT_CONNECTTIMEOUT, req->connect_timeout ?: DEFAULT_CONNECT_TIMEOUT);
	/* Give up on a stalled transfer: less than 1 byte/s for 60 s. */
	SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
	SET(CURLOPT_LOW_SPEED_TIME, 60L);
	/* Bodies are images of hundreds of MB: curl's default 16 KiB buffer means a recv(), a
	 * poll() and a write callback (two writes when streaming, lib/fetch/download-stream.c)
	 * per 16 KiB. 512 KiB is curl's maximum before 8.6 (later ones allow more; older ones
	 * clamp), and curl allocates it per handle. */
	SET(CURLOPT_BUFFERSIZE, HTTP_BUFFER_SIZE);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, x);
	if (req->progress || req->cancel) {
		SET(CURLOPT_NOPROGRESS, 0L);
		SET(CURLOPT_XFERINFOFUNCTION, on_progress);
		SET(CURLOPT_XFERINFODATA, x);
	}
	if (headers)
		SET(CURLOPT_HTTPHEADER, headers);
	if (resolve)
		SET(CURLOPT_RESOLVE, resolve);
	if (connect_to)
		SET(CURLOPT_CONNECT_TO, connect_to);
	if (ca)
		SET(CURLOPT_CAINFO, ca);
	if (req->flags & RKT_HTTP_INSECURE_TLS) {
		SET(CURLOPT_SSL_VERIFYPEER, 0L);
		SET(CURLOPT_SSL_VERIFYHOST, 0L);
	}
#undef SET
	return ok ? 0 : -EINVAL;
}

/* One attempt. With RANGE_FROM > 0, asks for the rest of the file. Sets *ret_416 when the
 * server says that range is not satisfiable (the partial file is complete or stale). */
static int fetch_once(const struct rkt_http_request *req, uint64_t range_from,
                      struct rkt_http_result *ret, bool *ret_416, struct rkt_error *err)
{
	_cleanup_(curl_easy_cleanupp) CURL *curl = NULL;
	_cleanup_(curl_slist_freep) struct curl_slist *headers = NULL;
	_cleanup_(curl_slist_freep) struct curl_slist *resolve = test_env_list("RKT_TEST_RESOLVE");
	_cleanup_(curl_slist_freep) struct curl_slist *connect_to =
	        test_env_list("RKT_TEST_CONNECT_TO");
	_cleanup_free_ char *range = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct xfer x = { .req = req, .offset = range_from };
	struct rkt_http_result res = { .max_age = -1 };
	char *url = NULL;
	CURLcode c;

	curl = C->easy_init();
	if (!curl)
		return rkt_error_set(err, ENOMEM, "GET '%s': cannot create a curl handle",
		                     req->url);
	x.curl = curl;
	for (const char *const *h = req->headers; h && *h; h++)
		headers = slist_add(headers, *h);
	if (req->etag) {
		_cleanup_free_ char *h = xasprintf("If-None-Match: %s", req->etag);

		headers = slist_add(headers, h);
	}
	if (range_from > 0 && req->resume_etag) {
		_cleanup_free_ char *h = xasprintf("If-Range: %s", req->resume_etag);

		headers = slist_add(headers, h);
	}
	if (setup_handle(curl, req, &x, headers, resolve, connect_to, errbuf) < 0)
		return rkt_error_set(err, EINVAL, "GET '%s': cannot set up curl", req->url);
	if (range_from > 0) {
		/* CURLOPT_RANGE rather than CURLOPT_RESUME_FROM_LARGE: curl fails a resumed
		 * transfer outright on a 200 reply, where we want to start over in the same
		 * request; body_start() checks the 206's Content-Range itself. */
		range = xasprintf("%" PRIu64 "-", range_from);
		if (C->easy_setopt(curl, CURLOPT_RANGE, range) != CURLE_OK)
			return rkt_error_set(err, EINVAL, "GET '%s': cannot set a range", req->url);
	}

	c = C->easy_perform(curl);
	if (!x.started)
		(void)C->easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &x.status);
	if (x.error < 0 && x.bad_range)
		return rkt_error_input(
		        err, EPROTO, "GET '%s': HTTP status 206 does not continue at byte %" PRIu64,
		        req->url, range_from);
	if (x.error < 0)
		return rkt_error_set(err, x.error, "GET '%s': write", req->url);
	if (c == CURLE_UNSUPPORTED_PROTOCOL && x.status >= 300 && x.status < 400) {
		struct curl_header *h = NULL;
		char *to = NULL, *location = NULL;

		/* curl leaves REDIRECT_URL empty when it refused to follow, and request -1 is then
		 * the one it did not make: the last Location header seen says where it pointed. */
		(void)C->easy_getinfo(curl, CURLINFO_REDIRECT_URL, &to);
		for (int i = 0; i <= DEFAULT_MAX_REDIRECTS + req->max_redirects; i++)
			if (C->easy_header(curl, "Location", 0, CURLH_HEADER, i, &h) == CURLHE_OK)
				location = h->value;
		return rkt_error_set(err, EPROTONOSUPPORT,
				     "GET '%s': redirect to '%s' refused: plain http is not allowed",
				     req->url, to ?: location ?: "?");
	}
	if (c == CURLE_TOO_MANY_REDIRECTS)
		return rkt_error_set(err, ELOOP, "GET '%s': more than %d redirects", req->url,
		                     req->max_redirects ?: DEFAULT_MAX_REDIRECTS);
	if (c != CURLE_OK)
		return rkt_error_input(err, curl_to_errno(c), "GET '%s': %s", req->url,
		                       errbuf[0] ? errbuf : C->easy_strerror(c));

	if (x.status == 416 && range_from > 0) {
		*ret_416 = true;
		return 0;
	}
	if (x.status == 304 && req->etag) {
		res.not_modified = true;
	} else if (x.status == 206) {
		if (!x.started && range_from > 0 && !content_range_starts_at(curl, range_from))
			return rkt_error_input(
			        err, EPROTO,
			        "GET '%s': HTTP status 206 does not continue at byte "
			        "%" PRIu64,
			        req->url, range_from);
		res.resumed = true;
	} else if (x.status < 200 || x.status >= 300) {
		if (x.status == 401 && req->ret_challenge)
			*req->ret_challenge = header_dup(curl, "WWW-Authenticate");
		return rkt_error_input(err, status_to_errno(x.status), "GET '%s': HTTP status %ld",
		                       req->url, x.status);
	} else if (range_from > 0 && !x.started) {
		/* An empty 200 to a Range request: the file is now empty. */
		if (ftruncate(req->fd, 0) < 0)
			return rkt_error_set(err, errno, "GET '%s': truncate", req->url);
		x.offset = 0;
	}

	res.status = x.status;
	res.etag = header_dup(curl, "ETag");
	res.content_type = header_dup(curl, "Content-Type");
	res.max_age = parse_max_age(curl);
	if (C->easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK && url)
		res.effective_url = xstrdup(url);
	res.size = res.not_modified ? 0 : x.offset + x.written;
	*ret = res;
	return 0;
}

int rkt_http_escape(const char *s, char **ret, struct rkt_error *err)
{
	char *e;

	(void)pthread_once(&global_once, global_init);
	if (global_result < 0)
		return rkt_error_set(err, -global_result, "%s", global_error.msg);
	/* a NULL handle is allowed since curl 7.82 */
	e = C->easy_escape(NULL, s, 0);
	if (!e)
		return rkt_error_set(err, ENOMEM, "escape '%.40s' for a URL", s);
	*ret = xstrdup(e);
	C->free(e);
	return 0;
}

int rkt_http_fetch(const struct rkt_http_request *req, struct rkt_http_result *ret,
                   struct rkt_error *err)
{
	uint64_t range_from = 0;
	bool got_416 = false;
	int r;

	if (!req->url || (!req->write && req->fd < 0))
		return rkt_error_set(err, EINVAL, "GET '%s': no destination for the body",
		                     req->url ?: "");
	if (strncasecmp(req->url, "https://", 8) != 0) {
		if (strncasecmp(req->url, "http://", 7) != 0)
			return rkt_error_set(err, EINVAL, "GET '%s': not an http or https URL",
			                     req->url);
		if (!(req->flags & RKT_HTTP_ALLOW_HTTP))
			return rkt_error_set(err, EPROTONOSUPPORT,
			                     "GET '%s': plain http is not allowed", req->url);
	}
	(void)pthread_once(&global_once, global_init);
	if (global_result < 0)
		return rkt_error_set(err, -global_result, "GET '%s': %s", req->url,
		                     global_error.msg);

	if (!req->write && req->resume) {
		struct stat st;

		if (fstat(req->fd, &st) < 0)
			return rkt_error_set(err, errno, "GET '%s': stat partial download",
			                     req->url);
		range_from = (uint64_t)st.st_size;
		if (lseek(req->fd, 0, SEEK_END) < 0)
			return rkt_error_set(err, errno, "GET '%s': seek", req->url);
	}
	r = fetch_once(req, range_from, ret, &got_416, err);
	if (r < 0 || !got_416)
		return r;
	/* 416: what we hold is not a prefix the server can continue; download it all again. */
	if (ftruncate(req->fd, 0) < 0 || lseek(req->fd, 0, SEEK_SET) < 0)
		return rkt_error_set(err, errno, "GET '%s': truncate", req->url);
	got_416 = false;
	r = fetch_once(req, 0, ret, &got_416, err);
	if (r >= 0 && got_416)
		return rkt_error_input(err, EPROTO, "GET '%s': HTTP status 416", req->url);
	return r;
}
