/* Partial downloads kept in cas/tmp so that an interrupted fetch of a URL can be resumed
 * (rkt/rkt Documentation/image-fetching-behavior.md), and updating a URL's cache record without an
 * import. */
#include "store/store-internal.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/io.h"
#include "util/xalloc.h"

/* An ETag is a short quoted string; anything longer in the side file is not ours. */
#define ETAG_MAX 1024

static void download_key(const char *url, char name[RKT_STORE_DOWNLOAD_NAME_SIZE])
{
	struct rkt_sha512 *h = rkt_sha512_new();
	char id[RKT_IMAGE_ID_SIZE];

	rkt_sha512_update(h, url, strlen(url));
	rkt_sha512_final_id(h, id);
	rkt_sha512_free(h);
	/* 128 bits of the URL's hash: a name, not a security boundary (the body is checked by
	 * its signature and the import). */
	(void)snprintf(name, RKT_STORE_DOWNLOAD_NAME_SIZE, "%s%.32s", RKT_STORE_DOWNLOAD_PREFIX,
	               id + 7);
}

static char *read_etag(int tmp_fd, const char *name)
{
	_cleanup_free_ char *path = xasprintf("%s.etag", name);
	_cleanup_close_ int fd = openat(tmp_fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char buf[ETAG_MAX + 1];
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf));
	if (n <= 0 || n > ETAG_MAX || memchr(buf, '\0', (size_t)n))
		return NULL;
	return xstrndup(buf, (size_t)n);
}

/* Whether NAME in DIR_FD is still the file ST describes. */
static bool same_file_at(int dir_fd, const char *name, const struct stat *st)
{
	struct stat now;

	return fstatat(dir_fd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 && now.st_dev == st->st_dev &&
	       now.st_ino == st->st_ino;
}

int rkt_store_download_open(struct rkt_store *s, const char *url, struct rkt_store_download *ret,
                            struct rkt_error *err)
{
	struct rkt_store_download d = { .fd = -EBADF };
	struct stat st;

	download_key(url, d.name);
	for (;;) {
		_cleanup_close_ int fd =
		        openat(s->tmp_fd, d.name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

		if (fd < 0)
			return rkt_error_set(err, errno, "store: open partial download of '%s'",
			                     url);
		/* Another fetch of the same URL may be writing it: wait for it. */
		while (flock(fd, LOCK_EX) < 0)
			if (errno != EINTR)
				return rkt_error_set(err, errno, "store: lock partial download");
		if (fstat(fd, &st) < 0)
			return rkt_error_set(err, errno, "store: stat partial download");
		/* That fetch finished and removed the name: start a new file. The file may live
		 * on as a blob (rkt_store_import_opts.adopt), so the name is what counts. */
		if (!same_file_at(s->tmp_fd, d.name, &st))
			continue;
		d.fd = TAKE_FD(fd);
		break;
	}
	d.etag = st.st_size > 0 ? read_etag(s->tmp_fd, d.name) : NULL;
	*ret = d;
	return 0;
}

int rkt_store_download_set_etag(struct rkt_store *s, struct rkt_store_download *d, const char *etag,
                                struct rkt_error *err)
{
	_cleanup_free_ char *path = xasprintf("%s.etag", d->name);
	_cleanup_free_ char *tmp = xasprintf("%s.etag.new", d->name);
	_cleanup_close_ int fd = -EBADF;
	int r;

	free(d->etag);
	d->etag = etag ? xstrdup(etag) : NULL;
	if (!etag) {
		if (unlinkat(s->tmp_fd, path, 0) < 0 && errno != ENOENT)
			return rkt_error_set(err, errno, "store: remove '%s'", path);
		return 0;
	}
	fd = openat(s->tmp_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return rkt_error_set(err, errno, "store: create '%s'", tmp);
	r = rkt_write_all(fd, etag, strlen(etag));
	if (r < 0)
		return rkt_error_set(err, -r, "store: write '%s'", tmp);
	if (renameat(s->tmp_fd, tmp, s->tmp_fd, path) < 0)
		return rkt_error_set(err, errno, "store: rename '%s'", tmp);
	return 0;
}

void rkt_store_download_remove(struct rkt_store *s, struct rkt_store_download *d)
{
	_cleanup_free_ char *path = xasprintf("%s.etag", d->name);

	/* The body last: while it exists, its lock says who owns the pair. */
	(void)unlinkat(s->tmp_fd, path, 0);
	(void)unlinkat(s->tmp_fd, d->name, 0);
}

void rkt_store_download_release(struct rkt_store_download *d)
{
	if (d->fd >= 0)
		close(d->fd);
	free(d->etag);
	d->fd = -EBADF;
	d->etag = NULL;
}

bool rkt_store_sweep_download(struct rkt_store *s, const char *name)
{
	size_t plen = strlen(RKT_STORE_DOWNLOAD_PREFIX), len = strlen(name);
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *etag = NULL;

	if (len < plen || strncmp(name, RKT_STORE_DOWNLOAD_PREFIX, plen) != 0)
		return false;
	if (strchr(name, '.'))
		return false; /* the side files go with their body */
	fd = openat(s->tmp_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
		return false;
	etag = xasprintf("%s.etag", name);
	(void)unlinkat(s->tmp_fd, etag, 0);
	return unlinkat(s->tmp_fd, name, 0) == 0;
}

int rkt_store_put_remote(struct rkt_store *s, const struct rkt_remote *rem, struct rkt_error *err)
{
	int r = rkt_index_begin(s->db, err);

	if (r < 0)
		return r;
	return rkt_index_end(s->db, rkt_index_put_remote(s->db, rem, err), err);
}
