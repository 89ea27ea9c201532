/* Pod directories and their state machine (rkt/rkt Documentation/devel/pod-lifecycle.md). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "appc/types.h"
#include "pod/layout.h"
#include "pod/pod.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/* A reader's shared-lock probe holds the lock for microseconds; a non-waiting exclusive lock
 * retries for about 100 ms before concluding that someone really holds the pod. */
#define LOCK_TRIES    20
#define LOCK_RETRY_NS 5000000L

static const char *const dir_names[_RKT_POD_DIR_MAX] = {
	[RKT_POD_DIR_EMBRYO] = "embryo",
	[RKT_POD_DIR_PREPARE] = "prepare",
	[RKT_POD_DIR_PREPARED] = "prepared",
	[RKT_POD_DIR_RUN] = "run",
	[RKT_POD_DIR_EXITED_GARBAGE] = "exited-garbage",
	[RKT_POD_DIR_GARBAGE] = "garbage",
};

static const char *const state_names[_RKT_POD_STATE_MAX] = {
	[RKT_POD_STATE_EMBRYO] = "embryo",
	[RKT_POD_STATE_PREPARING] = "preparing",
	[RKT_POD_STATE_ABORTED_PREPARE] = "aborted prepare",
	[RKT_POD_STATE_PREPARED] = "prepared",
	[RKT_POD_STATE_RUNNING] = "running",
	[RKT_POD_STATE_DELETING] = "deleting",
	[RKT_POD_STATE_EXITED_DELETING] = "exited deleting",
	[RKT_POD_STATE_EXITED] = "exited",
	[RKT_POD_STATE_EXITED_GARBAGE] = "exited garbage",
	[RKT_POD_STATE_GARBAGE] = "garbage",
};

const char *rkt_pod_state_name(enum rkt_pod_state s)
{
	return s < _RKT_POD_STATE_MAX ? state_names[s] : "unknown";
}

const char *rkt_pod_dir_name(enum rkt_pod_dir d)
{
	return d < _RKT_POD_DIR_MAX ? dir_names[d] : NULL;
}

static enum rkt_pod_state state_of(enum rkt_pod_dir d, bool locked)
{
	switch (d) {
	case RKT_POD_DIR_EMBRYO:
		return RKT_POD_STATE_EMBRYO;
	case RKT_POD_DIR_PREPARE:
		return locked ? RKT_POD_STATE_PREPARING : RKT_POD_STATE_ABORTED_PREPARE;
	case RKT_POD_DIR_PREPARED:
		return RKT_POD_STATE_PREPARED;
	case RKT_POD_DIR_RUN:
		return locked ? RKT_POD_STATE_RUNNING : RKT_POD_STATE_EXITED;
	case RKT_POD_DIR_EXITED_GARBAGE:
		return locked ? RKT_POD_STATE_EXITED_DELETING : RKT_POD_STATE_EXITED_GARBAGE;
	case RKT_POD_DIR_GARBAGE:
	case _RKT_POD_DIR_MAX:
		break;
	}
	return locked ? RKT_POD_STATE_DELETING : RKT_POD_STATE_GARBAGE;
}

static char *pod_path(const char *data_dir, enum rkt_pod_dir d, const char *uuid)
{
	return xasprintf("%s/pods/%s/%s", data_dir, dir_names[d], uuid);
}

int rkt_pods_init(const char *data_dir, struct rkt_error *err)
{
	_cleanup_free_ char *pods = xasprintf("%s/pods", data_dir);

	if (mkdir(data_dir, 0750) < 0 && errno != EEXIST)
		return rkt_error_set(err, errno, "create data directory '%s'", data_dir);
	if (mkdir(pods, 0750) < 0 && errno != EEXIST)
		return rkt_error_set(err, errno, "create '%s'", pods);
	for (int d = 0; d < _RKT_POD_DIR_MAX; d++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", pods, dir_names[d]);

		if (mkdir(p, 0750) < 0 && errno != EEXIST)
			return rkt_error_set(err, errno, "create '%s'", p);
	}
	return 0;
}

struct rkt_pod *rkt_pod_free(struct rkt_pod *pod)
{
	if (!pod)
		return NULL;
	if (pod->fd >= 0)
		(void)close(pod->fd);
	free(pod->data_dir);
	free(pod->path);
	free(pod);
	return NULL;
}

static struct rkt_pod *pod_new(const char *data_dir, const char *uuid)
{
	struct rkt_pod *pod = xzalloc(sizeof(*pod));

	(void)snprintf(pod->uuid, sizeof(pod->uuid), "%s", uuid);
	pod->data_dir = xstrdup(data_dir);
	pod->fd = -EBADF;
	return pod;
}

/* Whether another open file description holds an exclusive lock on FD's directory. */
static int probe_locked(int fd, bool *ret)
{
	if (flock(fd, LOCK_SH | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK)
			return -errno;
		*ret = true;
		return 0;
	}
	(void)flock(fd, LOCK_UN);
	*ret = false;
	return 0;
}

static bool same_inode(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* Finds the pod's directory, in lookup order, and its state. A pod that moves while it is being
 * looked at is looked up again. */
static int locate(struct rkt_pod *pod, struct rkt_error *err)
{
	for (int attempt = 0; attempt < 64; attempt++) {
		bool moved = false;

		for (int d = 0; d < _RKT_POD_DIR_MAX && !moved; d++) {
			_cleanup_free_ char *path = pod_path(pod->data_dir, d, pod->uuid);
			_cleanup_close_ int fd = -EBADF;
			bool locked = pod->locked;
			int r;

			if (pod->locked) {
				/* Our own lock: only where it is matters. */
				if (!same_inode(pod->fd, path))
					continue;
			} else {
				fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
				if (fd < 0) {
					if (errno == ENOENT)
						continue;
					return rkt_error_set(err, errno, "open pod '%s'", path);
				}
				r = probe_locked(fd, &locked);
				if (r < 0)
					return rkt_error_set(err, r, "lock pod '%s'", path);
				if (!same_inode(fd, path)) {
					moved = true;
					continue;
				}
				if (pod->fd >= 0)
					(void)close(pod->fd);
				pod->fd = TAKE_FD(fd);
			}
			free(pod->path);
			pod->path = TAKE_PTR(path);
			pod->dir = d;
			pod->state = state_of(d, locked);
			return 0;
		}
		if (!moved)
			break;
	}
	return rkt_error_input(err, ENOENT, "no pod '%s'", pod->uuid);
}

int rkt_pod_refresh(struct rkt_pod *pod, struct rkt_error *err)
{
	return locate(pod, err);
}

static int check_uuid(const char *uuid, struct rkt_error *err)
{
	uint8_t u[16];
	char canon[RKT_UUID_STRING_SIZE];

	if (rkt_uuid_parse(uuid, u, "pod UUID", NULL) < 0)
		return rkt_error_set(err, EINVAL, "'%s' is not a pod UUID", uuid);
	rkt_uuid_format(u, canon);
	if (strcmp(canon, uuid) != 0)
		return rkt_error_set(err, EINVAL, "'%s' is not a pod UUID", uuid);
	return 0;
}

int rkt_pod_load(const char *data_dir, const char *uuid, struct rkt_pod **ret,
                 struct rkt_error *err)
{
	_cleanup_(rkt_pod_freep) struct rkt_pod *pod = NULL;
	int r;

	r = check_uuid(uuid, err);
	if (r < 0)
		return r;
	pod = pod_new(data_dir, uuid);
	r = locate(pod, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(pod);
	return 0;
}

int rkt_pod_find(const char *data_dir, const char *prefix, struct rkt_pod **ret,
                 struct rkt_error *err)
{
	char uuid[RKT_UUID_STRING_SIZE];
	int r;

	r = rkt_pod_resolve(data_dir, prefix, uuid, err);
	if (r < 0)
		return r;
	return rkt_pod_load(data_dir, uuid, ret, err);
}

static int lock_fd(int fd, bool wait)
{
	if (wait) {
		while (flock(fd, LOCK_EX) < 0)
			if (errno != EINTR)
				return -errno;
		return 0;
	}
	for (int i = 0;; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK || i + 1 >= LOCK_TRIES)
			return -errno;
		(void)nanosleep(&(struct timespec){ .tv_nsec = LOCK_RETRY_NS }, NULL);
	}
}

int rkt_pod_lock(struct rkt_pod *pod, bool wait, struct rkt_error *err)
{
	int r;

	if (pod->locked)
		return 0;
	if (pod->fd < 0)
		return rkt_error_set(err, EBADF, "pod '%s' is not open", pod->uuid);
	r = lock_fd(pod->fd, wait);
	if (r == -EWOULDBLOCK)
		return rkt_error_input(err, EWOULDBLOCK, "pod '%s' is locked by another process",
		                       pod->uuid);
	if (r < 0)
		return rkt_error_set(err, r, "lock pod '%s'", pod->uuid);
	pod->locked = true;
	r = locate(pod, err);
	if (r < 0)
		return r;
	return 0;
}

int rkt_pod_unlock(struct rkt_pod *pod, struct rkt_error *err)
{
	if (!pod->locked)
		return 0;
	if (flock(pod->fd, LOCK_UN) < 0)
		return rkt_error_set(err, errno, "unlock pod '%s'", pod->uuid);
	pod->locked = false;
	pod->state = state_of(pod->dir, false);
	return 0;
}

int rkt_pod_move(struct rkt_pod *pod, enum rkt_pod_dir to, struct rkt_error *err)
{
	_cleanup_free_ char *dst = pod_path(pod->data_dir, to, pod->uuid);

	int r = rename(pod->path, dst) < 0 ? -errno : 0;

	/* A data dir made by an older or foreign tool may lack the target directory. */
	if (r == -ENOENT && access(pod->path, F_OK) == 0 && rkt_pods_init(pod->data_dir, NULL) == 0)
		r = rename(pod->path, dst) < 0 ? -errno : 0;
	if (r == -ENOENT)
		return rkt_error_input(err, ENOENT, "pod '%s' is no longer in %s/", pod->uuid,
		                       dir_names[pod->dir]);
	if (r < 0)
		return rkt_error_set(err, r, "move pod '%s' to %s/", pod->uuid, dir_names[to]);
	free(pod->path);
	pod->path = TAKE_PTR(dst);
	pod->dir = to;
	pod->state = state_of(to, pod->locked);
	return 0;
}

int rkt_pod_wait_unlocked(struct rkt_pod *pod, struct rkt_error *err)
{
	if (pod->locked)
		return rkt_error_set(err, EDEADLK, "pod '%s' is locked by us", pod->uuid);
	while (flock(pod->fd, LOCK_SH) < 0)
		if (errno != EINTR)
			return rkt_error_set(err, errno, "wait for pod '%s'", pod->uuid);
	(void)flock(pod->fd, LOCK_UN);
	return locate(pod, err);
}

int rkt_pod_lock_fd_for_exec(struct rkt_pod *pod, struct rkt_error *err)
{
	int flags;

	if (!pod->locked)
		return rkt_error_set(err, ENOLCK, "pod '%s' is not locked", pod->uuid);
	flags = fcntl(pod->fd, F_GETFD);
	if (flags < 0 || fcntl(pod->fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
		return rkt_error_set(err, errno, "pass the lock of pod '%s'", pod->uuid);
	return pod->fd;
}

int rkt_pod_create(const char *data_dir, const char *uuid, struct rkt_pod **ret,
                   struct rkt_error *err)
{
	_cleanup_(rkt_pod_freep) struct rkt_pod *pod = NULL;
	_cleanup_free_ char *embryo_lock = NULL;
	_cleanup_close_ int lock = -EBADF;
	char buf[RKT_UUID_STRING_SIZE];
	int r;

	if (uuid) {
		r = check_uuid(uuid, err);
		if (r < 0)
			return r;
	} else {
		uint8_t u[16];

		r = rkt_uuid_generate(u, err);
		if (r < 0)
			return r;
		rkt_uuid_format(u, buf);
		uuid = buf;
	}
	r = rkt_pods_init(data_dir, err);
	if (r < 0)
		return r;

	/* Held shared from mkdir until the pod's own lock is ours (see pod.h). */
	embryo_lock = xasprintf("%s/pods/embryo.lock", data_dir);
	lock = open(embryo_lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (lock < 0)
		return rkt_error_set(err, errno, "open '%s'", embryo_lock);
	while (flock(lock, LOCK_SH) < 0)
		if (errno != EINTR)
			return rkt_error_set(err, errno, "lock '%s'", embryo_lock);

	pod = pod_new(data_dir, uuid);
	for (int d = 0; d < _RKT_POD_DIR_MAX; d++) {
		_cleanup_free_ char *p = pod_path(data_dir, d, uuid);

		if (access(p, F_OK) == 0)
			return rkt_error_set(err, EEXIST, "pod '%s' exists", uuid);
	}
	pod->path = pod_path(data_dir, RKT_POD_DIR_EMBRYO, uuid);
	pod->dir = RKT_POD_DIR_EMBRYO;
	if (mkdir(pod->path, 0750) < 0)
		return rkt_error_set(err, errno, "create pod '%s'", pod->path);
	pod->fd = open(pod->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pod->fd < 0)
		return rkt_error_set(err, errno, "open pod '%s'", pod->path);
	r = lock_fd(pod->fd, true);
	if (r < 0)
		return rkt_error_set(err, r, "lock pod '%s'", pod->path);
	pod->locked = true;
	pod->state = RKT_POD_STATE_EMBRYO;

	r = rkt_pod_move(pod, RKT_POD_DIR_PREPARE, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(pod);
	return 0;
}

static int64_t stat_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

int rkt_pod_created_time(const struct rkt_pod *pod, int64_t *ret, struct rkt_error *err)
{
	static const char *const names[] = { RKT_POD_CREATED, RKT_POD_MANIFEST, "." };
	struct stat st;

	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (fstatat(pod->fd, names[i], &st, AT_SYMLINK_NOFOLLOW) == 0) {
			*ret = stat_ns(&st.st_mtim);
			return 0;
		}
	return rkt_error_set(err, errno, "pod '%s': creation time", pod->uuid);
}

int64_t rkt_pod_started_time(const struct rkt_pod *pod)
{
	struct stat st;

	if (fstatat(pod->fd, RKT_POD_PID, &st, AT_SYMLINK_NOFOLLOW) == 0 ||
	    fstatat(pod->fd, RKT_POD_PPID, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return stat_ns(&st.st_mtim);
	return 0;
}

int rkt_pod_ctime(const struct rkt_pod *pod, int64_t *ret, struct rkt_error *err)
{
	struct stat st;

	if (fstat(pod->fd, &st) < 0)
		return rkt_error_set(err, errno, "stat pod '%s'", pod->uuid);
	*ret = stat_ns(&st.st_ctim);
	return 0;
}

static int parse_pid(const char *s, pid_t *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	while (*end == '\n' || *end == ' ')
		end++;
	if (errno || end == s || *end || v <= 0 || v > 4194304)
		return -EINVAL;
	*ret = (pid_t)v;
	return 0;
}

#define PID_POLL_NS 100000000L

int rkt_pod_wait_pid(struct rkt_pod *pod, pid_t *ret, struct rkt_error *err)
{
	for (;;) {
		int r = rkt_pod_pid(pod, ret, err);

		if (r != -ENOENT)
			return r;
		r = rkt_pod_refresh(pod, err);
		if (r < 0)
			return r;
		if (pod->state != RKT_POD_STATE_RUNNING)
			return rkt_error_set(err, EINVAL, "pod '%s' is not running", pod->uuid);
		(void)nanosleep(&(struct timespec){ .tv_nsec = PID_POLL_NS }, NULL);
	}
}

int rkt_pod_pid(const struct rkt_pod *pod, pid_t *ret, struct rkt_error *err)
{
	_cleanup_free_ char *buf = NULL, *children_path = NULL, *children = NULL;
	pid_t ppid, child;
	int r;

	r = rkt_read_file_at(pod->fd, RKT_POD_PID, &buf, NULL, NULL);
	if (r == 0) {
		if (parse_pid(buf, ret) < 0)
			return rkt_error_set(err, EINVAL, "pod '%s': bad pid file", pod->uuid);
		return 0;
	}
	r = rkt_read_file_at(pod->fd, RKT_POD_PPID, &buf, NULL, NULL);
	if (r < 0)
		return rkt_error_input(err, ENOENT, "pod '%s' has no pid yet", pod->uuid);
	if (parse_pid(buf, &ppid) < 0)
		return rkt_error_set(err, EINVAL, "pod '%s': bad ppid file", pod->uuid);
	/* ABI: the ppid process has exactly one child, the pod's PID 1. */
	children_path = xasprintf("/proc/%d/task/%d/children", (int)ppid, (int)ppid);
	r = rkt_read_file_at(AT_FDCWD, children_path, &children, NULL, NULL);
	if (r < 0 || parse_pid(children, &child) < 0)
		return rkt_error_set(err, ESRCH, "pod '%s': process %d has no single child",
		                     pod->uuid, (int)ppid);
	*ret = child;
	return 0;
}

int rkt_pod_read_manifest_raw(const struct rkt_pod *pod, char **ret, size_t *ret_len,
                              struct rkt_error *err)
{
	int r = rkt_read_file_at(pod->fd, RKT_POD_MANIFEST, ret, ret_len, err);

	if (r < 0)
		return rkt_error_wrap(err, r, "pod '%s'", pod->uuid);
	return 0;
}

int rkt_pod_read_manifest(const struct rkt_pod *pod, struct rkt_pod_manifest **ret,
                          struct rkt_error *err)
{
	_cleanup_free_ char *buf = NULL, *what = NULL;
	size_t len;
	int r;

	r = rkt_pod_read_manifest_raw(pod, &buf, &len, err);
	if (r < 0)
		return r;
	what = xasprintf("manifest of pod '%s'", pod->uuid);
	return rkt_pod_manifest_parse(buf, len, what, ret, err);
}

int rkt_pod_app_exit_code(const struct rkt_pod *pod, const char *app, int *ret,
                          struct rkt_error *err)
{
	_cleanup_free_ char *name = NULL, *buf = NULL;
	char *end;
	long v;
	int r;

	if (!rkt_ac_name_is_valid(app))
		return rkt_error_set(err, EINVAL, "'%s' is not an app name", app);
	name = rkt_pod_app_status(app, "");
	r = rkt_read_file_at(pod->fd, name, &buf, NULL, err);
	if (r < 0)
		return r;
	errno = 0;
	v = strtol(buf, &end, 10);
	while (*end == '\n')
		end++;
	if (errno || end == buf || *end || v < -255 || v > 255)
		return rkt_error_set(err, EINVAL, "pod '%s': bad status of app '%s'", pod->uuid,
		                     app);
	*ret = (int)v;
	return 0;
}
