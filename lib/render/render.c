/* Dependency ordering, whitelists and rendering into a directory (REN-*). */
#include "render/render.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aci/archive-api.h"
#include "store/tree.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

void rkt_layers_release(struct rkt_layers *l)
{
	for (size_t i = 0; i < l->n; i++)
		rkt_image_manifest_free(l->items[i].manifest);
	free(l->items);
	*l = (struct rkt_layers){ 0 };
}

struct builder {
	rkt_dep_resolve_fn resolve;
	void *userdata;
	struct rkt_layers *out;
	size_t cap;
	const char *path[RKT_RENDER_MAX_LAYERS]; /* ids on the current path, for cycles */
	size_t depth;
};

static int visit(struct builder *b, const char *id, struct rkt_image_manifest *m,
                 const struct rkt_strv *inherited, struct rkt_error *err)
{
	_cleanup_(rkt_image_manifest_freep) struct rkt_image_manifest *owned = m;
	const struct rkt_strv *own = m->path_whitelist.n ? &m->path_whitelist : NULL;
	const struct rkt_strv *wl = inherited ?: own;
	int r;

	for (size_t i = 0; i < b->depth; i++)
		if (strcmp(b->path[i], id) == 0)
			return rkt_error_set(err, ELOOP, "dependency cycle through '%s'", m->name);
	if (b->depth >= RKT_RENDER_MAX_LAYERS || b->out->n >= RKT_RENDER_MAX_LAYERS)
		return rkt_error_set(err, E2BIG, "more than %d layers", RKT_RENDER_MAX_LAYERS);
	b->path[b->depth++] = id;
	for (size_t i = 0; i < m->n_dependencies; i++) {
		struct rkt_image_manifest *dm = NULL;
		char dep_id[RKT_IMAGE_ID_SIZE];

		r = b->resolve(b->userdata, &m->dependencies[i], dep_id, &dm, err);
		if (r < 0) {
			b->depth--;
			return rkt_error_wrap(err, r, "dependency '%s'",
			                      m->dependencies[i].image_name);
		}
		r = visit(b, dep_id, dm, wl, err);
		if (r < 0) {
			b->depth--;
			return r;
		}
	}
	b->depth--;
	xgrow((void **)&b->out->items, &b->cap, b->out->n + 1, sizeof(*b->out->items));
	struct rkt_layer *l = &b->out->items[b->out->n++];
	*l = (struct rkt_layer){ .manifest = TAKE_PTR(owned),
		                 .own_whitelist = own,
		                 .path_whitelist = wl };
	(void)snprintf(l->id, sizeof(l->id), "%s", id);
	return 0;
}

int rkt_layers_build(const char *top_id, struct rkt_image_manifest *top, rkt_dep_resolve_fn resolve,
                     void *userdata, struct rkt_layers *ret, struct rkt_error *err)
{
	_cleanup_free_ struct builder *b = xzalloc(sizeof(*b));
	struct rkt_layers out = { 0 };
	int r;

	b->resolve = resolve;
	b->userdata = userdata;
	b->out = &out;
	r = visit(b, top_id, top, NULL, err);
	if (r < 0) {
		rkt_layers_release(&out);
		return r;
	}
	*ret = out;
	return 0;
}

/* REN-7: exact paths; a trailing '/' in the whitelist is dropped. */
static bool listed(const struct rkt_strv *wl, const char *path)
{
	size_t len = strlen(path);

	for (size_t i = 0; i < wl->n; i++) {
		const char *w = wl->items[i];
		size_t wlen = strlen(w);

		while (wlen > 1 && w[wlen - 1] == '/')
			wlen--;
		if (wlen == len && strncmp(w, path, len) == 0)
			return true;
	}
	return false;
}

bool rkt_layer_keeps(const struct rkt_layer *layer, const char *path, bool is_dir)
{
	if (strcmp(path, "/") == 0)
		return true;
	if (layer->own_whitelist && !is_dir && !listed(layer->own_whitelist, path))
		return false;
	if (layer->path_whitelist && !listed(layer->path_whitelist, path))
		return false;
	return true;
}

int rkt_store_resolve_dep(void *userdata, const struct rkt_dependency *dep,
                          char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_image_manifest **ret_manifest,
                          struct rkt_error *err)
{
	struct rkt_store *s = userdata;
	_cleanup_free_ char *raw = NULL, *what = NULL;
	char id[RKT_IMAGE_ID_SIZE];
	int r;

	if (dep->image_id) {
		/* REN-2/ACI-14: the ID must match; a prefix as long as upstream's store keys
		 * (64 hex digits) is accepted, a shorter one could match another image. */
		if (strlen(dep->image_id) < 7 + 64)
			return rkt_error_set(err, EINVAL, "imageID '%s' is too short to match",
			                     dep->image_id);
		r = rkt_store_resolve(s, dep->image_id, id, err);
	} else {
		r = rkt_store_find_by_name(s, dep->image_name, &dep->labels, id, err);
	}
	if (r < 0)
		return r;
	if (dep->size) {
		/* MAN-9: the size the dependent image gives stops an endless or swapped image */
		_cleanup_(rkt_image_info_release) struct rkt_image_info info = { 0 };

		r = rkt_store_get_info(s, id, &info, err);
		if (r < 0)
			return r;
		if (info.size != dep->size)
			return rkt_error_set(err, EBADMSG,
			                     "image '%s' is %" PRIu64 " bytes, not the %" PRIu64
			                     " bytes given as the dependency's size",
			                     id, info.size, dep->size);
	}
	r = rkt_store_get_manifest(s, id, &raw, err);
	if (r < 0)
		return r;
	what = xasprintf("manifest of image '%s'", id);
	r = rkt_image_manifest_parse(raw, strlen(raw), what, ret_manifest, err);
	if (r < 0)
		return r;
	memcpy(ret_id, id, RKT_IMAGE_ID_SIZE);
	return 0;
}

struct render_ctx {
	struct rkt_tree_writer *writer;
	const struct rkt_layer *layer;
	const char *what;
};

static int render_entry(void *userdata, struct archive *a, struct archive_entry *entry,
                        const char *path, struct rkt_error *err)
{
	struct render_ctx *ctx = userdata;
	const char *link = archive_entry_hardlink(entry);
	_cleanup_free_ char *abs = NULL;
	const char *rel;
	int r;

	/* REN-5: only rootfs/. */
	if (strcmp(path, "rootfs") == 0)
		rel = "";
	else if (strncmp(path, "rootfs/", 7) == 0)
		rel = path + 7;
	else
		return 0;
	abs = xasprintf("/%s", rel);
	if (!rkt_layer_keeps(ctx->layer, abs, archive_entry_filetype(entry) == AE_IFDIR && !link))
		return 0;
	if (link && strncmp(link, "rootfs/", 7) != 0)
		return rkt_error_set(err, EINVAL,
		                     "%s: entry '%s': hard link target leaves the rootfs",
		                     ctx->what, path);
	r = rkt_tree_writer_put(ctx->writer, a, entry, rel, link ? link + 7 : NULL, err);
	return r < 0 ? rkt_error_wrap(err, r, "%s", ctx->what) : 0;
}

static int render_layer(struct rkt_store *s, struct rkt_tree_writer *w, int rootfs_fd,
                        const struct rkt_layer *l, struct rkt_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *what = xasprintf("image '%s'", l->id);
	struct rkt_aci_info info = { 0 };
	struct render_ctx ctx = { .writer = w, .layer = l, .what = what };
	struct rkt_aci_read_opts ropts = { .on_entry = render_entry,
		                           .userdata = &ctx,
		                           .refuse_devices = true };
	char **digests = NULL;
	size_t n = 0;
	int r;

	/* An image made of container layers (docs/store.md, "Layers"). */
	r = rkt_store_image_layers(s, l->id, &digests, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		free(digests[i]);
	free(digests);
	if (n > 0) {
		rkt_tree_writer_forget(w);
		return rkt_store_render_layers(s, l->id, rootfs_fd, err);
	}

	r = rkt_store_open_blob(s, l->id, &fd, err);
	if (r < 0)
		return r;
	r = rkt_aci_read(fd, what, &ropts, &info, err);
	if (r < 0)
		return r;
	/* REN-14: the bytes used are the image asked for. */
	if (strcmp(info.id, l->id) != 0)
		r = rkt_error_set(err, EBADMSG, "%s is damaged: it hashes to '%s'", what, info.id);
	rkt_aci_info_release(&info);
	return r;
}

static int write_manifest(int dir_fd, const char *raw, struct rkt_error *err)
{
	_cleanup_close_ int fd =
	        openat(dir_fd, "manifest", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	size_t len = strlen(raw);

	if (fd < 0)
		return rkt_error_set(err, errno, "create 'manifest'");
	for (size_t done = 0; done < len;) {
		ssize_t n = write(fd, raw + done, len - done);
		if (n < 0)
			return rkt_error_set(err, errno, "write 'manifest'");
		done += (size_t)n;
	}
	return 0;
}

static int render_into(struct rkt_store *s, const char *id, int dir_fd,
                       const struct rkt_render_opts *opts, struct rkt_error *err)
{
	_cleanup_(rkt_tree_writer_freep) struct rkt_tree_writer *w = NULL;
	_cleanup_(rkt_layers_release) struct rkt_layers layers = { 0 };
	_cleanup_close_ int rootfs_fd = -EBADF;
	_cleanup_free_ char *raw = NULL, *what = xasprintf("manifest of image '%s'", id);
	struct rkt_tree_write_opts wopts = { .keep_owner = geteuid() == 0 };
	struct rkt_image_manifest *top = NULL;
	int r;

	r = rkt_store_get_manifest(s, id, &raw, err);
	if (r < 0)
		return r;
	r = rkt_image_manifest_parse(raw, strlen(raw), what, &top, err);
	if (r < 0)
		return r;
	if (opts->with_dependencies) {
		r = rkt_layers_build(id, top, rkt_store_resolve_dep, s, &layers, err);
		if (r < 0)
			return rkt_error_wrap(err, r, "image '%s'", id);
	} else {
		layers.items = xzalloc(sizeof(*layers.items));
		layers.n = 1;
		layers.items[0].manifest = top;
		(void)snprintf(layers.items[0].id, sizeof(layers.items[0].id), "%s", id);
	}

	if (opts->rootfs_only) {
		rootfs_fd = dup(dir_fd);
	} else {
		r = write_manifest(dir_fd, raw, err);
		if (r < 0)
			return r;
		if (mkdirat(dir_fd, "rootfs", 0755) < 0)
			return rkt_error_set(err, errno, "create 'rootfs'");
		rootfs_fd = openat(dir_fd, "rootfs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (rootfs_fd < 0)
		return rkt_error_set(err, errno, "open 'rootfs'");
	r = rkt_tree_writer_new(rootfs_fd, &wopts, &w, err);
	for (size_t i = 0; r >= 0 && i < layers.n; i++)
		r = render_layer(s, w, rootfs_fd, &layers.items[i], err);
	if (r >= 0)
		r = rkt_tree_writer_finish(w, err);
	return r;
}

int rkt_image_render(struct rkt_store *store, const char *id, const char *dir,
                     const struct rkt_render_opts *opts, struct rkt_error *err)
{
	_cleanup_free_ char *clean = xstrdup(dir), *tmp = NULL;
	_cleanup_close_ int tmp_fd = -EBADF;
	size_t len = strlen(clean);
	struct stat st;
	char *slash;
	int r;

	while (len > 1 && clean[len - 1] == '/')
		clean[--len] = '\0';
	dir = clean;

	if (lstat(dir, &st) == 0 && !opts->overwrite)
		return rkt_error_set(err, EEXIST,
		                     "output directory '%s' exists (use --overwrite to replace it)",
		                     dir);
	slash = strrchr(clean, '/');
	if (slash)
		tmp = xasprintf("%.*s/.%s.rkt-XXXXXX", (int)(slash - clean), clean, slash + 1);
	else
		tmp = xasprintf(".%s.rkt-XXXXXX", clean);
	if (!mkdtemp(tmp))
		return rkt_error_set(err, errno, "create a directory next to '%s'", dir);
	tmp_fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tmp_fd < 0)
		r = rkt_error_set(err, errno, "open '%s'", tmp);
	else
		r = render_into(store, id, tmp_fd, opts, err);
	if (r >= 0 && !opts->rootfs_only && fchmod(tmp_fd, 0755) < 0)
		r = rkt_error_set(err, errno, "chmod '%s'", tmp);
	if (r >= 0 && opts->overwrite)
		r = rkt_rm_rf_at(AT_FDCWD, dir, err);
	if (r >= 0 && rename(tmp, dir) < 0)
		r = rkt_error_set(err, errno, "rename '%s' to '%s'", tmp, dir);
	if (r < 0)
		(void)rkt_rm_rf_at(AT_FDCWD, tmp, NULL);
	return r;
}
