/* An iterative tree walk with a bounded number of open directory fds (see walk.h). */
#include "util/walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/xalloc.h"

/* One directory being walked: its sorted entries and how far the walk got. */
struct level {
	int fd; /* -EBADF while closed to keep within RKT_WALK_MAX_FDS */
	struct stat st;
	char *name; /* in the parent */
	char **names;
	size_t n, next;
	size_t path_len; /* of this directory's path */
};

struct walk {
	struct level *levels;
	size_t depth, cap; /* levels in use */
	char *path;
	size_t path_len, path_cap;
	unsigned flags;
};

/* Each name is stored after one byte: its d_type + 1 (never a NUL). */
static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a + 1, *(char *const *)b + 1);
}

/* The entries of the directory FD (borrowed), sorted by name, each after its type byte. */
static int read_names(int fd, char ***ret, size_t *ret_n)
{
	_cleanup_closedir_ DIR *d = NULL;
	char **v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);

	if (dfd < 0)
		return -errno;
	d = fdopendir(dfd);
	if (!d) {
		int r = -errno;

		(void)close(dfd);
		return r;
	}
	rewinddir(d);
	while ((errno = 0, de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		size_t len = strlen(de->d_name);

		xgrow((void **)&v, &cap, n + 1, sizeof(*v));
		v[n] = xmalloc(len + 2);
		v[n][0] = (char)(de->d_type + 1);
		memcpy(v[n] + 1, de->d_name, len + 1);
		n++;
	}
	if (errno) {
		int r = -errno;

		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return r;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_name);
	*ret = v;
	*ret_n = n;
	return 0;
}

static void level_release(struct level *l)
{
	if (l->fd >= 0)
		(void)close(l->fd);
	for (size_t i = l->next; i < l->n; i++)
		free(l->names[i]);
	free(l->names);
	free(l->name);
	*l = (struct level){ .fd = -EBADF };
}

static void path_push(struct walk *w, const char *name)
{
	size_t nl = strlen(name);

	xgrow((void **)&w->path, &w->path_cap, w->path_len + nl + 2, 1);
	w->path[w->path_len] = '/';
	memcpy(w->path + w->path_len + 1, name, nl + 1);
	w->path_len += nl + 1;
}

static void path_cut(struct walk *w, size_t len)
{
	w->path_len = len;
	w->path[len] = '\0';
}

/* Opens the directory NAME of PARENT_FD that lstat showed as ST, checking that it is still
 * that directory. */
static int open_dir(struct walk *w, int parent_fd, const char *name, const struct stat *st,
                    struct rkt_error *err)
{
	const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	struct stat fst;
	int fd = openat(parent_fd, name, flags);

	if (fd < 0 && errno == EACCES && (w->flags & RKT_WALK_CHMOD_UNREADABLE)) {
		(void)fchmodat(parent_fd, name, 0700, 0);
		fd = openat(parent_fd, name, flags);
	}
	if (fd < 0)
		return rkt_error_set(err, errno, "'%s': open directory", w->path);
	if (fstat(fd, &fst) < 0 || fst.st_dev != st->st_dev || fst.st_ino != st->st_ino) {
		(void)close(fd);
		return rkt_error_set(err, EBUSY, "'%s': changed while being walked", w->path);
	}
	return fd;
}

/* Makes sure the directory of level I is open again, through ".." of level I + 1. */
static int reopen_level(struct walk *w, size_t i, struct rkt_error *err)
{
	struct level *l = &w->levels[i];
	struct stat st;
	int fd;

	if (l->fd >= 0)
		return 0;
	fd = openat(w->levels[i + 1].fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return rkt_error_set(err, errno, "'%s': reopen parent directory", w->path);
	if (fstat(fd, &st) < 0 || st.st_dev != l->st.st_dev || st.st_ino != l->st.st_ino) {
		(void)close(fd);
		return rkt_error_set(err, EBUSY, "'%s': moved while being walked", w->path);
	}
	l->fd = fd;
	return 0;
}

/* Enters the directory NAME (fd FD, lstat ST) as a new level; takes FD. */
static int push_level(struct walk *w, int fd, const char *name, const struct stat *st,
                      struct rkt_error *err)
{
	struct level *l;
	int r;

	xgrow((void **)&w->levels, &w->cap, w->depth + 1, sizeof(*w->levels));
	l = &w->levels[w->depth];
	*l = (struct level){ .fd = fd, .st = *st, .name = xstrdup(name), .path_len = w->path_len };
	w->depth++;
	r = read_names(fd, &l->names, &l->n);
	if (r < 0)
		return rkt_error_set(err, r, "'%s': read directory", w->path);
	/* Keep the deepest RKT_WALK_MAX_FDS directories open. */
	if (w->depth > RKT_WALK_MAX_FDS) {
		struct level *old = &w->levels[w->depth - 1 - RKT_WALK_MAX_FDS];

		if (old->fd >= 0) {
			(void)close(old->fd);
			old->fd = -EBADF;
		}
	}
	return 0;
}

static int walk_loop(struct walk *w, int top_fd, rkt_walk_fn fn, void *userdata,
                     struct rkt_error *err)
{
	int r;

	while (w->depth > 0) {
		struct level *l = &w->levels[w->depth - 1];

		if (l->next < l->n) {
			_cleanup_free_ char *typed = l->names[l->next];
			const char *name = typed + 1;
			unsigned char type = (unsigned char)(typed[0] - 1);
			struct stat st;

			l->names[l->next++] = NULL;
			path_push(w, name);
			if ((w->flags & RKT_WALK_TYPE_ONLY) && type != DT_UNKNOWN &&
			    type != DT_DIR) {
				/* The listing's type is enough: no lstat. */
				st = (struct stat){ .st_mode = DTTOIF(type) };
			} else if (fstatat(l->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				if (errno == ENOENT) { /* gone meanwhile */
					path_cut(w, l->path_len);
					continue;
				}
				return rkt_error_set(err, errno, "'%s'", w->path);
			}
			struct rkt_walk_entry e = { .parent_fd = l->fd,
				                    .name = name,
				                    .path = w->path,
				                    .path_len = w->path_len,
				                    .st = &st,
				                    .fd = -EBADF,
				                    .depth = w->depth };
			if (!S_ISDIR(st.st_mode)) {
				r = fn(userdata, RKT_WALK_ENTRY, &e, err);
				if (r < 0)
					return r;
				path_cut(w, l->path_len);
				continue;
			}
			int fd = open_dir(w, l->fd, name, &st, err);
			if (fd < 0)
				return fd;
			e.fd = fd;
			r = fn(userdata, RKT_WALK_DIR_PRE, &e, err);
			if (r != 0) {
				(void)close(fd);
				if (r < 0)
					return r;
				path_cut(w, l->path_len);
				continue;
			}
			r = push_level(w, fd, name, &st, err); /* may move w->levels */
			if (r < 0)
				return r;
			continue;
		}

		/* Done with this directory: DIR_POST with its parent open, then back up. */
		int parent_fd = top_fd;
		if (w->depth > 1) {
			r = reopen_level(w, w->depth - 2, err);
			if (r < 0)
				return r;
			parent_fd = w->levels[w->depth - 2].fd;
		}
		struct rkt_walk_entry e = { .parent_fd = parent_fd,
			                    .name = l->name,
			                    .path = w->path,
			                    .path_len = w->path_len,
			                    .st = &l->st,
			                    .fd = l->fd,
			                    .depth = w->depth - 1 };
		r = fn(userdata, RKT_WALK_DIR_POST, &e, err);
		if (r < 0)
			return r;
		size_t up = w->depth > 1 ? w->levels[w->depth - 2].path_len : 0;
		level_release(l);
		w->depth--;
		path_cut(w, up);
	}
	return 0;
}

int rkt_walk(int dir_fd, const char *name, unsigned flags, rkt_walk_fn fn, void *userdata,
             struct rkt_error *err)
{
	struct walk w = { .flags = flags };
	struct stat st;
	int r, fd;

	xgrow((void **)&w.path, &w.path_cap, 1, 1);
	w.path[0] = '\0';
	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		r = rkt_error_set(err, errno, "'%s'", name);
		goto out;
	}
	struct rkt_walk_entry e = {
		.parent_fd = dir_fd, .name = name, .path = w.path, .st = &st, .fd = -EBADF
	};
	if (!S_ISDIR(st.st_mode)) {
		r = fn(userdata, RKT_WALK_ENTRY, &e, err);
		goto out;
	}
	fd = open_dir(&w, dir_fd, name, &st, err);
	if (fd < 0) {
		r = fd;
		goto out;
	}
	e.fd = fd;
	r = fn(userdata, RKT_WALK_DIR_PRE, &e, err);
	if (r != 0) {
		(void)close(fd);
		r = r < 0 ? r : 0;
		goto out;
	}
	r = push_level(&w, fd, name, &st, err);
	if (r >= 0)
		r = walk_loop(&w, dir_fd, fn, userdata, err);
out:
	while (w.depth > 0)
		level_release(&w.levels[--w.depth]);
	free(w.levels);
	free(w.path);
	return r < 0 ? r : 0;
}

/* USERDATA: the name of the top, for messages. */
static int rm_one(void *userdata, enum rkt_walk_event ev, const struct rkt_walk_entry *e,
                  struct rkt_error *err)
{
	const char *top = userdata;

	if (ev == RKT_WALK_DIR_PRE)
		return 0;
	if (unlinkat(e->parent_fd, e->name, ev == RKT_WALK_DIR_POST ? AT_REMOVEDIR : 0) < 0 &&
	    errno != ENOENT)
		return rkt_error_set(err, errno, "remove '%s%s'", top, e->path);
	return 0;
}

int rkt_rm_rf_at(int dir_fd, const char *name, struct rkt_error *err)
{
	struct stat st;
	int r;

	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : rkt_error_set(err, errno, "remove '%s'", name);
	r = rkt_walk(dir_fd, name, RKT_WALK_CHMOD_UNREADABLE, rm_one, (void *)name, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "remove '%s'", name);
	return 0;
}
