/* Copying a stored ACI out of the store, atomically. */
#include "store/store-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aci/aci.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static int copy_fd(int in, int out)
{
	char buf[1 << 16];
	ssize_t n;

	for (;;) {
		n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
		if (n == 0)
			return 0;
		if (n < 0)
			break;
	}
	if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
		return -errno;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		for (ssize_t done = 0; done < n;) {
			ssize_t m = write(out, buf + done, (size_t)(n - done));
			if (m < 0)
				return -errno;
			done += m;
		}
	return n < 0 ? -errno : 0;
}

static int write_all(void *userdata, const void *buf, size_t len, struct rkt_error *err)
{
	int fd = *(int *)userdata;

	for (size_t done = 0; done < len;) {
		ssize_t m = write(fd, (const char *)buf + done, len - done);
		if (m < 0)
			return rkt_error_set(err, errno, "write");
		done += (size_t)m;
	}
	return 0;
}

/* An image made of container layers has no ACI: one is built from its tree (manifest and
 * rootfs, rendered once at import), gzip-compressed as fetched ACIs usually are. Its ID is the
 * ACI's own, not the image's (which hashes the layers). */
static int export_tree(struct rkt_store *s, const char *id, const char *out, bool overwrite,
                       struct rkt_error *err)
{
	_cleanup_close_ int tree_fd = -EBADF;
	_cleanup_free_ char *dir = NULL;
	struct rkt_aci_build_opts o = { .compression = RKT_COMPRESSION_GZIP,
		                        .overwrite = overwrite };
	char built[RKT_IMAGE_ID_SIZE];
	int r = rkt_store_open_tree(s, id, &tree_fd, err);

	if (r < 0)
		return r;
	dir = xasprintf("/proc/self/fd/%d", tree_fd);
	r = rkt_aci_build(dir, out, &o, built, err);
	return r < 0 ? rkt_error_wrap(err, r, "image '%s'", id) : 0;
}

int rkt_store_export(struct rkt_store *s, const char *id, const char *out, bool overwrite,
                     struct rkt_error *err)
{
	_cleanup_close_ int in = -EBADF, tmp_fd = -EBADF;
	_cleanup_free_ char *tmp = xasprintf("%s.XXXXXX", out);
	struct stat st;
	int r;

	if (!overwrite && lstat(out, &st) == 0)
		return rkt_error_set(err, EEXIST, "'%s' exists (use --overwrite to replace it)",
		                     out);
	r = rkt_store_is_layered(s, id, err);
	if (r > 0)
		return export_tree(s, id, out, overwrite, err);
	if (r < 0)
		return r;
	r = rkt_store_open_blob(s, id, &in, err);
	if (r < 0)
		return r;
	tmp_fd = mkostemp(tmp, O_CLOEXEC);
	if (tmp_fd < 0)
		return rkt_error_set(err, errno, "create a file next to '%s'", out);
	/* The blob is read as an ACI and copied in the same pass, so that what we hand out is
	 * checked against its ID: a blob changed on disk must not pass for the image. */
	struct rkt_aci_read_opts ro = { .on_raw = write_all, .raw_userdata = &tmp_fd };
	_cleanup_(rkt_aci_info_releasep) struct rkt_aci_info info = { 0 };
	_cleanup_free_ char *what = xasprintf("stored image %s", id);
	r = rkt_aci_read(in, what, &ro, &info, err);
	if (r >= 0 && strcmp(info.id, id) != 0)
		r = rkt_error_set(err, EBADMSG,
		                  "stored image %s no longer matches its ID (it hashes to %s)", id,
		                  info.id);
	if (r < 0) {
		(void)unlink(tmp);
		return rkt_error_wrap(err, r, "'%s' not written", out);
	}
	r = copy_fd(in, tmp_fd); /* whatever follows the compressed stream, as stored */
	if (r >= 0 && (fchmod(tmp_fd, 0644) < 0 || fsync(tmp_fd) < 0))
		r = -errno;
	if (r >= 0 && renameat2(AT_FDCWD, tmp, AT_FDCWD, out, overwrite ? 0 : RENAME_NOREPLACE) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlink(tmp);
		return rkt_error_set(err, r, "write '%s'", out);
	}
	return 0;
}
