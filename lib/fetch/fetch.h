/* Getting images into the store (rkt/rkt Documentation/image-fetching-behavior.md): classifying an
 * image string, pull policies, --insecure-options, local files, http(s) URLs, signatures and
 * dependencies.
 *
 * http(s) URLs are downloaded with lib/net (url.c): the signature first, then the image into a
 * resumable partial download in the store (struct rkt_store_download), which is then imported
 * in one pass with the signature checked before anything is published. The cache record of a
 * URL (table remote: ETag, max-age) serves the pull policies. A name that is not in the store is
 * found by appc meta discovery (discover.c, docs/trust.md "Discovery"), unless a remote hook
 * fetches names instead. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "net/http.h"
#include "store/store.h"
#include "util/error.h"

/* --insecure-options bits (rkt/rkt Documentation/commands.md). */
enum rkt_insecure {
	RKT_INSECURE_IMAGE = 1u << 0,
	RKT_INSECURE_TLS = 1u << 1,
	RKT_INSECURE_ONDISK = 1u << 2,
	RKT_INSECURE_HTTP = 1u << 3,
	RKT_INSECURE_PUBKEY = 1u << 4,
	RKT_INSECURE_CAPABILITIES = 1u << 5,
	RKT_INSECURE_PATHS = 1u << 6,
	RKT_INSECURE_SECCOMP = 1u << 7,
};
/* A comma list: none, image, tls, ondisk, http, pubkey, capabilities, paths, seccomp,
 * all-fetch, all-run, all. -EINVAL names an unknown value. */
int rkt_insecure_options_parse(const char *s, unsigned *ret, struct rkt_error *err);

enum rkt_pull_policy {
	RKT_PULL_POLICY_NEW = 0, /* the store if it has the image, else remote */
	RKT_PULL_POLICY_UPDATE,  /* remote, reusing the store on a cache hit */
	RKT_PULL_POLICY_NEVER,   /* the store only */
	_RKT_PULL_POLICY_MAX
};
int rkt_pull_policy_from_name(const char *name, enum rkt_pull_policy *ret, struct rkt_error *err);

enum rkt_image_kind {
	RKT_IMAGE_KIND_HASH = 0, /* "sha512-..." */
	RKT_IMAGE_KIND_FILE,     /* a path or file:// URL */
	RKT_IMAGE_KIND_URL,      /* http:// or https:// */
	RKT_IMAGE_KIND_NAME,     /* appc name with labels */
	RKT_IMAGE_KIND_DOCKER,   /* docker:// */
	RKT_IMAGE_KIND_OCI,      /* oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE */
	_RKT_IMAGE_KIND_MAX
};
/* As rkt/rkt Documentation/image-fetching-behavior.md. For FILE, *RET_PATH gets the path (file://
 * stripped); may be NULL. */
int rkt_image_classify(const char *s, enum rkt_image_kind *ret, char **ret_path,
                       struct rkt_error *err);

/* "name[:version][,label=value...]" into a name and labels (version label from ':';
 * DISC-17). */
int rkt_image_name_parse(const char *s, char **ret_name, struct rkt_kv_list *ret_labels,
                         struct rkt_error *err);

struct rkt_fetch_opts;
struct rkt_keystore;
struct rkt_trust_signer;

/* Told after a good signature: the image NAME (from its manifest) and the key that signed it,
 * for the "signature verified:" line. */
typedef void (*rkt_fetch_verified_fn)(void *userdata, const char *name,
                                      const struct rkt_trust_signer *signer);
/* Download progress of WHAT ("image" or "signature") for a progress bar; P is NULL once that
 * download is over (finished or failed). */
typedef void (*rkt_fetch_progress_fn)(void *userdata, const char *what,
                                      const struct rkt_http_progress *p);
/* A container image layer (docker://, oci:...): before it is read (DONE false) and after
 * (DONE true); CACHED if the store has it, so nothing is transferred. */
typedef void (*rkt_fetch_layer_fn)(void *userdata, const char *digest, uint64_t size, bool cached,
                                   bool done);
/* Fetches IMAGE (URL or name, as KIND says) from the network into STORE, honouring OPTS
 * (pull policy, insecure options, keystore). Returns 0 and the image ID, or -errno. */
typedef int (*rkt_fetch_remote_fn)(void *userdata, struct rkt_store *store, const char *image,
                                   enum rkt_image_kind kind, const struct rkt_fetch_opts *opts,
                                   char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err);

/* The same options serve rkt fetch, the images of rkt run and prepare, and their stage1, so
 * that every image is checked the same way (docs/trust.md). */
struct rkt_fetch_opts {
	enum rkt_pull_policy pull_policy;
	unsigned insecure;     /* enum rkt_insecure bits */
	const char *signature; /* --signature for this image (a path or URL);
	                          NULL = "<image>.asc" */
	/* The trusted keys: without RKT_INSECURE_IMAGE an image needs a detached signature by one
	 * of the keys trusted for its name. NULL: no signature can be trusted. */
	struct rkt_keystore *keystore;
	rkt_fetch_verified_fn verified; /* NULL: quiet */
	void *verified_userdata;
	rkt_fetch_progress_fn progress; /* NULL: quiet */
	void *progress_userdata;
	rkt_fetch_layer_fn layer; /* NULL: quiet */
	void *layer_userdata;
	/* --trust-keys-from-https: before a name is discovered and fetched with signature checks,
	 * if no key is trusted for it or a prefix of it (root keys aside), the keys its
	 * ac-discovery-pubkeys name over https are trusted for the name, without review (upstream,
	 * deprecated there). Told through NOTE. */
	bool trust_keys_from_https;
	/* The platform to pick from an OCI image index or Docker manifest list (--os, --arch, our
	 * extension); NULL: linux and the host's architecture. */
	const char *os, *arch;
	/* A line for the user about the fetch, as upstream logs it ("server requested deferring
	 * the signature download"); NULL: quiet. */
	void (*note)(void *userdata, const char *msg);
	void *note_userdata;
	rkt_fetch_remote_fn remote; /* NULL: no network */
	void *remote_userdata;
	const struct rkt_config *config; /* auth.d credentials for https downloads; may be NULL */
};

/* Fetches the http(s) URL into STORE under OPTS->pull_policy (update: a fresh max-age, or a
 * 304 to the stored ETag, reuses the stored image; new and never are decided by the caller,
 * rkt_fetch) and OPTS->insecure (http: plain http allowed, also on redirects; tls: no
 * certificate check; image: no signature). An https URL (image or signature) whose host[:port]
 * has auth.d credentials in OPTS->config gets their Authorization header; a redirect to another
 * host, port or scheme does not (rkt_http_fetch). Without RKT_INSECURE_IMAGE the signature (OPTS->
 * signature, else URL.asc) is downloaded first: a missing one is -ENOKEY before the image is
 * downloaded. An interrupted download stays in the store and is resumed by the next call.
 * Errors as rkt_http_fetch() and rkt_store_import(). Blocks on the network. */
int rkt_fetch_url(struct rkt_store *store, const char *url, const struct rkt_fetch_opts *opts,
                  char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err);

/* Fetches IMAGE and then its dependencies (rkt/rkt Documentation/image-fetching-behavior.md) into
 * STORE. Returns 0 with the image ID.
 *
 * A hash is looked up in the store only, a name in the store first unless the policy is update,
 * else by discovery (rkt_fetch_discovered in fetch-internal.h). A local file is read whatever the policy, as upstream
 * re-imports it every time, but cheaply: when its stat ETag (device, inode, size, mtime) is
 * the one recorded at its last import, the stored image is used, and only its signature is
 * checked again (unless --insecure-options=image); a changed file is imported again. A URL
 * follows the pull policy (see rkt_fetch_url).
 *
 * Errors: -ENOENT (not in the store under --pull-policy=never, or a missing dependency),
 * -ENOTUNIQ (ambiguous ID prefix), -ENOKEY (no signature, or no key trusted for the name),
 * -EKEYREJECTED (signed by a key not trusted for the name), -EBADMSG (bad signature, or a
 * dependency whose size is not the one its dependent gives), -EPROTONOSUPPORT (a source this
 * build cannot fetch from), or what the import returns. The trust errors end in a hint naming
 * `rkt trust` and --insecure-options=image. */
int rkt_fetch(struct rkt_store *store, const char *image, const struct rkt_fetch_opts *opts,
              char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err);

/* The public key locations that appc discovery finds for PREFIX (ac-discovery-pubkeys; DISC-3,
 * DISC-10), in document order: over https (and http after https fails with RKT_INSECURE_HTTP
 * in INSECURE; RKT_INSECURE_TLS skips the certificate check), with CONFIG's auth.d headers
 * (may be NULL). Returns 0 with a malloc()ed array of *RET_N malloc()ed strings, -EINVAL for a
 * PREFIX that is no image name, -ENOENT if no level has a key tag for it. */
int rkt_discover_pubkeys(const char *prefix, unsigned insecure, const struct rkt_config *config,
                         char ***ret, size_t *ret_n, struct rkt_error *err);
