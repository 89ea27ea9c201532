/* Writing a pod directory for stage1 (see prepare.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pod/layout.h"
#include "pod/prepare.h"
#include "render/render.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/io.h"
#include "util/xalloc.h"

static int copy_manifest(struct rkt_store *store, int pod_fd, const char *id, const char *name,
                         struct rkt_error *err)
{
	_cleanup_free_ char *buf = NULL;
	int r;

	r = rkt_store_get_manifest(store, id, &buf, err);
	if (r < 0)
		return r;
	return rkt_write_file_atomic_at(pod_fd, name, buf, strlen(buf), 0640, err);
}

static int render_into(struct rkt_store *store, const char *id, const char *dir,
                       struct rkt_error *err)
{
	const struct rkt_render_opts ro = { .with_dependencies = true, .rootfs_only = true };

	return rkt_image_render(store, id, dir, &ro, err);
}

static int prepare_overlay(struct rkt_pod *pod, const char *tree_id, const char *app,
                           struct rkt_error *err)
{
	static const char *const kinds[] = { "upper", "work" };

	for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
		_cleanup_free_ char *p = rkt_pod_overlay_dir(tree_id, kinds[i], app);
		int r = rkt_mkdir_p_at(pod->fd, p, 0755, err);

		if (r < 0)
			return r;
	}
	return 0;
}

static int prepare_app(struct rkt_pod *pod, struct rkt_store *store,
                       const struct rkt_prepare_app *a, const struct rkt_prepare_opts *o,
                       struct rkt_error *err)
{
	bool no_overlay = o->no_overlay;
	_cleanup_free_ char *info = xasprintf(RKT_POD_APPSINFO "/%s", a->name), *p = NULL,
	                    *lower = NULL, *render_dir = NULL, *line = NULL;
	int r;

	r = rkt_mkdir_p_at(pod->fd, info, 0755, err);
	if (r < 0)
		return r;
	p = rkt_pod_app_file(a->name, RKT_POD_APP_MANIFEST);
	r = copy_manifest(store, pod->fd, a->image_id, p, err);
	if (r < 0)
		return r;
	free(p);
	p = rkt_pod_app_file(a->name, RKT_POD_APP_TREE_STORE_ID);
	line = xasprintf("%s\n", a->image_id);
	r = rkt_write_file_atomic_at(pod->fd, p, line, strlen(line), 0640, err);
	if (r < 0)
		return r;
	free(p);
	if (no_overlay) {
		_cleanup_free_ char *rootfs = rkt_pod_app_rootfs(a->name);

		p = xstrndup(rootfs, strlen(rootfs) - strlen("/rootfs"));
		r = rkt_mkdir_p_at(pod->fd, p, 0755, err);
		if (r < 0)
			return r;
		free(p);
		p = xasprintf("%s/%s", pod->path, rootfs);
		r = render_into(store, a->image_id, p, err);
		if (r >= 0 && o->shift_ids)
			r = rkt_tree_shift_ids(pod->fd, rootfs, o->shift_ids, err);
		return r;
	}
	render_dir = xasprintf("%s/%s/" RKT_POD_APP_RENDERED, pod->path, info);
	r = rkt_image_lowerdir(store, a->image_id, render_dir, &lower, err);
	if (r < 0)
		return r;
	p = rkt_pod_app_file(a->name, RKT_POD_APP_LOWERDIR);
	free(line);
	line = xasprintf("%s\n", rkt_pod_path_relative(pod->path, lower));
	r = rkt_write_file_atomic_at(pod->fd, p, line, strlen(line), 0640, err);
	if (r < 0)
		return r;
	return prepare_overlay(pod, a->image_id, a->name, err);
}

static int prepare_stage1(struct rkt_pod *pod, struct rkt_store *store, const char *id,
                          bool no_overlay, struct rkt_error *err)
{
	_cleanup_free_ char *line = xasprintf("%s\n", id), *lower = NULL, *render_dir = NULL,
	                    *rootfs = NULL;
	int r;

	r = rkt_mkdir_p_at(pod->fd, RKT_POD_STAGE1, 0755, err);
	if (r < 0)
		return r;
	r = copy_manifest(store, pod->fd, id, RKT_POD_STAGE1_MANIFEST, err);
	if (r < 0)
		return r;
	r = rkt_write_file_atomic_at(pod->fd, RKT_POD_STAGE1_TREE_STORE_ID, line, strlen(line),
	                             0640, err);
	if (r < 0)
		return r;
	if (no_overlay) {
		rootfs = xasprintf("%s/" RKT_POD_STAGE1_ROOTFS, pod->path);
		return render_into(store, id, rootfs, err);
	}
	render_dir = xasprintf("%s/" RKT_POD_STAGE1_RENDERED, pod->path);
	r = rkt_image_lowerdir(store, id, render_dir, &lower, err);
	if (r < 0)
		return r;
	free(line);
	line = xasprintf("%s\n", rkt_pod_path_relative(pod->path, lower));
	/* ours, stage0 only: where rkt_pod_mount_stage1() finds the lower directory */
	r = rkt_write_file_atomic_at(pod->fd, RKT_POD_STAGE1_LOWERDIR, line, strlen(line), 0640,
	                             err);
	if (r < 0)
		return r;
	if (mkdirat(pod->fd, RKT_POD_STAGE1_ROOTFS, 0755) < 0 && errno != EEXIST)
		return rkt_error_set(err, errno, "create '" RKT_POD_STAGE1_ROOTFS "'");
	return prepare_overlay(pod, id, NULL, err);
}

/* Records every image the pod uses before anything is rendered from them (see layout.h). */
static int write_images(struct rkt_pod *pod, struct rkt_store *store,
                        const struct rkt_prepare_opts *o, struct rkt_error *err)
{
	_cleanup_(rkt_strv_release) struct rkt_strv ids = { 0 };
	_cleanup_free_ char *buf = xstrdup("");
	int r;

	rkt_strv_push(&ids, o->stage1_id);
	for (size_t i = 0; i < o->n_apps; i++) {
		r = rkt_image_layer_ids(store, o->apps[i].image_id, &ids, err);
		if (r < 0)
			return rkt_error_wrap(err, r, "app '%s'", o->apps[i].name);
	}
	for (size_t i = 0; i < ids.n; i++) {
		char *t = xasprintf("%s%s\n", buf, ids.items[i]);

		free(buf);
		buf = t;
	}
	return rkt_write_file_atomic_at(pod->fd, RKT_POD_IMAGES, buf, strlen(buf), 0640, err);
}

int rkt_pod_prepare(struct rkt_pod *pod, struct rkt_store *store, const struct rkt_prepare_opts *o,
                    struct rkt_error *err)
{
	_cleanup_free_ char *json = NULL;
	_cleanup_close_ int fd = -EBADF;
	int r;

	r = write_images(pod, store, o, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "prepare pod '%s'", pod->uuid);
	r = prepare_stage1(pod, store, o->stage1_id, o->no_overlay, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "prepare stage1 of pod '%s'", pod->uuid);
	if (mkdirat(pod->fd, RKT_POD_APPSINFO, 0755) < 0 && errno != EEXIST)
		return rkt_error_set(err, errno, "create '" RKT_POD_APPSINFO "'");
	for (size_t i = 0; i < o->n_apps; i++) {
		r = prepare_app(pod, store, &o->apps[i], o, err);
		if (r < 0)
			return rkt_error_wrap(err, r, "prepare app '%s' of pod '%s'",
			                      o->apps[i].name, pod->uuid);
	}
	if (!o->no_overlay) {
		r = rkt_write_file_atomic_at(pod->fd, RKT_POD_OVERLAY_PREPARED, "", strlen(""),
		                             0640, err);
		if (r < 0)
			return r;
	}
	json = rkt_pod_manifest_format(o->manifest, false);
	r = rkt_write_file_atomic_at(pod->fd, RKT_POD_MANIFEST, json, strlen(json), 0640, err);
	if (r < 0)
		return r;
	fd = openat(pod->fd, RKT_POD_CREATED, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0)
		return rkt_error_set(err, errno, "create '" RKT_POD_CREATED "'");
	return 0;
}

int rkt_pod_mount_stage1(struct rkt_pod *pod, struct rkt_error *err)
{
	_cleanup_free_ char *lower = NULL, *id = NULL, *opts = NULL, *target = NULL,
	                    *lowerdir = NULL, *upper = NULL, *work = NULL;
	int r;

	if (faccessat(pod->fd, RKT_POD_OVERLAY_PREPARED, F_OK, 0) < 0)
		return 0;
	r = rkt_read_file_at(pod->fd, RKT_POD_STAGE1_LOWERDIR, &lower, NULL, err);
	if (r >= 0)
		r = rkt_read_file_at(pod->fd, RKT_POD_STAGE1_TREE_STORE_ID, &id, NULL, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "pod '%s'", pod->uuid);
	lower[strcspn(lower, "\n")] = '\0';
	id[strcspn(id, "\n")] = '\0';
	if (!rkt_pod_lowerdir_valid(lower))
		return rkt_error_set(err, EINVAL, "pod '%s': bad '" RKT_POD_STAGE1_LOWERDIR "'",
		                     pod->uuid);
	lowerdir = rkt_pod_lowerdir_resolve(pod->path, lower);
	upper = rkt_pod_overlay_dir(id, "upper", NULL);
	work = rkt_pod_overlay_dir(id, "work", NULL);
	opts = xasprintf("lowerdir=%s,upperdir=%s/%s,workdir=%s/%s", lowerdir, pod->path, upper,
	                 pod->path, work);
	target = xasprintf("%s/" RKT_POD_STAGE1_ROOTFS, pod->path);
	if (mount("overlay", target, "overlay", 0, opts) < 0)
		return rkt_error_set(err, errno,
		                     "mount the stage1 overlay of pod '%s' (try --no-overlay)",
		                     pod->uuid);
	return 0;
}

int rkt_pod_write_dns(struct rkt_pod *pod, const char *resolv_conf, const char *hosts,
                      struct rkt_error *err)
{
	int r = 0;

	if ((resolv_conf || hosts) && rkt_mkdir_p_at(pod->fd, RKT_POD_STAGE1_ETC, 0755, err) < 0)
		return -err->code;
	if (resolv_conf)
		r = rkt_write_file_atomic_at(pod->fd, RKT_POD_STAGE1_RESOLV_CONF, resolv_conf,
		                             strlen(resolv_conf), 0644, err);
	if (r >= 0 && hosts)
		r = rkt_write_file_atomic_at(pod->fd, RKT_POD_STAGE1_HOSTS, hosts, strlen(hosts),
		                             0644, err);
	return r;
}
