#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "aci/archive-api.h"
#include "aci/aci-internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

const char *aci_printable(const char *name, char *buf, size_t size)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)name; *p && n + 4 < size; p++) {
		if (n >= 200) {
			memcpy(buf + n, "...", 3);
			n += 3;
			break;
		}
		buf[n++] = (*p < 0x20 || *p == 0x7f) ? '?' : (char)*p;
	}
	buf[n] = '\0';
	return buf;
}

const char *aci_archive_error(struct archive *a)
{
	const char *s = archive_error_string(a);

	return s ? s : "unknown libarchive error";
}

/* A big buffer; aborts on OOM as xmalloc does. Its pages are populated by the caller's thread
 * once the reading thread runs (see PIPE_RING). */
static uint8_t *buf_map(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		abort();
	return p;
}

/* Reading in a second thread (opts->read_thread): that thread reads and decompresses the file
 * into a ring of PIPE_SLOTS buffers of ACI_BUF_SIZE bytes (gzip inflates straight into a slot),
 * and the caller's thread hashes each slot and parses the tar in it. Inflating is the biggest
 * cost, so it gets a core of its own; the hash and the tar reader share the other. The reading
 * thread works on its own struct aci_source (IN: the fd, the input buffer, the decompressor, its
 * own error), so the two threads share nothing but the ring: slot HEAD % PIPE_SLOTS is filled
 * once the consumer has released it, and the consumer holds slot TAIL % PIPE_SLOTS from the
 * aci_source_read() that returned it to the next one (the tar reader only looks at the last
 * buffer it was given). An error stops the reading thread; the consumer reports it when it
 * reaches that point of the stream, as a read in the same thread would have.
 *
 * Four slots: 4, 8 and 16 MiB of ring, with and without huge pages, gave the same modelled time
 * within noise (docs/performance.md). The ring is one mapping populated up front: touched page
 * by page, its 1,024 first-write faults cost the reading thread a few ms of exits on a VM. The
 * caller's thread populates it (MADV_POPULATE_WRITE), then loads libarchive and libcrypto,
 * while the reading thread inflates the first slot: that start-up used to come before it. */
#define PIPE_SLOTS 4
#define PIPE_RING  ((size_t)PIPE_SLOTS * ACI_BUF_SIZE)

struct aci_pipe {
	struct aci_source in; /* the reading thread's side: input, decompressor, error */
	struct rkt_error err; /* IN's errors */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t head, tail; /* slots filled, slots released */
	bool held;           /* the consumer holds slot TAIL */
	bool done;           /* the reading thread has stopped: STATUS says why */
	bool stop;           /* the consumer wants it to stop */
	int status;          /* 0 at the end of the stream, or -errno (message in ERR) */
	uint8_t *ring;       /* PIPE_RING bytes, mapped */
	size_t len[PIPE_SLOTS];
};

static uint8_t *pipe_slot(struct aci_pipe *p, uint64_t i)
{
	return p->ring + (size_t)(i % PIPE_SLOTS) * ACI_BUF_SIZE;
}

static ssize_t read_gzip(struct aci_source *src, const void **ret_buf);
static ssize_t read_raw(struct aci_source *src, const void **ret_buf);
static ssize_t read_plain(struct aci_source *src, const void **ret_buf);

/* Waits for a free slot; false if the consumer stopped the thread. */
static bool pipe_wait_slot(struct aci_pipe *p)
{
	bool ok;

	(void)pthread_mutex_lock(&p->lock);
	while (p->head - p->tail == PIPE_SLOTS && !p->stop)
		(void)pthread_cond_wait(&p->cond, &p->lock);
	ok = !p->stop;
	(void)pthread_mutex_unlock(&p->lock);
	return ok;
}

static void pipe_push(struct aci_pipe *p, size_t len)
{
	(void)pthread_mutex_lock(&p->lock);
	p->len[p->head % PIPE_SLOTS] = len;
	p->head++;
	(void)pthread_cond_broadcast(&p->cond);
	(void)pthread_mutex_unlock(&p->lock);
}

/* The next piece of IN's stream into the free slot SLOT, or into further slots if it is
 * bigger; returns the bytes pushed, 0 at the end, -errno, or -ECANCELED when stopped. */
static ssize_t pipe_fill(struct aci_pipe *p, uint8_t *slot)
{
	struct aci_source *in = &p->in;
	const uint8_t *buf;
	ssize_t n;

	switch (in->compression) {
	case RKT_COMPRESSION_GZIP:
		in->out = slot;
		n = read_gzip(in, (const void **)&buf);
		break;
	case RKT_COMPRESSION_NONE:
		/* Once the bytes read for detection are out, read straight into the slot. */
		if (in->in_off == in->in_len)
			in->in = slot;
		n = read_plain(in, (const void **)&buf);
		break;
	default:
		n = read_raw(in, (const void **)&buf);
		break;
	}
	if (n <= 0)
		return n;
	if (buf == slot) {
		pipe_push(p, (size_t)n);
		return n;
	}
	for (size_t off = 0; off < (size_t)n;) {
		size_t k = (size_t)n - off < ACI_BUF_SIZE ? (size_t)n - off : ACI_BUF_SIZE;

		if (off > 0 && !pipe_wait_slot(p))
			return -ECANCELED;
		memcpy(pipe_slot(p, p->head), buf + off, k);
		pipe_push(p, k);
		off += k;
	}
	return n;
}

static void *pipe_main(void *userdata)
{
	struct aci_pipe *p = userdata;
	ssize_t n;

	do
		n = pipe_wait_slot(p) ? pipe_fill(p, pipe_slot(p, p->head)) : -ECANCELED;
	while (n > 0);
	(void)pthread_mutex_lock(&p->lock);
	p->done = true;
	p->status = (int)n;
	(void)pthread_cond_broadcast(&p->cond);
	(void)pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Stops the reading thread (if it still runs) and frees the pipe with IN's resources. */
static void pipe_free(struct aci_pipe *p, bool started)
{
	if (started) {
		(void)pthread_mutex_lock(&p->lock);
		p->stop = true;
		(void)pthread_cond_broadcast(&p->cond);
		(void)pthread_mutex_unlock(&p->lock);
		(void)pthread_join(p->thread, NULL);
	}
	if (p->in.raw)
		archive_read_free(p->in.raw);
	free(p->in.in_buf);
	free(p->in.inflate);
	(void)munmap(p->ring, PIPE_RING);
	(void)pthread_cond_destroy(&p->cond);
	(void)pthread_mutex_destroy(&p->lock);
	free(p);
}

/* The consumer's side: the next filled slot, releasing the one held. */
static ssize_t read_piped(struct aci_source *src, const void **ret_buf)
{
	struct aci_pipe *p = src->pipe;
	ssize_t n;

	(void)pthread_mutex_lock(&p->lock);
	if (p->held) {
		p->tail++;
		p->held = false;
		(void)pthread_cond_broadcast(&p->cond);
	}
	while (p->tail == p->head && !p->done)
		(void)pthread_cond_wait(&p->cond, &p->lock);
	if (p->tail == p->head) {
		n = p->status;
		(void)pthread_mutex_unlock(&p->lock);
		if (n < 0) {
			if (src->err)
				*src->err = p->err;
			src->error = (int)n;
		}
		return n;
	}
	n = (ssize_t)p->len[p->tail % PIPE_SLOTS];
	p->held = true;
	(void)pthread_mutex_unlock(&p->lock);
	*ret_buf = pipe_slot(p, p->tail);
	return n;
}

static int source_fail(struct aci_source *src, int code, const char *detail)
{
	/* Keep the first error: later ones are consequences (libarchive retrying, draining). */
	if (src->error == 0)
		src->error = rkt_error_set(src->err, code, "%s: %s", src->what, detail);
	return src->error;
}

/* Refills the input buffer, keeping the unconsumed bytes. */
static int fill(struct aci_source *src)
{
	ssize_t n;

	if (src->in_eof)
		return 0;
	if (src->in_off > 0) {
		memmove(src->in, src->in + src->in_off, src->in_len - src->in_off);
		src->in_len -= src->in_off;
		src->in_off = 0;
	}
	if (src->in_len == ACI_BUF_SIZE)
		return 0;
	do
		n = read(src->fd, src->in + src->in_len, ACI_BUF_SIZE - src->in_len);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		char msg[256];

		(void)snprintf(msg, sizeof(msg), "read: %s", strerror(errno));
		return source_fail(src, errno, msg);
	}
	if (n == 0)
		src->in_eof = true;
	src->in_len += (size_t)n;
	src->raw_size += (uint64_t)n;
	if (src->on_raw && n > 0) {
		int r = src->on_raw(src->raw_userdata, src->in + src->in_len - (size_t)n, (size_t)n,
		                    src->err);
		if (r < 0) {
			if (src->error == 0)
				src->error = r;
			return r;
		}
	}
	return 0;
}

static const char *isal_strerror(int r)
{
	switch (r) {
	case ISAL_INVALID_BLOCK:
		return "invalid deflate block";
	case ISAL_INVALID_SYMBOL:
		return "invalid deflate symbol";
	case ISAL_INVALID_LOOKBACK:
		return "invalid deflate distance";
	case ISAL_INVALID_WRAPPER:
		return "invalid gzip header";
	case ISAL_UNSUPPORTED_METHOD:
		return "unsupported gzip method";
	case ISAL_INCORRECT_CHECKSUM:
		return "gzip CRC mismatch";
	default:
		return "corrupt gzip data";
	}
}

/* After a gzip member: another member follows (concatenated gzip files are one stream, as
 * gzip(1) reads them), or the input ends. Zero padding (tape blocking, dd) is ignored like
 * gzip(1) does; anything else would be data outside both the hash and the tar, so refuse it. */
static int gzip_next_member(struct aci_source *src, bool *ret_more)
{
	int r;

	while (src->in_len - src->in_off < 2 && !src->in_eof)
		if ((r = fill(src)) < 0)
			return r;
	if (src->in_len - src->in_off >= 2 && src->in[src->in_off] == 0x1f &&
	    src->in[src->in_off + 1] == 0x8b) {
		src->gz_state = ACI_GZ_HEADER;
		*ret_more = true;
		return 0;
	}
	for (;;) {
		for (size_t i = src->in_off; i < src->in_len; i++)
			if (src->in[i] != 0)
				return source_fail(src, EBADMSG,
				                   "trailing garbage after the gzip data");
		src->in_off = src->in_len;
		if (src->in_eof)
			break;
		if ((r = fill(src)) < 0)
			return r;
	}
	*ret_more = false;
	return 0;
}

/* The start of a gzip member: ISA-L reads the header and checks the trailer (ISAL_GZIP). */
static void gzip_member_start(struct aci_source *src)
{
	isal_inflate_reset(src->inflate);
	src->inflate->crc_flag = ISAL_GZIP;
	src->gz_state = ACI_GZ_BODY;
}

static ssize_t read_gzip(struct aci_source *src, const void **ret_buf)
{
	struct inflate_state *st = src->inflate;
	int r;

	for (;;) {
		size_t before_in, produced;

		if (src->gz_state == ACI_GZ_HEADER)
			gzip_member_start(src);
		if (st->block_state == ISAL_BLOCK_FINISH) {
			bool more;

			src->gz_state = ACI_GZ_END;
			if ((r = gzip_next_member(src, &more)) < 0)
				return r;
			if (!more)
				return 0;
			continue;
		}
		if (src->in_off == src->in_len) {
			if ((r = fill(src)) < 0)
				return r;
			if (src->in_off == src->in_len)
				return source_fail(src, EBADMSG, "truncated gzip data");
		}
		before_in = src->in_len - src->in_off;
		st->next_in = src->in + src->in_off;
		st->avail_in = (uint32_t)before_in;
		st->next_out = src->out;
		st->avail_out = ACI_BUF_SIZE;
		r = isal_inflate(st);
		if (r < 0 || r == ISAL_NEED_DICT)
			return source_fail(src, EBADMSG, isal_strerror(r));
		src->in_off = src->in_len - st->avail_in;
		produced = ACI_BUF_SIZE - st->avail_out;
		if (produced > 0) {
			*ret_buf = src->out;
			return (ssize_t)produced;
		}
		if (st->block_state == ISAL_BLOCK_FINISH)
			continue;
		/* No output: ISA-L needs more input than the buffer holds (a header or block
		 * split across reads). At the end of the file that means truncation. */
		if (src->in_eof)
			return source_fail(src, EBADMSG, "truncated gzip data");
		if (src->in_len - src->in_off == before_in && src->in_off == 0 &&
		    src->in_len == ACI_BUF_SIZE)
			return source_fail(src, EBADMSG, "corrupt gzip data");
		if ((r = fill(src)) < 0)
			return r;
		if (src->in_eof && src->in_off == src->in_len)
			return source_fail(src, EBADMSG, "truncated gzip data");
	}
}

/* Compressed input for the raw libarchive reader: the bytes already read for detection
 * first, then the fd. */
static la_ssize_t raw_read_cb(struct archive *a, void *userdata, const void **ret_buf)
{
	struct aci_source *src = userdata;
	size_t n;

	if (src->in_off == src->in_len) {
		src->in_off = src->in_len = 0;
		if (fill(src) < 0) {
			archive_set_error(a, EIO, "%s", src->err ? src->err->msg : "read error");
			return -1;
		}
	}
	n = src->in_len - src->in_off;
	*ret_buf = src->in + src->in_off;
	src->in_off = src->in_len;
	return (la_ssize_t)n;
}

static ssize_t read_raw(struct aci_source *src, const void **ret_buf)
{
	const void *buf;
	size_t size;
	la_int64_t offset;
	int r;

	r = archive_read_data_block(src->raw, &buf, &size, &offset);
	if (r == ARCHIVE_EOF)
		return 0;
	if (r < ARCHIVE_WARN) {
		if (src->error)
			return src->error;
		return source_fail(src, EBADMSG, aci_archive_error(src->raw));
	}
	*ret_buf = buf;
	return (ssize_t)size;
}

static ssize_t read_plain(struct aci_source *src, const void **ret_buf)
{
	size_t n;
	int r;

	if (src->in_off == src->in_len) {
		src->in_off = src->in_len = 0;
		if ((r = fill(src)) < 0)
			return r;
	}
	n = src->in_len - src->in_off;
	*ret_buf = src->in + src->in_off;
	src->in_off = src->in_len;
	return (ssize_t)n;
}

ssize_t aci_source_read(struct aci_source *src, const void **ret_buf)
{
	ssize_t n;

	if (src->error)
		return src->error;
	if (src->pipe)
		n = read_piped(src, ret_buf);
	else if (src->compression == RKT_COMPRESSION_NONE)
		n = read_plain(src, ret_buf);
	else if (src->compression == RKT_COMPRESSION_GZIP)
		n = read_gzip(src, ret_buf);
	else
		n = read_raw(src, ret_buf);
	if (n > 0) {
		if (src->hash)
			rkt_sha512_update(src->hash, *ret_buf, (size_t)n);
		src->tar_size += (uint64_t)n;
		if (src->max_tar && src->tar_size > src->max_tar) {
			char msg[128];

			(void)snprintf(msg, sizeof(msg),
			               "decompresses to more than the %" PRIu64
			               " MiB free to unpack it (a compression bomb?)",
			               src->max_tar >> 20);
			return source_fail(src, EBADMSG, msg);
		}
	}
	return n;
}

void aci_source_final_id(struct aci_source *src, char ret[RKT_IMAGE_ID_SIZE])
{
	rkt_sha512_final_id(src->hash, ret);
}

int aci_source_drain(struct aci_source *src)
{
	const void *buf;
	ssize_t n;

	while ((n = aci_source_read(src, &buf)) > 0)
		;
	return (int)n;
}

int aci_source_drain_raw(struct aci_source *src)
{
	int r;

	/* The raw tee must see the whole file, even bytes a decompressor never asked for. */
	while (!src->in_eof) {
		src->in_off = src->in_len = 0;
		if ((r = fill(src)) < 0)
			return r;
	}
	return 0;
}

/* Sets up SRC's decompressor for its detected compression. PIPED: gzip inflates into the
 * ring's slots, not into a buffer of its own. */
static int source_setup(struct aci_source *src, bool piped)
{
	struct archive_entry *e;
	int r;

	switch (src->compression) {
	case RKT_COMPRESSION_NONE:
		return 0;
	case RKT_COMPRESSION_GZIP:
		src->inflate = xzalloc(sizeof(*src->inflate));
		isal_inflate_init(src->inflate);
		src->gz_state = ACI_GZ_HEADER;
		if (!piped)
			src->out = xmalloc(ACI_BUF_SIZE);
		return 0;
	default:
		r = rkt_archive_load(src->err);
		if (r < 0)
			return src->error = rkt_error_wrap(src->err, r, "%s", src->what);
		src->raw = archive_read_new();
		if (!src->raw)
			abort();
		archive_read_support_filter_bzip2(src->raw);
		archive_read_support_filter_xz(src->raw);
		archive_read_support_filter_zstd(src->raw);
		archive_read_support_format_raw(src->raw);
		if (archive_read_open(src->raw, src, NULL, raw_read_cb, NULL) != ARCHIVE_OK ||
		    archive_read_next_header(src->raw, &e) != ARCHIVE_OK) {
			if (src->error)
				return src->error;
			return source_fail(src, EBADMSG, aci_archive_error(src->raw));
		}
		return 0;
	}
}

/* Hands SRC's input (what was read for detection, the fd) over to a reading thread. */
static int source_start_pipe(struct aci_source *src)
{
	struct aci_pipe *p = xzalloc(sizeof(*p));
	int r;

	p->in = *src;
	p->in.err = &p->err;
	p->in.hash = NULL;
	src->in = src->in_buf = NULL;
	src->in_len = src->in_off = 0;
	(void)pthread_mutex_init(&p->lock, NULL);
	(void)pthread_cond_init(&p->cond, NULL);
	p->ring = buf_map(PIPE_RING);
	r = source_setup(&p->in, true);
	if (r == 0) {
		r = -pthread_create(&p->thread, NULL, pipe_main, p);
		if (r < 0)
			rkt_error_set(&p->err, r, "%s: cannot start a reading thread", src->what);
	}
	if (r < 0) {
		if (src->err)
			*src->err = p->err;
		src->error = r;
		pipe_free(p, false);
		return r;
	}
	src->pipe = p;
	return 0;
}

int aci_source_open(struct aci_source *src, int fd, const char *what, bool hash_id,
                    const struct rkt_aci_read_opts *opts, struct rkt_error *err)
{
	bool piped = opts && opts->read_thread && !opts->on_raw;
	int r;

	*src = (struct aci_source){ .fd = fd, .what = what, .err = err, .hash_id = hash_id };
	if (!piped) {
		r = rkt_archive_load(err);
		if (r < 0)
			return src->error = rkt_error_wrap(err, r, "%s", what);
		if (hash_id)
			src->hash = rkt_sha512_new();
	}
	if (opts) {
		src->on_raw = opts->on_raw;
		src->raw_userdata = opts->raw_userdata;
	}
	src->in = src->in_buf = xmalloc(ACI_BUF_SIZE);
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);

	/* A plain tar is recognised at offset 257, so read at least that much. */
	while (src->in_len < 512 && !src->in_eof)
		if ((r = fill(src)) < 0)
			return r;
	if (rkt_compression_detect(src->in, src->in_len, &src->compression) < 0)
		return source_fail(src, EBADMSG,
		                   "unknown image filetype "
		                   "(not a tar, gzip, bzip2, xz or zstd archive)");
	if (!piped)
		return source_setup(src, false);

	r = source_start_pipe(src);
	if (r < 0)
		return r;
	/* While the reading thread fills the first slot. Without MADV_POPULATE_WRITE (Linux
	 * < 5.14) that thread takes the faults as it fills the slots. */
	(void)madvise(src->pipe->ring, PIPE_RING, MADV_POPULATE_WRITE);
	r = rkt_archive_load(err);
	if (r < 0)
		return src->error = rkt_error_wrap(err, r, "%s", what);
	if (hash_id)
		src->hash = rkt_sha512_new();
	return 0;
}

static la_ssize_t tar_read_cb(struct archive *a, void *userdata, const void **ret_buf)
{
	struct aci_source *src = userdata;
	ssize_t n = aci_source_read(src, ret_buf);

	if (n < 0) {
		archive_set_error(a, (int)-n, "%s", src->err ? src->err->msg : "read error");
		return -1;
	}
	return n;
}

int aci_source_open_tar(struct aci_source *src, struct archive **ret, struct rkt_error *err)
{
	struct archive *a = archive_read_new();

	if (!a)
		abort();
	/* The stream is already decompressed; a filter here would let a tar.gz inside a gzip
	 * through, and a second format would accept what no appc tool writes. */
	archive_read_support_format_tar(a);
	if (archive_read_open(a, src, NULL, tar_read_cb, NULL) != ARCHIVE_OK) {
		int r = src->error ? src->error
		                   : rkt_error_set(err, EBADMSG, "%s: not a tar archive: %s",
		                                   src->what, aci_archive_error(a));

		archive_read_free(a);
		return r;
	}
	*ret = a;
	return 0;
}

void aci_source_release(struct aci_source *src)
{
	if (src->raw)
		archive_read_free(src->raw);
	src->raw = NULL;
	/* After an error the reading thread may still run: it is stopped and joined. */
	if (src->pipe)
		pipe_free(TAKE_PTR(src->pipe), true);
	free(src->out);
	free(src->in_buf);
	free(src->inflate);
	src->in = src->in_buf = src->out = NULL;
	src->inflate = NULL;
	src->hash = rkt_sha512_free(src->hash);
}
