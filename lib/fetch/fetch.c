/* Image strings, pull policies, local files and dependencies (rkt-inventory 4.1-4.6). */
#include "fetch/fetch.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fetch/fetch-internal.h"
#include "render/render.h"
#include "store/store-internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static const struct {
	const char *name;
	unsigned bits;
} insecure_names[] = {
	{ "none", 0 },
	{ "image", RKT_INSECURE_IMAGE },
	{ "tls", RKT_INSECURE_TLS },
	{ "ondisk", RKT_INSECURE_ONDISK },
	{ "http", RKT_INSECURE_HTTP },
	{ "pubkey", RKT_INSECURE_PUBKEY },
	{ "capabilities", RKT_INSECURE_CAPABILITIES },
	{ "paths", RKT_INSECURE_PATHS },
	{ "seccomp", RKT_INSECURE_SECCOMP },
	/* The code includes pubkey in all-fetch although the documentation does not (4.5). */
	{ "all-fetch",
	  RKT_INSECURE_IMAGE | RKT_INSECURE_TLS | RKT_INSECURE_HTTP | RKT_INSECURE_PUBKEY },
	{ "all-run", RKT_INSECURE_CAPABILITIES | RKT_INSECURE_PATHS | RKT_INSECURE_SECCOMP },
	{ "all", ~0u },
};

int rkt_insecure_options_parse(const char *s, unsigned *ret, struct rkt_error *err)
{
	_cleanup_free_ char *copy = xstrdup(s);
	unsigned bits = 0;
	char *save = NULL;

	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < ELEMENTSOF(insecure_names); i++)
			if (strcmp(tok, insecure_names[i].name) == 0)
				break;
		if (i == ELEMENTSOF(insecure_names))
			return rkt_error_set(err, EINVAL, "--insecure-options: unknown value '%s'",
			                     tok);
		bits |= insecure_names[i].bits;
	}
	*ret = bits;
	return 0;
}

int rkt_pull_policy_from_name(const char *name, enum rkt_pull_policy *ret, struct rkt_error *err)
{
	static const char *const names[_RKT_PULL_POLICY_MAX] = { "new", "update", "never" };

	for (int i = 0; i < _RKT_PULL_POLICY_MAX; i++)
		if (strcmp(name, names[i]) == 0) {
			*ret = (enum rkt_pull_policy)i;
			return 0;
		}
	return rkt_error_set(err, EINVAL, "--pull-policy: '%s' is not new, update or never", name);
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

int rkt_image_classify(const char *s, enum rkt_image_kind *ret, char **ret_path,
                       struct rkt_error *err)
{
	enum rkt_image_kind kind;
	const char *path = NULL;
	struct stat st;

	if (!s[0])
		return rkt_error_set(err, EINVAL, "empty image string");
	if (strncmp(s, "sha512-", 7) == 0)
		kind = RKT_IMAGE_KIND_HASH;
	else if (strncmp(s, "file://", 7) == 0)
		kind = RKT_IMAGE_KIND_FILE, path = s + 7;
	else if (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0)
		kind = RKT_IMAGE_KIND_URL;
	else if (strncmp(s, "docker:", 7) == 0)
		kind = RKT_IMAGE_KIND_DOCKER;
	else if (strstr(s, "://"))
		return rkt_error_set(err, EPROTONOSUPPORT, "image '%s': unsupported URL scheme", s);
	/* No scheme: the order of rkt/image/common.go. */
	else if (s[0] == '/' || (stat(s, &st) == 0 && S_ISREG(st.st_mode)))
		kind = RKT_IMAGE_KIND_FILE, path = s;
	else if (strchr(s, ':'))
		kind = RKT_IMAGE_KIND_NAME;
	else if (strstr(s, "./") || has_suffix(s, ".aci"))
		kind = RKT_IMAGE_KIND_FILE, path = s;
	else
		kind = RKT_IMAGE_KIND_NAME;
	if (kind == RKT_IMAGE_KIND_FILE && !path[0])
		return rkt_error_set(err, EINVAL, "image '%s': empty path", s);
	*ret = kind;
	if (ret_path)
		*ret_path = path ? xstrdup(path) : NULL;
	return 0;
}

int rkt_image_name_parse(const char *s, char **ret_name, struct rkt_kv_list *ret_labels,
                         struct rkt_error *err)
{
	_cleanup_free_ char *copy = xstrdup(s);
	struct rkt_kv_list labels = { 0 };
	char *save = NULL, *first = strtok_r(copy, ",", &save), *colon;

	if (!first)
		return rkt_error_set(err, EINVAL, "image '%s': no name", s);
	colon = strchr(first, ':');
	if (colon) {
		*colon = '\0';
		rkt_kv_list_set(&labels, "version", colon + 1);
	}
	for (char *tok = strtok_r(NULL, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq || eq == tok) {
			rkt_kv_list_release(&labels);
			return rkt_error_set(err, EINVAL,
			                     "image '%s': label '%s' is not name=value", s, tok);
		}
		*eq = '\0';
		rkt_kv_list_set(&labels, tok, eq + 1);
	}
	if (rkt_ac_identifier_check(first, "name", err) < 0) {
		rkt_kv_list_release(&labels);
		return rkt_error_wrap(err, -EINVAL, "image '%s'", s);
	}
	*ret_name = xstrdup(first);
	*ret_labels = labels;
	return 0;
}

int rkt_fetch_no_signature(const char *sig_what, const char *image, struct rkt_error *err)
{
	return rkt_error_set(err, ENOKEY,
	                     "no signature '%s' for image '%s'; use --insecure-options=image to "
	                     "fetch it without one",
	                     sig_what, image);
}

int rkt_fetch_sig_verify(void *userdata, int fd, const struct rkt_aci_info *info,
                         struct rkt_error *err)
{
	struct rkt_fetch_sig *sig = userdata;
	_cleanup_close_ int sig_fd = -EBADF;

	if (sig->fd < 0) {
		sig_fd = open(sig->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (sig_fd < 0 && errno == ENOENT)
			return rkt_fetch_no_signature(sig->what, info->manifest->name, err);
		if (sig_fd < 0)
			return rkt_error_set(err, errno, "signature '%s'", sig->what);
	}
	return sig->opts->verify(sig->opts->verify_userdata, fd, sig->fd >= 0 ? sig->fd : sig_fd,
	                         sig->what, info, err);
}

/* A local ACI. Its remote record (URL file://<realpath>, ETag from inode, size and mtime) lets
 * --pull-policy=new and never reuse the stored image, and update skip an unchanged file. */
static int fetch_file(struct rkt_store *s, const char *image, const char *path,
                      const struct rkt_fetch_opts *opts, char ret_id[RKT_IMAGE_ID_SIZE],
                      struct rkt_error *err)
{
	_cleanup_free_ char *real = NULL, *url = NULL, *etag = NULL, *what = NULL, *sig = NULL;
	_cleanup_(rkt_remote_release) struct rkt_remote cached = { 0 };
	_cleanup_close_ int fd = -EBADF;
	bool have_cached;
	struct stat st;
	int r;

	what = xasprintf("image '%s'", image);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0)
		return rkt_error_set(err, errno, "%s", what);
	if (S_ISDIR(st.st_mode))
		return rkt_error_set(err, EISDIR, "%s", what);
	if (!S_ISREG(st.st_mode)) {
		/* A pipe or device (rkt fetch /dev/stdin): a stream, nothing to cache. */
		struct rkt_store_import_opts io = {
			.what = what,
			.insecure = opts->insecure & RKT_INSECURE_IMAGE,
			.insecure_options = opts->insecure,
		};
		if (opts->pull_policy == RKT_PULL_POLICY_NEVER)
			return rkt_error_input(err, ENOENT,
			                       "%s: not in the store (--pull-policy=never)", what);
		r = rkt_store_import(s, fd, &io, ret_id, err);
		return r < 0 ? r : 0;
	}
	real = realpath(path, NULL);
	if (!real)
		return rkt_error_set(err, errno, "%s", what);
	url = xasprintf("file://%s", real);
	etag = xasprintf("%" PRIu64 ":%" PRIu64 ":%" PRId64 ":%" PRId64 ".%09ld",
	                 (uint64_t)st.st_dev, (uint64_t)st.st_ino, (int64_t)st.st_size,
	                 (int64_t)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);

	r = rkt_store_get_remote(s, url, &cached, err);
	if (r < 0 && r != -ENOENT)
		return r;
	rkt_error_clear(err);
	have_cached = r >= 0;
	if (have_cached && (opts->pull_policy != RKT_PULL_POLICY_UPDATE ||
	                    (cached.etag && strcmp(cached.etag, etag) == 0))) {
		memcpy(ret_id, cached.blob_key, RKT_IMAGE_ID_SIZE);
		_cleanup_close_ int bfd = -EBADF;
		return rkt_store_open_blob(s, ret_id, &bfd, err); /* marks it used */
	}
	if (opts->pull_policy == RKT_PULL_POLICY_NEVER)
		return rkt_error_input(err, ENOENT, "%s: not in the store (--pull-policy=never)",
		                       what);

	sig = opts->signature ? xstrdup(opts->signature) : xasprintf("%s.asc", path);
	struct rkt_fetch_sig va = { .opts = opts, .what = sig, .path = sig, .fd = -EBADF };
	struct rkt_remote rem = {
		.aci_url = url,
		.sig_url = sig,
		.etag = etag,
		.download_time = rkt_now_ns(),
	};
	struct rkt_store_import_opts io = {
		.what = what,
		.insecure = opts->insecure & RKT_INSECURE_IMAGE,
		.verify = opts->verify ? rkt_fetch_sig_verify : NULL,
		.verify_userdata = &va,
		.insecure_options = opts->insecure,
		.remote = &rem,
	};
	r = rkt_store_import(s, fd, &io, ret_id, err);
	return r < 0 ? r : 0;
}

static int fetch_remote(struct rkt_store *s, const char *image, enum rkt_image_kind kind,
                        const struct rkt_fetch_opts *opts, char ret_id[RKT_IMAGE_ID_SIZE],
                        struct rkt_error *err)
{
	if (kind == RKT_IMAGE_KIND_URL)
		return rkt_fetch_url(s, image, opts, ret_id, err);
	if (!opts->remote)
		return rkt_error_set(err, EPROTONOSUPPORT,
		                     kind == RKT_IMAGE_KIND_NAME
		                             ? "image '%s': not in the store, and this rkt cannot "
		                               "discover images by name"
		                             : "image '%s': this rkt cannot fetch over the network",
		                     image);
	return opts->remote(opts->remote_userdata, s, image, kind, opts, ret_id, err);
}

static int fetch_name(struct rkt_store *s, const char *image, const struct rkt_fetch_opts *opts,
                      char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err)
{
	_cleanup_(rkt_kv_list_release) struct rkt_kv_list labels = { 0 };
	_cleanup_free_ char *name = NULL;
	int r;

	r = rkt_image_name_parse(image, &name, &labels, err);
	if (r < 0)
		return r;
	if (opts->pull_policy != RKT_PULL_POLICY_UPDATE || !opts->remote) {
		r = rkt_store_find_by_name(s, name, &labels, ret_id, err);
		if (r != -ENOENT || opts->pull_policy == RKT_PULL_POLICY_NEVER)
			return r < 0 ? rkt_error_wrap(err, r, "image '%s'", image) : 0;
		rkt_error_clear(err);
	}
	return fetch_remote(s, image, RKT_IMAGE_KIND_NAME, opts, ret_id, err);
}

static int fetch_one(struct rkt_store *s, const char *image, const struct rkt_fetch_opts *opts,
                     char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err)
{
	_cleanup_free_ char *path = NULL;
	enum rkt_image_kind kind;
	int r;

	r = rkt_image_classify(image, &kind, &path, err);
	if (r < 0)
		return r;
	switch (kind) {
	case RKT_IMAGE_KIND_HASH: {
		_cleanup_close_ int fd = -EBADF;

		r = rkt_store_resolve(s, image, ret_id, err);
		if (r >= 0)
			r = rkt_store_open_blob(s, ret_id, &fd, err); /* marks it used */
		return r;
	}
	case RKT_IMAGE_KIND_FILE:
		return fetch_file(s, image, path, opts, ret_id, err);
	case RKT_IMAGE_KIND_NAME:
		return fetch_name(s, image, opts, ret_id, err);
	case RKT_IMAGE_KIND_URL:
		if (opts->pull_policy != RKT_PULL_POLICY_UPDATE) {
			_cleanup_(rkt_remote_release) struct rkt_remote cached = { 0 };

			r = rkt_store_get_remote(s, image, &cached, err);
			if (r >= 0) {
				memcpy(ret_id, cached.blob_key, RKT_IMAGE_ID_SIZE);
				return 0;
			}
			if (r != -ENOENT || opts->pull_policy == RKT_PULL_POLICY_NEVER)
				return r;
			rkt_error_clear(err);
		}
		return fetch_remote(s, image, kind, opts, ret_id, err);
	default:
		return rkt_error_set(err, EPROTONOSUPPORT,
		                     "image '%s': docker images are not supported", image);
	}
}

struct dep_ctx {
	struct rkt_store *store;
	const struct rkt_fetch_opts *opts;
};

/* A dependency is looked up in the store; a missing one named without an ID is fetched like
 * an image name with the same pull policy (4.6). */
static int fetch_dep(void *userdata, const struct rkt_dependency *dep,
                     char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_image_manifest **ret_manifest,
                     struct rkt_error *err)
{
	struct dep_ctx *ctx = userdata;
	int r = rkt_store_resolve_dep(ctx->store, dep, ret_id, ret_manifest, err);
	char id[RKT_IMAGE_ID_SIZE];

	if (r != -ENOENT || dep->image_id || ctx->opts->pull_policy == RKT_PULL_POLICY_NEVER)
		return r;
	rkt_error_clear(err);
	if (!ctx->opts->remote)
		return rkt_error_input(
		        err, ENOENT,
		        "not in the store, and this rkt cannot discover images by name");
	r = ctx->opts->remote(ctx->opts->remote_userdata, ctx->store, dep->image_name,
	                      RKT_IMAGE_KIND_NAME, ctx->opts, id, err);
	if (r < 0)
		return r;
	return rkt_store_resolve_dep(ctx->store, dep, ret_id, ret_manifest, err);
}

int rkt_fetch(struct rkt_store *store, const char *image, const struct rkt_fetch_opts *opts,
              char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err)
{
	_cleanup_(rkt_layers_release) struct rkt_layers layers = { 0 };
	_cleanup_free_ char *raw = NULL, *what = NULL;
	struct rkt_image_manifest *m = NULL;
	char id[RKT_IMAGE_ID_SIZE];
	int r;

	r = fetch_one(store, image, opts, id, err);
	if (r < 0)
		return r;
	r = rkt_store_get_manifest(store, id, &raw, err);
	if (r < 0)
		return r;
	what = xasprintf("manifest of image '%s'", id);
	r = rkt_image_manifest_parse(raw, strlen(raw), what, &m, err);
	if (r < 0)
		return r;
	struct dep_ctx ctx = { .store = store, .opts = opts };
	r = rkt_layers_build(id, m, fetch_dep, &ctx, &layers, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "image '%s'", image);
	memcpy(ret_id, id, RKT_IMAGE_ID_SIZE);
	return 0;
}
