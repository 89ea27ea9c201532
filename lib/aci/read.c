#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aci/archive-api.h"
#include "aci/aci-internal.h"
#include "util/cleanup.h"
#include "util/strset.h"
#include "util/xalloc.h"

RKT_DEFINE_CLEANUP(struct archive *, archive_read_free);

struct reader {
	struct aci_source src;
	const struct rkt_aci_read_opts *opts;
	const char *what;
	struct rkt_strset *seen; /* cleaned path -> AE_IF* type */
	uint64_t n_entries;
	bool have_rootfs;
	struct rkt_image_manifest *manifest;
	char *manifest_raw;
	size_t manifest_len;
	char clean[ACI_MAX_NAME + 1];
	char clean_link[ACI_MAX_NAME + 1];
};

static int entry_fail(struct reader *rd, int code, const char *name, const char *reason,
                      struct rkt_error *err)
{
	char buf[256];

	return rkt_error_set(err, code, "%s: entry '%s': %s", rd->what,
	                     aci_printable(name, buf, sizeof(buf)), reason);
}

/* Cleans an archive path the way Go's filepath.Clean compares names (ACI-2, ACI-4): no
 * leading "./", no empty or "." components, no trailing "/". Unlike Clean, a ".." is refused
 * wherever it is rather than resolved (ACI-7): "rootfs/a/../b" may be harmless, but nothing
 * writes such names, and extraction code must never have to reason about them. An empty
 * result is ".", the archive root. */
const char *aci_clean_path(const char *name, char *out, const char **ret_reason)
{
	size_t n = 0;
	const char *p = name;

	if (*p == '\0') {
		*ret_reason = "empty name";
		return NULL;
	}
	if (*p == '/') {
		*ret_reason = "absolute path";
		return NULL;
	}
	while (*p) {
		const char *c = p;
		size_t len;

		while (*p && *p != '/')
			p++;
		len = (size_t)(p - c);
		while (*p == '/')
			p++;
		if (len == 0 || (len == 1 && c[0] == '.'))
			continue;
		if (len == 2 && c[0] == '.' && c[1] == '.') {
			*ret_reason = "path leaves the image";
			return NULL;
		}
		if (n + len + 1 > ACI_MAX_NAME) {
			*ret_reason = "name too long";
			return NULL;
		}
		if (n > 0)
			out[n++] = '/';
		memcpy(out + n, c, len);
		n += len;
	}
	if (n == 0)
		out[n++] = '.';
	out[n] = '\0';
	return out;
}

static bool under_rootfs(const char *path)
{
	return strncmp(path, "rootfs/", 7) == 0;
}

static int read_manifest(struct reader *rd, struct archive *a, struct archive_entry *entry,
                         const char *name, struct rkt_error *err)
{
	_cleanup_free_ char *buf = NULL, *what = NULL;
	int64_t size = archive_entry_size(entry);
	size_t got = 0;
	int r;

	if (size < 0 || size > ACI_MAX_MANIFEST)
		return entry_fail(rd, EINVAL, name, "manifest is larger than 1 MiB", err);
	buf = xmalloc((size_t)size + 1);
	while (got < (size_t)size) {
		la_ssize_t n = archive_read_data(a, buf + got, (size_t)size - got);

		if (n < 0) {
			if (rd->src.error)
				return rd->src.error;
			return rkt_error_set(err, EBADMSG, "%s: entry '%s': %s", rd->what, name,
			                     aci_archive_error(a));
		}
		if (n == 0)
			return entry_fail(rd, EBADMSG, name, "truncated", err);
		got += (size_t)n;
	}
	buf[got] = '\0';

	what = xasprintf("manifest in %s", rd->what);
	r = rkt_image_manifest_parse(buf, got, what, &rd->manifest, err);
	if (r < 0) {
		/* A malformed manifest makes the image invalid (ACI-5), whatever the parser
		 * says about the JSON: the archive itself was read fine. */
		if (err)
			err->code = EINVAL;
		return -EINVAL;
	}
	rd->manifest_raw = TAKE_PTR(buf);
	rd->manifest_len = got;
	return 0;
}

static int check_hardlink(struct reader *rd, struct archive_entry *entry, const char *name,
                          const char *target, struct rkt_error *err)
{
	const char *reason = NULL;
	uintptr_t type;
	char buf[256];

	if (strlen(target) > ACI_MAX_NAME)
		return entry_fail(rd, EINVAL, name, "hard link target too long", err);
	if (!aci_clean_path(target, rd->clean_link, &reason) || !under_rootfs(rd->clean_link)) {
		(void)snprintf(buf, sizeof(buf), "hard link target leaves the rootfs");
		return entry_fail(rd, EINVAL, name, buf, err);
	}
	/* ACI-7: a link target is an archive path and must name an earlier entry of this
	 * archive, or an extractor would link to whatever the host has at that path. */
	if (!rkt_strset_get(rd->seen, rd->clean_link, &type))
		return entry_fail(rd, EINVAL, name,
		                  "hard link target is not an earlier entry of the archive", err);
	if (type == AE_IFDIR)
		return entry_fail(rd, EINVAL, name, "hard link to a directory", err);
	archive_entry_copy_hardlink(entry, rd->clean_link);
	return 0;
}

static int check_entry(struct reader *rd, struct archive *a, struct archive_entry *entry,
                       struct rkt_error *err)
{
	const char *name = archive_entry_pathname(entry);
	const char *hardlink = archive_entry_hardlink(entry);
	const char *symlink = archive_entry_symlink(entry);
	mode_t type = archive_entry_filetype(entry);
	const char *reason = NULL, *path;
	int r;

	if (!name)
		return rkt_error_set(err, EINVAL, "%s: entry without a name", rd->what);
	if (++rd->n_entries > ACI_MAX_ENTRIES)
		return rkt_error_set(err, EINVAL, "%s: more than %d entries", rd->what,
		                     ACI_MAX_ENTRIES);
	if (strlen(name) > ACI_MAX_NAME)
		return entry_fail(rd, EINVAL, name, "name too long", err);
	path = aci_clean_path(name, rd->clean, &reason);
	if (!path)
		return entry_fail(rd, EINVAL, name, reason, err);
	if (symlink && strlen(symlink) > ACI_MAX_NAME)
		return entry_fail(rd, EINVAL, name, "symlink target too long", err);

	if (strcmp(path, ".") == 0) {
		/* "tar -C layout ." writes "./" first (ACI-4); it says nothing about the image. */
		if (type != AE_IFDIR || hardlink)
			return entry_fail(rd, EINVAL, name, "archive root is not a directory", err);
		return 0;
	}
	if (strcmp(path, "manifest") == 0) {
		if (type != AE_IFREG || hardlink)
			return entry_fail(rd, EINVAL, name, "manifest is not a regular file", err);
	} else if (strcmp(path, "rootfs") == 0) {
		if (type != AE_IFDIR || hardlink)
			return entry_fail(rd, EINVAL, name, "rootfs is not a directory", err);
		rd->have_rootfs = true;
	} else if (under_rootfs(path)) {
		if (hardlink && (r = check_hardlink(rd, entry, name, hardlink, err)) < 0)
			return r;
		if (rd->opts && rd->opts->refuse_devices && (type == AE_IFCHR || type == AE_IFBLK))
			return entry_fail(rd, EPERM, name, "device nodes are not allowed", err);
	} else {
		/* ACI-3 by path component: "rootfsx" is not under rootfs (ACI-4). */
		return entry_fail(rd, EINVAL, name,
		                  "only 'manifest' and 'rootfs' may exist at the top level", err);
	}

	r = rkt_strset_add(rd->seen, path, hardlink ? AE_IFREG : type);
	if (r == -EEXIST)
		return rkt_error_set(err, EINVAL, "%s: duplicate entry '%s'", rd->what,
		                     aci_printable(path, rd->clean_link, sizeof(rd->clean_link)));

	if (strcmp(path, name) != 0)
		archive_entry_copy_pathname(entry, path);
	if (strcmp(path, "manifest") == 0 && (r = read_manifest(rd, a, entry, name, err)) < 0)
		return r;

	if (rd->opts && rd->opts->on_entry) {
		r = rd->opts->on_entry(rd->opts->userdata, a, entry, path, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int rkt_aci_read(int fd, const char *what, const struct rkt_aci_read_opts *opts,
                 struct rkt_aci_info *ret, struct rkt_error *err)
{
	_cleanup_(rkt_strset_freep) struct rkt_strset *seen = NULL;
	_cleanup_(archive_read_freep) struct archive *a = NULL;
	_cleanup_free_ struct reader *rd = xzalloc(sizeof(*rd));
	struct archive_entry *entry;
	int r;

	rd->opts = opts;
	rd->what = what;
	rd->seen = seen = rkt_strset_new();

	r = aci_source_open(&rd->src, fd, what, !(opts && opts->skip_id), opts, err);
	if (r < 0)
		goto out;
	r = aci_source_open_tar(&rd->src, &a, err);
	if (r < 0)
		goto out;

	for (;;) {
		r = archive_read_next_header(a, &entry);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			r = rd->src.error ? rd->src.error
			                  : rkt_error_set(err, EBADMSG, "%s: %s", what,
			                                  aci_archive_error(a));
			goto out;
		}
		r = check_entry(rd, a, entry, err);
		if (r < 0)
			goto out;
	}
	/* ACI-13: the ID covers the whole stream, including the zero blocks after the end of
	 * the archive and whatever padding the writer added; libarchive stops reading early. */
	r = aci_source_drain(&rd->src);
	if (r >= 0 && opts && opts->on_raw)
		r = aci_source_drain_raw(&rd->src);
	if (r < 0)
		goto out;

	if (!rd->manifest) {
		r = rkt_error_set(err, EINVAL, "%s: no manifest", what);
		goto out;
	}
	if (!rd->have_rootfs) {
		r = rkt_error_set(err, EINVAL, "%s: no 'rootfs' directory entry", what);
		goto out;
	}

	*ret = (struct rkt_aci_info){
		.compression = rd->src.compression,
		.manifest = TAKE_PTR(rd->manifest),
		.manifest_raw = TAKE_PTR(rd->manifest_raw),
		.manifest_len = rd->manifest_len,
		.tar_size = rd->src.tar_size,
		.n_entries = rd->n_entries,
	};
	if (rd->src.hash_id)
		aci_source_final_id(&rd->src, ret->id);
	r = 0;
out:
	/* The tar reader calls into the source, so it goes first. */
	if (a)
		archive_read_free(TAKE_PTR(a));
	aci_source_release(&rd->src);
	rkt_image_manifest_free(rd->manifest);
	free(rd->manifest_raw);
	return r;
}

void rkt_aci_info_release(struct rkt_aci_info *info)
{
	if (!info)
		return;
	info->manifest = rkt_image_manifest_free(info->manifest);
	free(info->manifest_raw);
	info->manifest_raw = NULL;
}
