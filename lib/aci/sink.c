#include <errno.h>
#include <fcntl.h>
#include <isa-l/igzip_lib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aci/archive-api.h"
#include "aci/aci-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* ISA-L level 1: about as dense as zlib -1 at several times its speed; it is what makes
 * building an ACI I/O-bound rather than compression-bound. */
#define GZIP_LEVEL     1
#define GZIP_LEVEL_BUF ISAL_DEF_LVL1_DEFAULT

static int sink_fail(struct aci_sink *s, int code, const char *detail)
{
	if (s->error == 0)
		s->error = rkt_error_set(s->err, code, "write '%s': %s", s->out, detail);
	return s->error;
}

static int write_all(struct aci_sink *s, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = write(s->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sink_fail(s, errno, strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int deflate_chunk(struct aci_sink *s, const void *buf, size_t len, bool end)
{
	struct isal_zstream *zs = s->zs;
	int r;

	zs->next_in = (uint8_t *)buf;
	zs->avail_in = (uint32_t)len;
	zs->end_of_stream = end;
	for (;;) {
		zs->next_out = s->zout + s->zout_len;
		zs->avail_out = (uint32_t)(ACI_BUF_SIZE - s->zout_len);
		if (isal_deflate(zs) != COMP_OK)
			return sink_fail(s, EIO, "gzip compression failed");
		s->zout_len = ACI_BUF_SIZE - zs->avail_out;
		if (s->zout_len == ACI_BUF_SIZE ||
		    (end && zs->internal_state.state == ZSTATE_END)) {
			if ((r = write_all(s, s->zout, s->zout_len)) < 0)
				return r;
			s->zout_len = 0;
		}
		if (end ? zs->internal_state.state == ZSTATE_END
		        : zs->avail_in == 0 && zs->avail_out > 0)
			return 0;
	}
}

/* Every tar byte passes here once: hashed for the image ID (ACI-13), then compressed. */
static la_ssize_t sink_write_cb(struct archive *a, void *userdata, const void *buf, size_t len)
{
	struct aci_sink *s = userdata;
	int r = 0;

	if (s->error)
		return -1;
	rkt_sha512_update(s->hash, buf, len);
	s->tar_size += len;
	switch (s->compression) {
	case RKT_COMPRESSION_NONE:
		r = write_all(s, buf, len);
		break;
	case RKT_COMPRESSION_GZIP:
		r = deflate_chunk(s, buf, len, false);
		break;
	default:
		if (archive_write_data(s->comp, buf, len) < 0)
			r = sink_fail(s, archive_errno(s->comp) > 0 ? archive_errno(s->comp) : EIO,
			              aci_archive_error(s->comp));
		break;
	}
	if (r < 0) {
		archive_set_error(a, -r, "%s", s->err ? s->err->msg : "write error");
		return -1;
	}
	return (la_ssize_t)len;
}

static int open_tmpfile(struct aci_sink *s)
{
	int fd;

	/* O_TMPFILE: nothing to clean up after a crash. Not every file system has it. */
	fd = openat(s->dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
	if (fd >= 0) {
		s->fd = fd;
		return 0;
	}
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL && errno != ENOENT)
		return sink_fail(s, errno, strerror(errno));
	for (int tries = 0; tries < 100; tries++) {
		uint32_t rnd = 0;

		if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
			rnd = (uint32_t)rand();
		free(s->tmp_name);
		s->tmp_name = xasprintf(".%s.%08x.tmp", s->base, rnd);
		fd = openat(s->dir_fd, s->tmp_name,
		            O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0) {
			s->fd = fd;
			return 0;
		}
		if (errno != EEXIST)
			break;
	}
	s->tmp_name = (free(s->tmp_name), NULL);
	return sink_fail(s, errno, strerror(errno));
}

int aci_sink_open(struct aci_sink *s, const char *out, const struct rkt_aci_build_opts *opts,
                  struct rkt_error *err)
{
	_cleanup_free_ char *dir = NULL;
	const char *slash = strrchr(out, '/');
	struct stat st;
	int r;

	*s = (struct aci_sink){ .out = out, .dir_fd = -EBADF, .fd = -EBADF, .err = err };
	s->overwrite = opts->overwrite;
	s->compression = opts->compression;
	if ((unsigned)s->compression >= _RKT_COMPRESSION_MAX)
		return rkt_error_set(err, EINVAL, "write '%s': unknown compression", out);
	r = rkt_archive_load(err);
	if (r < 0)
		return rkt_error_wrap(err, r, "write '%s'", out);
	if (slash) {
		dir = xstrndup(out, (size_t)(slash - out));
		s->base = xstrdup(slash + 1);
	} else {
		s->base = xstrdup(out);
	}
	if (s->base[0] == '\0' || strcmp(s->base, ".") == 0 || strcmp(s->base, "..") == 0)
		return rkt_error_set(err, EINVAL, "write '%s': not a file name", out);
	s->dir_fd = open(dir ? (dir[0] ? dir : "/") : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dir_fd < 0)
		return sink_fail(s, errno, strerror(errno));
	/* Fail before doing the work; the final link is what makes the check race-free. */
	if (!s->overwrite && fstatat(s->dir_fd, s->base, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return sink_fail(s, EEXIST, "file exists");
	if (open_tmpfile(s) < 0)
		return s->error;
	(void)posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	s->hash = rkt_sha512_new();
	s->entry = archive_entry_new();

	switch (s->compression) {
	case RKT_COMPRESSION_NONE:
		break;
	case RKT_COMPRESSION_GZIP:
		s->zs = xzalloc(sizeof(*s->zs));
		isal_deflate_init(s->zs);
		s->level_buf = xmalloc(GZIP_LEVEL_BUF);
		s->zs->level = GZIP_LEVEL;
		s->zs->level_buf = s->level_buf;
		s->zs->level_buf_size = GZIP_LEVEL_BUF;
		/* ISA-L's own header: mtime 0, no name, so the bytes depend on content only. */
		s->zs->gzip_flag = IGZIP_GZIP;
		s->zout = xmalloc(ACI_BUF_SIZE);
		break;
	default: {
		struct archive_entry *e = archive_entry_new();

		/* libarchive compresses the tar we hand it as the one "file" of a raw-format
		 * archive; its filters are deterministic for a given level. */
		s->comp = archive_write_new();
		if (!s->comp || !e)
			abort();
		r = s->compression == RKT_COMPRESSION_BZIP2
		            ? archive_write_add_filter_bzip2(s->comp)
		    : s->compression == RKT_COMPRESSION_XZ ? archive_write_add_filter_xz(s->comp)
		                                           : archive_write_add_filter_zstd(s->comp);
		if (r == ARCHIVE_OK)
			r = archive_write_set_format_raw(s->comp);
		/* No padding of the last block: zeros after the compressed stream are garbage. */
		if (r == ARCHIVE_OK)
			r = archive_write_set_bytes_per_block(s->comp, ACI_BUF_SIZE);
		if (r == ARCHIVE_OK)
			r = archive_write_set_bytes_in_last_block(s->comp, 1);
		if (r == ARCHIVE_OK)
			r = archive_write_open_fd(s->comp, s->fd);
		archive_entry_set_pathname(e, "aci");
		archive_entry_set_filetype(e, AE_IFREG);
		if (r == ARCHIVE_OK)
			r = archive_write_header(s->comp, e);
		archive_entry_free(e);
		if (r != ARCHIVE_OK)
			return sink_fail(s, EIO, aci_archive_error(s->comp));
		break;
	}
	}

	s->tar = archive_write_new();
	if (!s->tar)
		abort();
	/* pax keeps xattrs (ACI-6); "restricted" adds extended headers only where ustar cannot
	 * say it, like Go's tar writer. Records are not padded to 10 KiB: the stream ends with
	 * the two zero blocks, as the reference actool writes it. */
	if (archive_write_set_format_pax_restricted(s->tar) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(s->tar, ACI_BUF_SIZE) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(s->tar, 1) != ARCHIVE_OK ||
	    archive_write_open(s->tar, s, NULL, sink_write_cb, NULL) != ARCHIVE_OK)
		return sink_fail(s, EIO, aci_archive_error(s->tar));
	return 0;
}

static int archive_fail(struct aci_sink *s, struct archive *a, const char *path)
{
	char buf[256], msg[512];

	if (s->error)
		return s->error;
	(void)snprintf(msg, sizeof(msg), "entry '%s': %s", aci_printable(path, buf, sizeof(buf)),
	               aci_archive_error(a));
	return sink_fail(s, archive_errno(a) > 0 ? archive_errno(a) : EIO, msg);
}

int aci_sink_add_header(struct aci_sink *s, struct archive_entry *entry, const char *path,
                        struct rkt_error *err)
{
	if (archive_write_header(s->tar, entry) < ARCHIVE_WARN)
		return archive_fail(s, s->tar, path);
	return 0;
}

int aci_sink_write_data(struct aci_sink *s, const void *buf, size_t len, const char *path,
                        struct rkt_error *err)
{
	if (archive_write_data(s->tar, buf, len) < 0)
		return archive_fail(s, s->tar, path);
	return 0;
}

int aci_sink_add_manifest(struct aci_sink *s, const char *json, int64_t mtime,
                          struct rkt_error *err)
{
	struct archive_entry *e = s->entry;
	size_t len = strlen(json);
	int r;

	archive_entry_clear(e);
	archive_entry_set_pathname(e, "manifest");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_mtime(e, mtime, 0);
	archive_entry_set_size(e, (la_int64_t)len);
	if ((r = aci_sink_add_header(s, e, "manifest", err)) < 0)
		return r;
	return aci_sink_write_data(s, json, len, "manifest", err);
}

static int publish(struct aci_sink *s)
{
	int r;

	if (!s->tmp_name) {
		if (!s->overwrite) {
			/* linking never replaces: EEXIST if OUT appeared meanwhile. */
			r = rkt_link_fd_at(s->fd, s->dir_fd, s->base);
			return r < 0 ? sink_fail(s, -r, strerror(-r)) : 0;
		}
		for (int tries = 0;; tries++) {
			uint32_t rnd = 0;

			if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
				rnd = (uint32_t)rand();
			s->tmp_name = xasprintf(".%s.%08x.tmp", s->base, rnd);
			r = rkt_link_fd_at(s->fd, s->dir_fd, s->tmp_name);
			if (r == 0)
				break;
			s->tmp_name = (free(s->tmp_name), NULL);
			if (r != -EEXIST || tries >= 100)
				return sink_fail(s, -r, strerror(-r));
		}
	}
	if (s->overwrite) {
		if (renameat(s->dir_fd, s->tmp_name, s->dir_fd, s->base) < 0)
			return sink_fail(s, errno, strerror(errno));
	} else if (renameat2(s->dir_fd, s->tmp_name, s->dir_fd, s->base, RENAME_NOREPLACE) < 0) {
		/* Some file systems lack RENAME_NOREPLACE; link() has the same semantics. */
		if (errno != EINVAL && errno != ENOSYS)
			return sink_fail(s, errno, strerror(errno));
		if (linkat(s->dir_fd, s->tmp_name, s->dir_fd, s->base, 0) < 0)
			return sink_fail(s, errno, strerror(errno));
		(void)unlinkat(s->dir_fd, s->tmp_name, 0);
	}
	s->tmp_name = (free(s->tmp_name), NULL);
	return 0;
}

int aci_sink_commit(struct aci_sink *s, char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err)
{
	int r;

	if (archive_write_close(s->tar) != ARCHIVE_OK)
		return archive_fail(s, s->tar, "end of archive");
	if (s->compression == RKT_COMPRESSION_GZIP) {
		if ((r = deflate_chunk(s, NULL, 0, true)) < 0)
			return r;
	} else if (s->comp && archive_write_close(s->comp) != ARCHIVE_OK) {
		return archive_fail(s, s->comp, "end of archive");
	}
	if (fsync(s->fd) < 0)
		return sink_fail(s, errno, strerror(errno));
	if ((r = publish(s)) < 0)
		return r;
	s->committed = true;
	/* The rename is durable only once the directory is. */
	(void)fsync(s->dir_fd);
	rkt_sha512_final_id(s->hash, ret_id);
	return 0;
}

void aci_sink_release(struct aci_sink *s)
{
	if (s->tar)
		archive_write_free(s->tar);
	if (s->comp)
		archive_write_free(s->comp);
	s->tar = s->comp = NULL;
	if (s->entry)
		archive_entry_free(s->entry);
	s->entry = NULL;
	if (s->tmp_name && !s->committed && s->dir_fd >= 0)
		(void)unlinkat(s->dir_fd, s->tmp_name, 0);
	s->tmp_name = (free(s->tmp_name), NULL);
	if (s->fd >= 0)
		(void)close(s->fd);
	if (s->dir_fd >= 0)
		(void)close(s->dir_fd);
	s->fd = s->dir_fd = -EBADF;
	free(s->base);
	free(s->zs);
	free(s->level_buf);
	free(s->zout);
	s->base = NULL;
	s->zs = NULL;
	s->level_buf = s->zout = NULL;
	s->hash = rkt_sha512_free(s->hash);
}
