/* Mount plans of apps: built from the manifests without I/O, then applied inside the app root
 * (bubblewrap's "plan then apply"). */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "isolate/isolate.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

void rkt_mount_plan_release(struct rkt_mount_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		free(plan->ops[i].source);
		free(plan->ops[i].target);
		free(plan->ops[i].fstype);
		free(plan->ops[i].data);
	}
	free(plan->ops);
	memset(plan, 0, sizeof(*plan));
}

static struct rkt_mount_op *add(struct rkt_mount_plan *p, enum rkt_mount_kind kind,
                                const char *source, const char *target)
{
	xgrow((void **)&p->ops, &p->cap, p->n + 1, sizeof(*p->ops));
	struct rkt_mount_op *op = &p->ops[p->n++];
	*op = (struct rkt_mount_op){ .kind = kind, .target = xstrdup(target) };
	if (source)
		op->source = xstrdup(source);
	return op;
}

static void add_fs(struct rkt_mount_plan *p, const char *fstype, const char *target,
                   unsigned long flags, const char *data)
{
	struct rkt_mount_op *op = add(p, RKT_MOUNT_FS, fstype, target);
	op->fstype = xstrdup(fstype);
	op->flags = flags;
	if (data)
		op->data = xstrdup(data);
}

static void add_bind(struct rkt_mount_plan *p, const char *source, const char *target, bool ro,
                     bool optional)
{
	struct rkt_mount_op *op = add(p, RKT_MOUNT_BIND, source, target);
	op->read_only = ro;
	op->optional = optional;
}

/* Upstream rkt's restricted paths (stage1/init/common/path.go) plus crun's /proc extras. */
static const char *const ro_paths[] = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
	                                "/proc/sysrq-trigger" };
static const char *const masked_paths[] = {
	"/proc/kcore",       "/proc/kmem",       "/proc/mem",     "/proc/kallsyms",
	"/proc/sched_debug", "/proc/timer_list", "/proc/keys",    "/proc/config.gz",
	"/proc/acpi",        "/proc/scsi",       "/sys/firmware",
};

static void plan_system(struct rkt_mount_plan *p, const struct rkt_mount_plan_opts *o)
{
	const unsigned long nsd = MS_NOSUID | MS_NODEV | MS_NOEXEC;

	if (o->fly) {
		/* Fly (rkt/rkt Documentation/running-fly-stage1.md): the host's /dev, /proc, /sys,
		 * recursively. */
		struct rkt_mount_op *op;
		op = add(p, RKT_MOUNT_BIND, "/dev", "/dev");
		op->recursive = true;
		op = add(p, RKT_MOUNT_BIND, "/proc", "/proc");
		op->recursive = true;
		op = add(p, RKT_MOUNT_BIND, "/sys", "/sys");
		op->recursive = true;
		add_fs(p, "tmpfs", "/tmp", MS_NOSUID | MS_NODEV, "mode=1777");
		return;
	}
	/* ACE-34 */
	add_fs(p, "proc", "/proc", nsd, NULL);
	add_fs(p, "sysfs", "/sys", nsd | MS_RDONLY, NULL);
	add_fs(p, "tmpfs", "/dev", MS_NOSUID | MS_STRICTATIME, "mode=0755,size=65536k");
	static const char *const devs[] = { "null", "zero", "full", "random", "urandom", "tty" };
	for (size_t i = 0; i < ELEMENTSOF(devs); i++) {
		char path[32];
		snprintf(path, sizeof(path), "/dev/%s", devs[i]);
		add_bind(p, path, path, false, false);
	}
	add_bind(p, o->console ? o->console : "/dev/null", "/dev/console", false, false);
	add_fs(p, "devpts", "/dev/pts", MS_NOSUID | MS_NOEXEC,
	       "newinstance,ptmxmode=0666,mode=620");
	add(p, RKT_MOUNT_SYMLINK, "pts/ptmx", "/dev/ptmx");
	add_fs(p, "tmpfs", "/dev/shm", nsd, "mode=1777");
	if (o->private_ipc)
		add_fs(p, "mqueue", "/dev/mqueue", nsd, NULL);
	add(p, RKT_MOUNT_SYMLINK, "/proc/self/fd", "/dev/fd");
	add(p, RKT_MOUNT_SYMLINK, "/proc/self/fd/0", "/dev/stdin");
	add(p, RKT_MOUNT_SYMLINK, "/proc/self/fd/1", "/dev/stdout");
	add(p, RKT_MOUNT_SYMLINK, "/proc/self/fd/2", "/dev/stderr");
	if (o->restrict_paths) {
		for (size_t i = 0; i < ELEMENTSOF(ro_paths); i++)
			add(p, RKT_MOUNT_READONLY, NULL, ro_paths[i])->optional = true;
		for (size_t i = 0; i < ELEMENTSOF(masked_paths); i++)
			add(p, RKT_MOUNT_MASK, NULL, masked_paths[i])->optional = true;
	}
}

static const struct rkt_volume *find_volume(const struct rkt_pod_manifest *pod, const char *name)
{
	for (size_t i = 0; i < pod->n_volumes; i++)
		if (strcmp(pod->volumes[i].name, name) == 0)
			return &pod->volumes[i];
	return NULL;
}

static const struct rkt_mount_point *find_mount_point(const struct rkt_app *app, const char *path,
                                                      const char *name)
{
	for (size_t i = 0; app && i < app->n_mount_points; i++)
		if (path && strcmp(app->mount_points[i].path, path) == 0)
			return &app->mount_points[i];
	for (size_t i = 0; app && i < app->n_mount_points; i++)
		if (name && strcmp(app->mount_points[i].name, name) == 0)
			return &app->mount_points[i];
	return NULL;
}

static bool path_is_under(const char *a, const char *b)
{
	/* Whether A equals B or lies below it ("/a/b" under "/a", "/ab" not). */
	size_t n = strlen(b);
	while (n > 1 && b[n - 1] == '/')
		n--;
	if (n == 1 && b[0] == '/')
		return true;
	return strncmp(a, b, n) == 0 && (a[n] == '\0' || a[n] == '/');
}

static bool in_pod(const struct rkt_mount_plan_opts *o, const char *path)
{
	return o->pod_dir && path_is_under(path, o->pod_dir);
}

static int plan_volume(struct rkt_mount_plan *p, const struct rkt_mount_plan_opts *o,
                       const struct rkt_volume *vol, const char *target, bool mp_read_only,
                       struct rkt_error *err)
{
	struct rkt_mount_op *op;
	bool ro = vol->has_read_only ? vol->read_only : mp_read_only; /* ACE-7 */

	if (target[0] != '/')
		return rkt_error_set(err, EINVAL, "volume \"%s\": target \"%s\" is not absolute",
		                     vol->name, target);
	if (strcmp(vol->kind, "host") == 0) {
		op = add(p, RKT_MOUNT_BIND, vol->source, target);
		op->recursive = vol->has_recursive ? vol->recursive : o->volumes_recursive;
	} else {
		_cleanup_free_ char *src = xasprintf("%s/sharedVolumes/%s", o->pod_dir, vol->name);
		op = add(p, RKT_MOUNT_BIND, src, target);
		op->create_source = true;
		op->mode = 0755;
		if (vol->mode) {
			char *end;
			unsigned long m = strtoul(vol->mode, &end, 8);
			if (*end || m > 07777)
				return rkt_error_set(err, EINVAL, "volume \"%s\": bad mode \"%s\"",
				                     vol->name, vol->mode);
			op->mode = (mode_t)m;
		}
		op->uid = o->id_base + (vol->has_uid ? (uid_t)vol->uid : 0);
		op->gid = o->id_base + (vol->has_gid ? (gid_t)vol->gid : 0);
	}
	op->read_only = ro;
	op->nodev = !o->fly; /* device nodes only where stage1 puts them (docs/security.md) */
	return 0;
}

int rkt_mount_plan_build(const struct rkt_pod_manifest *pod, const struct rkt_runtime_app *ra,
                         const struct rkt_app *app, const struct rkt_mount_plan_opts *opts,
                         rkt_warn_fn warn, void *userdata, struct rkt_mount_plan *ret,
                         struct rkt_error *err)
{
	struct rkt_mount_plan plan = { 0 };
	size_t first_volume;
	int r = 0;

	plan_system(&plan, opts);
	/* The host's own files (--net=host, --dns=host, hosts=host) are bound read-only: an app
	 * must not rewrite the host's name resolution. The pod's files stay the pod's. */
	if (opts->resolv_conf)
		add_bind(&plan, opts->resolv_conf, "/etc/resolv.conf",
		         !in_pod(opts, opts->resolv_conf), true);
	if (opts->hosts)
		add_bind(&plan, opts->hosts, "/etc/hosts", !in_pod(opts, opts->hosts), true);
	if (opts->hostname_file)
		add_bind(&plan, opts->hostname_file, "/etc/hostname", false, true);

	first_volume = plan.n;
	for (size_t i = 0; i < ra->n_mounts && r >= 0; i++) {
		const struct rkt_mount *m = &ra->mounts[i];
		const struct rkt_volume *vol =
		        m->app_volume ? m->app_volume : find_volume(pod, m->volume);
		if (!vol) {
			r = rkt_error_set(err, EINVAL, "app \"%s\": mount of unknown volume \"%s\"",
			                  ra->name, m->volume);
			break;
		}
		const struct rkt_mount_point *mp = find_mount_point(app, m->path, m->volume);
		r = plan_volume(&plan, opts, vol, m->path, mp && mp->read_only, err);
	}
	/* ACE-8: image mount points that no mount covers. */
	for (size_t i = 0; app && i < app->n_mount_points && r >= 0; i++) {
		const struct rkt_mount_point *mp = &app->mount_points[i];
		bool covered = false;
		for (size_t j = 0; j < ra->n_mounts; j++)
			if (strcmp(ra->mounts[j].path, mp->path) == 0)
				covered = true;
		if (covered)
			continue;
		const struct rkt_volume *vol = find_volume(pod, mp->name);
		struct rkt_volume implicit = { 0 };
		_cleanup_free_ char *iname = NULL;
		if (!vol) {
			iname = xasprintf("%s-%s", ra->name, mp->name);
			implicit.name = iname;
			implicit.kind = (char *)"empty";
			vol = &implicit;
			if (warn) {
				char msg[512];
				snprintf(msg, sizeof(msg),
				         "app \"%s\": mount point \"%s\" has no volume; using an "
				         "empty volume",
				         ra->name, mp->name);
				warn(userdata, msg);
			}
		}
		r = plan_volume(&plan, opts, vol, mp->path, mp->read_only, err);
	}
	/* ACE-11: nested targets. */
	for (size_t i = first_volume; i < plan.n && r >= 0; i++)
		for (size_t j = first_volume; j < plan.n && r >= 0; j++)
			if (i != j && path_is_under(plan.ops[i].target, plan.ops[j].target))
				r = rkt_error_set(err, EINVAL,
				                  "app \"%s\": volume targets \"%s\" and \"%s\" "
				                  "overlap",
				                  ra->name, plan.ops[j].target, plan.ops[i].target);
	if (r < 0) {
		rkt_mount_plan_release(&plan);
		return r;
	}
	if (ra->read_only_rootfs)
		add(&plan, RKT_MOUNT_ROOT_RO, NULL, "/");
	*ret = plan;
	return 0;
}

/* ---- applying ---- */

static void warnf(rkt_warn_fn warn, void *ud, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void warnf(rkt_warn_fn warn, void *ud, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	if (!warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	warn(ud, msg);
}

/* Symlinks open_target() follows to create what a dangling one points to (as the kernel's 40). */
#define MAX_DANGLING_HOPS 40

static int open_target_hops(int rootfd, const char *target, bool dir, rkt_warn_fn warn, void *ud,
                            unsigned hops);

/* PATH (inside the root) is a symlink that points nowhere, as /etc/resolv.conf ->
 * ../run/systemd/resolve/stub-resolv.conf in Ubuntu images: opens its target, followed by REST
 * if not NULL, creating it. The target is resolved inside the root (an absolute target from the
 * root, ".." never above it), so nothing outside is ever created. */
static int open_dangling(int rootfd, int linkfd, const char *path, const char *rest, bool dir,
                         rkt_warn_fn warn, void *ud, unsigned hops)
{
	char link[PATH_MAX];
	ssize_t n;

	if (hops >= MAX_DANGLING_HOPS)
		return -ELOOP;
	n = readlinkat(linkfd, "", link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ENOENT;
	link[n] = '\0';
	size_t dirlen = (size_t)(strrchr(path, '/') - path);
	_cleanup_free_ char *next =
	        xasprintf("%.*s%s%s%s%s", link[0] == '/' ? 0 : (int)dirlen, path,
	                  link[0] == '/' ? "" : "/", link, rest ? "/" : "", rest ? rest : "");
	return open_target_hops(rootfd, next, dir, warn, ud, hops + 1);
}

/* Opens (creating if missing) TARGET inside ROOTFD as a directory or, if !DIR, a file; an
 * existing entry of the wrong type is replaced (ACE-10), a dangling symlink on the way gets its
 * target created inside the root. Returns an O_PATH fd. */
static int open_target(int rootfd, const char *target, bool dir, rkt_warn_fn warn, void *ud)
{
	return open_target_hops(rootfd, target, dir, warn, ud, 0);
}

static int open_target_hops(int rootfd, const char *target, bool dir, rkt_warn_fn warn, void *ud,
                            unsigned hops)
{
	_cleanup_free_ char *path = xstrdup(target);
	int r;

	/* Walk the parents: each one opened inside the root, created if missing (ACE-9). */
	for (char *s = path + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		bool last = *s == '\0';
		char saved = *s;
		*s = '\0';
		bool want_dir = !last || dir;
		_cleanup_close_ int fd = rkt_open_in_root(rootfd, path, O_PATH | O_NOFOLLOW, 0);
		struct stat st;
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) {
			/* A symlink in the image: follow it, but inside the root. */
			_cleanup_close_ int linkfd = TAKE_FD(fd);
			fd = rkt_open_in_root(rootfd, path, O_PATH, 0);
			/* ELOOP (a loop, or a /proc magic link) is refused. */
			if (fd == -ENOENT)
				return open_dangling(rootfd, linkfd, path, last ? NULL : s + 1, dir,
				                     warn, ud, hops);
			if (fd < 0)
				return fd;
			if (fstat(fd, &st) < 0)
				return -errno;
		}
		if (fd >= 0 && (want_dir ? !S_ISDIR(st.st_mode) : S_ISDIR(st.st_mode))) {
			if (!last || !want_dir)
				return -ENOTDIR;
			warnf(warn, ud, "replacing \"%s\" by a directory for a mount", path);
			(void)close(TAKE_FD(fd));
			char *slash = strrchr(path, '/');
			*slash = '\0';
			_cleanup_close_ int pfd = rkt_open_in_root(rootfd, *path ? path : "/",
			                                           O_PATH | O_DIRECTORY, 0);
			*slash = '/';
			if (pfd < 0)
				return pfd;
			if (unlinkat(pfd, slash + 1, 0) < 0)
				return -errno;
			fd = -ENOENT;
		}
		if (fd < 0) {
			char *slash = strrchr(path, '/');
			*slash = '\0';
			_cleanup_close_ int pfd = rkt_open_in_root(rootfd, *path ? path : "/",
			                                           O_PATH | O_DIRECTORY, 0);
			*slash = '/';
			if (pfd < 0)
				return pfd;
			if (want_dir)
				r = mkdirat(pfd, slash + 1, 0755);
			else {
				int f = openat(pfd, slash + 1,
				               O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
				               0644);
				r = f < 0 ? -1 : close(f);
			}
			if (r < 0 && errno != EEXIST)
				return -errno;
			fd = rkt_open_in_root(rootfd, path, O_PATH, 0);
			if (fd < 0)
				return fd;
		}
		*s = saved;
		if (last)
			return TAKE_FD(fd);
	}
}

static int fd_path(int fd, char buf[static 64])
{
	snprintf(buf, 64, "/proc/self/fd/%d", fd);
	return 0;
}

static int make_read_only(const char *path, bool recursive)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
	if (syscall(SYS_mount_setattr, -EBADF, path, recursive ? AT_RECURSIVE : 0, &attr,
	            sizeof(attr)) == 0)
		return 0;
	if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		return -errno;
	return 0;
}

int rkt_mount_set_nodev(int fd, bool recursive)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_NODEV };
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0),
	            &attr, sizeof(attr)) < 0)
		return -errno;
	return 0;
}

/* nodev and read-only on the bind mount just made at OP's target (not the directory it
 * covers, hence a fresh open). */
static int bind_attrs(int rootfd, const struct rkt_mount_op *op, struct rkt_error *err)
{
	char tp[64];
	int r;
	if (!op->nodev && !op->read_only)
		return 0;
	_cleanup_close_ int top = rkt_open_in_root(rootfd, op->target, O_PATH, 0);
	if (top < 0)
		return rkt_error_set(err, -top, "'%s'", op->target);
	if (op->nodev && (r = rkt_mount_set_nodev(top, op->recursive)) < 0)
		return rkt_error_set(err, -r, "making '%s' nodev", op->target);
	if (op->read_only) {
		fd_path(top, tp);
		r = make_read_only(tp, op->recursive);
		if (r < 0)
			return rkt_error_set(err, -r, "making '%s' read-only", op->target);
	}
	return 0;
}

static int open_source(const struct rkt_mount_op *op, int *ret_fd, bool *ret_dir,
                       struct rkt_error *err)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS };
	struct stat st;

	if (op->create_source) {
		if (mkdir(op->source, op->mode) == 0) {
			if (chmod(op->source, op->mode) < 0 ||
			    chown(op->source, op->uid, op->gid) < 0)
				return rkt_error_set(err, errno, "volume directory '%s'",
				                     op->source);
		} else if (errno != EEXIST) {
			return rkt_error_set(err, errno, "volume directory '%s'", op->source);
		}
	}
	/* ACE-12/13: a host source must exist and have no symlink anywhere in its path
	 * (device nodes and the stage1's own files included). */
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, op->source, &how, sizeof(how));
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return rkt_error_set(err, e, "mount source '%s'", op->source);
	}
	*ret_fd = fd;
	*ret_dir = S_ISDIR(st.st_mode);
	return 0;
}

static int apply_one(int rootfd, const char *root, const struct rkt_mount_op *op, rkt_warn_fn warn,
                     void *ud, struct rkt_error *err)
{
	_cleanup_close_ int src = -EBADF, tgt = -EBADF;
	char sp[64], tp[64];
	bool dir = true;
	int r;

	switch (op->kind) {
	case RKT_MOUNT_SYMLINK: {
		_cleanup_close_ int fd =
		        rkt_open_in_root(rootfd, op->target, O_PATH | O_NOFOLLOW, 0);
		if (fd >= 0)
			return 0; /* the image has one */
		char *slash = strrchr(op->target, '/');
		_cleanup_free_ char *parent = xstrndup(op->target, (size_t)(slash - op->target));
		_cleanup_close_ int pfd =
		        open_target(rootfd, *parent ? parent : "/", true, warn, ud);
		if (pfd < 0)
			return rkt_error_set(err, -pfd, "'%s'", op->target);
		if (symlinkat(op->source, pfd, slash + 1) < 0 && errno != EEXIST)
			return rkt_error_set(err, errno, "symlink '%s'", op->target);
		return 0;
	}
	case RKT_MOUNT_ROOT_RO:
		r = make_read_only(root, false);
		return r < 0 ? rkt_error_set(err, -r, "making '%s' read-only", root) : 0;
	case RKT_MOUNT_READONLY:
	case RKT_MOUNT_MASK: {
		tgt = rkt_open_in_root(rootfd, op->target, O_PATH | O_NOFOLLOW, 0);
		if (tgt < 0)
			return op->optional && tgt == -ENOENT
			               ? 0
			               : rkt_error_set(err, -tgt, "'%s'", op->target);
		struct stat st;
		if (fstat(tgt, &st) < 0)
			return rkt_error_set(err, errno, "'%s'", op->target);
		fd_path(tgt, tp);
		if (op->kind == RKT_MOUNT_MASK) {
			if (S_ISDIR(st.st_mode))
				r = mount("tmpfs", tp, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV,
				          "size=0,mode=0555");
			else
				r = mount("/dev/null", tp, NULL, MS_BIND, NULL);
			return r < 0 ? rkt_error_set(err, errno, "masking '%s'", op->target) : 0;
		}
		if (mount(tp, tp, NULL, MS_BIND | MS_REC, NULL) < 0)
			return rkt_error_set(err, errno, "binding '%s'", op->target);
		/* The new mount is on top now: reopen it before changing its flags. */
		_cleanup_close_ int top =
		        rkt_open_in_root(rootfd, op->target, O_PATH | O_NOFOLLOW, 0);
		if (top < 0)
			return rkt_error_set(err, -top, "'%s'", op->target);
		fd_path(top, tp);
		r = make_read_only(tp, true);
		return r < 0 ? rkt_error_set(err, -r, "making '%s' read-only", op->target) : 0;
	}
	case RKT_MOUNT_FS:
		tgt = open_target(rootfd, op->target, true, warn, ud);
		if (tgt < 0)
			return rkt_error_set(err, -tgt, "mount target '%s'", op->target);
		fd_path(tgt, tp);
		if (mount(op->source, tp, op->fstype, op->flags, op->data) < 0)
			return rkt_error_set(err, errno, "mounting %s on '%s'", op->fstype,
			                     op->target);
		return 0;
	case RKT_MOUNT_BIND:
		r = open_source(op, &src, &dir, err);
		if (r < 0) {
			if (op->optional && r == -ENOENT)
				return 0;
			return err && err->code
			               ? r
			               : rkt_error_set(err, -r, "mount source '%s'", op->source);
		}
		tgt = open_target(rootfd, op->target, dir, warn, ud);
		if (tgt < 0)
			return rkt_error_set(err, -tgt, "mount target '%s'", op->target);
		fd_path(src, sp);
		fd_path(tgt, tp);
		if (mount(sp, tp, NULL, MS_BIND | (op->recursive ? MS_REC : 0), NULL) < 0)
			return rkt_error_set(err, errno, "binding '%s' on '%s'", op->source,
			                     op->target);
		return bind_attrs(rootfd, op, err);
	case _RKT_MOUNT_KIND_MAX:
		break;
	}
	return rkt_error_set(err, EINVAL, "bad mount operation");
}

int rkt_mount_plan_apply(const char *root, const struct rkt_mount_plan *plan, rkt_warn_fn warn,
                         void *userdata, struct rkt_error *err)
{
	_cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return rkt_error_set(err, errno, "app root '%s'", root);
	for (size_t i = 0; i < plan->n; i++) {
		int r = apply_one(rootfd, root, &plan->ops[i], warn, userdata, err);
		if (r < 0)
			return rkt_error_wrap(err, r, "app root '%s'", root);
	}
	return 0;
}
