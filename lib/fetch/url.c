/* Fetching http(s) URLs (rkt/rkt Documentation/image-fetching-behavior.md): the cache record of the
 * URL, the signature, a resumable download into the store, then a one-pass import that checks the
 * signature. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fetch/fetch-internal.h"
#include "net/http.h"
#include "store/store.h"
#include "util/cleanup.h"
#include "util/time.h"
#include "util/io.h"
#include "util/xalloc.h"

/* A detached signature is a few hundred bytes; rkt_keystore_verify_fd reads at most 1 MiB. */
#define SIGNATURE_MAX (1u << 20)

unsigned rkt_fetch_http_flags(unsigned insecure)
{
	return (insecure & RKT_INSECURE_HTTP ? RKT_HTTP_ALLOW_HTTP : 0) |
	       (insecure & RKT_INSECURE_TLS ? RKT_HTTP_INSECURE_TLS : 0);
}

const char *const *rkt_fetch_auth_headers(const struct rkt_fetch_opts *opts, const char *url,
                                          char *ret[2])
{
	const struct rkt_config_auth *a = rkt_config_auth_for_url(opts->config, url);

	ret[0] = a ? rkt_config_auth_header(a) : NULL;
	ret[1] = NULL;
	return ret[0] ? (const char *const *)ret : NULL;
}

void rkt_fetch_auth_headers_release(char *(*h)[2])
{
	free((*h)[0]);
}

static bool is_url(const char *s)
{
	return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
}

struct progress {
	const struct rkt_fetch_opts *opts;
	const char *what;
};

static void on_progress(void *userdata, const struct rkt_http_progress *p)
{
	struct progress *pr = userdata;

	pr->opts->progress(pr->opts->progress_userdata, pr->what, p);
}

static void progress_done(const struct rkt_fetch_opts *opts, const char *what)
{
	if (opts->progress)
		opts->progress(opts->progress_userdata, what, NULL);
}

struct sig_sink {
	int fd;
	size_t len;
};

static int sig_write(void *userdata, const void *buf, size_t len)
{
	struct sig_sink *sink = userdata;

	if (len > SIGNATURE_MAX - sink->len)
		return -EFBIG;
	sink->len += len;
	return rkt_write_all(sink->fd, buf, len);
}

/* Downloads the signature at URL into a memory file (offset 0) in *RET_FD. A missing one (404,
 * 410) is -ENOKEY: the image cannot be trusted. 1 (and no fd) if the server answers 202
 * Accepted: the signature is not ready yet, ask again after the image (upstream's deferred
 * signature download). */
static int download_signature(const char *image, const char *url, const struct rkt_fetch_opts *opts,
                              int *ret_fd, struct rkt_error *err)
{
	_cleanup_(rkt_http_result_release) struct rkt_http_result res = { 0 };
	_cleanup_(rkt_fetch_auth_headers_release) char *headers[2] = { 0 };
	_cleanup_close_ int fd = memfd_create("signature", MFD_CLOEXEC);
	struct sig_sink sink = { .fd = fd };
	struct progress pr = { .opts = opts, .what = "signature" };
	struct rkt_http_request req = {
		.url = url,
		.flags = rkt_fetch_http_flags(opts->insecure),
		.headers = rkt_fetch_auth_headers(opts, url, headers),
		.write = sig_write,
		.write_userdata = &sink,
		.fd = -EBADF,
		.progress = opts->progress ? on_progress : NULL,
		.progress_userdata = &pr,
	};
	int r;

	if (fd < 0)
		return rkt_error_set(err, errno, "signature '%s': memfd_create", url);
	r = rkt_http_fetch(&req, &res, err);
	progress_done(opts, "signature");
	if (r == -ENOENT) {
		rkt_error_clear(err);
		return rkt_fetch_no_signature(url, image, err);
	}
	if (r == -EFBIG)
		return rkt_error_input(err, EFBIG, "signature '%s': larger than %u bytes", url,
		                       SIGNATURE_MAX);
	if (r < 0)
		return rkt_error_wrap(err, r, "signature");
	if (res.status == 202)
		return 1;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return rkt_error_set(err, errno, "signature '%s': seek", url);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* The signature the server deferred: asked for again once the image is downloaded, just before
 * it is checked; a second 202 is an error, as upstream's. */
struct deferred_sig {
	struct rkt_fetch_sig *sig;
	const char *url;
	int *fd; /* the caller's, closed by it */
};

static int verify_deferred(void *userdata, int fd, const struct rkt_aci_info *info,
                           struct rkt_error *err)
{
	struct deferred_sig *ds = userdata;

	if (ds->sig->fd < 0) {
		int r = download_signature(ds->sig->image, ds->url, ds->sig->opts, ds->fd, err);

		if (r == 1)
			return rkt_error_input(
			        err, EPROTO,
			        "signature '%s': the server asked to defer the download "
			        "again (HTTP 202 Accepted after the image)",
			        ds->url);
		if (r < 0)
			return r;
		ds->sig->fd = *ds->fd;
	}
	return rkt_fetch_sig_verify(ds->sig, fd, info, err);
}

struct download_ctx {
	struct rkt_store *store;
	struct rkt_store_download *d;
};

/* The ETag of the reply goes to disk before its first byte: a later resume sends it as
 * If-Range, so that a changed file is downloaded again rather than spliced. */
static int download_started(void *userdata, long status, const char *etag)
{
	struct download_ctx *ctx = userdata;
	struct rkt_error e = { 0 };

	if (status == 206)
		return 0;
	return rkt_store_download_set_etag(ctx->store, ctx->d, etag, &e);
}

/* An image from the store, as a cache hit: marks it used. */
static int use_cached(struct rkt_store *s, const struct rkt_remote *cached,
                      char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	int r = rkt_store_open_blob(s, cached->blob_key, &fd, err);

	if (r < 0)
		return r;
	memcpy(ret_id, cached->blob_key, RKT_IMAGE_ID_SIZE);
	return 0;
}

/* Upstream's useCached(): a max-age given with the last download that has not run out. */
static bool cache_is_fresh(const struct rkt_remote *cached)
{
	return cached->cache_max_age > 0 &&
	       rkt_now_ns() - cached->download_time < cached->cache_max_age * 1000000000;
}

/* What the reply says about caching, for the URL's record. */
static void remote_from_reply(struct rkt_remote *rem, const struct rkt_http_result *res)
{
	rem->etag = res->etag;
	rem->cache_max_age = res->max_age > 0 ? res->max_age : 0;
}

struct stream_ctx {
	struct rkt_download_stream ds;
	struct rkt_http_result *res;
	struct rkt_remote *rem;
	bool transfer_failed;
};

/* rkt_store_import_opts.complete: the stream has ended; the file is whole once the transfer
 * says so. */
static int stream_complete(void *userdata, struct rkt_error *err)
{
	struct stream_ctx *sc = userdata;
	int r = rkt_download_stream_finish(&sc->ds, sc->res, err);

	if (r < 0) {
		sc->transfer_failed = true;
		return rkt_error_wrap(err, r, "image");
	}
	remote_from_reply(sc->rem, sc->res);
	return 0;
}

/* Downloads REQ (a fresh download into REQ->fd) and imports it while it arrives. An error of
 * the transfer wins over what the import made of a stream that ended early. Sets
 * *RET_TRANSFER_FAILED when the transfer failed (what arrived may be resumed). */
static int stream_import(struct rkt_store *s, const struct rkt_http_request *req,
                         struct rkt_store_import_opts *io, struct rkt_http_result *res,
                         char ret_id[RKT_IMAGE_ID_SIZE], bool *ret_transfer_failed,
                         struct rkt_error *err)
{
	struct stream_ctx sc = { .res = res, .rem = (struct rkt_remote *)io->remote };
	struct rkt_error transfer_err = { 0 };
	int read_fd = -EBADF, r, t;

	r = rkt_download_stream_start(&sc.ds, req, &read_fd, err);
	if (r < 0)
		return r;
	io->adopt_fd = req->fd;
	io->complete = stream_complete;
	io->complete_userdata = &sc;
	r = rkt_store_import(s, read_fd, io, ret_id, err);
	/* A transfer the import stopped reading ends on its next write (EPIPE), or within a
	 * second if the server stalls. */
	close(read_fd);
	if (sc.ds.running) {
		rkt_download_stream_cancel(&sc.ds);
		t = rkt_download_stream_finish(&sc.ds, res, &transfer_err);
		if (t < 0 && r < 0 && t != -EPIPE && t != -ECANCELED) {
			/* The stream ended early because the transfer failed: say why. */
			if (err)
				*err = transfer_err;
			r = rkt_error_wrap(err, t, "image");
			sc.transfer_failed = true;
		}
	}
	*ret_transfer_failed = sc.transfer_failed;
	return r;
}

int rkt_fetch_url(struct rkt_store *s, const char *url, const struct rkt_fetch_opts *opts,
                  char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err)
{
	return rkt_fetch_url_as(s, url, NULL, NULL, opts, ret_id, err);
}

int rkt_fetch_url_as(struct rkt_store *s, const char *url, const char *sig_location,
                     const struct rkt_fetch_expect *expect, const struct rkt_fetch_opts *opts,
                     char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err)
{
	const char *image = expect ? expect->image : url;
	_cleanup_(rkt_remote_release) struct rkt_remote cached = { 0 };
	_cleanup_(rkt_http_result_release) struct rkt_http_result res = { 0 };
	_cleanup_(rkt_store_download_release) struct rkt_store_download d = { .fd = -EBADF };
	_cleanup_free_ char *sig_url = NULL, *what = NULL;
	_cleanup_(rkt_fetch_auth_headers_release) char *headers[2] = { 0 };
	_cleanup_close_ int sig_fd = -EBADF;
	bool insecure_image = opts->insecure & RKT_INSECURE_IMAGE, deferred = false;
	bool have_cached;
	int r;

	r = rkt_store_get_remote(s, url, &cached, err);
	if (r < 0 && r != -ENOENT)
		return r;
	rkt_error_clear(err);
	have_cached = r >= 0;
	if (have_cached && (opts->pull_policy != RKT_PULL_POLICY_UPDATE || cache_is_fresh(&cached)))
		return use_cached(s, &cached, ret_id, err);
	if (opts->pull_policy == RKT_PULL_POLICY_NEVER)
		return rkt_error_input(err, ENOENT,
		                       "image '%s': not in the store (--pull-policy=never)", url);

	/* rkt/rkt Documentation/signing-and-verification-guide.md: the signature first, so that an
	 * unsigned image is not downloaded. */
	if (!insecure_image) {
		sig_url = sig_location      ? xstrdup(sig_location)
		          : opts->signature ? xstrdup(opts->signature)
		                            : xasprintf("%s.asc", url);
		if (is_url(sig_url)) {
			r = download_signature(image, sig_url, opts, &sig_fd, err);
			if (r < 0)
				return r;
			deferred = r == 1;
			if (deferred && opts->note)
				opts->note(opts->note_userdata,
				           "server requested deferring the signature download");
		}
	}

	r = rkt_store_download_open(s, url, &d, err);
	if (r < 0)
		return r;
	struct download_ctx dctx = { .store = s, .d = &d };
	struct progress pr = { .opts = opts, .what = "image" };
	struct rkt_http_request req = {
		.url = url,
		.flags = rkt_fetch_http_flags(opts->insecure),
		.headers = rkt_fetch_auth_headers(opts, url, headers),
		.etag = have_cached ? cached.etag : NULL,
		.fd = d.fd,
		/* Without the ETag of the partial body nothing says it is still the same file. */
		.resume = d.etag != NULL,
		.resume_etag = d.etag,
		.start = download_started,
		.write_userdata = &dctx,
		.progress = opts->progress ? on_progress : NULL,
		.progress_userdata = &pr,
	};
	struct rkt_remote rem = {
		.aci_url = (char *)url,
		.sig_url = sig_url,
		.download_time = rkt_now_ns(),
	};
	what = xasprintf("image '%s'", url);
	struct rkt_fetch_sig sig = {
		.opts = opts, .image = image, .what = sig_url, .path = sig_url, .fd = sig_fd
	};
	struct deferred_sig ds = { .sig = &sig, .url = sig_url, .fd = &sig_fd };
	struct rkt_store_import_opts io = {
		.what = what,
		.insecure = insecure_image,
		.verify = deferred ? verify_deferred : rkt_fetch_sig_verify,
		.verify_userdata = deferred ? (void *)&ds : &sig,
		.insecure_options = opts->insecure,
		.check = expect ? rkt_fetch_expect_check : NULL,
		.check_userdata = (void *)expect,
		.latest = expect && expect->latest,
		.remote = &rem,
		/* The download becomes the blob: the image is written to disk once. */
		.adopt = true,
	};
	if (!d.etag && ftruncate(d.fd, 0) < 0)
		return rkt_error_set(err, errno, "store: truncate partial download of '%s'", url);
	if (!req.resume && !have_cached) {
		bool transfer_failed = false;

		r = stream_import(s, &req, &io, &res, ret_id, &transfer_failed, err);
		progress_done(opts, "image");
		if (transfer_failed) {
			struct stat st;

			/* Keep what arrived for the next attempt, but not an empty file. */
			if (fstat(d.fd, &st) == 0 && st.st_size > 0)
				return r;
		}
		/* Imported or refused: there is nothing left to resume. */
		rkt_store_download_remove(s, &d);
		return r < 0 ? r : 0;
	}
	r = rkt_http_fetch(&req, &res, err);
	progress_done(opts, "image");
	if (r < 0) {
		struct stat st;

		/* Keep what arrived for the next attempt, but not an empty file. */
		if (fstat(d.fd, &st) == 0 && st.st_size == 0)
			rkt_store_download_remove(s, &d);
		return rkt_error_wrap(err, r, "image");
	}

	remote_from_reply(&rem, &res);
	if (res.not_modified) {
		/* 304: the stored image is current; its record gets the new lifetime. */
		rkt_store_download_remove(s, &d);
		memcpy(rem.blob_key, cached.blob_key, sizeof(rem.blob_key));
		rem.sig_url = cached.sig_url;
		if (!rem.etag)
			rem.etag = cached.etag;
		r = rkt_store_put_remote(s, &rem, err);
		if (r < 0)
			return r;
		return use_cached(s, &cached, ret_id, err);
	}

	r = rkt_store_import(s, d.fd, &io, ret_id, err);
	/* Complete: whether it was imported or refused, there is nothing left to resume. */
	rkt_store_download_remove(s, &d);
	return r < 0 ? r : 0;
}
