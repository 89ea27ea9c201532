/* Container images (OCI and Docker) into the store: image layouts and archives (oci.c), and the
 * mapping of an image config to an ACI manifest as docker2aci did (oci-map.c). docs/store.md,
 * "Container images". */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fetch/fetch.h"
#include "util/json-util.h"
#include "util/hash.h"

/* Media types. */
#define OCI_MT_MANIFEST    "application/vnd.oci.image.manifest.v1+json"
#define OCI_MT_INDEX       "application/vnd.oci.image.index.v1+json"
#define DOCKER_MT_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define DOCKER_MT_LIST     "application/vnd.docker.distribution.manifest.list.v2+json"
/* Image manifest schema 1 (Docker's first registry v2 format), unsigned and signed. */
#define DOCKER_MT_V1        "application/vnd.docker.distribution.manifest.v1+json"
#define DOCKER_MT_V1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"

/* Largest manifest, index or config document accepted. */
#define OCI_MAX_DOC (4 * 1024 * 1024)

/* Where an image's names come from, for the ACI manifest (docker2aci's annotations). */
struct oci_ref {
	const char *name;          /* ACI name, sanitized by the mapping */
	const char *tag;           /* version label, NULL: "latest" */
	const char *registry;      /* appc.io/docker/registryurl, or NULL */
	const char *repository;    /* appc.io/docker/repository, or NULL */
	const char *origin;        /* recorded in the store */
	const char *manifest_hash; /* appc.io/docker/manifesthash, or NULL */
};

/* Builds the ACI manifest (JSON, new string) from the image config CONFIG (LEN bytes) whose
 * digest is CONFIG_DIGEST. -EINVAL names what is wrong. */
int oci_map_config(const char *config, size_t len, const char *config_digest,
                   const struct oci_ref *ref, char **ret, struct rkt_error *err);

/* An ACI identifier from S: lower case, anything else than [a-z0-9._~/-] becomes '-'. */
char *oci_sanitize_name(const char *s);

/* The host platform as OCI names it ("amd64", "arm64", ...). */
const char *oci_host_arch(void);

/* A parsed descriptor. */
struct oci_desc {
	char *media_type;
	char digest[RKT_SHA256_DIGEST_SIZE];
	uint64_t size; /* OCI_SIZE_UNKNOWN: a schema 1 layer, whose manifest gives no size */
};
#define OCI_SIZE_UNKNOWN UINT64_MAX

/* Checks that BUF hashes to DESC's digest and has its size. */
int oci_check_digest(const void *buf, size_t len, const char *digest, const char *what,
                     struct rkt_error *err);

/* Parses a descriptor object. */
int oci_desc_parse(struct json_object *o, const char *what, struct oci_desc *ret,
                   struct rkt_error *err);
void oci_desc_release(struct oci_desc *d);

/* Reads a blob of at most MAX bytes for the caller (verified against DESC). */
typedef int (*oci_get_doc_fn)(void *userdata, const struct oci_desc *desc, char **ret,
                              size_t *ret_len, struct rkt_error *err);
/* Writes a layer blob into FD (a new temporary file): exactly DESC->size bytes, verified
 * against DESC->digest while they stream; a longer blob is cut off (-EFBIG). A blob of
 * OCI_SIZE_UNKNOWN size is cut off at the free space of FD's file system. */
typedef int (*oci_get_layer_fn)(void *userdata, const struct oci_desc *desc, int fd,
                                struct rkt_error *err);

struct oci_source {
	oci_get_doc_fn get_doc;
	oci_get_layer_fn get_layer;
	void *userdata;
	/* Called before and after each layer ("Downloading ...", upstream's lines); may be NULL. */
	void (*layer_event)(void *userdata, const struct oci_desc *desc, bool cached, bool done);
};

/* Imports the image whose manifest (or index / manifest list, then the host's platform) is
 * DOC (LEN bytes, already verified) from SRC into the store. A schema 1 manifest is read as
 * docker2aci did: its layers are fsLayers, bottom last, and its config the top history
 * entry's v1Compatibility document. */
int oci_import_manifest(struct rkt_store *s, const struct oci_source *src, const char *doc,
                        size_t len, const char *doc_digest, const struct oci_ref *ref,
                        const struct rkt_fetch_opts *opts, const char *what,
                        char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err);

/* oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE. */
int rkt_fetch_oci(struct rkt_store *s, const char *image, const struct rkt_fetch_opts *opts,
                  char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err);

/* docker://[REGISTRY[:PORT]/]NAME[:TAG|@DIGEST] (docker.c). */
int rkt_fetch_docker(struct rkt_store *s, const char *image, const struct rkt_fetch_opts *opts,
                     char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err);
