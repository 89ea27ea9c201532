/* OCI image layouts and archives into the store (docs/store.md, "Container images"):
 * oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE. Every document and layer is
 * checked against its digest and size; layers the store has are not read again. */
#include "fetch/oci.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "store/layer.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json-util.h"
#include "util/walk.h"
#include "util/xalloc.h"

void oci_desc_release(struct oci_desc *d)
{
	free(d->media_type);
	d->media_type = NULL;
}

int oci_desc_parse(struct json_object *o, const char *what, struct oci_desc *ret,
                   struct rkt_error *err)
{
	struct json_object *v;
	const char *digest;
	int64_t size;

	*ret = (struct oci_desc){ 0 };
	if (!json_object_is_type(o, json_type_object) ||
	    !rkt_json_get(o, "digest", json_type_string, &v))
		return rkt_error_input(err, EINVAL, "%s: descriptor without a digest", what);
	digest = json_object_get_string(v);
	if (!rkt_sha256_digest_valid(digest))
		return rkt_error_input(err, EINVAL, "%s: unsupported digest '%.80s'", what, digest);
	if (!rkt_json_get(o, "size", json_type_int, &v) || (size = json_object_get_int64(v)) < 0)
		return rkt_error_input(err, EINVAL, "%s: descriptor '%s' without a size", what,
		                       digest);
	memcpy(ret->digest, digest, sizeof(ret->digest));
	ret->size = (uint64_t)size;
	if (rkt_json_get(o, "mediaType", json_type_string, &v))
		ret->media_type = xstrdup(json_object_get_string(v));
	return 0;
}

int oci_check_digest(const void *buf, size_t len, const char *digest, const char *what,
                     struct rkt_error *err)
{
	_cleanup_(rkt_sha256_freep) struct rkt_sha256 *h = rkt_sha256_new();
	char got[RKT_SHA256_DIGEST_SIZE];

	rkt_sha256_update(h, buf, len);
	rkt_sha256_final_digest(h, got);
	if (strcmp(got, digest) != 0)
		return rkt_error_input(err, EBADMSG, "%s: content hashes to '%s', not '%s'", what,
		                       got, digest);
	return 0;
}

/* A layer that says it is larger than the free space of the store's file system (FD a file
 * there) is refused before a byte of it is transferred: a manifest pointing to a huge or
 * endless blob must not fill the disk first. */
static int check_space(int fd, const struct oci_desc *d, const char *what, struct rkt_error *err)
{
	struct statvfs sv;
	uint64_t avail;

	if (d->size == OCI_SIZE_UNKNOWN)
		return 0; /* cut off at the free space while it streams */
	if (fstatvfs(fd, &sv) < 0)
		return rkt_error_set(err, errno, "%s: free space", what);
	avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	if (d->size > avail)
		return rkt_error_input(
		        err, EFBIG,
		        "%s: layer '%s' of %llu MiB is larger than the %llu MiB free "
		        "in the store",
		        what, d->digest, (unsigned long long)(d->size >> 20),
		        (unsigned long long)(avail >> 20));
	return 0;
}

static bool is_index(const char *mt)
{
	return mt && (strcmp(mt, OCI_MT_INDEX) == 0 || strcmp(mt, DOCKER_MT_LIST) == 0);
}

/* From an index or manifest list, the manifest for OPTS' platform (linux and the host's
 * architecture unless --os and --arch say). */
static int pick_platform(struct json_object *root, const struct rkt_fetch_opts *opts,
                         const char *what, struct oci_desc *ret, struct rkt_error *err)
{
	struct json_object *mans, *plat, *v;
	const char *os = opts->os ?: "linux", *arch = opts->arch ?: oci_host_arch();

	if (!rkt_json_get(root, "manifests", json_type_array, &mans))
		return rkt_error_input(err, EINVAL, "%s: index without manifests", what);
	for (size_t i = 0; i < json_object_array_length(mans); i++) {
		struct json_object *d = json_object_array_get_idx(mans, i);

		if (!rkt_json_get(d, "platform", json_type_object, &plat))
			continue;
		if (!rkt_json_get(plat, "os", json_type_string, &v) ||
		    strcmp(json_object_get_string(v), os) != 0)
			continue;
		if (!rkt_json_get(plat, "architecture", json_type_string, &v) ||
		    strcmp(json_object_get_string(v), arch) != 0)
			continue;
		return oci_desc_parse(d, what, ret, err);
	}
	return rkt_error_input(err, ENOENT, "%s: no manifest for %s/%s%s", what, os, arch,
	                       opts->os || opts->arch ? ""
	                                              : " (--os and --arch pick another platform)");
}

struct layer_list {
	struct rkt_store_layer_in *items;
	int *fds;
	size_t n;
};

static void layer_list_release(struct layer_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->fds[i] >= 0)
			close(l->fds[i]);
	free(l->items);
	free(l->fds);
}

/* The layers of a schema 2 / OCI manifest, bottom first. */
static int layers_v2(struct json_object *root, const char *what, struct oci_desc **ret,
                     size_t *ret_n, struct rkt_error *err)
{
	struct json_object *layers;
	size_t n;

	if (!rkt_json_get(root, "layers", json_type_array, &layers))
		return rkt_error_input(err, EINVAL, "%s: manifest without layers", what);
	n = json_object_array_length(layers);
	*ret = xzalloc((n + 1) * sizeof(**ret));
	*ret_n = n;
	for (size_t i = 0; i < n; i++) {
		int r = oci_desc_parse(json_object_array_get_idx(layers, i), what, &(*ret)[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A schema 1 manifest: fsLayers[i].blobSum and history[i].v1Compatibility (a JSON document as
 * a string) describe the same layer, the top one first. The layers come out bottom first,
 * without the "throwaway" ones (empty layers of metadata-only steps), and the config is the
 * top entry's document. */
static int layers_v1(struct json_object *root, const char *what, struct oci_desc **ret,
                     size_t *ret_n, const char **ret_config, struct rkt_error *err)
{
	struct json_object *fs, *hist, *v;
	size_t n, k = 0;

	if (!rkt_json_get(root, "fsLayers", json_type_array, &fs) ||
	    !rkt_json_get(root, "history", json_type_array, &hist))
		return rkt_error_input(err, EINVAL,
		                       "%s: schema 1 manifest without fsLayers or history", what);
	n = json_object_array_length(fs);
	if (n == 0 || json_object_array_length(hist) != n)
		return rkt_error_input(
		        err, EINVAL,
		        "%s: schema 1 manifest with %zu fsLayers and %zu history entries", what, n,
		        json_object_array_length(hist));
	*ret = xzalloc((n + 1) * sizeof(**ret));
	for (size_t i = n; i-- > 0;) {
		struct json_object *h = json_object_array_get_idx(hist, i), *compat = NULL;
		const char *digest;

		if (!rkt_json_get(h, "v1Compatibility", json_type_string, &v))
			return rkt_error_input(err, EINVAL,
			                       "%s: history entry %zu without v1Compatibility",
			                       what, i);
		if (i == 0)
			*ret_config = json_object_get_string(v);
		compat = json_tokener_parse(json_object_get_string(v));
		bool throwaway = compat &&
		                 rkt_json_get(compat, "throwaway", json_type_boolean, &v) &&
		                 json_object_get_boolean(v);
		json_object_put(compat);
		if (!rkt_json_get(json_object_array_get_idx(fs, i), "blobSum", json_type_string,
		                  &v))
			return rkt_error_input(err, EINVAL,
			                       "%s: fsLayers entry %zu without blobSum", what, i);
		digest = json_object_get_string(v);
		if (!rkt_sha256_digest_valid(digest))
			return rkt_error_input(err, EINVAL, "%s: unsupported digest '%.80s'", what,
			                       digest);
		if (throwaway)
			continue;
		memcpy((*ret)[k].digest, digest, sizeof((*ret)[k].digest));
		(*ret)[k++].size = OCI_SIZE_UNKNOWN;
	}
	*ret_n = k;
	return 0;
}

static void descs_free(struct oci_desc **d)
{
	for (size_t i = 0; *d && (*d)[i].digest[0]; i++)
		oci_desc_release(&(*d)[i]);
	free(*d);
}

/* The size of a blob whose descriptor did not say: what arrived, or what the store has. */
static int actual_size(struct rkt_store *s, const struct oci_desc *d, int fd, uint64_t *ret,
                       struct rkt_error *err)
{
	_cleanup_close_ int own = -EBADF;
	struct stat st;

	if (fd < 0) {
		int r = rkt_store_open_layer(s, d->digest, &own, err);
		if (r < 0)
			return r;
		fd = own;
	}
	if (fstat(fd, &st) < 0)
		return rkt_error_set(err, errno, "layer '%s'", d->digest);
	*ret = (uint64_t)st.st_size;
	return 0;
}

int oci_import_manifest(struct rkt_store *s, const struct oci_source *src, const char *doc,
                        size_t len, const char *doc_digest, const struct oci_ref *ref,
                        const struct rkt_fetch_opts *opts, const char *what,
                        char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err)
{
	_cleanup_(json_object_putp) struct json_object *root = NULL;
	_cleanup_free_ char *config = NULL, *aci = NULL, *nested = NULL;
	_cleanup_(layer_list_release) struct layer_list ll = { 0 };
	_cleanup_(descs_free) struct oci_desc *descs = NULL;
	struct json_object *v;
	struct oci_desc cdesc = { 0 };
	size_t clen = 0;
	int r;

	r = rkt_json_parse(doc, len, what, &root, err);
	if (r < 0)
		return r;
	if (!json_object_is_type(root, json_type_object))
		return rkt_error_input(err, EINVAL, "%s: manifest is not an object", what);
	const char *mt = rkt_json_get(root, "mediaType", json_type_string, &v)
	                         ? json_object_get_string(v)
	                         : NULL;
	if (is_index(mt) || (!mt && rkt_json_get(root, "manifests", json_type_array, &v))) {
		struct oci_desc d = { 0 };
		size_t nlen = 0;
		struct oci_ref sub = *ref;

		r = pick_platform(root, opts, what, &d, err);
		if (r >= 0)
			r = src->get_doc(src->userdata, &d, &nested, &nlen, err);
		if (r >= 0) {
			sub.manifest_hash = ref->manifest_hash ? d.digest : NULL;
			r = oci_import_manifest(s, src, nested, nlen, d.digest, &sub, opts, what,
			                        ret_id, err);
		}
		oci_desc_release(&d);
		return r;
	}
	(void)doc_digest;
	if (rkt_json_get(root, "schemaVersion", json_type_int, &v) &&
	    json_object_get_int64(v) == 1) {
		const char *compat = NULL;
		char cdigest[RKT_SHA256_DIGEST_SIZE];
		_cleanup_(rkt_sha256_freep) struct rkt_sha256 *h = rkt_sha256_new();

		r = layers_v1(root, what, &descs, &ll.n, &compat, err);
		if (r < 0)
			return r;
		/* No config blob: the image ID annotation is the digest of the top v1 document. */
		rkt_sha256_update(h, compat, strlen(compat));
		rkt_sha256_final_digest(h, cdigest);
		r = oci_map_config(compat, strlen(compat), cdigest, ref, &aci, err);
	} else {
		if (!rkt_json_get(root, "config", json_type_object, &v))
			return rkt_error_input(err, EINVAL, "%s: manifest without a config", what);
		r = oci_desc_parse(v, what, &cdesc, err);
		if (r >= 0 && cdesc.size > OCI_MAX_DOC)
			r = rkt_error_input(err, EFBIG, "%s: config is larger than 4 MiB", what);
		if (r >= 0)
			r = src->get_doc(src->userdata, &cdesc, &config, &clen, err);
		if (r >= 0)
			r = oci_map_config(config, clen, cdesc.digest, ref, &aci, err);
		oci_desc_release(&cdesc);
		if (r >= 0)
			r = layers_v2(root, what, &descs, &ll.n, err);
	}
	if (r < 0)
		return r;
	ll.items = xzalloc((ll.n + 1) * sizeof(*ll.items));
	ll.fds = xzalloc((ll.n + 1) * sizeof(*ll.fds));
	for (size_t i = 0; i < ll.n; i++)
		ll.fds[i] = -1;
	for (size_t i = 0; i < ll.n; i++) {
		struct oci_desc *d = &descs[i];
		struct rkt_store_layer_in *in = &ll.items[i];
		bool cached;

		memcpy(in->digest, d->digest, sizeof(in->digest));
		in->size = d->size;
		in->media_type = "";
		in->fd = -1;
		cached = rkt_store_has_layer(s, d->digest);
		if (src->layer_event && d->size != OCI_SIZE_UNKNOWN)
			src->layer_event(src->userdata, d, cached, false);
		if (!cached) {
			r = rkt_store_layer_tmpfile(s, &ll.fds[i], err);
			if (r >= 0)
				r = check_space(ll.fds[i], d, what, err);
			if (r >= 0)
				r = src->get_layer(src->userdata, d, ll.fds[i], err);
			in->fd = ll.fds[i];
		}
		if (r >= 0 && d->size == OCI_SIZE_UNKNOWN) {
			r = actual_size(s, d, in->fd, &d->size, err);
			in->size = d->size;
			if (r >= 0 && src->layer_event)
				src->layer_event(src->userdata, d, cached, false);
		}
		if (r >= 0 && src->layer_event)
			src->layer_event(src->userdata, d, cached, true);
		if (r < 0)
			return r;
	}
	struct rkt_store_layered_opts lo = {
		.what = what,
		.manifest = aci,
		.layers = ll.items,
		.n_layers = ll.n,
		.origin = ref->origin,
		.latest = !ref->tag,
		.insecure_options = opts->insecure,
	};
	r = rkt_store_import_layered(s, &lo, ret_id, err);
	return r < 0 ? r : 0;
}

/* Copying a blob from a file, checked against its descriptor. */
static int copy_verified(int in, const struct oci_desc *d, int out, const char *what,
                         struct rkt_error *err)
{
	_cleanup_(rkt_sha256_freep) struct rkt_sha256 *h = rkt_sha256_new();
	_cleanup_free_ char *buf = xmalloc(1 << 20);
	char got[RKT_SHA256_DIGEST_SIZE];
	uint64_t total = 0;

	for (;;) {
		ssize_t n = read(in, buf, 1 << 20);

		if (n < 0)
			return rkt_error_set(err, errno, "%s: read blob '%s'", what, d->digest);
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (d->size != OCI_SIZE_UNKNOWN && total > d->size)
			return rkt_error_input(err, EFBIG,
			                       "%s: blob '%s' is larger than its %llu bytes", what,
			                       d->digest, (unsigned long long)d->size);
		rkt_sha256_update(h, buf, (size_t)n);
		for (ssize_t done = 0; done < n;) {
			ssize_t m = write(out, buf + done, (size_t)(n - done));
			if (m < 0)
				return rkt_error_set(err, errno, "%s: write layer", what);
			done += m;
		}
	}
	rkt_sha256_final_digest(h, got);
	if (d->size != OCI_SIZE_UNKNOWN && total != d->size)
		return rkt_error_input(err, EBADMSG, "%s: blob '%s' has %llu bytes, not %llu", what,
		                       d->digest, (unsigned long long)total,
		                       (unsigned long long)d->size);
	if (strcmp(got, d->digest) != 0)
		return rkt_error_input(err, EBADMSG, "%s: blob '%s' hashes to '%s'", what,
		                       d->digest, got);
	return 0;
}

/* An OCI layout directory: blobs/sha256/<hex>. */
struct layout {
	int dir_fd;
	const char *what;
};

static int layout_open_blob(struct layout *l, const char *digest, int *ret_fd,
                            struct rkt_error *err)
{
	_cleanup_free_ char *rel = xasprintf("blobs/sha256/%s", digest + 7);
	int fd = rkt_open_in_root(l->dir_fd, rel, O_RDONLY | O_NOCTTY, 0);
	struct stat st;

	if (fd < 0)
		return rkt_error_set(err, -fd, "%s: blob '%s'", l->what, digest);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return rkt_error_input(err, EINVAL, "%s: blob '%s' is not a file", l->what, digest);
	}
	*ret_fd = fd;
	return 0;
}

static int layout_get_doc(void *userdata, const struct oci_desc *d, char **ret, size_t *ret_len,
                          struct rkt_error *err)
{
	struct layout *l = userdata;
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r;

	if (d->size > OCI_MAX_DOC)
		return rkt_error_input(err, EFBIG, "%s: document '%s' is larger than 4 MiB",
		                       l->what, d->digest);
	r = layout_open_blob(l, d->digest, &fd, err);
	if (r < 0)
		return r;
	r = rkt_read_fd(fd, (size_t)d->size, &buf, &len);
	if (r == -EFBIG)
		return rkt_error_input(err, EFBIG, "%s: blob '%s' is larger than its %llu bytes",
		                       l->what, d->digest, (unsigned long long)d->size);
	if (r < 0)
		return rkt_error_set(err, -r, "%s: read blob '%s'", l->what, d->digest);
	if (len != d->size)
		return rkt_error_input(err, EBADMSG, "%s: blob '%s' has %zu bytes, not %llu",
		                       l->what, d->digest, len, (unsigned long long)d->size);
	r = oci_check_digest(buf, len, d->digest, l->what, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

static int layout_get_layer(void *userdata, const struct oci_desc *d, int fd, struct rkt_error *err)
{
	struct layout *l = userdata;
	_cleanup_close_ int in = -EBADF;
	int r = layout_open_blob(l, d->digest, &in, err);

	return r < 0 ? r : copy_verified(in, d, fd, l->what, err);
}

static char *base_name(const char *path)
{
	_cleanup_free_ char *p = xstrdup(path);
	size_t n = strlen(p);
	char *slash, *dot;

	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	slash = strrchr(p, '/');
	char *b = xstrdup(slash ? slash + 1 : p);
	dot = strrchr(b, '.');
	if (dot && dot != b && (strcmp(dot, ".tar") == 0 || strcmp(dot, ".oci") == 0))
		*dot = '\0';
	return b;
}

/* The tag of REF: REF itself if it is a plain tag ("v1"), the part after the last ':' of a
 * full reference as podman and buildah write them ("localhost/app:v1"), or "latest" for a full
 * reference without one ("localhost/app"). */
static char *ref_tag(const char *ref)
{
	const char *colon = strrchr(ref, ':');

	if (!strchr(ref, '/') && !colon)
		return xstrdup(ref);
	if (colon && !strchr(colon, '/') && colon[1])
		return xstrdup(colon + 1);
	return xstrdup("latest");
}

/* REF as a full reference Docker would make of it: "busybox" is
 * "docker.io/library/busybox:latest", "localhost/app" is "localhost/app:latest". */
static char *ref_normalize(const char *ref)
{
	const char *slash = strchr(ref, '/'), *colon = strrchr(ref, ':');
	bool domain = slash && (memchr(ref, '.', (size_t)(slash - ref)) ||
	                        memchr(ref, ':', (size_t)(slash - ref)) ||
	                        strncmp(ref, "localhost/", 10) == 0);
	bool tagged = colon && !strchr(colon, '/');

	return xasprintf("%s%s%s%s", domain ? "" : "docker.io/", domain || slash ? "" : "library/",
	                 ref, tagged ? "" : ":latest");
}

static int import_layout(struct rkt_store *s, int dir_fd, const char *tag, const char *name,
                         const char *origin, const struct rkt_fetch_opts *opts, const char *what,
                         char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err)
{
	_cleanup_(json_object_putp) struct json_object *index = NULL;
	_cleanup_free_ char *buf = NULL, *doc = NULL;
	struct layout l = { .dir_fd = dir_fd, .what = what };
	struct oci_source src = { .get_doc = layout_get_doc,
		                  .get_layer = layout_get_layer,
		                  .userdata = &l };
	(void)opts;
	struct json_object *mans, *chosen = NULL;
	struct oci_desc d = { 0 };
	size_t len = 0, dlen = 0;
	int r;

	r = rkt_read_in_root(dir_fd, "index.json", OCI_MAX_DOC, &buf, &len);
	if (r < 0)
		return rkt_error_set(err, -r, "%s: read 'index.json'", what);
	r = rkt_json_parse(buf, len, what, &index, err);
	if (r < 0)
		return r;
	if (!rkt_json_get(index, "manifests", json_type_array, &mans) ||
	    json_object_array_length(mans) == 0)
		return rkt_error_input(err, EINVAL, "%s: no image in 'index.json'", what);
	for (size_t i = 0; i < json_object_array_length(mans); i++) {
		struct json_object *m = json_object_array_get_idx(mans, i), *ann, *v;
		const char *ref = NULL;

		if (rkt_json_get(m, "annotations", json_type_object, &ann) &&
		    rkt_json_get(ann, "org.opencontainers.image.ref.name", json_type_string, &v))
			ref = json_object_get_string(v);
		if (tag ? (ref && strcmp(ref, tag) == 0) : json_object_array_length(mans) == 1) {
			chosen = m;
			if (!tag && ref)
				tag = ref;
			break;
		}
	}
	if (!chosen)
		return tag ? rkt_error_input(err, ENOENT, "%s: no image tagged '%s'", what, tag)
		           : rkt_error_input(err, EINVAL, "%s: several images; give a tag", what);
	_cleanup_free_ char *tagc = tag ? ref_tag(tag) : NULL;
	r = oci_desc_parse(chosen, what, &d, err);
	if (r >= 0)
		r = layout_get_doc(&l, &d, &doc, &dlen, err);
	if (r >= 0) {
		struct oci_ref ref = {
			.name = name, .tag = tagc, .repository = name, .origin = origin
		};
		r = oci_import_manifest(s, &src, doc, dlen, d.digest, &ref, opts, what, ret_id,
		                        err);
	}
	oci_desc_release(&d);
	return r;
}

/* Extracts the archive FILE into a new temporary directory (symlinks stay inside it). */
static int extract_archive(const char *file, char **ret_dir, int *ret_fd, struct rkt_error *err)
{
	_cleanup_(rkt_tree_writer_freep) struct rkt_tree_writer *w = NULL;
	const char *tmp = getenv("TMPDIR");
	_cleanup_free_ char *dir =
	        xasprintf("%s/rkt-archive-XXXXXX", tmp && tmp[0] ? tmp : "/var/tmp");
	_cleanup_close_ int in = -EBADF, dfd = -EBADF;
	_cleanup_free_ char *what = xasprintf("archive '%s'", file);
	struct rkt_layer_apply_opts o = { .no_whiteouts = true };
	int r;

	in = open(file, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return rkt_error_set(err, errno, "archive '%s'", file);
	if (!mkdtemp(dir))
		return rkt_error_set(err, errno, "create a temporary directory");
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		r = rkt_error_set(err, errno, "open '%s'", dir);
	else
		r = rkt_tree_writer_new(dfd, NULL, &w, err);
	if (r >= 0)
		r = rkt_layer_apply(dfd, w, in, what, &o, err);
	if (r >= 0)
		r = rkt_tree_writer_finish(w, err);
	if (r < 0) {
		(void)rkt_rm_rf_at(AT_FDCWD, dir, NULL);
		return r;
	}
	*ret_dir = TAKE_PTR(dir);
	*ret_fd = TAKE_FD(dfd);
	return 0;
}

/* docker-archive: manifest.json lists Config, RepoTags and Layers (paths in the archive). */
struct darchive {
	int dir_fd;
	const char *what;
	struct json_object *paths; /* digest -> path */
};

static int darchive_open(struct darchive *a, const struct oci_desc *d, int *ret_fd,
                         struct rkt_error *err)
{
	struct json_object *v;
	int fd;

	if (!rkt_json_get(a->paths, d->digest, json_type_string, &v))
		return rkt_error_input(err, ENOENT, "%s: no blob '%s'", a->what, d->digest);
	fd = rkt_open_in_root(a->dir_fd, json_object_get_string(v), O_RDONLY | O_NOCTTY, 0);
	if (fd < 0)
		return rkt_error_set(err, -fd, "%s: '%s'", a->what, json_object_get_string(v));
	*ret_fd = fd;
	return 0;
}

static int darchive_get_doc(void *userdata, const struct oci_desc *d, char **ret, size_t *ret_len,
                            struct rkt_error *err)
{
	struct darchive *a = userdata;
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = darchive_open(a, d, &fd, err);

	if (r < 0)
		return r;
	r = rkt_read_fd(fd, OCI_MAX_DOC, &buf, &len);
	if (r < 0)
		return rkt_error_set(err, -r, "%s: read '%s'", a->what, d->digest);
	r = oci_check_digest(buf, len, d->digest, a->what, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

static int darchive_get_layer(void *userdata, const struct oci_desc *d, int fd,
                              struct rkt_error *err)
{
	struct darchive *a = userdata;
	_cleanup_close_ int in = -EBADF;
	int r = darchive_open(a, d, &in, err);

	return r < 0 ? r : copy_verified(in, d, fd, a->what, err);
}

/* The sha256 digest and size of the file PATH under DIR_FD. */
static int digest_file(int dir_fd, const char *path, const char *what, struct oci_desc *ret,
                       struct rkt_error *err)
{
	_cleanup_(rkt_sha256_freep) struct rkt_sha256 *h = rkt_sha256_new();
	_cleanup_free_ char *buf = xmalloc(1 << 20);
	_cleanup_close_ int fd = rkt_open_in_root(dir_fd, path, O_RDONLY | O_NOCTTY, 0);
	uint64_t total = 0;

	if (fd < 0)
		return rkt_error_set(err, -fd, "%s: '%s'", what, path);
	for (;;) {
		ssize_t n = read(fd, buf, 1 << 20);
		if (n < 0)
			return rkt_error_set(err, errno, "%s: read '%s'", what, path);
		if (n == 0)
			break;
		rkt_sha256_update(h, buf, (size_t)n);
		total += (uint64_t)n;
	}
	*ret = (struct oci_desc){ .size = total };
	rkt_sha256_final_digest(h, ret->digest);
	return 0;
}

/* The entry of manifest.json that SEL names: "@N" (the Nth, from 0, as skopeo has it) or a
 * reference matched against each entry's RepoTags as Docker normalizes them; without SEL the
 * only one. Sets *RET_TAG to the tag of the RepoTags entry that matched (or the first). */
static int darchive_select(struct json_object *root, const char *sel, const char *what,
                           struct json_object **ret, char **ret_tag, struct rkt_error *err)
{
	size_t n = json_object_array_length(root);
	_cleanup_free_ char *want = NULL;

	*ret = NULL;
	*ret_tag = NULL;
	if (!sel) {
		if (n != 1)
			return rkt_error_input(err, EINVAL,
			                       "%s: the archive holds %zu images; name one "
			                       "(docker-archive:FILE:NAME:TAG or :@N)",
			                       what, n);
		*ret = json_object_array_get_idx(root, 0);
	} else if (sel[0] == '@') {
		char *end;
		unsigned long i;

		errno = 0;
		i = strtoul(sel + 1, &end, 10);
		if (!isdigit((unsigned char)sel[1]) || *end || errno)
			return rkt_error_input(err, EINVAL, "%s: '%s' is not an image index", what,
			                       sel);
		if (i >= n)
			return rkt_error_input(err, ENOENT,
			                       "%s: no image @%lu (the archive holds %zu)", what, i,
			                       n);
		*ret = json_object_array_get_idx(root, i);
	} else {
		want = ref_normalize(sel);
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(root, i), *tags;

		if (*ret && e != *ret)
			continue;
		if (!json_object_is_type(e, json_type_object))
			return rkt_error_input(err, EINVAL,
			                       "%s: 'manifest.json' lists a non-object", what);
		if (!rkt_json_get(e, "RepoTags", json_type_array, &tags))
			continue;
		for (size_t j = 0; j < json_object_array_length(tags); j++) {
			const char *t = json_object_get_string(json_object_array_get_idx(tags, j));
			_cleanup_free_ char *norm = t ? ref_normalize(t) : NULL;

			if (!t || (want && strcmp(norm, want) != 0))
				continue;
			*ret = e;
			*ret_tag = ref_tag(t);
			return 0;
		}
	}
	if (!*ret)
		return rkt_error_input(err, ENOENT, "%s: no image tagged '%s'", what, sel);
	return 0;
}

static int import_docker_archive(struct rkt_store *s, int dir_fd, const char *sel, const char *name,
                                 const char *origin, const struct rkt_fetch_opts *opts,
                                 const char *what, char ret_id[RKT_IMAGE_ID_SIZE],
                                 struct rkt_error *err)
{
	_cleanup_(json_object_putp) struct json_object *root = NULL, *paths = NULL, *man = NULL;
	_cleanup_free_ char *buf = NULL, *doc = NULL, *tag = NULL, *nm = xstrdup(name);
	struct json_object *entry, *v, *layers, *ls;
	struct oci_desc d;
	size_t len = 0;
	int r;

	r = rkt_read_in_root(dir_fd, "manifest.json", OCI_MAX_DOC, &buf, &len);
	if (r < 0)
		return rkt_error_set(err, -r, "%s: read 'manifest.json'", what);
	r = rkt_json_parse(buf, len, what, &root, err);
	if (r < 0)
		return r;
	if (!json_object_is_type(root, json_type_array) || json_object_array_length(root) == 0)
		return rkt_error_input(err, EINVAL, "%s: 'manifest.json' lists no image", what);
	r = darchive_select(root, sel, what, &entry, &tag, err);
	if (r < 0)
		return r;
	if (!rkt_json_get(entry, "Config", json_type_string, &v))
		return rkt_error_input(err, EINVAL, "%s: 'manifest.json' without a Config", what);
	paths = json_object_new_object();
	man = json_object_new_object();
	json_object_object_add(man, "schemaVersion", json_object_new_int(2));
	json_object_object_add(man, "mediaType", json_object_new_string(DOCKER_MT_MANIFEST));
	r = digest_file(dir_fd, json_object_get_string(v), what, &d, err);
	if (r < 0)
		return r;
	json_object_object_add(paths, d.digest, json_object_get(v));
	struct json_object *cd = json_object_new_object();
	json_object_object_add(cd, "digest", json_object_new_string(d.digest));
	json_object_object_add(cd, "size", json_object_new_int64((int64_t)d.size));
	json_object_object_add(man, "config", cd);
	if (!rkt_json_get(entry, "Layers", json_type_array, &layers))
		return rkt_error_input(err, EINVAL, "%s: 'manifest.json' without Layers", what);
	ls = json_object_new_array();
	json_object_object_add(man, "layers", ls);
	for (size_t i = 0; i < json_object_array_length(layers); i++) {
		struct json_object *p = json_object_array_get_idx(layers, i), *ld;

		if (!json_object_is_type(p, json_type_string))
			return rkt_error_input(err, EINVAL, "%s: a layer is not a path", what);
		r = digest_file(dir_fd, json_object_get_string(p), what, &d, err);
		if (r < 0)
			return r;
		json_object_object_add(paths, d.digest, json_object_get(p));
		ld = json_object_new_object();
		json_object_object_add(ld, "digest", json_object_new_string(d.digest));
		json_object_object_add(ld, "size", json_object_new_int64((int64_t)d.size));
		json_object_array_add(ls, ld);
	}
	doc = rkt_json_format(man, false);
	struct darchive a = { .dir_fd = dir_fd, .what = what, .paths = paths };
	struct oci_source src = { .get_doc = darchive_get_doc,
		                  .get_layer = darchive_get_layer,
		                  .userdata = &a };
	struct oci_ref ref = { .name = nm, .tag = tag, .repository = nm, .origin = origin };
	return oci_import_manifest(s, &src, doc, strlen(doc), NULL, &ref, opts, what, ret_id, err);
}

int rkt_fetch_oci(struct rkt_store *s, const char *image, const struct rkt_fetch_opts *opts,
                  char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err)
{
	_cleanup_free_ char *path = NULL, *tag = NULL, *name = NULL, *what = NULL, *tmp = NULL;
	_cleanup_close_ int dfd = -EBADF;
	bool oci_dir = strncmp(image, "oci:", 4) == 0;
	bool docker = strncmp(image, "docker-archive:", 15) == 0;
	const char *rest = strchr(image, ':') + 1;
	struct stat st;
	int r;

	if (!(opts->insecure & RKT_INSECURE_IMAGE))
		return rkt_error_input(err, ENOKEY,
		                       "image '%s': container images cannot be verified (no "
		                       "signatures); use --insecure-options=image to fetch it",
		                       image);
	path = xstrdup(rest);
	/* ":REF" after the first ':' that ends a path which exists (skopeo's syntax: "oci:DIR:TAG",
	 * "docker-archive:FILE:NAME:TAG", "oci-archive:FILE:localhost/app:v1"), unless the whole
	 * exists; if none does, after the last ':' not followed by a '/', for the error. */
	if (stat(path, &st) < 0) {
		char *colon = NULL;

		for (char *c = strchr(path, ':'); c && !colon; c = strchr(c + 1, ':')) {
			*c = '\0';
			if (stat(path, &st) == 0)
				colon = c;
			*c = ':';
		}
		if (!colon && (colon = strrchr(path, ':')) && strchr(colon, '/'))
			colon = NULL;
		if (colon) {
			*colon = '\0';
			tag = xstrdup(colon + 1);
		}
	}
	if (!path[0])
		return rkt_error_input(err, EINVAL, "image '%s': no path", image);
	if (tag && !tag[0])
		return rkt_error_input(err, EINVAL, "image '%s': empty tag", image);
	what = xasprintf("image '%s'", image);
	/* where it came from, as image list shows it: the absolute path; its last component
	 * names the image ("oci:." in the layout directory) */
	_cleanup_free_ char *abs = realpath(path, NULL);
	name = base_name(abs ?: path);
	_cleanup_free_ char *origin = abs ? xasprintf("%.*s%s%s%s", (int)(rest - image), image, abs,
	                                              tag ? ":" : "", tag ?: "")
	                                  : xstrdup(image);
	if (oci_dir) {
		dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return rkt_error_set(err, errno, "%s: open '%s'", what, path);
	} else {
		r = extract_archive(path, &tmp, &dfd, err);
		if (r < 0)
			return rkt_error_wrap(err, r, "%s", what);
	}
	if (docker)
		r = import_docker_archive(s, dfd, tag, name, origin, opts, what, ret_id, err);
	else
		r = import_layout(s, dfd, tag, name, origin, opts, what, ret_id, err);
	if (tmp)
		(void)rkt_rm_rf_at(AT_FDCWD, tmp, NULL);
	return r;
}
