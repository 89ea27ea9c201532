/* Images for pods, on top of the store's public API (see prepare.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fetch/fetch.h"
#include "isolate/isolate.h"
#include "pod/prepare.h"
#include "render/render.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

static int read_manifest(struct rkt_store *store, const char *id, struct rkt_image_manifest **ret,
                         struct rkt_error *err)
{
	_cleanup_free_ char *buf = NULL, *what = NULL;
	int r;

	r = rkt_store_get_manifest(store, id, &buf, err);
	if (r < 0)
		return r;
	what = xasprintf("manifest of image '%s'", id);
	return rkt_image_manifest_parse(buf, strlen(buf), what, ret, err);
}

int rkt_image_resolve(struct rkt_store *store, const char *image, const struct rkt_fetch_opts *opts,
                      char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_image_manifest **ret_manifest,
                      struct rkt_error *err)
{
	char id[RKT_IMAGE_ID_SIZE];
	int r;

	/* rkt_fetch() names IMAGE in its errors. */
	r = rkt_fetch(store, image, opts, id, err);
	if (r < 0)
		return r;
	r = read_manifest(store, id, ret_manifest, err);
	if (r < 0)
		return r;
	memcpy(ret_id, id, RKT_IMAGE_ID_SIZE);
	return 0;
}

/* Whether S is a user or group name: stage1 resolves digits and paths (which may be on a
 * volume) itself, but a name only in the app's /etc/passwd or /etc/group. */
static bool is_name(const char *s)
{
	return s && *s && *s != '/' && s[strspn(s, "0123456789")] != '\0';
}

/* The app's /etc/passwd or /etc/group (FILE) is that of the top layer of image ID that keeps
 * one (the overlay shows the top file); looks NAME up there, as stage1 will. */
static int id_name_check(struct rkt_store *store, const char *id, const char *file,
                         const char *name, bool is_user, struct rkt_error *err)
{
	_cleanup_(rkt_layers_release) struct rkt_layers layers = { 0 };
	struct rkt_image_manifest *m = NULL;
	const char *what = is_user ? "user" : "group";
	int r = read_manifest(store, id, &m, err);

	if (r >= 0)
		r = rkt_layers_build(id, m, rkt_store_resolve_dep, store, &layers, err);
	if (r < 0)
		return r;
	for (size_t i = layers.n; i-- > 0;) {
		_cleanup_close_ int tree = -EBADF, root = -EBADF;
		_cleanup_free_ char *db = NULL;
		size_t len = 0;
		gid_t gid;
		struct rkt_passwd_entry pw = { 0 };

		if (!rkt_layer_keeps(&layers.items[i], file, false) ||
		    rkt_store_open_tree(store, layers.items[i].id, &tree, NULL) < 0 ||
		    (root = openat(tree, "rootfs", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0 ||
		    rkt_read_in_root(root, file, 4u << 20, &db, &len) < 0)
			continue;
		r = is_user ? rkt_passwd_find_name(db, len, name, &pw)
		            : rkt_group_find_name(db, len, name, &gid);
		rkt_passwd_entry_release(&pw);
		if (r < 0)
			break;
		return 0;
	}
	return rkt_error_input(err, ENOENT, "%s \"%s\" not found in the image", what, name);
}

int rkt_pod_apps_check(struct rkt_store *store, const struct rkt_pod_manifest *m,
                       struct rkt_error *err)
{
	int r = 0;

	for (size_t i = 0; i < m->n_apps && r >= 0; i++) {
		const struct rkt_runtime_app *ra = &m->apps[i];
		struct rkt_image_manifest *im = NULL;
		const struct rkt_app *app;
		uint64_t caps;

		r = read_manifest(store, ra->image.id, &im, err);
		if (r >= 0)
			r = rkt_image_manifest_host_check(im, err);
		/* stage1 starts the pod manifest's app, else the image's */
		app = ra->app ?: im ? im->app : NULL;
		if (r >= 0 && app)
			r = rkt_caps_compute(&app->isolators, &caps, err);
		if (r >= 0 && app && is_name(app->user))
			r = id_name_check(store, ra->image.id, "/etc/passwd", app->user, true, err);
		if (r >= 0 && app && is_name(app->group))
			r = id_name_check(store, ra->image.id, "/etc/group", app->group, false,
			                  err);
		if (r < 0)
			r = rkt_error_wrap(err, r, "app '%s'", ra->name);
		rkt_image_manifest_free(im);
	}
	return r;
}

int rkt_image_layer_ids(struct rkt_store *store, const char *id, struct rkt_strv *out,
                        struct rkt_error *err)
{
	_cleanup_(rkt_layers_release) struct rkt_layers layers = { 0 };
	struct rkt_image_manifest *m = NULL;
	int r;

	r = read_manifest(store, id, &m, err);
	if (r < 0)
		return r;
	r = rkt_layers_build(id, m, rkt_store_resolve_dep, store, &layers, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "dependencies of image '%s'", id);
	for (size_t i = 0; i < layers.n; i++)
		rkt_strv_push(out, layers.items[i].id);
	return 0;
}

/* overlayfs splits lowerdir= at ':' and mount options at ','. */
static bool overlay_safe(const char *p)
{
	return !strpbrk(p, ":,\\\n");
}

int rkt_image_lowerdir(struct rkt_store *store, const char *id, const char *render_dir, char **ret,
                       struct rkt_error *err)
{
	_cleanup_(rkt_image_manifest_freep) struct rkt_image_manifest *m = NULL;
	const struct rkt_render_opts ro = { .with_dependencies = true };
	_cleanup_close_ int fd = -EBADF;
	char link[PATH_MAX];
	int r;

	r = read_manifest(store, id, &m, err);
	if (r < 0)
		return r;
	if (m->n_dependencies == 0 && rkt_store_open_tree(store, id, &fd, NULL) == 0) {
		_cleanup_free_ char *proc = xasprintf("/proc/self/fd/%d", fd);
		ssize_t n = readlink(proc, link, sizeof(link) - 1);

		if (n > 0) {
			link[n] = '\0';
			if (overlay_safe(link)) {
				*ret = xasprintf("%s/rootfs", link);
				return 0;
			}
		}
	}
	if (!overlay_safe(render_dir))
		return rkt_error_set(err, EINVAL, "'%s' cannot be an overlay lower directory",
		                     render_dir);
	r = rkt_image_render(store, id, render_dir, &ro, err);
	if (r < 0)
		return r;
	*ret = xasprintf("%s/rootfs", render_dir);
	return 0;
}
