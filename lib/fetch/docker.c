/* docker://[REGISTRY[:PORT]/]NAME[:TAG|@DIGEST] from a registry (Docker Registry HTTP API v2,
 * distribution's token authentication), into the layer cache (docs/store.md, "Container
 * images"). Docker Hub defaults as upstream: registry-1.docker.io, "library/" for one-component
 * names, tag "latest". Authentication: a 401 reply's WWW-Authenticate challenge says Basic (the
 * auth.d dockerAuth credentials of the registry are sent) or Bearer (a token is asked from the
 * realm, with those credentials if any, and then sent to the registry). lib/net never forwards
 * an Authorization header across a redirect to another host, port or scheme, so neither the
 * credentials nor the token leave the hosts they were meant for. Every document and layer is
 * verified against its digest while it streams, and cut off at its descriptor's size. */
#include "fetch/oci.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/json-util.h"
#include "util/xalloc.h"

#define DOCKER_HUB        "registry-1.docker.io"
#define DOCKER_HUB_ALIAS  "docker.io"
#define DOCKER_HUB_LEGACY "index.docker.io"
#define ACCEPT_MANIFESTS                                                                         \
	"Accept: " OCI_MT_MANIFEST ", " OCI_MT_INDEX ", " DOCKER_MT_MANIFEST ", " DOCKER_MT_LIST \
	", " DOCKER_MT_V1_SIGNED ", " DOCKER_MT_V1

struct docker_ref {
	char *registry; /* host[:port] */
	char *repo;     /* library/busybox */
	char *tag;      /* or NULL */
	char *digest;   /* or NULL */
};

static void docker_ref_release(struct docker_ref *r)
{
	free(r->registry);
	free(r->repo);
	free(r->tag);
	free(r->digest);
	*r = (struct docker_ref){ 0 };
}

/* A tag as Docker's reference grammar has it: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. It goes into
 * the manifest's URL, so nothing else ('/', '?', '#', '%', spaces) may pass. */
static bool tag_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 128 || s[0] == '.' || s[0] == '-')
		return false;
	for (const char *p = s; *p; p++)
		if (!(isalnum((unsigned char)*p) || strchr("_.-", *p)))
			return false;
	return true;
}

static bool repo_valid(const char *s)
{
	if (!s[0])
		return false;
	for (const char *p = s; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) ||
		      strchr("._-/", *p)))
			return false;
	return s[0] != '/' && s[strlen(s) - 1] != '/' && !strstr(s, "//");
}

static int docker_ref_parse(const char *image, struct docker_ref *ret, struct rkt_error *err)
{
	const char *s = image + (strncmp(image, "docker://", 9) == 0 ? 9 : 7);
	_cleanup_free_ char *rest = xstrdup(s);
	char *at, *slash, *colon, *name = rest;

	*ret = (struct docker_ref){ 0 };
	at = strchr(rest, '@');
	if (at) {
		*at = '\0';
		if (!rkt_sha256_digest_valid(at + 1))
			return rkt_error_input(err, EINVAL, "image '%s': bad digest '%s'", image,
			                       at + 1);
		ret->digest = xstrdup(at + 1);
	}
	slash = strchr(rest, '/');
	if (slash &&
	    (memchr(rest, '.', (size_t)(slash - rest)) ||
	     memchr(rest, ':', (size_t)(slash - rest)) || strncmp(rest, "localhost/", 10) == 0)) {
		*slash = '\0';
		ret->registry = xstrdup(rest);
		name = slash + 1;
	}
	colon = strrchr(name, ':');
	if (colon) {
		*colon = '\0';
		if (!colon[1])
			return rkt_error_input(err, EINVAL, "image '%s': empty tag", image);
		if (!tag_valid(colon + 1))
			return rkt_error_input(err, EINVAL, "image '%s': bad tag '%s'", image,
			                       colon + 1);
		ret->tag = xstrdup(colon + 1);
	}
	if (!ret->registry || strcmp(ret->registry, DOCKER_HUB_ALIAS) == 0 ||
	    strcmp(ret->registry, DOCKER_HUB_LEGACY) == 0) {
		free(ret->registry);
		ret->registry = xstrdup(DOCKER_HUB);
		ret->repo = strchr(name, '/') ? xstrdup(name) : xasprintf("library/%s", name);
	} else {
		ret->repo = xstrdup(name);
	}
	if (!repo_valid(ret->repo))
		return rkt_error_input(err, EINVAL, "image '%s': bad repository name", image);
	if (!ret->tag && !ret->digest)
		ret->tag = xstrdup("latest");
	return 0;
}

struct registry {
	const struct rkt_fetch_opts *opts;
	const struct docker_ref *ref;
	const char *what;
	char *base; /* "https://host:port" */
	char *auth; /* "Authorization: ..." for the registry, or NULL */
	const struct rkt_config_docker_auth *creds;
	unsigned flags;
	bool auth_tried;
};

/* A body into memory, at most MAX bytes. */
struct membuf {
	char *buf;
	size_t len, max;
};

static int mem_write(void *userdata, const void *buf, size_t len)
{
	struct membuf *m = userdata;

	if (m->len + len > m->max)
		return -EFBIG;
	m->buf = xrealloc(m->buf, m->len + len + 1);
	memcpy(m->buf + m->len, buf, len);
	m->len += len;
	m->buf[m->len] = '\0';
	return 0;
}

static char *basic_header(const struct rkt_config_docker_auth *c)
{
	_cleanup_free_ char *up = xasprintf("%s:%s", c->user, c->password);
	_cleanup_free_ char *b64 = rkt_base64_encode(up, strlen(up));

	return xasprintf("Authorization: Basic %s", b64);
}

/* The value of KEY="..." in a challenge's parameters (new string), or NULL. */
static char *challenge_param(const char *params, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = params; *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		const char *eq = strchr(p, '=');
		if (!eq)
			break;
		bool match = (size_t)(eq - p) == klen && strncasecmp(p, key, klen) == 0;
		const char *v = eq + 1, *end;
		if (*v == '"') {
			v++;
			end = strchr(v, '"');
			if (!end)
				break;
			if (match)
				return xstrndup(v, (size_t)(end - v));
			p = end + 1;
		} else {
			end = v + strcspn(v, ",");
			if (match)
				return xstrndup(v, (size_t)(end - v));
			p = end;
		}
	}
	return NULL;
}

/* Answers the registry's challenge: sets G->auth. */
static int authenticate(struct registry *g, const char *challenge, struct rkt_error *err)
{
	if (strncasecmp(challenge, "Basic", 5) == 0) {
		if (!g->creds)
			return rkt_error_input(
			        err, EACCES,
			        "%s: registry '%s' wants a user and password (auth.d "
			        "dockerAuth)",
			        g->what, g->ref->registry);
		g->auth = basic_header(g->creds);
		return 0;
	}
	if (strncasecmp(challenge, "Bearer ", 7) != 0)
		return rkt_error_input(err, EACCES, "%s: unsupported authentication '%.40s'",
		                       g->what, challenge);

	_cleanup_free_ char *realm = challenge_param(challenge + 7, "realm");
	_cleanup_free_ char *service = challenge_param(challenge + 7, "service");
	_cleanup_free_ char *scope = challenge_param(challenge + 7, "scope");
	_cleanup_free_ char *url = NULL, *basic = NULL, *esc_service = NULL, *esc_scope = NULL;
	_cleanup_(json_object_putp) struct json_object *reply = NULL;
	struct membuf m = { .max = 1024 * 1024 };
	struct rkt_http_result res = { 0 };
	struct json_object *v;
	int r;

	if (!realm || (strncmp(realm, "https://", 8) != 0 && strncmp(realm, "http://", 7) != 0))
		return rkt_error_input(err, EACCES, "%s: token challenge without a usable realm",
		                       g->what);
	if (!scope)
		scope = xasprintf("repository:%s:pull", g->ref->repo);
	r = rkt_http_escape(scope, &esc_scope, err);
	if (r < 0)
		return r;
	url = xasprintf("%s%sscope=%s", realm, strchr(realm, '?') ? "&" : "?", esc_scope);
	if (service) {
		r = rkt_http_escape(service, &esc_service, err);
		if (r < 0)
			return r;
		char *u = xasprintf("%s&service=%s", url, esc_service);
		free(url);
		url = u;
	}
	/* The credentials go to the realm the registry named (as the token spec says), only
	 * over https unless plain http is allowed (rkt_http_fetch refuses it otherwise), and
	 * never further: lib/net drops them on a redirect to another host. */
	if (g->creds)
		basic = basic_header(g->creds);
	const char *headers[] = { basic, NULL };
	struct rkt_http_request req = { .url = url,
		                        .flags = g->flags,
		                        .headers = basic ? headers : NULL,
		                        .write = mem_write,
		                        .write_userdata = &m,
		                        .fd = -1 };
	r = rkt_http_fetch(&req, &res, err);
	rkt_http_result_release(&res);
	if (r < 0) {
		free(m.buf);
		return rkt_error_wrap(err, r, "%s: token", g->what);
	}
	r = rkt_json_parse(m.buf ?: "", m.len, "token reply", &reply, err);
	free(m.buf);
	if (r < 0)
		return rkt_error_wrap(err, r, "%s", g->what);
	if (!rkt_json_get(reply, "token", json_type_string, &v) &&
	    !rkt_json_get(reply, "access_token", json_type_string, &v))
		return rkt_error_input(err, EACCES, "%s: token reply without a token", g->what);
	g->auth = xasprintf("Authorization: Bearer %s", json_object_get_string(v));
	return 0;
}

/* GET BASE/v2/REPO/PATH into WRITE; answers one 401 challenge and retries. */
static int reg_get(struct registry *g, const char *path, const char *accept,
                   rkt_http_write_fn write, void *userdata, rkt_http_progress_fn progress,
                   void *progress_userdata, struct rkt_error *err)
{
	_cleanup_free_ char *url = xasprintf("%s/v2/%s/%s", g->base, g->ref->repo, path);

	for (;;) {
		_cleanup_free_ char *challenge = NULL;
		struct rkt_http_result res = { 0 };
		const char *headers[3] = { 0 };
		size_t n = 0;
		int r;

		if (accept)
			headers[n++] = accept;
		if (g->auth)
			headers[n++] = g->auth;
		struct rkt_http_request req = { .url = url,
			                        .flags = g->flags,
			                        .headers = headers,
			                        .write = write,
			                        .write_userdata = userdata,
			                        .fd = -1,
			                        .progress = progress,
			                        .progress_userdata = progress_userdata,
			                        .ret_challenge = &challenge };
		r = rkt_http_fetch(&req, &res, err);
		rkt_http_result_release(&res);
		if (r != -EACCES || g->auth_tried || !challenge)
			return r < 0 && r != -EFBIG ? rkt_error_wrap(err, r, "%s", g->what) : r;
		rkt_error_clear(err);
		g->auth_tried = true;
		r = authenticate(g, challenge, err);
		if (r < 0)
			return r;
	}
}

static bool is_manifest_type(const char *mt)
{
	return mt && (strcmp(mt, OCI_MT_MANIFEST) == 0 || strcmp(mt, OCI_MT_INDEX) == 0 ||
	              strcmp(mt, DOCKER_MT_MANIFEST) == 0 || strcmp(mt, DOCKER_MT_LIST) == 0 ||
	              strcmp(mt, DOCKER_MT_V1) == 0 || strcmp(mt, DOCKER_MT_V1_SIGNED) == 0);
}

static int reg_get_doc(void *userdata, const struct oci_desc *d, char **ret, size_t *ret_len,
                       struct rkt_error *err)
{
	struct registry *g = userdata;
	struct membuf m = { .max = d->size };
	bool manifest = is_manifest_type(d->media_type);
	_cleanup_free_ char *path = xasprintf("%s/%s", manifest ? "manifests" : "blobs", d->digest);
	int r;

	if (d->size > OCI_MAX_DOC)
		return rkt_error_input(err, EFBIG, "%s: document '%s' is larger than 4 MiB",
		                       g->what, d->digest);
	r = reg_get(g, path, manifest ? ACCEPT_MANIFESTS : NULL, mem_write, &m, NULL, NULL, err);
	if (r == -EFBIG)
		r = rkt_error_input(err, EFBIG, "%s: blob '%s' is larger than its %llu bytes",
		                    g->what, d->digest, (unsigned long long)d->size);
	if (r >= 0 && m.len != d->size)
		r = rkt_error_input(err, EBADMSG, "%s: blob '%s' has %zu bytes, not %llu", g->what,
		                    d->digest, m.len, (unsigned long long)d->size);
	if (r >= 0)
		r = oci_check_digest(m.buf ?: "", m.len, d->digest, g->what, err);
	if (r < 0) {
		free(m.buf);
		return r;
	}
	*ret = m.buf ?: xstrdup("");
	*ret_len = m.len;
	return 0;
}

/* A layer into a file, hashed and counted as it streams. */
struct layer_sink {
	int fd;
	struct rkt_sha256 *h;
	uint64_t n, max;
};

static int layer_write(void *userdata, const void *buf, size_t len)
{
	struct layer_sink *l = userdata;

	if (l->n + len > l->max)
		return -EFBIG;
	l->n += len;
	rkt_sha256_update(l->h, buf, len);
	for (size_t done = 0; done < len;) {
		ssize_t w = write(l->fd, (const char *)buf + done, len - done);
		if (w < 0)
			return -errno;
		done += (size_t)w;
	}
	return 0;
}

struct layer_progress {
	const struct rkt_fetch_opts *opts;
	char what[32];
};

static void on_layer_progress(void *userdata, const struct rkt_http_progress *p)
{
	struct layer_progress *lp = userdata;

	lp->opts->progress(lp->opts->progress_userdata, lp->what, p);
}

static int reg_get_layer(void *userdata, const struct oci_desc *d, int fd, struct rkt_error *err)
{
	struct registry *g = userdata;
	_cleanup_(rkt_sha256_freep) struct rkt_sha256 *h = rkt_sha256_new();
	_cleanup_free_ char *path = xasprintf("blobs/%s", d->digest);
	struct layer_sink l = { .fd = fd, .h = h, .max = d->size };
	struct statvfs sv;
	struct layer_progress lp = { .opts = g->opts };
	char got[RKT_SHA256_DIGEST_SIZE];
	int r;

	/* A schema 1 layer has no size: it may not grow past the free space. */
	if (d->size == OCI_SIZE_UNKNOWN) {
		if (fstatvfs(fd, &sv) < 0)
			return rkt_error_set(err, errno, "%s: free space", g->what);
		l.max = (uint64_t)sv.f_bavail * sv.f_frsize;
	}
	(void)snprintf(lp.what, sizeof(lp.what), "%.19s", d->digest);
	r = reg_get(g, path, NULL, layer_write, &l, g->opts->progress ? on_layer_progress : NULL,
	            &lp, err);
	if (g->opts->progress)
		g->opts->progress(g->opts->progress_userdata, lp.what, NULL);
	if (r == -EFBIG && d->size == OCI_SIZE_UNKNOWN)
		return rkt_error_input(err, EFBIG, "%s: blob '%s' is larger than the %llu MiB free",
		                       g->what, d->digest, (unsigned long long)(l.max >> 20));
	if (r == -EFBIG)
		return rkt_error_input(err, EFBIG, "%s: blob '%s' is larger than its %llu bytes",
		                       g->what, d->digest, (unsigned long long)d->size);
	if (r < 0)
		return r;
	rkt_sha256_final_digest(h, got);
	if (d->size != OCI_SIZE_UNKNOWN && l.n != d->size)
		return rkt_error_input(err, EBADMSG, "%s: blob '%s' has %llu bytes, not %llu",
		                       g->what, d->digest, (unsigned long long)l.n,
		                       (unsigned long long)d->size);
	if (strcmp(got, d->digest) != 0)
		return rkt_error_input(err, EBADMSG, "%s: blob '%s' hashes to '%s'", g->what,
		                       d->digest, got);
	return 0;
}

static void layer_event(void *userdata, const struct oci_desc *d, bool cached, bool done)
{
	struct registry *g = userdata;

	if (g->opts->layer)
		g->opts->layer(g->opts->layer_userdata, d->digest, d->size, cached, done);
}

/* The value of annotation KEY of the manifest M, or NULL. */
static const char *manifest_annotation(struct json_object *m, const char *key)
{
	struct json_object *anns, *v;

	if (!rkt_json_get(m, "annotations", json_type_array, &anns))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(anns); i++) {
		struct json_object *a = json_object_array_get_idx(anns, i);

		if (rkt_json_get(a, "name", json_type_string, &v) &&
		    strcmp(json_object_get_string(v), key) == 0 &&
		    rkt_json_get(a, "value", json_type_string, &v))
			return json_object_get_string(v);
	}
	return NULL;
}

/* A stored image called SNAME whose manifest is DIGEST (annotation appc.io/docker/manifesthash)
 * and whose os/arch labels are the ones asked for, if any: what "NAME@DIGEST" names, forever. */
static int find_by_digest(struct rkt_store *s, const char *sname, const char *digest,
                          const struct rkt_fetch_opts *opts, char ret_id[RKT_IMAGE_ID_SIZE])
{
	struct rkt_image_info *infos = NULL;
	struct rkt_error e = { 0 };
	size_t n = 0;
	int r = -ENOENT;

	if (rkt_store_list(s, &infos, &n, &e) < 0)
		return -ENOENT;
	for (size_t i = n; i-- > 0 && r < 0;) {
		_cleanup_free_ char *buf = NULL;
		_cleanup_(json_object_putp) struct json_object *m = NULL;
		const char *os = rkt_kv_list_get(&infos[i].labels, "os");
		const char *arch = rkt_kv_list_get(&infos[i].labels, "arch");
		const char *h;

		if (strcmp(infos[i].name, sname) != 0 ||
		    (opts->os && (!os || strcmp(os, opts->os) != 0)) ||
		    (opts->arch && (!arch || strcmp(arch, opts->arch) != 0)) ||
		    rkt_store_get_manifest(s, infos[i].id, &buf, &e) < 0 ||
		    rkt_json_parse(buf, strlen(buf), "manifest", &m, &e) < 0)
			continue;
		h = manifest_annotation(m, "appc.io/docker/manifesthash");
		if (h && strcmp(h, digest) == 0) {
			memcpy(ret_id, infos[i].id, RKT_IMAGE_ID_SIZE);
			r = 0;
		}
	}
	rkt_image_info_array_free(infos, n);
	return r;
}

int rkt_fetch_docker(struct rkt_store *s, const char *image, const struct rkt_fetch_opts *opts,
                     char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err)
{
	_cleanup_(docker_ref_release) struct docker_ref ref = { 0 };
	_cleanup_free_ char *what = xasprintf("image '%s'", image), *name = NULL, *base = NULL,
	                    *origin = NULL;
	struct membuf m = { .max = OCI_MAX_DOC };
	char digest[RKT_SHA256_DIGEST_SIZE];
	int r;

	if (!(opts->insecure & RKT_INSECURE_IMAGE))
		return rkt_error_input(err, ENOKEY,
		                       "image '%s': docker images cannot be verified (no "
		                       "signatures); use --insecure-options=image to fetch it",
		                       image);
	r = docker_ref_parse(image, &ref, err);
	if (r < 0)
		return r;
	name = xasprintf("%s/%s", ref.registry, ref.repo);
	origin = ref.digest ? xasprintf("docker://%s/%s@%s", ref.registry, ref.repo, ref.digest)
	                    : xasprintf("docker://%s/%s:%s", ref.registry, ref.repo, ref.tag);
	if (opts->pull_policy != RKT_PULL_POLICY_UPDATE) {
		_cleanup_free_ char *sname = oci_sanitize_name(name);
		struct rkt_kv_list labels = { 0 };

		if (ref.tag && !ref.digest)
			rkt_kv_list_set(&labels, "version", ref.tag);
		/* the image of another platform than the one asked for does not do */
		if (opts->os)
			rkt_kv_list_set(&labels, "os", opts->os);
		if (opts->arch)
			rkt_kv_list_set(&labels, "arch", opts->arch);
		r = ref.digest ? find_by_digest(s, sname, ref.digest, opts, ret_id)
		               : rkt_store_find_by_name(s, sname, &labels, ret_id, NULL);
		rkt_kv_list_release(&labels);
		if (r >= 0)
			return 0;
		if (opts->pull_policy == RKT_PULL_POLICY_NEVER)
			return rkt_error_input(err, ENOENT, "%s: not in the store", what);
	}

	struct registry g = {
		.opts = opts,
		.ref = &ref,
		.what = what,
		.flags = ((opts->insecure & RKT_INSECURE_HTTP) ? RKT_HTTP_ALLOW_HTTP : 0) |
		         ((opts->insecure & RKT_INSECURE_TLS) ? RKT_HTTP_INSECURE_TLS : 0),
	};
	base = xasprintf("%s://%s", (opts->insecure & RKT_INSECURE_HTTP) ? "http" : "https",
	                 ref.registry);
	g.base = base;
	for (size_t i = 0; opts->config && i < opts->config->n_docker_auth; i++)
		if (strcmp(opts->config->docker_auth[i].registry, ref.registry) == 0)
			g.creds = &opts->config->docker_auth[i];

	_cleanup_free_ char *mpath = xasprintf("manifests/%s", ref.digest ?: ref.tag);
	r = reg_get(&g, mpath, ACCEPT_MANIFESTS, mem_write, &m, NULL, NULL, err);
	if (r == -EFBIG)
		r = rkt_error_input(err, EFBIG, "%s: manifest is larger than 4 MiB", what);
	/* TLS failed: a registry on plain http, or with a certificate of another CA */
	if (r == -EKEYREJECTED && !(opts->insecure & RKT_INSECURE_HTTP))
		rkt_error_append(err, " (a plain-http registry needs --insecure-options=http, "
		                      "another CA's certificate --insecure-options=tls)");
	if (r < 0) {
		free(m.buf);
		free(g.auth);
		return r;
	}
	{
		_cleanup_(rkt_sha256_freep) struct rkt_sha256 *h = rkt_sha256_new();

		rkt_sha256_update(h, m.buf ?: "", m.len);
		rkt_sha256_final_digest(h, digest);
	}
	if (ref.digest && strcmp(digest, ref.digest) != 0) {
		free(m.buf);
		free(g.auth);
		return rkt_error_input(err, EBADMSG, "%s: manifest hashes to '%s'", what, digest);
	}
	struct oci_source src = { .get_doc = reg_get_doc,
		                  .get_layer = reg_get_layer,
		                  .userdata = &g,
		                  .layer_event = layer_event };
	struct oci_ref oref = { .name = name,
		                .tag = ref.digest ? NULL : ref.tag,
		                .registry = ref.registry,
		                .repository = ref.repo,
		                .origin = origin,
		                .manifest_hash = digest };
	r = oci_import_manifest(s, &src, m.buf ?: "", m.len, digest, &oref, opts, what, ret_id,
	                        err);
	free(m.buf);
	free(g.auth);
	return r;
}
