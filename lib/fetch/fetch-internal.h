/* Shared by the fetchers of lib/fetch (local files in fetch.c, URLs in url.c). */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "fetch/fetch.h"
#include "net/http.h"

/* The detached signature of an image being imported: an open SIG_FD, or else PATH opened when
 * the import asks for it (a missing file is -ENOKEY, naming WHAT and the image). */
struct rkt_fetch_sig {
	const struct rkt_fetch_opts *opts;
	const char *image; /* as the user gave it */
	const char *what;
	const char *path;
	int fd;
};

/* rkt_store_verify_fn over a struct rkt_fetch_sig: checks the signature with OPTS->keystore
 * for the name in INFO's manifest, and tells OPTS->verified who signed. */
int rkt_fetch_sig_verify(void *userdata, int fd, const struct rkt_aci_info *info,
                         struct rkt_error *err);

/* lib/net flags for the --insecure-options bits INSECURE (http, tls). */
unsigned rkt_fetch_http_flags(unsigned insecure);
/* The auth.d header for URL (https only) as a NULL-terminated header list in RET (free it with
 * rkt_fetch_auth_headers_release()), or NULL. */
const char *const *rkt_fetch_auth_headers(const struct rkt_fetch_opts *opts, const char *url,
                                          char *ret[2]);
void rkt_fetch_auth_headers_release(char *(*h)[2]);

/* The -ENOKEY of an image without a signature. */
int rkt_fetch_no_signature(const char *sig_what, const char *image, struct rkt_error *err);

/* A download read while it arrives (download-stream.c). */
struct rkt_download_stream {
	struct rkt_http_request req;
	rkt_http_start_fn start; /* the caller's, called with START_USERDATA */
	void *start_userdata;
	int file_fd; /* the caller's REQ->fd, which the body is appended to */
	int pipe_w;
	uint8_t *buf; /* body bytes not yet written to the file and the pipe */
	size_t buf_len;
	pthread_t thread;
	bool running;
	atomic_bool cancel; /* set to end the transfer early */
	int result;
	struct rkt_http_result res;
	struct rkt_error err;
};

/* Starts downloading REQ (its FD, not resumed) in a thread; the body is appended to REQ->fd and,
 * as it arrives, written to the pipe whose read end is *RET_READ_FD (the caller closes it). The
 * pipe ends only after the file holds every byte. Closing the read end early makes the transfer
 * fail. DS must stay in place until rkt_download_stream_finish(). */
int rkt_download_stream_start(struct rkt_download_stream *ds, const struct rkt_http_request *req,
                              int *ret_read_fd, struct rkt_error *err);
/* Ends the transfer early: it fails with -ECANCELED (or -EPIPE) within about a second. */
void rkt_download_stream_cancel(struct rkt_download_stream *ds);
/* Waits for the transfer (the read end must have been read to its end or closed) and returns
 * what rkt_http_fetch() returned, filling *RET on success. */
int rkt_download_stream_finish(struct rkt_download_stream *ds, struct rkt_http_result *ret,
                               struct rkt_error *err);

/* What a discovered image must be (DISC-14): its manifest's name is NAME and it has every
 * label of LABELS with the same value. IMAGE names it in messages (as the user gave it). */
struct rkt_fetch_expect {
	const char *image;
	const char *name;
	const struct rkt_kv_list *labels;
	bool latest; /* asked for without a version: recorded as latest in the store */
};

/* rkt_store_verify_fn over a struct rkt_fetch_expect: -EBADMSG naming the mismatch. */
int rkt_fetch_expect_check(void *userdata, int fd, const struct rkt_aci_info *info,
                           struct rkt_error *err);

/* rkt_fetch_url() with the signature at SIG_LOCATION (NULL: OPTS->signature, else URL.asc) and,
 * unless EXPECT is NULL, the image checked against EXPECT before it is stored. */
int rkt_fetch_url_as(struct rkt_store *s, const char *url, const char *sig_location,
                     const struct rkt_fetch_expect *expect, const struct rkt_fetch_opts *opts,
                     char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err);

/* Fetches the image called NAME with LABELS by appc discovery (discover.c): the os and arch
 * labels default to the host's, the ACI endpoints are tried in document order, each as an
 * https URL with its discovered signature. IMAGE names it in messages. */
int rkt_fetch_discovered(struct rkt_store *s, const char *image, const char *name,
                         const struct rkt_kv_list *labels, const struct rkt_fetch_opts *opts,
                         char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err);
