/* The pod directory layout (see layout.h). */
#include <stdlib.h>
#include <string.h>

#include "pod/layout.h"
#include "util/xalloc.h"

char *rkt_pod_app_file(const char *app, const char *name)
{
	return xasprintf(RKT_POD_APPSINFO "/%s/%s", app, name);
}

char *rkt_stage1_app_rootfs(const char *app)
{
	return xasprintf("opt/stage2/%s/rootfs", app);
}

char *rkt_pod_app_rootfs(const char *app)
{
	return xasprintf(RKT_POD_STAGE1_ROOTFS "/opt/stage2/%s/rootfs", app);
}

char *rkt_pod_overlay_dir(const char *tree_id, const char *kind, const char *app)
{
	return xasprintf(RKT_POD_OVERLAY "/%s/%s%s%s", tree_id, kind, app ? "/" : "",
	                 app ? app : "");
}

char *rkt_pod_app_log(const char *app)
{
	return xasprintf(RKT_POD_LOGS "/%s.log", app);
}

char *rkt_pod_app_env(const char *app)
{
	return xasprintf(RKT_POD_STAGE1_ENV_DIR "/%s", app);
}

char *rkt_pod_app_settings(const char *app)
{
	return xasprintf(RKT_POD_STAGE1_APP_DIR "/%s", app);
}

char *rkt_pod_app_status(const char *app, const char *suffix)
{
	return xasprintf(RKT_POD_STAGE1_STATUS_DIR "/%s%s", app, suffix);
}

const char *rkt_pod_path_relative(const char *pod_dir, const char *path)
{
	size_t n = strlen(pod_dir);

	while (n > 1 && pod_dir[n - 1] == '/')
		n--;
	if (strncmp(path, pod_dir, n) == 0 && path[n] == '/' && path[n + 1])
		return path + n + 1;
	return path;
}

/* Whether the N bytes at P hold a ".." path component. */
static bool has_dotdot(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool start = i == 0 || p[i - 1] == '/';

		if (start && i + 1 < n && p[i] == '.' && p[i + 1] == '.' &&
		    (i + 2 == n || p[i + 2] == '/'))
			return true;
	}
	return false;
}

bool rkt_pod_lowerdir_valid(const char *lowerdir)
{
	const char *p = lowerdir;

	if (strpbrk(lowerdir, ",\\\n"))
		return false;
	for (;;) {
		size_t n = strcspn(p, ":");

		if (n == 0 || (p[0] != '/' && has_dotdot(p, n)))
			return false;
		if (!p[n])
			return true;
		p += n + 1;
	}
}

char *rkt_pod_lowerdir_resolve(const char *pod_dir, const char *lowerdir)
{
	char *out = xstrdup("");

	for (const char *p = lowerdir;;) {
		size_t n = strcspn(p, ":");
		char *t = xasprintf("%s%s%s%s%.*s", out, *out ? ":" : "",
		                    p[0] == '/' ? "" : pod_dir, p[0] == '/' ? "" : "/", (int)n, p);

		free(out);
		out = t;
		if (!p[n])
			return out;
		p += n + 1;
	}
}
