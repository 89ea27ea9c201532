/* rkt's configuration directories (docs/config.md; upstream rkt's Documentation/configuration.md):
 * the system, local and user directories, each with *.json files of one kind in its kind's
 * subdirectory, merged in that order, and where rkt's own files are installed.
 *
 *   auth.d/    rktKind "auth" (per domain), "dockerAuth" (per registry)
 *   paths.d/   rktKind "paths": "data", "stage1-images" (per field)
 *   stage1.d/  rktKind "stage1": "name"+"version" (together), "location" (separately)
 *
 * Every file needs "rktKind" and "rktVersion" ("v1"). A later directory overrides an earlier
 * one per domain, registry or field; defining one twice within a directory is an error. Only
 * regular *.json files directly inside a kind's directory are read (as upstream: no symlinks, no
 * subdirectories). Nothing here prints or reads the command line. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/cleanup.h"
#include "util/error.h"

enum rkt_auth_type {
	RKT_AUTH_BASIC = 0, /* "Authorization: Basic base64(user:password)" */
	RKT_AUTH_OAUTH,     /* "Authorization: Bearer token" */
	RKT_AUTH_AWS,       /* AWS v4 signatures: parsed and shown, not applied (docs/config.md) */
	_RKT_AUTH_MAX
};

struct rkt_config_auth {
	char *domain; /* host[:port], as in a URL */
	enum rkt_auth_type type;
	char *user, *password;                                /* basic */
	char *token;                                          /* oauth */
	char *access_key_id, *secret_access_key, *aws_region; /* aws (region may be NULL) */
};

struct rkt_config_docker_auth {
	char *registry;
	char *user, *password;
};

struct rkt_config {
	struct rkt_config_auth *auth; /* one per domain, in the order first defined */
	size_t n_auth;
	struct rkt_config_docker_auth *docker_auth; /* one per registry (for docker images) */
	size_t n_docker_auth;
	char *data_dir;          /* paths "data" (absolute), or NULL */
	char *stage1_images_dir; /* paths "stage1-images" (absolute), or NULL */
	char *stage1_name;       /* stage1 "name" and "version": both or neither */
	char *stage1_version;
	char *stage1_location; /* stage1 "location": an absolute path or a file, http, https or
	                          docker URL; or NULL */
};

/* Reads and merges the N_DIRS directories DIRS, earliest first (system, local, user). A NULL or
 * empty entry, a directory that does not exist and a missing kind subdirectory are skipped.
 * Returns 0 and a new config in *RET (free with rkt_config_free), or:
 *   -EBADMSG  a file is not JSON
 *   -EINVAL   a file breaks the rules above (the message names the file and the field)
 *   -errno    a directory or file could not be read. */
int rkt_config_load(const char *const *dirs, size_t n_dirs, struct rkt_config **ret,
                    struct rkt_error *err);
struct rkt_config *rkt_config_free(struct rkt_config *c);
RKT_DEFINE_CLEANUP(struct rkt_config *, rkt_config_free)

/* The auth entry for URL: only for https URLs, whose host[:port] equals a configured domain
 * (upstream: credentials go only over TLS, and only to the host they were given for). NULL if
 * none. */
const struct rkt_config_auth *rkt_config_auth_for_url(const struct rkt_config *c, const char *url);

/* The "Authorization: ..." header line that AUTH sends (new string), or NULL for a type that is
 * not sent as a header (aws). */
char *rkt_config_auth_header(const struct rkt_config_auth *auth);

/* The merged configuration as upstream's `rkt config` prints it: {"stage0": [auth entries, one
 * per domain; dockerAuth entries, one per registry; paths; stage1 if set]}. DATA_DIR and
 * STAGE1_IMAGES_DIR are the values in effect (a --dir flag, a compiled-in default). Returns a new
 * reference. */
struct json_object *rkt_config_to_json(const struct rkt_config *c, const char *data_dir,
                                       const char *stage1_images_dir);

/* Where rkt's stage1 images are installed, as configured at build time (meson: LIBDIR/rkt/
 * stage1-images, or /usr/lib/rkt/stage1-images for the /usr prefix). */
const char *rkt_config_default_stage1_images_dir(void);

/* The same directory found from the running binary's directory EXE_DIR: the path from the
 * build-time BINDIR to the build-time stage1 images directory, applied to EXE_DIR (so that a
 * `meson install --destdir` or a moved prefix still finds its own stage1). New string, or NULL if
 * the two have no common relation (a relative BINDIR). */
char *rkt_config_installed_stage1_images_dir(const char *exe_dir);

/* Pure part of the above, for tests: TARGET as seen from EXE_DIR, given that EXE_DIR stands for
 * BINDIR. BINDIR and TARGET must be absolute; "." and ".." components and repeated slashes are
 * resolved lexically. NULL if either is relative. */
char *rkt_config_relocate(const char *exe_dir, const char *bindir, const char *target);
