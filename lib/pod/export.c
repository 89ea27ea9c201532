/* Exporting an exited pod's app as an ACI (rkt/rkt Documentation/subcommands/export.md). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aci/aci.h"
#include "pod/export.h"
#include "pod/layout.h"
#include "pod/private-users.h"
#include "pod/stage1.h"
#include "store/tree.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/* --private-users: SRC (files owned by the pod's range) shown at TARGET with the ids the pod
 * saw, through an idmapped mount. */
static int unshift_bind(const char *src, const char *target, const struct rkt_id_range *ids,
                        struct rkt_error *err)
{
	struct rkt_userns ns;
	int r = rkt_userns_create_inverse(ids, &ns, err);
	if (r >= 0)
		r = rkt_idmap_bind(src, target, ns.user, err);
	rkt_userns_close(&ns);
	return r;
}

/* Mounts the app's root as it was when the pod exited (the overlay's upper dir over its lower
 * dir, both read-only, so that whiteouts hide deleted files) or binds the copied tree. With
 * private users (IDS), the upper dir or the copy is shown through the inverse of the pod's
 * mapping, so that the image gets the owners the app saw. SCRATCH: an empty directory. */
static int mount_app_root(const struct rkt_pod *pod, const char *app, const char *target,
                          const struct rkt_id_range *ids, const char *scratch,
                          struct rkt_error *err)
{
	_cleanup_free_ char *lower = NULL, *id = NULL, *name = NULL, *opts = NULL, *src = NULL,
	                    *lowerdir = NULL, *upper = NULL;
	int r;

	if (faccessat(pod->fd, RKT_POD_OVERLAY_PREPARED, F_OK, 0) < 0) {
		_cleanup_free_ char *rootfs = rkt_pod_app_rootfs(app);

		src = xasprintf("%s/%s", pod->path, rootfs);
		if (ids)
			return unshift_bind(src, target, ids, err);
		if (mount(src, target, NULL, MS_BIND | MS_REC, NULL) < 0)
			return rkt_error_set(err, errno, "bind '%s'", src);
		return 0;
	}
	name = rkt_pod_app_file(app, RKT_POD_APP_LOWERDIR);
	r = rkt_read_file_at(pod->fd, name, &lower, NULL, err);
	free(name);
	name = rkt_pod_app_file(app, RKT_POD_APP_TREE_STORE_ID);
	if (r >= 0)
		r = rkt_read_file_at(pod->fd, name, &id, NULL, err);
	if (r < 0)
		return r;
	lower[strcspn(lower, "\n")] = '\0';
	id[strcspn(id, "\n")] = '\0';
	if (!rkt_pod_lowerdir_valid(lower))
		return rkt_error_set(err, EINVAL, "pod '%s': bad 'appsinfo/%s/lowerdir'", pod->uuid,
		                     app);
	lowerdir = rkt_pod_lowerdir_resolve(pod->path, lower);
	upper = rkt_pod_overlay_dir(id, "upper", app);
	if (ids) {
		_cleanup_free_ char *u = xasprintf("%s/%s", pod->path, upper);
		r = unshift_bind(u, scratch, ids, err);
		if (r < 0)
			return r;
		opts = xasprintf("lowerdir=%s:%s", scratch, lowerdir);
	} else {
		opts = xasprintf("lowerdir=%s/%s:%s", pod->path, upper, lowerdir);
	}
	if (mount("overlay", target, "overlay", MS_RDONLY, opts) < 0)
		return rkt_error_set(err, errno, "mount the root of app '%s'", app);
	return 0;
}

int rkt_pod_export_app(const struct rkt_pod *pod, const char *app, const char *out, bool overwrite,
                       struct rkt_error *err)
{
	const struct rkt_aci_build_opts bo = { .compression = RKT_COMPRESSION_GZIP,
		                               .overwrite = overwrite };
	_cleanup_free_ char *layout = NULL, *rootfs = NULL, *manifest = NULL, *buf = NULL,
	                    *scratch = NULL;
	struct rkt_id_range ids;
	char id[RKT_IMAGE_ID_SIZE];
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (!rkt_ac_name_is_valid(app))
		return rkt_error_set(err, EINVAL, "'%s' is not an app name", app);
	manifest = rkt_pod_app_file(app, RKT_POD_APP_MANIFEST);
	r = rkt_read_file_at(pod->fd, manifest, &buf, NULL, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "pod '%s' has no app '%s'", pod->uuid, app);
	int has_ids = rkt_pod_private_users(pod->fd, &ids, err);
	if (has_ids < 0)
		return rkt_error_wrap(err, has_ids, "pod '%s'", pod->uuid);
	layout = xasprintf("%s/export.XXXXXX", pod->path);
	if (!mkdtemp(layout))
		return rkt_error_set(err, errno, "create a directory in pod '%s'", pod->uuid);
	free(manifest);
	manifest = xasprintf("%s/manifest", layout);
	rootfs = xasprintf("%s/rootfs", layout);
	scratch = xasprintf("%s/export-upper.XXXXXX", pod->path); /* outside: not in the image */
	fd = open(manifest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, buf, strlen(buf)) != (ssize_t)strlen(buf) ||
	    mkdir(rootfs, 0755) < 0 || !mkdtemp(scratch))
		r = rkt_error_set(err, errno ? errno : EIO, "write '%s'", layout);
	if (r >= 0)
		r = mount_app_root(pod, app, rootfs, has_ids ? &ids : NULL, scratch, err);
	if (r >= 0) {
		r = rkt_aci_build(layout, out, &bo, id, err);
		(void)umount2(rootfs, MNT_DETACH);
	}
	(void)umount2(scratch, MNT_DETACH);
	(void)rmdir(scratch);
	(void)rkt_rm_rf_at(AT_FDCWD, layout, NULL);
	if (r < 0)
		return rkt_error_wrap(err, r, "export app '%s' of pod '%s'", app, pod->uuid);
	return 0;
}
