/* Reading and writing ACIs (docs/conformance.md: ACI-*).
 *
 * Reading is one streaming pass: detect the compression from the first bytes (ACI-9), inflate
 * (gzip through ISA-L, which is about four times faster than zlib; bzip2, xz and zstd through
 * libarchive), hash the uncompressed tar as it goes by (ACI-13), and check every entry against
 * the layout rules (ACI-2..7) before anyone sees it. Nothing is written while reading.
 *
 * Writing builds an ACI from an image layout directory (ACI-16) reproducibly: entries in
 * lexical order, hard links for repeated inodes, pax headers (xattrs kept), optional owner and
 * mtime normalisation; the output appears atomically (temporary file, fsync, rename). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "appc/manifest.h"
#include "util/error.h"
#include "util/hash.h"

struct archive;
struct archive_entry;

enum rkt_compression {
	RKT_COMPRESSION_NONE = 0,
	RKT_COMPRESSION_GZIP,
	RKT_COMPRESSION_BZIP2,
	RKT_COMPRESSION_XZ,
	RKT_COMPRESSION_ZSTD,
	_RKT_COMPRESSION_MAX
};

/* "none", "gzip", "bzip2", "xz", "zstd" */
const char *rkt_compression_name(enum rkt_compression c);
/* From a name as above; -EINVAL if unknown. */
int rkt_compression_from_name(const char *name, enum rkt_compression *ret);
/* ACI-9: from the magic bytes of HEAD (at least 262 bytes when available: a plain tar is
 * recognised by "ustar" at offset 257). -EINVAL if it is none of them. */
int rkt_compression_detect(const void *head, size_t len, enum rkt_compression *ret);

/* Called for each entry once it has passed the layout checks. PATH is the cleaned archive
 * path ("manifest", "rootfs", "rootfs/etc/hostname"); A is positioned at the entry's data,
 * which the callback may read with archive_read_data*(); what it leaves unread is skipped.
 * Returning < 0 aborts the read with that error. */
typedef int (*rkt_aci_entry_fn)(void *userdata, struct archive *a, struct archive_entry *entry,
                                const char *path, struct rkt_error *err);

struct rkt_aci_read_opts {
	rkt_aci_entry_fn on_entry; /* may be NULL */
	void *userdata;
	/* Refuse entries that a store must not import (device nodes); ACIs may carry them. */
	bool refuse_devices;
	/* Skip the sha512 (info->id is left empty): for validation that, like actool validate,
	 * does not report the ID; hashing is most of the cost of reading. */
	bool skip_id;
	/* Read and decompress in a second thread while this one hashes and checks the tar, so
	 * that the two run on separate cores (actool validate). The thread lives only inside
	 * rkt_aci_read, and reads FD from there on (whatever it is: file, pipe, socket); if it
	 * cannot be started, the read fails. Ignored with on_raw, which is then called in the
	 * caller's thread as always. */
	bool read_thread;
	/* Sees every byte read from FD, as read (still compressed), before it is decompressed:
	 * lets a store write the blob in the same pass that checks and extracts the image.
	 * Returning < 0 aborts the read with that error. May be NULL. */
	int (*on_raw)(void *userdata, const void *buf, size_t len, struct rkt_error *err);
	void *raw_userdata;
};

struct rkt_aci_info {
	char id[RKT_IMAGE_ID_SIZE]; /* sha512 of the uncompressed tar, whole stream */
	enum rkt_compression compression;
	struct rkt_image_manifest *manifest; /* parsed and validated */
	char *manifest_raw;                  /* the manifest bytes as stored in the archive */
	size_t manifest_len;
	uint64_t tar_size; /* bytes of uncompressed tar */
	uint64_t n_entries;
};

/* Reads the ACI from FD (from its current offset to EOF) in one pass. WHAT names the input in
 * errors ("'busybox.aci'"); an error about an entry names the entry. Returns 0 and fills
 * *ret, or -EINVAL (layout or manifest), -EBADMSG (corrupt or truncated archive or
 * compression), or another -errno for I/O. OPTS may be NULL. */
int rkt_aci_read(int fd, const char *what, const struct rkt_aci_read_opts *opts,
                 struct rkt_aci_info *ret, struct rkt_error *err);
void rkt_aci_info_release(struct rkt_aci_info *info);
static inline void rkt_aci_info_releasep(struct rkt_aci_info *info)
{
	rkt_aci_info_release(info);
}

struct rkt_aci_build_opts {
	enum rkt_compression compression; /* NONE, GZIP (ISA-L), BZIP2 or XZ */
	bool overwrite;                   /* replace OUT if it exists */
	bool owner_root;                  /* every entry owned by 0:0 */
	bool normalize_mtime;             /* every entry gets MTIME */
	int64_t mtime;
};

/* Builds OUT from the image layout DIR (DIR/manifest + DIR/rootfs). The manifest is validated
 * and written as the first entry, reserialized like the reference actool does (ACI-16);
 * rootfs is walked in lexical order; sockets are skipped. Writes the image ID to RET_ID.
 * -EEXIST if OUT exists and !overwrite. Nothing is left at OUT on failure. */
int rkt_aci_build(const char *dir, const char *out, const struct rkt_aci_build_opts *opts,
                  char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err);

/* Copies the ACI read from IN_FD to OUT with its manifest replaced by MANIFEST (validated
 * first), compressed as OPTS->compression. Same atomicity and -EEXIST rule as build. */
int rkt_aci_rewrite_manifest(int in_fd, const char *what, const char *out,
                             const struct rkt_image_manifest *manifest,
                             const struct rkt_aci_build_opts *opts, char ret_id[RKT_IMAGE_ID_SIZE],
                             struct rkt_error *err);
