/* Image strings, pull policies, local files and dependencies (rkt/rkt
 * Documentation/image-fetching-behavior.md). */
#include "fetch/fetch.h"
#include "fetch/oci.h"

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
#include "trust/trust.h"
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
	/* The code includes pubkey in all-fetch although rkt/rkt Documentation/commands.md does
	 * not. */
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
	else if (strncmp(s, "oci:", 4) == 0 || strncmp(s, "oci-archive:", 12) == 0 ||
	         strncmp(s, "docker-archive:", 15) == 0)
		kind = RKT_IMAGE_KIND_OCI;
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

/* Upstream's advice, after the cause: trust the signer's key for the name, or do without. */
static void trust_hint(const char *name, struct rkt_error *err)
{
	rkt_error_append(err,
	                 "; trust the signer's key with 'rkt trust --prefix=%s KEY', or skip the "
	                 "check with --insecure-options=image",
	                 name);
}

int rkt_fetch_no_signature(const char *sig_what, const char *image, struct rkt_error *err)
{
	int r = rkt_error_set(err, ENOKEY, "no signature '%s' for image '%s'", sig_what, image);
	/* the prefix is a name: without the labels of "NAME:VERSION,KEY=VALUE"; a URL names
	 * none before the image is read */
	_cleanup_free_ char *name =
	        strstr(image, "://") ? xstrdup("NAME") : xstrndup(image, strcspn(image, ":,"));

	trust_hint(name, err);
	return r;
}

/* Checks the detached signature (ACI-12) of SIG over FD (from offset 0) for image NAME with the
 * keystore. */
static int verify_sig(struct rkt_fetch_sig *sig, int fd, const char *name, struct rkt_error *err)
{
	const struct rkt_fetch_opts *opts = sig->opts;
	_cleanup_close_ int sig_fd = -EBADF;
	struct rkt_trust_signer signer;
	int r;

	if (sig->fd < 0) {
		sig_fd = open(sig->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (sig_fd < 0 && errno == ENOENT)
			return rkt_fetch_no_signature(sig->what, name, err);
		if (sig_fd < 0)
			return rkt_error_set(err, errno, "signature '%s'", sig->what);
	} else if (lseek(sig->fd, 0, SEEK_SET) < 0) {
		return rkt_error_set(err, errno, "signature '%s': seek", sig->what);
	}
	if (!opts->keystore) {
		r = rkt_error_set(err, ENOKEY, "image '%s': no keystore to check signature '%s'",
		                  name, sig->what);
		trust_hint(name, err);
		return r;
	}
	if (lseek(fd, 0, SEEK_SET) < 0)
		return rkt_error_set(err, errno, "image '%s': seek", name);
	r = rkt_keystore_verify_fd(opts->keystore, name, fd, sig->what,
	                           sig->fd >= 0 ? sig->fd : sig_fd, &signer, err);
	if (r == -ENOKEY || r == -EKEYREJECTED)
		trust_hint(name, err);
	if (r < 0)
		return r;
	if (opts->verified)
		opts->verified(opts->verified_userdata, name, &signer);
	return 0;
}

int rkt_fetch_sig_verify(void *userdata, int fd, const struct rkt_aci_info *info,
                         struct rkt_error *err)
{
	return verify_sig(userdata, fd, info->manifest->name, err);
}

/* The image stored for an unchanged local file: marks it used, and unless the image check is
 * off checks the file's signature again, as an import would (the signature or the trusted
 * keys may have changed since). */
static int use_stored_file(struct rkt_store *s, const char *id, int fd, struct rkt_fetch_sig *sig,
                           struct rkt_error *err)
{
	_cleanup_(rkt_image_info_release) struct rkt_image_info info = { 0 };
	_cleanup_close_ int bfd = -EBADF;
	int r;

	r = rkt_store_open_blob(s, id, &bfd, err); /* marks it used */
	if (r < 0 || (sig->opts->insecure & RKT_INSECURE_IMAGE))
		return r;
	r = rkt_store_get_info(s, id, &info, err);
	if (r < 0)
		return r;
	r = verify_sig(sig, fd, info.name, err);
	return r < 0 ? rkt_error_wrap(err, r, "image '%s'", sig->image) : 0;
}

/* A local ACI. Its remote record (URL file://<realpath>, ETag from device, inode, size and
 * mtime) lets an unchanged file reuse the stored image under every pull policy; a changed one
 * is imported again (upstream imports a file every time). */
static int fetch_file(struct rkt_store *s, const char *image, const char *path,
                      const struct rkt_fetch_opts *opts, char ret_id[RKT_IMAGE_ID_SIZE],
                      struct rkt_error *err)
{
	_cleanup_free_ char *real = NULL, *url = NULL, *etag = NULL, *what = NULL, *sig = NULL;
	_cleanup_(rkt_remote_release) struct rkt_remote cached = { 0 };
	_cleanup_close_ int fd = -EBADF;
	struct stat st;
	int r;

	what = xasprintf("image '%s'", image);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0)
		return rkt_error_set(err, errno, "%s", what);
	if (S_ISDIR(st.st_mode))
		return rkt_error_set(err, EISDIR, "%s", what);
	sig = opts->signature ? xstrdup(opts->signature) : xasprintf("%s.asc", path);
	struct rkt_fetch_sig va = {
		.opts = opts, .image = image, .what = sig, .path = sig, .fd = -EBADF
	};
	struct rkt_store_import_opts io = {
		.what = what,
		.insecure = opts->insecure & RKT_INSECURE_IMAGE,
		.verify = rkt_fetch_sig_verify,
		.verify_userdata = &va,
		.insecure_options = opts->insecure,
	};
	if (!S_ISREG(st.st_mode)) {
		/* A pipe or device (rkt fetch /dev/stdin): a stream, nothing to cache. */
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
	if (r >= 0 && cached.etag && strcmp(cached.etag, etag) == 0) {
		r = use_stored_file(s, cached.blob_key, fd, &va, err);
		if (r != -ENOENT) {
			if (r >= 0)
				memcpy(ret_id, cached.blob_key, RKT_IMAGE_ID_SIZE);
			return r;
		}
		/* the image was removed since: import it again */
		rkt_error_clear(err);
	}

	struct rkt_remote rem = {
		.aci_url = url,
		.sig_url = sig,
		.etag = etag,
		.download_time = rkt_now_ns(),
	};
	io.remote = &rem;
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
		                     "image '%s': this rkt cannot fetch over the network", image);
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
	if (opts->pull_policy != RKT_PULL_POLICY_UPDATE) {
		r = rkt_store_find_by_name(s, name, &labels, ret_id, err);
		if (r != -ENOENT || opts->pull_policy == RKT_PULL_POLICY_NEVER)
			return r < 0 ? rkt_error_wrap(err, r, "image '%s'", image) : 0;
		rkt_error_clear(err);
	}
	if (!opts->remote)
		return rkt_fetch_discovered(s, image, name, &labels, opts, ret_id, err);
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
	case RKT_IMAGE_KIND_OCI:
		/* Local, like a file: read whatever the policy; stored layers are not read. */
		return rkt_fetch_oci(s, image, opts, ret_id, err);
	case RKT_IMAGE_KIND_DOCKER:
		return rkt_fetch_docker(s, image, opts, ret_id, err);
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
 * an image name with the same pull policy (rkt/rkt Documentation/image-fetching-behavior.md). */
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
	/* by discovery with the dependency's labels (REN-2) */
	if (!ctx->opts->remote)
		r = rkt_fetch_discovered(ctx->store, dep->image_name, dep->image_name, &dep->labels,
		                         ctx->opts, id, err);
	else
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
