/* The host id ranges of pods with --private-users (see private-users.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <unistd.h>

#include "pod/layout.h"
#include "pod/private-users.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* Ranges start at a multiple of 65536 from 2^24 (clear of the host's users and of the usual
 * /etc/subuid ranges) to the last whole block below uid -1. */
#define FIRST_BLOCK 0x100u
#define LAST_BLOCK  0xfffeu

int rkt_pod_private_users(int pod_fd, struct rkt_id_range *ret, struct rkt_error *err)
{
	_cleanup_free_ char *buf = NULL;
	struct rkt_error e = { 0 };
	int r = rkt_read_file_at(pod_fd, RKT_POD_PRIVATE_USERS, &buf, NULL, &e);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return rkt_error_set(err, -r, "'" RKT_POD_PRIVATE_USERS "'");
	r = rkt_id_range_parse(buf, ret, err);
	return r < 0 ? rkt_error_wrap(err, r, "'" RKT_POD_PRIVATE_USERS "'") : 1;
}

struct used {
	struct rkt_id_range *v;
	size_t n, cap;
};

/* Every pod's range. The state directories are read in the order pods move through them, so
 * that a pod moving meanwhile is seen in one of them. */
static void collect(const char *data_dir, struct used *u)
{
	for (int d = 0; d < _RKT_POD_DIR_MAX; d++) {
		_cleanup_free_ char *path =
		        xasprintf("%s/pods/%s", data_dir, rkt_pod_dir_name((enum rkt_pod_dir)d));
		_cleanup_close_ int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		DIR *dir = dfd >= 0 ? fdopendir(dfd) : NULL;
		struct dirent *de;

		if (!dir)
			continue;
		dfd = -EBADF; /* owned by DIR */
		while ((de = readdir(dir))) {
			struct rkt_id_range r;
			struct rkt_error e = { 0 };
			if (de->d_name[0] == '.')
				continue;
			_cleanup_close_ int pfd =
			        openat(dirfd(dir), de->d_name, O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (pfd < 0 || rkt_pod_private_users(pfd, &r, &e) <= 0)
				continue;
			xgrow((void **)&u->v, &u->cap, u->n + 1, sizeof(*u->v));
			u->v[u->n++] = r;
		}
		closedir(dir);
	}
}

static bool is_free(const struct used *u, const struct rkt_id_range *r)
{
	for (size_t i = 0; i < u->n; i++)
		if (rkt_id_ranges_overlap(&u->v[i], r))
			return false;
	return true;
}

int rkt_pod_private_users_allocate(struct rkt_pod *pod, struct rkt_id_range *ret,
                                   struct rkt_error *err)
{
	_cleanup_free_ char *lock_path = xasprintf("%s/pods/private-users.lock", pod->data_dir);
	_cleanup_close_ int lock = -EBADF;
	struct used u = { 0 };
	struct rkt_id_range r = { .count = RKT_ID_RANGE_COUNT };
	bool found = false;
	int rv;

	lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (lock < 0)
		return rkt_error_set(err, errno, "open '%s'", lock_path);
	if (flock(lock, LOCK_EX) < 0)
		return rkt_error_set(err, errno, "lock '%s'", lock_path);
	collect(pod->data_dir, &u);
	/* A random block, as upstream; after enough misses, the first free one. */
	for (unsigned try = 0; try < 64 && !found; try++) {
		uint32_t x;
		if (getrandom(&x, sizeof(x), 0) != sizeof(x))
			break;
		r.base = (FIRST_BLOCK + x % (LAST_BLOCK - FIRST_BLOCK + 1)) << 16;
		found = is_free(&u, &r);
	}
	for (uint32_t b = FIRST_BLOCK; b <= LAST_BLOCK && !found; b++) {
		r.base = b << 16;
		found = is_free(&u, &r);
	}
	free(u.v);
	if (!found)
		return rkt_error_set(err, ENOSPC, "pod '%s': no free range of host ids left",
		                     pod->uuid);
	_cleanup_free_ char *line = xasprintf("%u:%u\n", r.base, r.count);
	/* Written while the lock is held: the next allocator sees it. */
	rv = rkt_write_file_atomic_at(pod->fd, RKT_POD_PRIVATE_USERS, line, strlen(line), 0644,
	                              err);
	if (rv < 0)
		return rv;
	*ret = r;
	return 0;
}

int rkt_pod_private_users_check(struct rkt_store *store, const char *data_dir,
                                const char *stage1_id, const struct rkt_pod_manifest *m,
                                bool overlay, struct rkt_error *err)
{
	_cleanup_(rkt_image_manifest_freep) struct rkt_image_manifest *s1 = NULL;
	_cleanup_free_ char *buf = NULL;
	int r;

	r = rkt_store_get_manifest(store, stage1_id, &buf, err);
	if (r >= 0)
		r = rkt_image_manifest_parse(buf, strlen(buf), "stage1 manifest", &s1, err);
	if (r < 0)
		return r;
	/* fly runs the app in the host's namespaces, chrooted (upstream has no userns there). */
	if (strcmp(s1->name, "coreos.com/rkt/stage1-fly") == 0)
		return rkt_error_input(err, EINVAL,
		                       "--private-users: not supported by the fly stage1 ('%s')",
		                       s1->name);
	if (!overlay)
		return 0; /* the copies are chowned: works on any filesystem */
	/* The trees the apps' overlays stack on: the store's, and rendered ones in the pod. */
	size_t n = m->n_apps + 1, k = 0;
	char **paths = xmalloc_array(n, sizeof(char *)), **whats = xmalloc_array(n, sizeof(char *));
	int *fds = xmalloc_array(n, sizeof(int));
	for (; k < m->n_apps; k++) {
		r = rkt_store_open_tree(store, m->apps[k].image.id, &fds[k], err);
		if (r < 0)
			break;
		paths[k] = xasprintf("/proc/self/fd/%d", fds[k]);
		whats[k] = xasprintf("the tree of image '%.19s' in the store", m->apps[k].image.id);
	}
	if (r >= 0) {
		paths[k] = xstrdup(data_dir);
		whats[k] = xasprintf("the data directory '%s'", data_dir);
		r = rkt_idmap_probe((const char *const *)paths, (const char *const *)whats, k + 1,
		                    err);
		free(paths[k]);
		free(whats[k]);
	}
	for (size_t i = 0; i < k; i++) {
		free(paths[i]);
		free(whats[i]);
		close(fds[i]);
	}
	free(paths);
	free(whats);
	free(fds);
	return r;
}
