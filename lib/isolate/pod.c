/* Loading a prepared pod directory as stage1 sees it (docs/stage1-abi.md section 2). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "isolate/isolate.h"
#include "pod/layout.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#define MANIFEST_MAX (1u << 20)

static int read_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	return rkt_read_fd(fd, max, ret, ret_len);
}

/* A one-line file: its content without the trailing newline. */
static int read_line_at(int dirfd, const char *path, char **ret)
{
	char *buf;
	size_t len;
	int r = read_at(dirfd, path, 4096, &buf, &len);
	if (r < 0)
		return r;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	if (len == 0 || memchr(buf, '\n', len)) {
		free(buf);
		return -EINVAL;
	}
	*ret = buf;
	return 0;
}

void rkt_stage1_pod_release(struct rkt_stage1_pod *pod)
{
	for (size_t i = 0; i < pod->n_apps; i++) {
		rkt_image_manifest_free(pod->apps[i].image);
		free(pod->apps[i].tree_store_id);
		free(pod->apps[i].lowerdir);
	}
	free(pod->apps);
	rkt_pod_manifest_free(pod->manifest);
	memset(pod, 0, sizeof(*pod));
}

int rkt_stage1_pod_load(int podfd, struct rkt_stage1_pod *ret, struct rkt_error *err)
{
	struct rkt_stage1_pod pod = { 0 };
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	r = read_at(podfd, RKT_POD_MANIFEST, MANIFEST_MAX, &buf, &len);
	if (r < 0)
		return rkt_error_set(err, -r, "pod manifest '" RKT_POD_MANIFEST "'");
	r = rkt_pod_manifest_parse(buf, len, "pod manifest '" RKT_POD_MANIFEST "'", &pod.manifest,
	                           err);
	if (r < 0)
		return r;
	r = rkt_pod_manifest_check_reified(pod.manifest, err); /* ACE-2, POD-15 */
	if (r < 0)
		goto fail;
	pod.overlay = faccessat(podfd, RKT_POD_OVERLAY_PREPARED, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
	if (pod.manifest->n_apps == 0) {
		r = rkt_error_set(err, EINVAL, "pod manifest 'pod': no apps");
		goto fail;
	}
	pod.apps = xmalloc_array(pod.manifest->n_apps, sizeof(*pod.apps));
	memset(pod.apps, 0, pod.manifest->n_apps * sizeof(*pod.apps));
	pod.n_apps = pod.manifest->n_apps;
	for (size_t i = 0; i < pod.n_apps; i++) {
		struct rkt_stage1_app *a = &pod.apps[i];
		const char *name = pod.manifest->apps[i].name;
		_cleanup_free_ char *mpath = rkt_pod_app_file(name, RKT_POD_APP_MANIFEST);
		_cleanup_free_ char *mbuf = NULL;
		_cleanup_free_ char *what = xasprintf("image manifest '%s'", mpath);

		a->ra = &pod.manifest->apps[i];
		r = read_at(podfd, mpath, MANIFEST_MAX, &mbuf, &len);
		if (r < 0) {
			r = rkt_error_set(err, -r, "app \"%s\": '%s'", name, mpath);
			goto fail;
		}
		r = rkt_image_manifest_parse(mbuf, len, what, &a->image, err);
		if (r < 0)
			goto fail;
		a->app = a->ra->app ? a->ra->app : a->image->app; /* POD-4 */
		if (!a->app || !a->app->has_exec || a->app->exec.n == 0) {
			r = rkt_error_set(err, EINVAL, "app \"%s\" has no exec (ACE-21)", name);
			goto fail;
		}
		_cleanup_free_ char *tpath = rkt_pod_app_file(name, RKT_POD_APP_TREE_STORE_ID);
		r = read_line_at(podfd, tpath, &a->tree_store_id);
		if (r < 0 && r != -ENOENT) {
			r = rkt_error_set(err, -r, "app \"%s\": '%s'", name, tpath);
			goto fail;
		}
		if (a->tree_store_id && strchr(a->tree_store_id, '/')) {
			r = rkt_error_set(err, EINVAL, "app \"%s\": bad '%s'", name, tpath);
			goto fail;
		}
		if (!pod.overlay)
			continue;
		_cleanup_free_ char *lpath = rkt_pod_app_file(name, RKT_POD_APP_LOWERDIR);
		r = read_line_at(podfd, lpath, &a->lowerdir);
		if (r >= 0 && !rkt_pod_lowerdir_valid(a->lowerdir))
			r = -EINVAL;
		if (r >= 0 && !a->tree_store_id)
			r = rkt_error_set(err, ENOENT, "app \"%s\": 'appsinfo/%s/treeStoreID'",
			                  name, name);
		if (r < 0) {
			r = err && err->code
			            ? r
			            : rkt_error_set(err, -r, "app \"%s\": '%s'", name, lpath);
			goto fail;
		}
	}
	*ret = pod;
	return 0;
fail:
	rkt_stage1_pod_release(&pod);
	return r;
}
