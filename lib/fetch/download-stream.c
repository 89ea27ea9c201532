/* A download that the import reads while it arrives: a thread runs the HTTP transfer, appending
 * the body to the resumable download file and, chunk by chunk, to a pipe that the import reads.
 * The file is written once and becomes the blob; the pipe only spares the import from waiting
 * for the last byte, so a fetch over http costs about what a fetch of the same file does. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fetch/fetch-internal.h"
#include "util/cleanup.h"
#include "util/io.h"
#include "util/xalloc.h"

/* The import runs on whole 1 MiB buffers (lib/aci); a pipe that holds one lets the transfer run
 * a buffer ahead instead of waking the reader every 64 KiB. */
#define STREAM_PIPE_SIZE (1 << 20)
/* curl hands the body over in pieces of at most 16 KiB (CURL_MAX_WRITE_SIZE), whatever its
 * receive buffer: writing each to the file and to the pipe was two syscalls per 16 KiB (18,500
 * writes for a 152 MB image) and woke the import for every few pieces. They are gathered here
 * and written half a pipe at a time; the copy costs far less than the syscalls. */
#define STREAM_BUF_SIZE (STREAM_PIPE_SIZE / 2)

static int stream_flush(struct rkt_download_stream *ds)
{
	int r;

	if (ds->buf_len == 0)
		return 0;
	r = rkt_write_all(ds->file_fd, ds->buf, ds->buf_len);
	/* EPIPE: the import stopped reading (the image is bad); end the transfer. */
	if (r >= 0)
		r = rkt_write_all(ds->pipe_w, ds->buf, ds->buf_len);
	ds->buf_len = 0;
	return r;
}

static int stream_write(void *userdata, const void *buf, size_t len)
{
	struct rkt_download_stream *ds = userdata;
	const uint8_t *p = buf;
	int r;

	while (len > 0) {
		size_t k = STREAM_BUF_SIZE - ds->buf_len;

		if (k > len)
			k = len;
		memcpy(ds->buf + ds->buf_len, p, k);
		ds->buf_len += k;
		p += k;
		len -= k;
		if (ds->buf_len == STREAM_BUF_SIZE && (r = stream_flush(ds)) < 0)
			return r;
	}
	return 0;
}

static int stream_started(void *userdata, long status, const char *etag)
{
	struct rkt_download_stream *ds = userdata;

	return ds->start ? ds->start(ds->start_userdata, status, etag) : 0;
}

static void *stream_main(void *userdata)
{
	struct rkt_download_stream *ds = userdata;
	sigset_t pipe_only;
	int r;

	/* A write to a pipe without a reader raises SIGPIPE in the writing thread; blocked here,
	 * it stays pending on this thread (discarded when it exits) and the write fails with
	 * EPIPE. */
	(void)sigemptyset(&pipe_only);
	(void)sigaddset(&pipe_only, SIGPIPE);
	(void)pthread_sigmask(SIG_BLOCK, &pipe_only, NULL);
	ds->result = rkt_http_fetch(&ds->req, &ds->res, &ds->err);
	/* What arrived is kept even when the transfer failed (the file is resumable). */
	r = stream_flush(ds);
	if (r < 0 && ds->result >= 0)
		ds->result = rkt_error_set(&ds->err, -r, "GET '%s': write", ds->req.url);
	free(ds->buf);
	ds->buf = NULL;
	/* The import sees the end of the stream only after the file holds every byte. */
	close(ds->pipe_w);
	ds->pipe_w = -EBADF;
	return NULL;
}

int rkt_download_stream_start(struct rkt_download_stream *ds, const struct rkt_http_request *req,
                              int *ret_read_fd, struct rkt_error *err)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return rkt_error_set(err, errno, "GET '%s': pipe", req->url);
	/* A smaller pipe is only slower: the size is a hint. */
	(void)fcntl(p[1], F_SETPIPE_SZ, STREAM_PIPE_SIZE);
	ds->req = *req;
	ds->file_fd = req->fd;
	ds->start = req->start;
	ds->start_userdata = req->write_userdata;
	ds->req.write = stream_write;
	ds->req.start = stream_started;
	ds->req.write_userdata = ds;
	ds->req.resume = false;
	atomic_init(&ds->cancel, false);
	ds->req.cancel = &ds->cancel;
	ds->pipe_w = p[1];
	ds->buf = xmalloc(STREAM_BUF_SIZE);
	ds->buf_len = 0;
	ds->result = 0;
	ds->res = (struct rkt_http_result){ 0 };
	ds->err = (struct rkt_error){ 0 };
	if (pthread_create(&ds->thread, NULL, stream_main, ds) != 0) {
		free(ds->buf);
		ds->buf = NULL;
		close(p[0]);
		close(p[1]);
		return rkt_error_set(err, EAGAIN, "GET '%s': cannot start a thread", req->url);
	}
	ds->running = true;
	*ret_read_fd = p[0];
	return 0;
}

void rkt_download_stream_cancel(struct rkt_download_stream *ds)
{
	atomic_store(&ds->cancel, true);
}

int rkt_download_stream_finish(struct rkt_download_stream *ds, struct rkt_http_result *ret,
                               struct rkt_error *err)
{
	if (ds->running) {
		(void)pthread_join(ds->thread, NULL);
		ds->running = false;
	}
	if (ds->result < 0) {
		if (err)
			*err = ds->err;
		return ds->result;
	}
	*ret = ds->res;
	ds->res = (struct rkt_http_result){ 0 };
	return 0;
}
