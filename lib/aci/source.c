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

/* A big buffer with its pages populated up front (see HASHER_RING); aborts on OOM as xmalloc
 * does. */
static uint8_t *buf_map(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED)
		abort();
	return p;
}

/* The hashing thread: a ring of HASHER_SLOTS buffers of ACI_BUF_SIZE bytes. The reading thread
 * fills slot HEAD % HASHER_SLOTS (gzip inflates straight into it) once the hasher is done with
 * it, then hands it over; the hasher hashes slot TAIL % HASHER_SLOTS without the lock held.
 * The tar reader only looks at the last buffer handed out, which is never the one being
 * filled. Hashing cannot fail, so errors stay in the reading thread.
 *
 * Four slots: on a quiet machine 2, 4 and 16 MiB of ring gave the same time within noise (the
 * inflating thread alone is about 80% of the run; docs/performance.md). The ring is one
 * mapping populated up front: touched page by page, its 1,024 first-write faults cost the
 * reading thread (the critical path) a few ms of exits on a VM; MAP_POPULATE makes them one
 * syscall, and one munmap at the end. */
#define HASHER_SLOTS 4
#define HASHER_RING  ((size_t)HASHER_SLOTS * ACI_BUF_SIZE)

struct aci_hasher {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t head, tail; /* slots handed over, slots hashed */
	bool done;           /* no more slots: hash what is left and exit */
	struct rkt_sha512 *hash;
	uint32_t crc;  /* gzip CRC-32 of the current member's output, hashed so far */
	uint8_t *ring; /* HASHER_RING bytes, mapped */
	uint8_t *buf[HASHER_SLOTS];
	size_t len[HASHER_SLOTS];
};

static void *hasher_main(void *userdata)
{
	struct aci_hasher *h = userdata;

	(void)pthread_mutex_lock(&h->lock);
	for (;;) {
		unsigned slot;

		while (h->tail == h->head && !h->done)
			(void)pthread_cond_wait(&h->cond, &h->lock);
		if (h->tail == h->head)
			break;
		slot = (unsigned)(h->tail % HASHER_SLOTS);
		(void)pthread_mutex_unlock(&h->lock);
		rkt_sha512_update(h->hash, h->buf[slot], h->len[slot]);
		h->crc = crc32_gzip_refl(h->crc, h->buf[slot], h->len[slot]);
		(void)pthread_mutex_lock(&h->lock);
		h->tail++;
		(void)pthread_cond_broadcast(&h->cond);
	}
	(void)pthread_mutex_unlock(&h->lock);
	return NULL;
}

static struct aci_hasher *hasher_start(struct rkt_sha512 *hash)
{
	struct aci_hasher *h = xzalloc(sizeof(*h));

	(void)pthread_mutex_init(&h->lock, NULL);
	(void)pthread_cond_init(&h->cond, NULL);
	h->hash = hash;
	h->ring = buf_map(HASHER_RING);
	for (unsigned i = 0; i < HASHER_SLOTS; i++)
		h->buf[i] = h->ring + (size_t)i * ACI_BUF_SIZE;
	if (pthread_create(&h->thread, NULL, hasher_main, h) != 0) {
		(void)munmap(h->ring, HASHER_RING);
		(void)pthread_cond_destroy(&h->cond);
		(void)pthread_mutex_destroy(&h->lock);
		free(h);
		return NULL;
	}
	return h;
}

/* The next slot to fill, once the hasher is done with it. */
static uint8_t *hasher_slot(struct aci_hasher *h)
{
	(void)pthread_mutex_lock(&h->lock);
	while (h->head - h->tail == HASHER_SLOTS)
		(void)pthread_cond_wait(&h->cond, &h->lock);
	(void)pthread_mutex_unlock(&h->lock);
	return h->buf[h->head % HASHER_SLOTS];
}

/* Hands the slot from hasher_slot() over, holding LEN bytes. */
static void hasher_push(struct aci_hasher *h, size_t len)
{
	(void)pthread_mutex_lock(&h->lock);
	h->len[h->head % HASHER_SLOTS] = len;
	h->head++;
	(void)pthread_cond_broadcast(&h->cond);
	(void)pthread_mutex_unlock(&h->lock);
}

/* Waits until everything handed over is hashed; returns the CRC-32 of it since the last call
 * (a gzip member's output) and starts the next one at 0. */
static uint32_t hasher_member_crc(struct aci_hasher *h)
{
	uint32_t crc;

	(void)pthread_mutex_lock(&h->lock);
	while (h->tail != h->head)
		(void)pthread_cond_wait(&h->cond, &h->lock);
	crc = h->crc;
	h->crc = 0;
	(void)pthread_mutex_unlock(&h->lock);
	return crc;
}

/* Waits until everything handed over is hashed and the thread has exited; frees H. */
static void hasher_stop(struct aci_hasher *h)
{
	(void)pthread_mutex_lock(&h->lock);
	h->done = true;
	(void)pthread_cond_broadcast(&h->cond);
	(void)pthread_mutex_unlock(&h->lock);
	(void)pthread_join(h->thread, NULL);
	(void)munmap(h->ring, HASHER_RING);
	(void)pthread_cond_destroy(&h->cond);
	(void)pthread_mutex_destroy(&h->lock);
	free(h);
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

/* The start of a gzip member. Without a hashing thread ISA-L reads the header and checks the
 * trailer itself (ISAL_GZIP). With one, the CRC-32 of the output is that thread's work (it reads
 * every byte anyway, and the inflating thread is the critical path): the header is read here,
 * the deflate data inflated raw and the trailer checked by gzip_member_end(). */
static int gzip_member_start(struct aci_source *src)
{
	struct inflate_state *st = src->inflate;
	struct isal_gzip_header hdr;
	int r;

	for (;;) {
		isal_inflate_reset(st);
		if (!src->hasher) {
			st->crc_flag = ISAL_GZIP;
			break;
		}
		st->crc_flag = ISAL_DEFLATE;
		isal_gzip_header_init(&hdr);
		st->next_in = src->in + src->in_off;
		st->avail_in = (uint32_t)(src->in_len - src->in_off);
		r = isal_read_gzip_header(st, &hdr);
		if (r == ISAL_DECOMP_OK) {
			src->in_off = src->in_len - st->avail_in;
			break;
		}
		if (r != ISAL_END_INPUT)
			return source_fail(src, EBADMSG, isal_strerror(r));
		/* The header is longer than what was read: read more and parse it again. */
		if (src->in_eof)
			return source_fail(src, EBADMSG, "truncated gzip data");
		if (src->in_off == 0 && src->in_len == ACI_BUF_SIZE)
			return source_fail(src, EBADMSG, "invalid gzip header");
		if ((r = fill(src)) < 0)
			return r;
	}
	src->gz_state = ACI_GZ_BODY;
	return 0;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The end of a member's deflate data: with a hashing thread, its trailer (CRC-32 and size
 * modulo 2^32) is checked here against what that thread computed. Raw inflate reads ahead:
 * the trailer's first bytes may be in ISA-L's bit buffer (after the final block's padding
 * bits), the rest follows in the input. */
static int gzip_member_end(struct aci_source *src)
{
	struct inflate_state *st = src->inflate;
	uint64_t bits = st->read_in >> (st->read_in_length % 8);
	uint8_t t[8];
	size_t k = 0;
	int r;

	src->gz_state = ACI_GZ_END;
	if (!src->hasher)
		return 0;
	for (int n = st->read_in_length / 8; n > 0 && k < sizeof(t); n--, bits >>= 8)
		t[k++] = (uint8_t)bits;
	st->read_in_length = 0;
	while (k < sizeof(t)) {
		if (src->in_off == src->in_len) {
			if (src->in_eof)
				return source_fail(src, EBADMSG, "truncated gzip data");
			if ((r = fill(src)) < 0)
				return r;
			continue;
		}
		t[k++] = src->in[src->in_off++];
	}
	if (le32(t) != hasher_member_crc(src->hasher) || le32(t + 4) != (uint32_t)st->total_out)
		return source_fail(src, EBADMSG, isal_strerror(ISAL_INCORRECT_CHECKSUM));
	return 0;
}

static ssize_t read_gzip(struct aci_source *src, const void **ret_buf)
{
	struct inflate_state *st = src->inflate;
	int r;

	for (;;) {
		size_t before_in, produced;

		if (src->gz_state == ACI_GZ_HEADER && (r = gzip_member_start(src)) < 0)
			return r;
		if (st->block_state == ISAL_BLOCK_FINISH) {
			bool more;

			if (src->gz_state == ACI_GZ_BODY && (r = gzip_member_end(src)) < 0)
				return r;
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

/* BUF (N bytes) to the hashing thread: gzip inflated it into the slot already; other sources
 * are copied. */
static void hash_in_thread(struct aci_source *src, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	if (p == src->out && src->compression == RKT_COMPRESSION_GZIP) {
		hasher_push(src->hasher, n);
		return;
	}
	while (n > 0) {
		size_t k = n < ACI_BUF_SIZE ? n : ACI_BUF_SIZE;

		memcpy(hasher_slot(src->hasher), p, k);
		hasher_push(src->hasher, k);
		p += k;
		n -= k;
	}
}

ssize_t aci_source_read(struct aci_source *src, const void **ret_buf)
{
	ssize_t n;

	if (src->error)
		return src->error;
	switch (src->compression) {
	case RKT_COMPRESSION_NONE:
		n = read_plain(src, ret_buf);
		break;
	case RKT_COMPRESSION_GZIP:
		/* Inflate straight into the hasher's next slot. */
		if (src->hasher)
			src->out = hasher_slot(src->hasher);
		n = read_gzip(src, ret_buf);
		break;
	default:
		n = read_raw(src, ret_buf);
		break;
	}
	if (n > 0) {
		if (src->hasher)
			hash_in_thread(src, *ret_buf, (size_t)n);
		else if (src->hash)
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

/* Stops the hashing thread; gzip's output buffer was one of its slots. */
static void source_stop_hasher(struct aci_source *src)
{
	if (!src->hasher)
		return;
	hasher_stop(TAKE_PTR(src->hasher));
	if (src->compression == RKT_COMPRESSION_GZIP)
		src->out = NULL;
}

void aci_source_final_id(struct aci_source *src, char ret[RKT_IMAGE_ID_SIZE])
{
	source_stop_hasher(src);
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

int aci_source_open(struct aci_source *src, int fd, const char *what, bool hash_id,
                    const struct rkt_aci_read_opts *opts, struct rkt_error *err)
{
	struct archive_entry *e;
	int r;

	*src = (struct aci_source){ .fd = fd, .what = what, .err = err };
	r = rkt_archive_load(err);
	if (r < 0)
		return src->error = rkt_error_wrap(err, r, "%s", what);
	if (opts) {
		src->on_raw = opts->on_raw;
		src->raw_userdata = opts->raw_userdata;
	}
	src->in = xmalloc(ACI_BUF_SIZE);
	if (hash_id)
		src->hash = rkt_sha512_new();
	if (hash_id && opts && opts->hash_thread)
		src->hasher = hasher_start(src->hash);
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);

	/* A plain tar is recognised at offset 257, so read at least that much. */
	while (src->in_len < 512 && !src->in_eof)
		if ((r = fill(src)) < 0)
			return r;
	if (rkt_compression_detect(src->in, src->in_len, &src->compression) < 0)
		return source_fail(src, EBADMSG,
		                   "unknown image filetype "
		                   "(not a tar, gzip, bzip2, xz or zstd archive)");

	switch (src->compression) {
	case RKT_COMPRESSION_NONE:
		break;
	case RKT_COMPRESSION_GZIP:
		src->inflate = xzalloc(sizeof(*src->inflate));
		isal_inflate_init(src->inflate);
		src->gz_state = ACI_GZ_HEADER;
		if (!src->hasher)
			src->out = xmalloc(ACI_BUF_SIZE);
		break;
	default:
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
		break;
	}
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
	/* On an error the hasher may still run: it finishes its slots, then exits. */
	source_stop_hasher(src);
	free(src->out);
	free(src->in);
	free(src->inflate);
	src->in = src->out = NULL;
	src->inflate = NULL;
	src->hash = rkt_sha512_free(src->hash);
}
