/* The image store: a content-addressed store of ACIs under the data dir (rkt/rkt
 * Documentation/subcommands/image.md), with an SQLite index and a tree store of extracted root
 * filesystems.
 *
 * Layout under DIR (default /var/lib/rkt), documented in docs/store.md:
 *   cas/lock                              flock: SH for every store user, EX for rm/gc/sweeps
 *   cas/db/index.sqlite                   the index (WAL), schema version in PRAGMA user_version
 *   cas/blob/sha512/<xx>/sha512-<128hex>  the ACI exactly as fetched (its compression kept)
 *   cas/tree/sha512-<128hex>/             the image extracted: manifest, rootfs/, hash
 *   cas/tmp/<import>/                     one directory per running import, flock'ed by it
 *
 * Imports are atomic and one pass: rkt_aci_read() reads the ACI once, its raw tee writing the
 * temporary blob while its per-entry callback extracts the temporary tree; then the caller's
 * signature hook, then blob and tree are renamed into place and the index row is inserted in one
 * transaction. A killed import leaves only its tmp directory, which the next store user removes
 * once its lock is free; blobs and trees without an index row are removed under the exclusive lock.
 * Image IDs are full ("sha512-" + 128 hex digits, TYPE-6); users may give any unique prefix. No
 * function here prints; every function may block on the store locks. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "aci/aci.h"
#include "appc/manifest.h"
#include "util/error.h"
#include "util/hash.h"

struct rkt_store;

/* Opens (creating if needed) the store under DIR and takes the shared store lock. Sweeps the
 * leftovers of killed imports. -EPROTONOSUPPORT if the index is newer than this program. */
int rkt_store_open(const char *dir, struct rkt_store **ret, struct rkt_error *err);
struct rkt_store *rkt_store_free(struct rkt_store *s);
RKT_DEFINE_CLEANUP(struct rkt_store *, rkt_store_free)

/* One index row (table images). Times are nanoseconds since the epoch. */
struct rkt_image_info {
	char id[RKT_IMAGE_ID_SIZE];
	char *name;
	struct rkt_kv_list labels;
	int64_t import_time;
	int64_t last_used;
	bool latest;
	uint64_t size;      /* bytes of the blob */
	uint64_t tree_size; /* bytes of the extracted tree */
	unsigned insecure_options;
	char *origin; /* where it came from ("docker://...", "oci:DIR:TAG"), or NULL */
};
void rkt_image_info_release(struct rkt_image_info *info);
void rkt_image_info_array_free(struct rkt_image_info *infos, size_t n);

/* Every image, in import order. */
int rkt_store_list(struct rkt_store *s, struct rkt_image_info **ret, size_t *ret_n,
                   struct rkt_error *err);
/* Resolves a full ID or a unique prefix ("sha512-abc", "abc", at least one hex digit) to the
 * full ID. -ENOENT if nothing matches, -ENOTUNIQ if several do, -EINVAL if it is no ID. */
int rkt_store_resolve(struct rkt_store *s, const char *id_or_prefix, char ret_id[RKT_IMAGE_ID_SIZE],
                      struct rkt_error *err);
int rkt_store_get_info(struct rkt_store *s, const char *id, struct rkt_image_info *ret,
                       struct rkt_error *err);
/* The manifest bytes as stored in the ACI (new string in *ret). -ENOENT if unknown. */
int rkt_store_get_manifest(struct rkt_store *s, const char *id, char **ret, struct rkt_error *err);
/* REN-2/DISC-14: the image called NAME whose labels include every one of LABELS; without a
 * "version" label an image fetched as latest is preferred, then the newest import. -ENOENT. */
int rkt_store_find_by_name(struct rkt_store *s, const char *name, const struct rkt_kv_list *labels,
                           char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err);
/* Opens the blob read-only (O_CLOEXEC) and marks the image as used now. */
int rkt_store_open_blob(struct rkt_store *s, const char *id, int *ret_fd, struct rkt_error *err);
/* Opens the extracted tree directory (O_DIRECTORY|O_CLOEXEC). -ENOENT if not extracted. */
int rkt_store_open_tree(struct rkt_store *s, const char *id, int *ret_fd, struct rkt_error *err);

/* Signature hook, called during an import before anything is published: FD is the ACI as
 * fetched (seekable, offset 0; the signature covers these bytes), INFO what rkt_aci_read found
 * (manifest name and labels choose the keyring,
 * rkt/rkt Documentation/signing-and-verification-guide.md). Returns 0 if a trusted key
 * signed it, -ENOKEY if none did (ERR says why), another -errno on failure. */
typedef int (*rkt_store_verify_fn)(void *userdata, int fd, const struct rkt_aci_info *info,
                                   struct rkt_error *err);

/* HTTP cache record (table remote, rkt/rkt Documentation/image-fetching-behavior.md). */
struct rkt_remote {
	char *aci_url;
	char *sig_url;
	char *etag;
	char blob_key[RKT_IMAGE_ID_SIZE];
	int64_t cache_max_age; /* seconds */
	int64_t download_time; /* ns since the epoch */
};
void rkt_remote_release(struct rkt_remote *r);
/* -ENOENT if no record for URL. */
int rkt_store_get_remote(struct rkt_store *s, const char *url, struct rkt_remote *ret,
                         struct rkt_error *err);

/* Records (or replaces) the cache record of R->aci_url, e.g. after a 304 reply refreshed it.
 * R->blob_key must name an image in the store. */
int rkt_store_put_remote(struct rkt_store *s, const struct rkt_remote *r, struct rkt_error *err);

/* A partial download of a URL, kept in cas/tmp/download-<32 hex digits of the URL's SHA-512>
 * with the ETag of the reply it came from in "<that>.etag", so that the next fetch of the URL
 * can resume it with a Range request (rkt/rkt Documentation/image-fetching-behavior.md). Opening
 * waits for another process fetching the same URL (flock). Opening the store keeps these files;
 * rkt_store_gc removes those nobody holds. */
#define RKT_STORE_DOWNLOAD_PREFIX    "download-"
#define RKT_STORE_DOWNLOAD_NAME_SIZE 48
struct rkt_store_download {
	int fd;     /* the body so far, O_RDWR at offset 0, flock'ed exclusively; owned */
	char *etag; /* ETag of the reply the body came from, or NULL (then do not resume) */
	char name[RKT_STORE_DOWNLOAD_NAME_SIZE];
};
/* Opens (creating) the partial download of URL. Blocks while another process holds it. */
int rkt_store_download_open(struct rkt_store *s, const char *url, struct rkt_store_download *ret,
                            struct rkt_error *err);
/* Records ETAG (NULL: none) as the origin of the body, before its first byte is written. */
int rkt_store_download_set_etag(struct rkt_store *s, struct rkt_store_download *d, const char *etag,
                                struct rkt_error *err);
/* Unlinks the files (the download was imported, or is not worth resuming); D stays open. */
void rkt_store_download_remove(struct rkt_store *s, struct rkt_store_download *d);
/* Closes D (dropping its lock) and frees its strings. */
void rkt_store_download_release(struct rkt_store_download *d);

struct rkt_store_import_opts {
	const char *what; /* names the input in errors: "'busybox.aci'" */
	/* Skip the signature check (--insecure-options=image). Without it an import needs VERIFY
	 * to return 0, else it fails with -ENOKEY. */
	bool insecure;
	rkt_store_verify_fn verify;
	void *verify_userdata;
	/* Called before the signature check, also when INSECURE: refuses an image that is not
	 * the one asked for (DISC-14, the name and labels of a discovered image). May be NULL. */
	rkt_store_verify_fn check;
	void *check_userdata;
	bool latest;               /* fetched without a version label */
	unsigned insecure_options; /* recorded in the index */
	const struct rkt_remote
	        *remote; /* recorded with the image when not NULL (blob_key unused) */
	/* FD is a regular file in the store's cas/tmp that nobody else writes (a finished
	 * download): it becomes the blob itself (a hard link, mode 0640) instead of a copy
	 * written while reading it, so a downloaded image is written to disk once. */
	bool adopt;
	/* Streaming adoption (ADOPT set, COMPLETE not NULL): FD is a pipe carrying the bytes that
	 * a download is still appending to ADOPT_FD, the file that becomes the blob, so that the
	 * import runs while the image arrives. FD is read to its end; then COMPLETE is called,
	 * which returns 0 once ADOPT_FD is whole or the download's error, before the signature is
	 * checked or anything is published. */
	int (*complete)(void *userdata, struct rkt_error *err);
	void *complete_userdata;
	int adopt_fd;
};

/* Imports the ACI read from FD (from its offset to EOF; a pipe or socket is fine). Writes the
 * image ID to RET_ID. Returns 0 if imported, 1 if the image was already in the store (its
 * last-used time and remote record are updated). -EINVAL/-EBADMSG for a bad image (the error
 * names the entry), -ENOKEY if unsigned, other -errno for I/O. Nothing is published on
 * failure. */
int rkt_store_import(struct rkt_store *s, int fd, const struct rkt_store_import_opts *opts,
                     char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err);

/* Container image layers (docs/store.md, "Layers"): each layer blob is stored once, as fetched,
 * under cas/blob/sha256 by its digest ("sha256:<64 hex>"), and shared by every image that lists
 * it; an image made of layers has an index row like any other (its ACI manifest mapped from the
 * image config) and a tree rendered once at import, plus its layer list. */
struct rkt_store_layer_in {
	char digest[RKT_SHA256_DIGEST_SIZE];
	uint64_t size;
	const char *media_type;
	/* The blob, already checked against DIGEST (read from offset 0), or -1 if the store has
	 * the layer (rkt_store_has_layer). Borrowed. */
	int fd;
};
/* Whether the store holds layer DIGEST (its row and its blob). */
bool rkt_store_has_layer(struct rkt_store *s, const char *digest);
/* Opens stored layer DIGEST read-only. -ENOENT. */
int rkt_store_open_layer(struct rkt_store *s, const char *digest, int *ret_fd,
                         struct rkt_error *err);
/* An unnamed temporary file in cas/tmp (O_TMPFILE) to download a layer into; an import can
 * then link it into the store without copying it. */
int rkt_store_layer_tmpfile(struct rkt_store *s, int *ret_fd, struct rkt_error *err);

struct rkt_store_layered_opts {
	const char *what;                        /* names the image in errors */
	const char *manifest;                    /* the ACI manifest (JSON, valid) */
	const struct rkt_store_layer_in *layers; /* bottom first */
	size_t n_layers;
	const char *origin; /* recorded: where the image came from */
	bool latest;
	unsigned insecure_options;
};
/* Renders the layers in order into a new tree (whiteouts applied), then publishes the new layer
 * blobs, the tree and the index rows together. The image ID is the sha512 of a small record of
 * the manifest and the layer digests, kept as the image's blob. Returns 0 if imported, 1 if the
 * image was in the store already. Nothing is published on failure. */
int rkt_store_import_layered(struct rkt_store *s, const struct rkt_store_layered_opts *opts,
                             char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err);
/* The layer digests of image ID, bottom first (*RET new, NULL-terminated); n = 0 for an ACI. */
int rkt_store_image_layers(struct rkt_store *s, const char *id, char ***ret, size_t *ret_n,
                           struct rkt_error *err);
/* Applies the layers of image ID to the tree under ROOT_FD (rendering it again elsewhere). */
int rkt_store_render_layers(struct rkt_store *s, const char *id, int root_fd,
                            struct rkt_error *err);

/* Writes the stored ACI (as it was fetched: its image ID is ID) to OUT atomically. -EEXIST if
 * OUT exists and !OVERWRITE. */
int rkt_store_export(struct rkt_store *s, const char *id, const char *out, bool overwrite,
                     struct rkt_error *err);

/* An image something outside the store uses (a pod): rm and gc must keep it. */
struct rkt_image_ref {
	char id[RKT_IMAGE_ID_SIZE];
	char *holder; /* who uses it, for messages: "pod '<uuid>'" */
};
void rkt_image_refs_free(struct rkt_image_ref *refs, size_t n);
/* Lists the images in use (any order, duplicates allowed; *RET new, free with
 * rkt_image_refs_free). Called by rm and gc with the exclusive store lock held, so that it sees
 * every reference a store user (who holds the shared lock from opening the store on) recorded
 * before it let go of the store. */
typedef int (*rkt_store_refs_fn)(void *userdata, struct rkt_image_ref **ret, size_t *ret_n,
                                 struct rkt_error *err);
/* Installs the lister of images in use (NULL: none; then nothing is held). */
void rkt_store_set_refs(struct rkt_store *s, rkt_store_refs_fn fn, void *userdata);

/* Removes the image's index rows, blob and tree (takes the exclusive lock). -ENOENT; -EBUSY if
 * the image is in use (the message names the image and its user). */
int rkt_store_remove(struct rkt_store *s, const char *id, struct rkt_error *err);

struct rkt_store_gc_result {
	size_t images_removed;
	size_t images_in_use; /* old enough, but kept: in use */
	size_t trees_removed;
	size_t files_removed; /* orphans and temporary files */
};
/* Removes images not used for GRACE_NS nanoseconds (a negative grace keeps every image) and
 * not in use (see rkt_store_set_refs), then trees, blobs and temporary files that no index row refers to. Takes the exclusive lock.
 * REMOVED_ID is called for each image removed (may be NULL). */
int rkt_store_gc(struct rkt_store *s, int64_t grace_ns,
                 void (*removed_id)(void *userdata, const char *id), void *userdata,
                 struct rkt_store_gc_result *ret, struct rkt_error *err);

enum rkt_verify_status {
	RKT_VERIFY_OK = 0,
	RKT_VERIFY_REPAIRED, /* the tree did not match its hash and was extracted again */
	_RKT_VERIFY_MAX
};
/* Re-hashes the blob (its image ID must match) and the extracted tree (against its hash file);
 * a damaged tree is extracted again. -EBADMSG if the blob is corrupt. */
int rkt_store_verify(struct rkt_store *s, const char *id, enum rkt_verify_status *ret,
                     struct rkt_error *err);
