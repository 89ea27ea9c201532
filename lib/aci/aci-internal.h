/* Internals shared by the ACI reader and writers: the decompressing, hashing input stream and
 * the hashing, compressing, atomically published output. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "aci/aci.h"

/* Big buffers: one read()/write() per MiB keeps syscall and callback overhead out of the
 * profile, which is then sha512 and (de)compression only. */
#define ACI_BUF_SIZE (1024 * 1024)
/* Hostile archives must not make us allocate or loop without bound. PATH_MAX-long names are
 * enough for any real rootfs; two million entries is ten times a full distribution. */
#define ACI_MAX_NAME     4096
#define ACI_MAX_ENTRIES  (2 * 1024 * 1024)
#define ACI_MAX_MANIFEST (1024 * 1024)

struct inflate_state;
struct aci_pipe;

/* The uncompressed tar stream of an ACI, read from an fd. Every byte handed out has been
 * added to HASH first, so the image ID covers exactly what the tar reader saw plus what
 * aci_source_drain() reads after the end-of-archive entry (ACI-13). */
struct aci_source {
	int fd;
	const char *what;
	enum rkt_compression compression;
	bool hash_id;            /* an ID is wanted */
	struct rkt_sha512 *hash; /* the digest of what was handed out (NULL: no ID wanted) */
	struct aci_pipe *pipe;   /* reading in a second thread (opts->read_thread) */
	uint64_t tar_size;
	uint64_t raw_size; /* bytes read from FD */
	/* Compression bombs (container layers): a tar stream longer than this is refused (0: no
	 * limit). A bound on size, not on ratio: real layers of zeros expand 1000 times. */
	uint64_t max_tar;
	struct rkt_error *err;
	int error; /* first error as -errno, also recorded in ERR */
	/* the raw tee of struct rkt_aci_read_opts (NULL if none) */
	int (*on_raw)(void *userdata, const void *buf, size_t len, struct rkt_error *err);
	void *raw_userdata;

	uint8_t *in; /* compressed (or, for NONE, plain) input: IN_BUF, or with a pipe a slot */
	size_t in_len, in_off;
	bool in_eof;
	uint8_t *in_buf; /* ACI_BUF_SIZE bytes; the pipe's reading thread takes it over */

	struct inflate_state *inflate;                            /* gzip */
	enum { ACI_GZ_HEADER, ACI_GZ_BODY, ACI_GZ_END } gz_state; /* of the current member */
	uint8_t *out;

	struct archive *raw; /* bzip2, xz, zstd: libarchive's raw format plus a filter */
};

/* Reads the first bytes of FD and detects the compression (ACI-9). Without HASH_ID, nothing
 * is hashed. */
int aci_source_open(struct aci_source *src, int fd, const char *what, bool hash_id,
                    const struct rkt_aci_read_opts *opts, struct rkt_error *err);
/* Next piece of the tar stream: > 0 bytes at *RET_BUF, 0 at the end, or -errno. */
ssize_t aci_source_read(struct aci_source *src, const void **ret_buf);
/* Finishes the hash and writes the ID; only once. */
void aci_source_final_id(struct aci_source *src, char ret[RKT_IMAGE_ID_SIZE]);
/* Reads (and hashes) the rest of the stream. */
int aci_source_drain(struct aci_source *src);
/* Reads the rest of the fd for the raw tee, discarding it (after aci_source_drain()). */
int aci_source_drain_raw(struct aci_source *src);
/* A tar reader (tar format only, no filter) reading from SRC. */
int aci_source_open_tar(struct aci_source *src, struct archive **ret, struct rkt_error *err);
void aci_source_release(struct aci_source *src);

/* An ACI being written: pax tar -> sha512 -> compression -> temporary file next to OUT,
 * published by aci_sink_commit() (fsync, link or rename) or dropped by aci_sink_release(). */
struct aci_sink {
	const char *out;
	int dir_fd;
	char *base;
	int fd;
	char *tmp_name; /* named temporary file when O_TMPFILE is not available */
	bool overwrite;
	bool committed;
	enum rkt_compression compression;
	struct rkt_sha512 *hash;
	uint64_t tar_size;
	struct rkt_error *err;
	int error;

	struct archive *tar;
	struct archive_entry *entry; /* scratch entry, reused */

	struct isal_zstream *zs; /* gzip */
	uint8_t *level_buf;
	uint8_t *zout;
	size_t zout_len;

	struct archive *comp; /* bzip2, xz, zstd */
};

int aci_sink_open(struct aci_sink *s, const char *out, const struct rkt_aci_build_opts *opts,
                  struct rkt_error *err);
/* Writes the manifest entry (mode 0644, owned by 0:0, like the reference actool). */
int aci_sink_add_manifest(struct aci_sink *s, const char *json, int64_t mtime,
                          struct rkt_error *err);
/* Writes ENTRY's header; the caller then writes its data with aci_sink_write_data(). */
int aci_sink_add_header(struct aci_sink *s, struct archive_entry *entry, const char *path,
                        struct rkt_error *err);
int aci_sink_write_data(struct aci_sink *s, const void *buf, size_t len, const char *path,
                        struct rkt_error *err);
int aci_sink_commit(struct aci_sink *s, char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err);
void aci_sink_release(struct aci_sink *s);

/* Writes NAME into BUF (SIZE bytes) for use in a message: at most 200 bytes, control
 * characters replaced, because names come from untrusted archives and end up on terminals. */
const char *aci_printable(const char *name, char *buf, size_t size);
/* libarchive's message for the last error, never NULL. */
const char *aci_archive_error(struct archive *a);

/* Cleans an archive path into OUT (ACI_MAX_NAME + 1 bytes): no "./", empty or "." components,
 * no trailing "/"; ".." anywhere and absolute names are refused (NULL, *RET_REASON says why).
 * The archive root is ".". */
const char *aci_clean_path(const char *name, char *out, const char **ret_reason);
