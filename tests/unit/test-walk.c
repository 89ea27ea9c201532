/* Unit and property tests for the tree walk of lib/util/walk.h and its users (tree hash,
 * rm -rf): random deep and wide trees are visited once each, in order, with a bounded number
 * of open fds, and deep trees neither exhaust the fd table nor the stack. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/tree.h"
#include "util/cleanup.h"
#include "util/walk.h"
#include "util/xalloc.h"

struct fixture {
	char dir[64];
	int fd;
	struct rlimit saved;
};

static int setup(void **state)
{
	struct fixture *f = xzalloc(sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/rkt-test-walk.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->fd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->fd >= 0);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &f->saved), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	(void)setrlimit(RLIMIT_NOFILE, &f->saved);
	assert_int_equal(rkt_rm_rf_at(AT_FDCWD, f->dir, NULL), 0);
	close(f->fd);
	free(f);
	return 0;
}

/* Few fds: what a recursive walk holding one fd per level runs out of. */
static void limit_fds(unsigned n)
{
	struct rlimit rl;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = n;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

static unsigned open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n - 3; /* ".", "..", and the fd of this listing */
}

/* A chain of DEPTH directories "d" below FD (iteratively, one fd at a time). */
static void make_chain(int fd, unsigned depth, const char *leaf)
{
	int cur = fcntl(fd, F_DUPFD_CLOEXEC, 3);

	for (unsigned i = 0; i < depth; i++) {
		assert_int_equal(mkdirat(cur, "d", 0755), 0);
		int next = openat(cur, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		assert_true(next >= 0);
		close(cur);
		cur = next;
	}
	if (leaf) {
		int lfd = openat(cur, leaf, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		assert_true(lfd >= 0);
		close(lfd);
	}
	close(cur);
}

struct counter {
	unsigned long entries, pre, post, max_depth;
	unsigned max_fds, base_fds;
	char **paths; /* pre-order as visited */
	size_t n, cap;
};

static int count_one(void *userdata, enum rkt_walk_event ev, const struct rkt_walk_entry *e,
                     struct rkt_error *err)
{
	struct counter *c = userdata;
	(void)err;

	if (ev == RKT_WALK_DIR_POST) {
		c->post++;
		return 0;
	}
	if (ev == RKT_WALK_DIR_PRE)
		c->pre++;
	else
		c->entries++;
	if (e->depth > c->max_depth)
		c->max_depth = e->depth;
	assert_int_equal(strlen(e->path), e->path_len);
	if (c->base_fds) {
		unsigned n = open_fds();
		if (n > c->max_fds)
			c->max_fds = n;
	}
	if (c->paths) {
		xgrow((void **)&c->paths, &c->cap, c->n + 1, sizeof(*c->paths));
		c->paths[c->n++] = xstrdup(e->path);
	}
	return 0;
}

static void deep_chain_with_few_fds(void **state)
{
	struct fixture *f = *state;
	struct counter c = { 0 };
	struct rkt_error err = { 0 };
	const unsigned depth = 1500; /* a recursive walk needs an fd per level */

	make_chain(f->fd, depth, "leaf");
	limit_fds(64);
	assert_int_equal(rkt_walk(f->fd, "d", 0, count_one, &c, &err), 0);
	assert_int_equal(c.pre, depth);
	assert_int_equal(c.post, depth);
	assert_int_equal(c.entries, 1);
	assert_int_equal(c.max_depth, depth);
	assert_int_equal(rkt_rm_rf_at(f->fd, "d", &err), 0);
	assert_int_equal(faccessat(f->fd, "d", F_OK, AT_SYMLINK_NOFOLLOW), -1);
}

/* The fds a walk holds stay within RKT_WALK_MAX_FDS, at any depth. */
static void open_fds_are_bounded(void **state)
{
	struct fixture *f = *state;
	struct counter c = { 0 };
	struct rkt_error err = { 0 };

	make_chain(f->fd, 100, NULL);
	c.base_fds = open_fds();
	assert_int_equal(rkt_walk(f->fd, "d", 0, count_one, &c, &err), 0);
	assert_true(c.max_fds <= c.base_fds + RKT_WALK_MAX_FDS + 2);
}

struct hash_job {
	int fd;
	int r;
	char id[RKT_IMAGE_ID_SIZE];
};

static void *hash_thread(void *arg)
{
	struct hash_job *j = arg;
	struct rkt_error err = { 0 };

	j->r = rkt_tree_hash(j->fd, j->id, NULL, &err);
	return NULL;
}

/* A tree hash of 400 nested directories in a thread with a 256 KiB stack: a recursive walk
 * (kilobytes per level) overflows it. */
static void tree_hash_of_a_deep_tree_needs_little_stack(void **state)
{
	struct fixture *f = *state;
	struct hash_job j = { .fd = f->fd, .r = -1 };
	pthread_attr_t attr;
	pthread_t t;

	make_chain(f->fd, 400, "leaf");
	assert_int_equal(pthread_attr_init(&attr), 0);
	assert_int_equal(pthread_attr_setstacksize(&attr, 256 * 1024), 0);
	assert_int_equal(pthread_create(&t, &attr, hash_thread, &j), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	pthread_attr_destroy(&attr);
	assert_int_equal(j.r, 0);
	assert_int_equal(strncmp(j.id, "sha512-", 7), 0);
}

/* Component-wise byte order: the order of a pre-order walk with sorted entries. */
static int cmp_preorder(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;

	for (;;) {
		if (*x == '/' && *y == '/') {
			x++, y++;
			size_t lx = strcspn(x, "/"), ly = strcspn(y, "/");
			int c = memcmp(x, y, lx < ly ? lx : ly);
			if (c)
				return c;
			if (lx != ly)
				return lx < ly ? -1 : 1;
			x += lx, y += ly;
			continue;
		}
		if (!*x && !*y)
			return 0;
		return !*x ? -1 : 1; /* a prefix (the parent) first */
	}
}

/* Makes a random tree below FD; records every path ("/a/b") in *V. */
static void random_tree(int fd, const char *path, unsigned depth, unsigned *budget, char ***v,
                        size_t *n, size_t *cap)
{
	/* Iterative: a work list of directories still to fill. */
	struct item {
		char *path;
		unsigned depth;
	} *todo = NULL;
	size_t nt = 0, ct = 0;

	xgrow((void **)&todo, &ct, 1, sizeof(*todo));
	todo[nt++] = (struct item){ xstrdup(path), depth };
	while (nt > 0 && *budget > 0) {
		struct item it = todo[--nt];
		int dfd = it.path[0] ? openat(fd, it.path + 1, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
		                     : fcntl(fd, F_DUPFD_CLOEXEC, 3);
		assert_true(dfd >= 0);
		unsigned children = (unsigned)(rand() % 8);
		for (unsigned i = 0; i<children && * budget> 0; i++, (*budget)--) {
			char name[32];
			snprintf(name, sizeof(name), "%c%u", "abAB.-_~"[rand() % 8],
			         (unsigned)rand());
			_cleanup_free_ char *p = xasprintf("%s/%s", it.path, name);
			int kind = rand() % 4;
			if (kind == 0 && it.depth < 40) {
				if (mkdirat(dfd, name, 0755) < 0)
					continue;
				xgrow((void **)&todo, &ct, nt + 1, sizeof(*todo));
				todo[nt++] = (struct item){ xstrdup(p), it.depth + 1 };
			} else if (kind == 1) {
				if (symlinkat("../../../../etc", dfd, name) < 0)
					continue;
			} else {
				int ffd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
				                 0644);
				if (ffd < 0)
					continue;
				close(ffd);
			}
			xgrow((void **)v, cap, *n + 1, sizeof(**v));
			(*v)[(*n)++] = TAKE_PTR(p);
		}
		close(dfd);
		free(it.path);
	}
	while (nt > 0)
		free(todo[--nt].path);
	free(todo);
}

/* Property: for random trees, the walk visits the top and every entry exactly once, in
 * component-wise byte order, and rm -rf leaves nothing. */
static void random_trees_are_walked_once_in_order(void **state)
{
	struct fixture *f = *state;

	for (unsigned seed = 1; seed <= 20; seed++) {
		char **expect = NULL;
		size_t n = 0, cap = 0;
		unsigned budget = 2000;
		struct counter c = { 0 };
		struct rkt_error err = { 0 };

		srand(seed);
		assert_int_equal(mkdirat(f->fd, "t", 0755), 0);
		int tfd = openat(f->fd, "t", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		random_tree(tfd, "", 0, &budget, &expect, &n, &cap);
		xgrow((void **)&expect, &cap, n + 1, sizeof(*expect));
		expect[n++] = xstrdup("");
		qsort(expect, n, sizeof(*expect), cmp_preorder);

		c.paths = xmalloc(sizeof(char *));
		c.cap = 1;
		limit_fds(48);
		assert_int_equal(rkt_walk(f->fd, "t", 0, count_one, &c, &err), 0);
		assert_int_equal(c.n, n);
		for (size_t i = 0; i < n; i++) {
			assert_string_equal(c.paths[i], expect[i]);
			free(c.paths[i]);
			free(expect[i]);
		}
		assert_int_equal(c.pre, c.post);
		free(c.paths);
		free(expect);
		/* A directory nobody may read is still removed. */
		assert_int_equal(mkdirat(tfd, "locked", 0), 0);
		close(tfd);
		assert_int_equal(rkt_rm_rf_at(f->fd, "t", &err), 0);
		assert_int_equal(faccessat(f->fd, "t", F_OK, AT_SYMLINK_NOFOLLOW), -1);
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &f->saved), 0);
	}
}

static void rm_rf_of_nothing_is_fine(void **state)
{
	struct fixture *f = *state;
	struct rkt_error err = { 0 };

	assert_int_equal(rkt_rm_rf_at(f->fd, "absent", &err), 0);
	assert_int_equal(symlinkat(f->dir, f->fd, "link"), 0);
	assert_int_equal(rkt_rm_rf_at(f->fd, "link", &err), 0); /* the link, not its target */
	assert_int_equal(faccessat(AT_FDCWD, f->dir, F_OK, 0), 0);
}

static void make_file(int dir_fd, const char *path, const char *data)
{
	_cleanup_close_ int fd =
	        openat(dir_fd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
}

struct sizes {
	off_t file_size;
	bool dir_stated;
};

static int note_sizes(void *userdata, enum rkt_walk_event ev, const struct rkt_walk_entry *e,
                      struct rkt_error *err)
{
	struct sizes *z = userdata;

	if (ev == RKT_WALK_ENTRY && S_ISREG(e->st->st_mode))
		z->file_size = e->st->st_size;
	if (ev == RKT_WALK_DIR_PRE && e->depth == 1)
		z->dir_stated = e->st->st_ino != 0;
	return 0;
}

/* RKT_WALK_TYPE_ONLY: files get only their type, directories a full stat. */
static void type_only_walk_skips_the_lstat_of_files(void **state)
{
	struct fixture *f = *state;
	struct rkt_error err = { 0 };
	struct sizes z = { .file_size = -1 };

	assert_int_equal(mkdirat(f->fd, "t", 0755), 0);
	assert_int_equal(mkdirat(f->fd, "t/d", 0755), 0);
	make_file(f->fd, "t/d/f", "12345");
	assert_int_equal(rkt_walk(f->fd, "t", RKT_WALK_TYPE_ONLY, note_sizes, &z, &err), 0);
	assert_int_equal(z.file_size, 0);
	assert_true(z.dir_stated);
	assert_int_equal(rkt_walk(f->fd, "t", 0, note_sizes, &z, &err), 0);
	assert_int_equal(z.file_size, 5);
}

static ino_t inode_of(int fd, const char *path)
{
	struct stat st;

	assert_int_equal(fstatat(fd, path, &st, AT_SYMLINK_NOFOLLOW), 0);
	return st.st_ino;
}

/* A clone hashes the same as its source; files are the source's inodes, directories new ones
 * with the source's mode (set-id bits and mode 0 included), owner, xattrs and mtime. */
static void clone_links_files_and_copies_directories(void **state)
{
	struct fixture *f = *state;
	struct rkt_error err = { 0 };
	char want[RKT_IMAGE_ID_SIZE], have[RKT_IMAGE_ID_SIZE];
	_cleanup_close_ int src = -EBADF, dst = -EBADF;
	struct timespec old[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_sec = 1000000 } };

	assert_int_equal(mkdirat(f->fd, "src", 0755), 0);
	src = openat(f->fd, "src", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(mkdirat(src, "a", 0755), 0);
	assert_int_equal(mkdirat(src, "a/b", 0755), 0);
	make_file(src, "a/b/file", "data");
	assert_int_equal(symlinkat("../x", src, "a/link"), 0);
	assert_int_equal(mkdirat(src, "sgid", 02775), 0);
	assert_int_equal(fchmodat(src, "sgid", 02775, 0), 0);
	{
		/* The hash covers xattrs; a file system without user xattrs has none to copy. */
		_cleanup_free_ char *p = xasprintf("%s/src/a", f->dir);
		(void)lsetxattr(p, "user.rkt", "v", 1, 0);
	}
	assert_int_equal(mkdirat(src, "locked", 0), 0);
	assert_int_equal(utimensat(src, "a/b", old, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(utimensat(src, "a", old, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(rkt_tree_hash(src, want, NULL, &err), 0);
	{
		/* Not an image's (overlayfs reads trusted.*): left behind, as on import. Only
		 * root may set it (the CI runs as root). */
		_cleanup_free_ char *p = xasprintf("%s/src/a/b", f->dir);
		assert_true(lsetxattr(p, "trusted.overlay.opaque", "y", 1, 0) == 0 ||
		            geteuid() != 0);
	}

	assert_int_equal(mkdirat(f->fd, "dst", 0755), 0);
	dst = openat(f->fd, "dst", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(rkt_tree_clone_links(f->fd, "src", dst, NULL, &err), 0);
	assert_int_equal(rkt_tree_hash(dst, have, NULL, &err), 0);
	assert_string_equal(want, have);
	assert_true(inode_of(src, "a/b/file") == inode_of(dst, "a/b/file"));
	assert_true(inode_of(src, "a/link") == inode_of(dst, "a/link"));
	assert_true(inode_of(src, "a/b") != inode_of(dst, "a/b"));
	assert_int_equal(rkt_rm_rf_at(f->fd, "dst", &err), 0);
	assert_int_equal(rkt_rm_rf_at(f->fd, "src", &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(deep_chain_with_few_fds, setup, teardown),
		cmocka_unit_test_setup_teardown(open_fds_are_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(tree_hash_of_a_deep_tree_needs_little_stack, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(random_trees_are_walked_once_in_order, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(rm_rf_of_nothing_is_fine, setup, teardown),
		cmocka_unit_test_setup_teardown(type_only_walk_skips_the_lstat_of_files, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(clone_links_files_and_copies_directories, setup,
		                                teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
