/* Preparing the apps of a pod (see app.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/close_range.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/io.h"

#include "activation.h"
#include "app.h"
#include "mds/url.h"
#include "pod/layout.h"
#include "tty.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static char **strv_to_argv(const struct rkt_strv *v)
{
	char **argv = xmalloc_array(v->n + 1, sizeof(char *));
	for (size_t i = 0; i < v->n; i++)
		argv[i] = v->items[i];
	argv[v->n] = NULL;
	return argv;
}

static bool exists_at(int dirfd, const char *path)
{
	return faccessat(dirfd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* --private-users with overlay: each lower directory of LOWER (shared trees owned by the
 * host's ids) idmapped through the pod's user namespace at overlay/<tree>/idmapped/<app>/<i>,
 * and the upper directory's root owned as the idmapped root shows it (the range's ids).
 * Returns the new lowerdir option. */
static int idmap_lowers(struct pod_ctx *c, struct app_state *s, const char *lower,
                        const char *upper, char **ret, struct rkt_error *err)
{
	_cleanup_free_ char *dir = rkt_pod_overlay_dir(s->a->tree_store_id, "idmapped", s->name);
	_cleanup_free_ char *copy = xstrdup(lower), *out = xstrdup("");
	size_t i = 0;
	int r;

	for (char *save = NULL, *p = strtok_r(copy, ":", &save); p;
	     p = strtok_r(NULL, ":", &save), i++) {
		_cleanup_free_ char *rel = xasprintf("%s/%zu", dir, i);
		_cleanup_free_ char *abs = xasprintf("%s/%s", c->pod_dir, rel);
		if ((r = rkt_mkdir_p_at(c->podfd, rel, 0755, NULL)) < 0)
			return rkt_error_set(err, -r, "app \"%s\": '%s'", s->name, rel);
		if ((r = rkt_idmap_bind(p, abs, c->userns.user, err)) < 0)
			return rkt_error_wrap(err, r, "app \"%s\"", s->name);
		if (i == 0) {
			struct stat st;
			_cleanup_free_ char *up = xasprintf("%s/%s", c->pod_dir, upper);
			if (stat(abs, &st) < 0 || chown(up, st.st_uid, st.st_gid) < 0 ||
			    chmod(up, st.st_mode & 07777) < 0)
				return rkt_error_set(err, errno, "app \"%s\": owner of '%s'",
				                     s->name, upper);
		}
		char *t = xasprintf("%s%s%s", out, *out ? ":" : "", abs);
		free(out);
		out = t;
	}
	*ret = TAKE_PTR(out);
	return 0;
}

static int mount_root(struct pod_ctx *c, struct app_state *s, bool fly, struct rkt_error *err)
{
	const struct rkt_stage1_app *a = s->a;
	_cleanup_free_ char *rel = rkt_pod_app_rootfs(s->name);
	int r;

	r = rkt_mkdir_p_at(c->podfd, rel, 0755, NULL);
	if (r < 0)
		return rkt_error_set(err, -r, "app \"%s\": '%s'", s->name, rel);
	s->root = xasprintf("%s/%s", c->pod_dir, rel);
	if (c->pod.overlay) {
		_cleanup_free_ char *upper =
		        rkt_pod_overlay_dir(a->tree_store_id, "upper", s->name);
		_cleanup_free_ char *work = rkt_pod_overlay_dir(a->tree_store_id, "work", s->name);
		if ((r = rkt_mkdir_p_at(c->podfd, upper, 0755, NULL)) < 0 ||
		    (r = rkt_mkdir_p_at(c->podfd, work, 0755, NULL)) < 0)
			return rkt_error_set(err, -r, "app \"%s\": overlay directories", s->name);
		_cleanup_free_ char *lower = rkt_pod_lowerdir_resolve(c->pod_dir, a->lowerdir);
		if (c->userns.user >= 0) {
			char *mapped = NULL;
			if ((r = idmap_lowers(c, s, lower, upper, &mapped, err)) < 0)
				return r;
			free(lower);
			lower = mapped;
		}
		_cleanup_free_ char *data = xasprintf("lowerdir=%s,upperdir=%s/%s,workdir=%s/%s",
		                                      lower, c->pod_dir, upper, c->pod_dir, work);
		if (mount("overlay", s->root, "overlay", 0, data) < 0)
			return rkt_error_set(err, errno, "app \"%s\": mounting overlay (%s)",
			                     s->name, data);
	} else if (mount(s->root, s->root, NULL, MS_BIND | MS_REC, NULL) < 0) {
		return rkt_error_set(err, errno, "app \"%s\": binding '%s'", s->name, s->root);
	}
	/* Nodes in the image are not devices; stage1's /dev is a tmpfs of its own. */
	if (!fly) {
		_cleanup_close_ int fd = open(s->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || (r = rkt_mount_set_nodev(fd, true)) < 0)
			return rkt_error_set(err, fd < 0 ? errno : -r,
			                     "app \"%s\": making the root nodev", s->name);
	}
	return 0;
}

static const char *dns_source(struct pod_ctx *c, enum stage1_dns mode, const char *stage0_file,
                              const char *host_file, int rootfd, const char *app_file,
                              const char *fallback, char *buf)
{
	bool have_stage0 = exists_at(c->podfd, stage0_file);
	const char *src = NULL;

	switch (mode) {
	case STAGE1_DNS_STAGE0:
		src = have_stage0 ? stage0_file : NULL;
		break;
	case STAGE1_DNS_HOST:
		src = host_file;
		break;
	case STAGE1_DNS_NONE:
		return NULL;
	case STAGE1_DNS_DEFAULT:
		if (have_stage0)
			src = stage0_file;
		else if (c->opts.net == STAGE1_NET_HOST)
			src = host_file;
		else if (fallback) {
			_cleanup_close_ int fd = rkt_open_in_root(rootfd, app_file, O_PATH, 0);
			if (fd < 0 && exists_at(c->podfd, fallback)) /* ACE-35, ACE-36 */
				src = fallback;
		}
		break;
	}
	if (!src)
		return NULL;
	if (src[0] != '/') {
		int n = snprintf(buf, PATH_MAX, "%s/%s", c->pod_dir, src);
		return n > 0 && n < PATH_MAX ? buf : NULL;
	}
	/* The host's file may be a symlink (e.g. to systemd-resolved's): use its target. */
	return realpath(src, buf);
}

static int write_env_file(struct pod_ctx *c, struct app_state *s, struct rkt_error *err)
{
	size_t len = 0;
	for (size_t i = 0; s->envp[i]; i++)
		len += strlen(s->envp[i]) + 1;
	_cleanup_free_ char *buf = xmalloc(len + 1);
	char *p = buf;
	for (size_t i = 0; s->envp[i]; i++)
		p = stpcpy(stpcpy(p, s->envp[i]), "\n");
	_cleanup_free_ char *path = rkt_pod_app_env(s->name);
	int r = rkt_write_file_atomic_at(c->podfd, path, buf, len, 0644, NULL);
	return r < 0 ? rkt_error_set(err, -r, "'%s'", path) : 0;
}

static const struct rkt_isolator *last_isolator(const struct rkt_app *app, enum rkt_isolator_type t)
{
	const struct rkt_isolator *found = NULL;
	for (size_t i = 0; i < app->isolators.n; i++)
		if (app->isolators.items[i].type == t)
			found = &app->isolators.items[i];
	return found;
}

/* ACE-32, ISO-20: one line naming every isolator that is not applied, each once per scope. */
void stage1_report_isolators(const struct pod_ctx *c, const struct rkt_isolate_features *f)
{
	char line[4096] = "";
	size_t len = 0;

	for (size_t a = 0; a <= c->n; a++) {
		/* a == 0: the pod's isolators (POD-11), then each app's */
		const struct rkt_isolator_list *l =
		        a == 0 ? &c->pod.manifest->isolators : &c->apps[a - 1].a->app->isolators;
		for (size_t i = 0; i < l->n; i++) {
			const struct rkt_isolator *iso = &l->items[i];
			char item[512];
			if (rkt_isolator_applied(iso->type, a == 0, f))
				continue;
			if (a == 0)
				snprintf(item, sizeof(item), "%s (pod)", iso->name);
			else
				snprintf(item, sizeof(item), "%s (app \"%s\")", iso->name,
				         c->apps[a - 1].name);
			/* ISO-2 lets some isolators repeat: name each once */
			bool seen = false;
			for (const char *p = line; (p = strstr(p, item)); p++)
				if ((p == line || (p - line >= 2 && p[-2] == ',')) &&
				    (p[strlen(item)] == ',' || p[strlen(item)] == '\0'))
					seen = true;
			if (!seen && len + strlen(item) + 3 < sizeof(line))
				len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%s",
				                        len ? ", " : "", item);
		}
	}
	if (len)
		stage1_warn("isolators not applied: %s", line);
}

static int add_cgroup_line(struct pod_ctx *c, const char *path, struct rkt_error *err)
{
	_cleanup_free_ char *line = xasprintf("%s\n", path);
	_cleanup_close_ int lf =
	        openat(c->podfd, RKT_POD_CGROUPS, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (lf < 0)
		return rkt_error_set(err, errno, "'cgroups'");
	int r = rkt_write_all(lf, line, strlen(line));
	if (r < 0)
		return rkt_error_set(err, -r, "'cgroups'");
	return 0;
}

static void cgroups_unavailable(struct pod_ctx *c, const char *why)
{
	if (!c->cgroups_failed)
		stage1_warn("resource isolators not applied: %s", why);
	c->cgroups_failed = true;
}

/* The pod's cgroup <caller's cgroup>/rkt-<uuid> with the pod's isolators (POD-11: the pod as
 * a whole; the kernel bounds the apps by it, ACE-33), and below it the app's, <...>/rkt-<uuid>/<app>, with the app's; upstream's layout
 * without systemd. Every app gets one wherever the pod or any app has a limit, so that the
 * pod's cgroup holds all of them. Listed in $P/cgroups for the cleanup. */
static int setup_cgroups(struct pod_ctx *c, struct app_state *s, struct rkt_error *err)
{
	static const char *const root = "/sys/fs/cgroup";
	static const char *const controllers[] = { "memory", "cpu" };
	struct rkt_cgroup_limits lim, pod, any = { 0 };
	_cleanup_free_ char *self = NULL;
	int r;

	rkt_cgroup_limits_of(&c->pod.manifest->isolators, &pod);
	for (size_t i = 0; i < c->n; i++) {
		struct rkt_cgroup_limits l;
		rkt_cgroup_limits_of(&c->apps[i].a->app->isolators, &l);
		any.has_memory |= l.has_memory || l.has_memory_request;
		any.has_cpu |= l.has_cpu || l.has_shares;
	}
	any.has_memory |= pod.has_memory || pod.has_memory_request;
	any.has_cpu |= pod.has_cpu || pod.has_shares;
	if ((!any.has_memory && !any.has_cpu) || c->cgroups_failed)
		return 0;
	rkt_cgroup_limits_of(&s->a->app->isolators, &lim);
	_cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return rkt_error_set(err, errno, "/proc/self/cgroup");
	self = xmalloc(65536);
	self[fread(self, 1, 65535, f)] = '\0';

	_cleanup_free_ char *own2 = NULL;
	if (faccessat(AT_FDCWD, "/sys/fs/cgroup/cgroup.controllers", F_OK, 0) == 0 &&
	    rkt_cgroup_parse_self(self, NULL, &own2) == 0) {
		/* v2: one hierarchy */
		_cleanup_free_ char *pod_rel =
		        xasprintf("%s/rkt-%s", strcmp(own2, "/") == 0 ? "" : own2, c->opts.uuid);
		_cleanup_free_ char *app_rel = xasprintf("%s/%s", pod_rel, s->name);
		struct rkt_error cerr = { 0 };
		if (rkt_cgroup_v2_enable(root, own2, app_rel, &any, &cerr) < 0) {
			cgroups_unavailable(c, cerr.msg);
			return 0;
		}
		r = rkt_cgroup_create(root, NULL, pod_rel, &pod, NULL, err);
		if (r >= 0)
			r = rkt_cgroup_create(root, NULL, app_rel, &lim, &s->cgroup_fds[0], err);
		if (r < 0)
			return rkt_error_wrap(err, r, "app \"%s\"", s->name);
		_cleanup_free_ char *path = xasprintf("%s%s", root, app_rel);
		return add_cgroup_line(c, path, err);
	}
	for (size_t i = 0; i < ELEMENTSOF(controllers); i++) {
		_cleanup_free_ char *own = NULL;
		if (!(i == 0 ? any.has_memory : any.has_cpu))
			continue;
		if (rkt_cgroup_parse_self(self, controllers[i], &own) < 0) {
			_cleanup_free_ char *why =
			        xasprintf("no cgroup v1 %s hierarchy", controllers[i]);
			cgroups_unavailable(c, why);
			continue;
		}
		_cleanup_free_ char *pod_rel =
		        xasprintf("%s/rkt-%s", strcmp(own, "/") == 0 ? "" : own, c->opts.uuid);
		_cleanup_free_ char *app_rel = xasprintf("%s/%s", pod_rel, s->name);
		r = rkt_cgroup_create(root, controllers[i], pod_rel, &pod, NULL, err);
		if (r >= 0)
			r = rkt_cgroup_create(root, controllers[i], app_rel, &lim,
			                      &s->cgroup_fds[i], err);
		if (r < 0)
			return rkt_error_wrap(err, r, "app \"%s\"", s->name);
		_cleanup_free_ char *path = xasprintf("%s/%s%s", root, controllers[i], app_rel);
		r = add_cgroup_line(c, path, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static void devices_unrestricted(struct pod_ctx *c, const char *why)
{
	if (!c->devices_warned)
		stage1_warn("%s: devices are not restricted (only nodev)", why);
	c->devices_warned = true;
}

/* A cgroup v2 host: the same policy as a BPF device program attached to the pod's cgroup and
 * the app's (lib/isolate/devices-bpf.c). Where the kernel or the host refuses it (no BPF in a
 * container, say) the pod still runs, with the warning. */
static int setup_devices_v2(struct pod_ctx *c, struct app_state *s, const char *self,
                            struct rkt_error *err)
{
	static const char *const root = "/sys/fs/cgroup";
	_cleanup_free_ char *own = NULL;
	struct rkt_error e = { 0 };

	if (c->devices_warned)
		return 0;
	if (faccessat(AT_FDCWD, "/sys/fs/cgroup/cgroup.controllers", F_OK, 0) < 0 ||
	    rkt_cgroup_parse_self(self, NULL, &own) < 0) {
		devices_unrestricted(c, "no cgroup v1 devices hierarchy and no cgroup v2");
		return 0;
	}
	_cleanup_free_ char *pod_rel =
	        xasprintf("%s/rkt-%s", strcmp(own, "/") == 0 ? "" : own, c->opts.uuid);
	_cleanup_free_ char *app_rel = xasprintf("%s/%s", pod_rel, s->name);
	int r = c->devices_pod ? 0 : rkt_cgroup_v2_devices(root, pod_rel, NULL, &e);
	if (r >= 0) {
		c->devices_pod = true;
		r = rkt_cgroup_v2_devices(root, app_rel, &s->cgroup_fds[2], &e);
	}
	_cleanup_free_ char *path = xasprintf("%s%s", root, app_rel);
	if (r < 0) {
		_cleanup_free_ char *why = xasprintf("cgroup v2 device program: %s", e.msg);
		devices_unrestricted(c, why);
		/* what was made of the cgroups goes again (the pod's once it is empty) */
		(void)rmdir(path);
		*strrchr(path, '/') = '\0';
		(void)rmdir(path);
		c->devices_pod = false;
		return 0;
	}
	return add_cgroup_line(c, path, err);
}

/* Upstream's closed device policy (docs/stage1-abi.md 4.2), on every host with a v1 devices
 * hierarchy: the pod's cgroup and the app's below it in that hierarchy, whatever the limits. */
static int setup_devices_cgroup(struct pod_ctx *c, struct app_state *s, struct rkt_error *err)
{
	static const char *const root = "/sys/fs/cgroup";
	_cleanup_free_ char *self = NULL, *own = NULL;
	struct rkt_cgroup_limits none = { 0 };
	int r;

	_cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return rkt_error_set(err, errno, "/proc/self/cgroup");
	self = xmalloc(65536);
	self[fread(self, 1, 65535, f)] = '\0';
	if (rkt_cgroup_parse_self(self, "devices", &own) < 0)
		return setup_devices_v2(c, s, self, err);
	_cleanup_free_ char *pod_rel =
	        xasprintf("%s/rkt-%s", strcmp(own, "/") == 0 ? "" : own, c->opts.uuid);
	_cleanup_free_ char *app_rel = xasprintf("%s/%s", pod_rel, s->name);
	/* The kernel refuses "deny a" in a cgroup with children: the pod's, once, first. */
	r = c->devices_pod ? 0 : rkt_cgroup_create(root, "devices", pod_rel, &none, NULL, err);
	c->devices_pod = true;
	if (r >= 0)
		r = rkt_cgroup_create(root, "devices", app_rel, &none, &s->cgroup_fds[2], err);
	if (r < 0)
		return rkt_error_wrap(err, r, "app \"%s\"", s->name);
	_cleanup_free_ char *path = xasprintf("%s/devices%s", root, app_rel);
	return add_cgroup_line(c, path, err);
}

void stage1_cgroups_remove(int podfd)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (rkt_read_in_root(podfd, RKT_POD_CGROUPS, 1 << 20, &buf, &len) < 0)
		return;
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (strncmp(l, "/sys/fs/cgroup/", 15) != 0 || strstr(l, "/../"))
			continue;
		(void)rmdir(l);
		char *slash = strrchr(l, '/');
		*slash = '\0';
		(void)rmdir(l); /* the pod's, once its last app's is gone */
	}
}

/* rkt/app/<app>: what enter cannot recompute from the pod's manifests (the user and groups,
 * resolved in the image's /etc/passwd, which the app may have changed since) and the run
 * options that change the app's isolation. */
static int write_settings(const struct pod_ctx *c, const struct app_state *s, bool fly,
                          struct rkt_error *err)
{
	char buf[4096];
	size_t len = (size_t)snprintf(buf, sizeof(buf),
	                              "fly=%d\ndisable-capabilities=%d\ndisable-seccomp=%d\n"
	                              "uid=%u\ngid=%u\ngroups=",
	                              fly, c->opts.disable_caps, c->opts.disable_seccomp,
	                              (unsigned)s->ids.uid, (unsigned)s->ids.gid);
	for (size_t i = 0; i < s->ids.n_groups && len < sizeof(buf) - 16; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%u", i ? "," : "",
		                        (unsigned)s->ids.groups[i]);
	if (len >= sizeof(buf) - 16)
		return rkt_error_set(err, E2BIG, "app \"%s\": too many supplementary groups",
		                     s->name);
	buf[len++] = '\n';
	_cleanup_free_ char *path = rkt_pod_app_settings(s->name);
	int r = rkt_mkdir_p_at(c->podfd, RKT_POD_STAGE1_APP_DIR, 0755, NULL);
	if (r >= 0)
		r = rkt_write_file_atomic_at(c->podfd, path, buf, len, 0644, NULL);
	return r < 0 ? rkt_error_set(err, -r, "'%s'", path) : 0;
}

static int parse_uint(const char *v, unsigned *ret)
{
	char *end;
	errno = 0;
	unsigned long l = strtoul(v, &end, 10);
	if (errno || end == v || *end || l > UINT32_MAX - 1)
		return -EBADMSG;
	*ret = (unsigned)l;
	return 0;
}

int stage1_app_settings_read(struct pod_ctx *c, struct app_state *s, bool *ret_fly,
                             struct rkt_error *err)
{
	_cleanup_free_ char *path = rkt_pod_app_settings(s->name), *buf = NULL;
	size_t len;
	unsigned u;
	int r, seen = 0;

	r = rkt_read_in_root(c->podfd, path, 1 << 16, &buf, &len);
	if (r < 0)
		return rkt_error_set(err, -r, "'%s'", path);
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char *v = strchr(l, '=');
		if (!v)
			return rkt_error_set(err, EBADMSG, "'%s': bad line \"%s\"", path, l);
		*v++ = '\0';
		if (strcmp(l, "groups") == 0) {
			for (char *gs = NULL, *g = strtok_r(v, ",", &gs); g;
			     g = strtok_r(NULL, ",", &gs)) {
				if (parse_uint(g, &u) < 0)
					return rkt_error_set(err, EBADMSG, "'%s': bad group \"%s\"",
					                     path, g);
				s->ids.groups = xrealloc_array(s->ids.groups, s->ids.n_groups + 1,
				                               sizeof(gid_t));
				s->ids.groups[s->ids.n_groups++] = (gid_t)u;
			}
			seen |= 1;
			continue;
		}
		if (parse_uint(v, &u) < 0)
			return rkt_error_set(err, EBADMSG, "'%s': bad value of %s", path, l);
		if (strcmp(l, "fly") == 0)
			*ret_fly = u != 0;
		else if (strcmp(l, "disable-capabilities") == 0)
			c->opts.disable_caps = u != 0;
		else if (strcmp(l, "disable-seccomp") == 0)
			c->opts.disable_seccomp = u != 0;
		else if (strcmp(l, "uid") == 0) {
			s->ids.uid = (uid_t)u;
			seen |= 2;
		} else if (strcmp(l, "gid") == 0) {
			s->ids.gid = (gid_t)u;
			seen |= 4;
		}
	}
	if (seen != 7)
		return rkt_error_set(err, EBADMSG, "'%s': no uid, gid or groups", path);
	return 0;
}

int stage1_app_isolators(const struct pod_ctx *c, struct app_state *s, bool fly,
                         struct rkt_error *err)
{
	const struct rkt_app *app = s->a->app;
	int r;

	s->workdir =
	        app->working_directory && *app->working_directory ? app->working_directory : "/";

	s->caps = rkt_caps_default();
	if (!c->opts.disable_caps && !fly) {
		r = rkt_caps_compute(&app->isolators, &s->caps, err);
		if (r < 0)
			return rkt_error_wrap(err, r, "app \"%s\"", s->name);
	}
	const struct rkt_isolator *nnp = last_isolator(app, RKT_ISOLATOR_NO_NEW_PRIVILEGES);
	s->nnp = nnp && nnp->u.no_new_privileges;
	if (!c->opts.disable_seccomp && !fly) {
		struct rkt_seccomp_spec spec;
		r = rkt_seccomp_resolve(&app->isolators, &spec, err);
		if (r < 0)
			return rkt_error_wrap(err, r, "app \"%s\"", s->name);
		/* As Docker: an app given CAP_SYS_ADMIN may make namespaces with clone. */
		spec.clone_ns = c->opts.disable_caps || (s->caps & (UINT64_C(1) << CAP_SYS_ADMIN));
		r = stage1_seccomp_compile(&spec, &s->bpf, err);
		/* Loading a filter without CAP_SYS_ADMIN needs no_new_privs; the apps' bounding
		 * set never has it, as with rkt's systemd units. */
		if (spec.enabled)
			s->nnp = true;
		rkt_seccomp_spec_release(&spec);
		if (r < 0)
			return rkt_error_wrap(err, r, "app \"%s\"", s->name);
	}
	const struct rkt_isolator *oom = last_isolator(app, RKT_ISOLATOR_OOM_SCORE_ADJ);
	if (oom) {
		s->has_oom = true;
		s->oom = (int)oom->u.integer;
	}
	return 0;
}

int stage1_prepare_app(struct pod_ctx *c, struct app_state *s, bool fly, struct rkt_error *err)
{
	const struct rkt_app *app = s->a->app;
	char resolv_buf[PATH_MAX], hosts_buf[PATH_MAX];
	struct rkt_mount_plan plan = { 0 };
	int r;

	r = mount_root(c, s, fly, err);
	if (r < 0)
		return r;
	_cleanup_close_ int rootfd = open(s->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return rkt_error_set(err, errno, "'%s'", s->root);

	_cleanup_free_ char *hostname_file = xasprintf("%s/stage1/rootfs/etc/hostname", c->pod_dir);
	struct rkt_mount_plan_opts mo = {
		.pod_dir = c->pod_dir,
		.console = "/dev/null",
		.resolv_conf = dns_source(c, c->opts.resolv, "stage1/rootfs/etc/rkt-resolv.conf",
		                          "/etc/resolv.conf", rootfd, NULL, NULL, resolv_buf),
		.hosts = dns_source(c, c->opts.hosts, "stage1/rootfs/etc/rkt-hosts", "/etc/hosts",
		                    rootfd, "/etc/hosts", "stage1/rootfs/etc/hosts-fallback",
		                    hosts_buf),
		.hostname_file = hostname_file,
		.private_ipc = c->opts.private_ipc,
		.restrict_paths = !c->opts.disable_paths && !fly,
		.fly = fly,
		/* rkt/rkt Documentation/subcommands/run.md: recursive by default, except on fly. */
		.volumes_recursive = !fly,
		.id_base = c->opts.private_users ? c->opts.ids.base : 0,
	};
	r = rkt_mount_plan_build(c->pod.manifest, s->a->ra, app, &mo, stage1_warn_cb, NULL, &plan,
	                         err);
	if (r < 0)
		return r;
	r = rkt_mount_plan_apply(s->root, &plan, stage1_warn_cb, NULL, err);
	rkt_mount_plan_release(&plan);
	if (r < 0)
		return r;
	/* --interactive on a terminal: a pty of the pod's own, never the caller's (tty.h). */
	if (c->opts.interactive && !fly && isatty(STDIN_FILENO) &&
	    (r = tty_pod_pty(rootfd, &c->tty_master, &c->tty_slave)) < 0)
		return rkt_error_set(err, -r, "app \"%s\": its terminal", s->name);
	/* /etc/mtab, as upstream's stage0 adds it. */
	_cleanup_close_ int etc = rkt_open_in_root(rootfd, "/etc", O_PATH | O_DIRECTORY, 0);
	/* a read-only root keeps what it has; any other failure (a full disk) is one */
	if (etc >= 0 && !exists_at(etc, "mtab") &&
	    symlinkat("../proc/self/mounts", etc, "mtab") < 0 && errno != EEXIST && errno != EROFS)
		return rkt_error_set(err, errno, "app \"%s\": /etc/mtab", s->name);

	r = rkt_ids_resolve(rootfd, app->user, app->group, app->supplementary_gids,
	                    app->n_supplementary_gids, &s->ids, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "app \"%s\"", s->name);

	_cleanup_free_ char *mds = c->opts.mds_token
	                                   ? rkt_mds_url(c->podfd, c->opts.net == STAGE1_NET_HOST,
	                                                 c->opts.mds_token, stage1_warn_cb, NULL)
	                                   : NULL;
	struct rkt_env_opts eo = {
		.app_name = s->name,
		.metadata_url = mds,
		.user_name = s->ids.user_name,
		.home = s->ids.home,
	};
	r = rkt_env_build(&app->environment, &eo, &s->envp, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "app \"%s\"", s->name);
	r = write_env_file(c, s, err);
	if (r < 0)
		return r;

	const char *path = rkt_envp_get(s->envp, "PATH");
	struct rkt_error lerr = { 0 };
	if (rkt_exec_lookup(rootfd, app->exec.items[0], path, &s->exec_path, &lerr) < 0)
		s->exec_path = xstrdup(app->exec.items[0]); /* execve reports it in the log */
	s->argv = strv_to_argv(&app->exec);
	for (size_t i = 0; i < app->n_event_handlers; i++) {
		const struct rkt_event_handler *h = &app->event_handlers[i];
		if (h->exec.n == 0)
			continue;
		bool pre = strcmp(h->name, "pre-start") == 0;
		char **p = pre ? &s->pre_path : &s->post_path;
		if (*p)
			continue;
		if (rkt_exec_lookup(rootfd, h->exec.items[0], path, p, &lerr) < 0)
			*p = xstrdup(h->exec.items[0]);
		*(pre ? &s->pre_argv : &s->post_argv) = strv_to_argv(&h->exec);
	}
	r = stage1_app_isolators(c, s, fly, err);
	if (r >= 0)
		r = write_settings(c, s, fly, err);
	if (r < 0)
		return r;
	if (!fly) {
		r = setup_devices_cgroup(c, s, err);
		if (r >= 0)
			r = setup_cgroups(c, s, err);
		if (r < 0)
			return r;
	}

	if (!c->opts.interactive && !fly) {
		int p1[2], p2[2];
		if (pipe2(p1, O_CLOEXEC) < 0 || pipe2(p2, O_CLOEXEC) < 0)
			return rkt_error_set(err, errno, "pipe");
		s->out_r = p1[0];
		s->out_w = p1[1];
		s->err_r = p2[0];
		s->err_w = p2[1];
		(void)fcntl(s->out_r, F_SETFL, O_NONBLOCK);
		(void)fcntl(s->err_r, F_SETFL, O_NONBLOCK);
		_cleanup_free_ char *log = rkt_pod_app_log(s->name);
		s->log_fd = openat(c->podfd, log,
		                   O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);
		if (s->log_fd < 0)
			return rkt_error_set(err, errno, "'%s'", log);
	}
	return 0;
}

/* oom_score_adj without stdio (after fork). */
static int write_oom(int v)
{
	char buf[16], tmp[16];
	int n = 0, k = 0;
	unsigned u = v < 0 ? (unsigned)-v : (unsigned)v;
	do {
		tmp[k++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		buf[n++] = '-';
	while (k)
		buf[n++] = tmp[--k];
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	int r = fd >= 0 && write(fd, buf, (size_t)n) == n ? 0 : -errno;
	if (fd >= 0)
		(void)close(fd);
	return r;
}

int stage1_chdir_in_root(const char *dir)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, dir, &how, sizeof(how));
	if (fd < 0)
		return -errno;
	int r = fchdir(fd) < 0 ? -errno : 0;
	(void)close(fd);
	return r;
}

#define FAIL(w, e)           \
	do {                 \
		*what = (w); \
		return -(e); \
	} while (0)

int stage1_app_restrict(const struct pod_ctx *c, const struct app_state *s, bool fly,
                        const char **what)
{
	int r;

	for (size_t i = 0; i < ELEMENTSOF(s->cgroup_fds); i++)
		if (s->cgroup_fds[i] >= 0 && (r = rkt_cgroup_join(s->cgroup_fds[i])) < 0)
			FAIL("joining the app's cgroup", -r);
	/* Own cgroup namespace, rooted at the cgroups just joined: /proc/self/cgroup shows "/"
	 * and a cgroup mount shows only the app's subtree (docs/security.md). */
	if (!fly && unshare(CLONE_NEWCGROUP) < 0)
		FAIL("unshare of the cgroup namespace", errno);
	/* Nothing of stage1's (lock fd, pod directory, pipes of other apps) nor of the caller's
	 * leaks in, not even until execve: a working directory of /proc/self/fd/N would reach
	 * the host through a close-on-exec fd (CVE-2024-21626). */
	/* The user namespace is kept until joined, below, out of the way of the listening
	 * sockets that move to 3.. (activation.h). */
	int userns = c->userns.user;
	if (userns >= 0 && userns < 1024 && (userns = fcntl(userns, F_DUPFD_CLOEXEC, 1024)) < 0)
		FAIL("moving the user namespace fd", errno);
	int keep = stage1_activation_fds(s);
	if (keep < 0)
		FAIL("listening sockets", -keep);
	int first = 3 + keep;
	if (userns > first && syscall(SYS_close_range, first, (unsigned)userns - 1, 0) < 0)
		FAIL("closing file descriptors", errno);
	if (syscall(SYS_close_range, userns >= first ? (unsigned)userns + 1 : (unsigned)first, ~0U,
	            0) < 0)
		FAIL("closing file descriptors", errno);
	if (s->has_oom && (r = write_oom(s->oom)) < 0)
		FAIL("oom_score_adj", -r);
	if (fly) {
		/* fly's app is chrooted (docs/stage1-abi.md 4.6) */
		if (chdir(s->root) < 0 || chroot(".") < 0)
			FAIL("chroot into the app root", errno);
	} else {
		/* Own mount namespace so that pivot_root changes only this app's root (ACE-4). */
		if (unshare(CLONE_NEWNS) < 0)
			FAIL("unshare", errno);
		if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
			FAIL("making / a slave", errno);
		if (chdir(s->root) < 0)
			FAIL("chdir to the app root", errno);
		if (syscall(SYS_pivot_root, ".", ".") < 0)
			FAIL("pivot_root", errno);
		if (umount2(".", MNT_DETACH) < 0)
			FAIL("detaching the old root", errno);
	}
	if (chdir("/") < 0)
		FAIL("chdir /", errno);
	/* --private-users: last of the host's privileges used; from here on root is the range's
	 * base on the host, with capabilities only in the pod's namespaces. */
	if (userns >= 0) {
		if ((r = rkt_userns_enter(userns)) < 0)
			FAIL("joining the pod's user namespace", -r);
		(void)close(userns);
	}
	bool caps = !c->opts.disable_caps && !fly;
	if (caps && (r = rkt_caps_apply_bounding(s->caps)) < 0)
		FAIL("capability bounding set", -r);
	if ((r = rkt_ids_apply(&s->ids)) < 0)
		FAIL("setting user and groups", -r);
	if (caps && (r = rkt_caps_apply(s->caps)) < 0)
		FAIL("capabilities", -r);
	if ((r = stage1_chdir_in_root(s->workdir)) < 0) /* ACE-19 */
		FAIL("working directory", -r);
	if (s->nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		FAIL("no_new_privs", errno);
	if ((r = rkt_seccomp_load(&s->bpf)) < 0) /* last: the filter may block the above */
		FAIL("seccomp", -r);
	return 0;
}

int stage1_unshare_mounts(struct pod_ctx *c, int flags, struct rkt_error *err)
{
	if (unshare(CLONE_NEWNS | flags) < 0)
		return rkt_error_set(err, errno, "unshare");
	/* The kernel moved our cwd into the new namespace; the old fd stays in the old one. */
	int fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return rkt_error_set(err, errno, "pod directory '%s'", c->pod_dir);
	(void)close(c->podfd);
	c->podfd = fd;
	return 0;
}

int stage1_bind_userns(struct pod_ctx *c, struct rkt_error *err)
{
	char src[64];
	_cleanup_free_ char *target = xasprintf("%s/" RKT_POD_USERNS, c->pod_dir);
	_cleanup_close_ int fd =
	        openat(c->podfd, RKT_POD_USERNS, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return rkt_error_set(err, errno, "'" RKT_POD_USERNS "'");
	snprintf(src, sizeof(src), "/proc/self/fd/%d", c->userns.user);
	if (mount(src, target, NULL, MS_BIND, NULL) < 0)
		return rkt_error_set(err, errno, "binding the user namespace at '%s'", target);
	return 0;
}

int stage1_load_pod(struct pod_ctx *c, struct rkt_error *err)
{
	int r;

	if (!getcwd(c->pod_dir, sizeof(c->pod_dir)))
		return rkt_error_set(err, errno, "getcwd");
	c->podfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->podfd < 0)
		return rkt_error_set(err, errno, "pod directory");
	r = rkt_stage1_pod_load(c->podfd, &c->pod, err);
	if (r < 0)
		return r;
	c->userns = (struct rkt_userns){ -EBADF, -EBADF, -EBADF, -EBADF };
	c->tty_master = c->tty_slave = -EBADF;
	c->n = c->pod.n_apps;
	c->apps = xmalloc_array(c->n, sizeof(*c->apps));
	memset(c->apps, 0, c->n * sizeof(*c->apps));
	for (size_t i = 0; i < c->n; i++) {
		c->apps[i].a = &c->pod.apps[i];
		c->apps[i].name = c->pod.apps[i].ra->name;
		c->apps[i].out_r = c->apps[i].out_w = c->apps[i].err_r = c->apps[i].err_w = -EBADF;
		c->apps[i].log_fd = STDERR_FILENO;
		c->apps[i].notify_fd = -EBADF;
		for (size_t j = 0; j < ELEMENTSOF(c->apps[i].cgroup_fds); j++)
			c->apps[i].cgroup_fds[j] = -EBADF;
	}
	return 0;
}
