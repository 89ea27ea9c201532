/* Unit tests for lib/pod: the pod state machine on a temporary data dir, UUID prefix lookup,
 * gc decisions and gc runs over pods in every state. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "pod/gc.h"
#include "pod/layout.h"
#include "pod/layout.h"
#include "pod/pod.h"
#include "pod/private-users.h"
#include "pod/stage1.h"
#include "fetch/fetch.h"
#include "store/tree.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static char *tmpdir(void)
{
	char *d = xstrdup("/tmp/test-pod-XXXXXX");

	assert_non_null(mkdtemp(d));
	return d;
}

static void rmtree(const char *d)
{
	assert_int_equal(rkt_rm_rf_at(AT_FDCWD, d, NULL), 0);
}

static bool exists(const char *data, const char *dir, const char *uuid)
{
	_cleanup_free_ char *p = xasprintf("%s/pods/%s/%s", data, dir, uuid);

	return access(p, F_OK) == 0;
}

/* Makes a pod directory by hand in DIR. */
static void make_pod(const char *data, const char *dir, const char *uuid)
{
	_cleanup_free_ char *p = xasprintf("%s/pods/%s/%s", data, dir, uuid);

	assert_int_equal(rkt_pods_init(data, NULL), 0);
	assert_int_equal(mkdir(p, 0750), 0);
}

/* Another open file description holding the pod's exclusive lock, like stage1. */
static int hold_lock(const char *data, const char *dir, const char *uuid)
{
	_cleanup_free_ char *p = xasprintf("%s/pods/%s/%s", data, dir, uuid);
	int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	return fd;
}

static enum rkt_pod_state state_of(const char *data, const char *uuid)
{
	_cleanup_(rkt_pod_freep) struct rkt_pod *pod = NULL;

	assert_int_equal(rkt_pod_load(data, uuid, &pod, NULL), 0);
	return pod->state;
}

#define U1 "11111111-2222-4333-8444-555555555555"
#define U2 "11112222-2222-4333-8444-555555555555"
#define U3 "abcdef00-0000-4000-8000-000000000000"

static void create_gives_locked_preparing_pod(void **state)
{
	_cleanup_free_ char *d = tmpdir();
	_cleanup_(rkt_pod_freep) struct rkt_pod *pod = NULL;
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(rkt_pod_create(d, NULL, &pod, &err), 0);
	assert_int_equal(pod->state, RKT_POD_STATE_PREPARING);
	assert_true(pod->locked);
	assert_true(exists(d, "prepare", pod->uuid));
	assert_false(exists(d, "embryo", pod->uuid));
	/* Another reader sees it preparing, then aborted once the lock is gone. */
	assert_int_equal(state_of(d, pod->uuid), RKT_POD_STATE_PREPARING);
	assert_int_equal(rkt_pod_unlock(pod, &err), 0);
	assert_int_equal(state_of(d, pod->uuid), RKT_POD_STATE_ABORTED_PREPARE);
	rmtree(d);
}

static void write_range(const char *data, const char *dir, const char *uuid, const char *range)
{
	_cleanup_free_ char *p = xasprintf("%s/pods/%s/%s", data, dir, uuid);
	_cleanup_close_ int fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(rkt_write_file_atomic_at(fd, RKT_POD_PRIVATE_USERS, range, strlen(range),
	                                          0644, NULL),
	                 0);
}

/* The pods in every state directory are the registry of used ranges: with all blocks but
 * 0x8000 taken (by two pods, one running, one garbage), that block is the only answer; once
 * the pods are gone, their ranges are free again. */
static void private_users_ranges_are_disjoint(void **state)
{
	_cleanup_free_ char *d = tmpdir();
	struct rkt_pod *pod = NULL, *pod2 = NULL;
	struct rkt_id_range r, back;
	struct rkt_error err = { 0 };

	(void)state;
	make_pod(d, "run", U1);
	make_pod(d, "garbage", U2);
	/* blocks 0x100-0x7fff and 0x8001-0xfffe */
	write_range(d, "run", U1, "16777216:2130706432\n");
	write_range(d, "garbage", U2, "2147549184:2147352576\n");
	assert_int_equal(rkt_pod_create(d, NULL, &pod, &err), 0);
	assert_int_equal(rkt_pod_private_users_allocate(pod, &r, &err), 0);
	assert_int_equal(r.base, 0x80000000u);
	assert_int_equal(r.count, 65536);
	assert_int_equal(rkt_pod_private_users(pod->fd, &back, &err), 1);
	assert_int_equal(back.base, r.base);
	/* nothing left */
	assert_int_equal(rkt_pod_create(d, NULL, &pod2, &err), 0);
	assert_int_equal(rkt_pod_private_users_allocate(pod2, &r, &err), -ENOSPC);
	/* gc of the first two pods frees their blocks */
	_cleanup_free_ char *p1 = xasprintf("%s/pods/run/%s", d, U1);
	_cleanup_free_ char *p2 = xasprintf("%s/pods/garbage/%s", d, U2);
	rmtree(p1);
	rmtree(p2);
	assert_int_equal(rkt_pod_private_users_allocate(pod2, &r, &err), 0);
	assert_int_equal(r.base % 65536, 0);
	assert_true(r.base >= 0x1000000u && r.base <= 0xfffe0000u);
	assert_int_not_equal(r.base, 0x80000000u);
	assert_int_equal(rkt_pod_private_users(pod2->fd, &back, &err), 1);
	rkt_pod_free(pod);
	rkt_pod_free(pod2);
	rmtree(d);
}

static void create_with_existing_uuid_is_eexist(void **state)
{
	_cleanup_free_ char *d = tmpdir();
	struct rkt_pod *pod = NULL;
	struct rkt_error err = { 0 };

	(void)state;
	make_pod(d, "run", U1);
	assert_int_equal(rkt_pod_create(d, U1, &pod, &err), -EEXIST);
	assert_null(pod);
	assert_non_null(strstr(err.msg, U1));
	rmtree(d);
}

static void run_pod_is_running_while_locked_and_exited_after(void **state)
{
	_cleanup_free_ char *d = tmpdir();
	int fd;

	(void)state;
	make_pod(d, "run", U1);
	fd = hold_lock(d, "run", U1);
	assert_int_equal(state_of(d, U1), RKT_POD_STATE_RUNNING);
	close(fd);
	assert_int_equal(state_of(d, U1), RKT_POD_STATE_EXITED);
	rmtree(d);
}

static void every_directory_maps_to_its_states(void **state)
{
	static const struct {
		const char *dir;
		enum rkt_pod_state unlocked, locked;
	} cases[] = {
		{ "embryo", RKT_POD_STATE_EMBRYO, RKT_POD_STATE_EMBRYO },
		{ "prepare", RKT_POD_STATE_ABORTED_PREPARE, RKT_POD_STATE_PREPARING },
		{ "prepared", RKT_POD_STATE_PREPARED, RKT_POD_STATE_PREPARED },
		{ "run", RKT_POD_STATE_EXITED, RKT_POD_STATE_RUNNING },
		{ "exited-garbage", RKT_POD_STATE_EXITED_GARBAGE, RKT_POD_STATE_EXITED_DELETING },
		{ "garbage", RKT_POD_STATE_GARBAGE, RKT_POD_STATE_DELETING },
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *d = tmpdir();
		int fd;

		make_pod(d, cases[i].dir, U1);
		assert_int_equal(state_of(d, U1), cases[i].unlocked);
		fd = hold_lock(d, cases[i].dir, U1);
		assert_int_equal(state_of(d, U1), cases[i].locked);
		close(fd);
		rmtree(d);
	}
}

static void state_names_are_upstreams(void **state)
{
	(void)state;
	assert_string_equal(rkt_pod_state_name(RKT_POD_STATE_ABORTED_PREPARE), "aborted prepare");
	assert_string_equal(rkt_pod_state_name(RKT_POD_STATE_EXITED_GARBAGE), "exited garbage");
	assert_string_equal(rkt_pod_state_name(RKT_POD_STATE_RUNNING), "running");
}

static void move_follows_rename_and_loser_gets_enoent(void **state)
{
	_cleanup_free_ char *d = tmpdir();
	_cleanup_(rkt_pod_freep) struct rkt_pod *a = NULL, *b = NULL;
	struct rkt_error err = { 0 };

	(void)state;
	make_pod(d, "prepared", U1);
	assert_int_equal(rkt_pod_load(d, U1, &a, &err), 0);
	assert_int_equal(rkt_pod_load(d, U1, &b, &err), 0);
	assert_int_equal(rkt_pod_move(a, RKT_POD_DIR_RUN, &err), 0);
	assert_true(exists(d, "run", U1));
	assert_int_equal(rkt_pod_move(b, RKT_POD_DIR_GARBAGE, &err), -ENOENT);
	/* The loser sees where the pod went. */
	assert_int_equal(rkt_pod_refresh(b, &err), 0);
	assert_int_equal(b->dir, RKT_POD_DIR_RUN);
	rmtree(d);
}

static void lock_without_wait_fails_when_held(void **state)
{
	_cleanup_free_ char *d = tmpdir();
	_cleanup_(rkt_pod_freep) struct rkt_pod *pod = NULL;
	struct rkt_error err = { 0 };
	int fd;

	(void)state;
	make_pod(d, "run", U1);
	fd = hold_lock(d, "run", U1);
	assert_int_equal(rkt_pod_load(d, U1, &pod, &err), 0);
	assert_int_equal(rkt_pod_lock(pod, false, &err), -EWOULDBLOCK);
	close(fd);
	assert_int_equal(rkt_pod_lock(pod, false, &err), 0);
	/* Our own lock reads as running, for us as for others. */
	assert_int_equal(pod->state, RKT_POD_STATE_RUNNING);
	assert_int_equal(state_of(d, U1), RKT_POD_STATE_RUNNING);
	rmtree(d);
}

static void load_unknown_pod_is_enoent(void **state)
{
	_cleanup_free_ char *d = tmpdir();
	struct rkt_pod *pod = NULL;
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(rkt_pods_init(d, NULL), 0);
	assert_int_equal(rkt_pod_load(d, U1, &pod, &err), -ENOENT);
	assert_null(pod);
	assert_int_equal(rkt_pod_load(d, "../etc", &pod, &err), -EINVAL);
	rmtree(d);
}

static void resolve_unique_prefix(void **state)
{
	_cleanup_free_ char *d = tmpdir();
	char uuid[RKT_UUID_STRING_SIZE];
	struct rkt_error err = { 0 };

	(void)state;
	make_pod(d, "run", U1);
	make_pod(d, "prepared", U2);
	make_pod(d, "garbage", U3);
	assert_int_equal(rkt_pod_resolve(d, "abc", uuid, &err), 0);
	assert_string_equal(uuid, U3);
	assert_int_equal(rkt_pod_resolve(d, "11111", uuid, &err), 0);
	assert_string_equal(uuid, U1);
	/* dashes optional, any case */
	assert_int_equal(rkt_pod_resolve(d, "1111-2", uuid, &err), 0);
	assert_string_equal(uuid, U2);
	assert_int_equal(rkt_pod_resolve(d, "ABCDEF000000", uuid, &err), 0);
	assert_string_equal(uuid, U3);
	assert_int_equal(rkt_pod_resolve(d, U1, uuid, &err), 0);
	assert_string_equal(uuid, U1);
	rmtree(d);
}

static void resolve_ambiguous_prefix_lists_candidates(void **state)
{
	_cleanup_free_ char *d = tmpdir();
	char uuid[RKT_UUID_STRING_SIZE] = "";
	struct rkt_error err = { 0 };

	(void)state;
	make_pod(d, "run", U1);
	make_pod(d, "prepared", U2);
	assert_int_equal(rkt_pod_resolve(d, "1111", uuid, &err), -ENOTUNIQ);
	assert_non_null(strstr(err.msg, U1));
	assert_non_null(strstr(err.msg, U2));
	assert_string_equal(uuid, "");
	rmtree(d);
}

static void resolve_errors(void **state)
{
	_cleanup_free_ char *d = tmpdir();
	char uuid[RKT_UUID_STRING_SIZE];
	struct rkt_error err = { 0 };

	(void)state;
	make_pod(d, "run", U1);
	assert_int_equal(rkt_pod_resolve(d, "2", uuid, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "'2'"));
	assert_int_equal(rkt_pod_resolve(d, "", uuid, &err), -EINVAL);
	assert_int_equal(rkt_pod_resolve(d, "xyz", uuid, &err), -EINVAL);
	rmtree(d);
}

static void list_ignores_strays_and_sorts(void **state)
{
	_cleanup_free_ char *d = tmpdir(), *stray = NULL;
	_cleanup_(rkt_strv_free_arrayp) char **v = NULL;
	size_t n = 0;

	(void)state;
	make_pod(d, "garbage", U3);
	make_pod(d, "run", U1);
	stray = xasprintf("%s/pods/run/not-a-uuid", d);
	assert_int_equal(mkdir(stray, 0700), 0);
	assert_int_equal(rkt_pod_list_uuids(d, &v, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0], U1);
	assert_string_equal(v[1], U3);
	assert_null(v[2]);
	rmtree(d);
}

static void gc_decide_table(void **state)
{
	const struct rkt_gc_opts o = { .grace_ns = 100, .expire_prepared_ns = 1000 };
	const struct rkt_gc_opts mark = { .grace_ns = 0,
		                          .expire_prepared_ns = 0,
		                          .mark_only = true };

	(void)state;
	assert_int_equal(rkt_gc_decide(RKT_POD_STATE_RUNNING, 1 << 30, true, &o), RKT_GC_KEEP);
	assert_int_equal(rkt_gc_decide(RKT_POD_STATE_PREPARING, 1 << 30, true, &o), RKT_GC_KEEP);
	assert_int_equal(rkt_gc_decide(RKT_POD_STATE_EXITED, 0, false, &o), RKT_GC_MARK_EXITED);
	assert_int_equal(rkt_gc_decide(RKT_POD_STATE_ABORTED_PREPARE, 0, false, &o),
	                 RKT_GC_MARK_GARBAGE);
	assert_int_equal(rkt_gc_decide(RKT_POD_STATE_EMBRYO, 0, false, &o), RKT_GC_KEEP);
	assert_int_equal(rkt_gc_decide(RKT_POD_STATE_EMBRYO, 0, true, &o), RKT_GC_MARK_GARBAGE);
	assert_int_equal(rkt_gc_decide(RKT_POD_STATE_PREPARED, 999, false, &o), RKT_GC_KEEP);
	assert_int_equal(rkt_gc_decide(RKT_POD_STATE_PREPARED, 1000, false, &o),
	                 RKT_GC_MARK_GARBAGE);
	assert_int_equal(rkt_gc_decide(RKT_POD_STATE_EXITED_GARBAGE, 99, false, &o), RKT_GC_KEEP);
	assert_int_equal(rkt_gc_decide(RKT_POD_STATE_EXITED_GARBAGE, 100, false, &o),
	                 RKT_GC_DELETE);
	assert_int_equal(rkt_gc_decide(RKT_POD_STATE_GARBAGE, 0, false, &o), RKT_GC_DELETE);
	assert_int_equal(rkt_gc_decide(RKT_POD_STATE_DELETING, 1 << 30, false, &o), RKT_GC_KEEP);
	/* --mark-only marks exited and aborted pods, deletes and expires nothing */
	assert_int_equal(rkt_gc_decide(RKT_POD_STATE_EXITED, 0, false, &mark), RKT_GC_MARK_EXITED);
	assert_int_equal(rkt_gc_decide(RKT_POD_STATE_PREPARED, 1 << 30, false, &mark), RKT_GC_KEEP);
	assert_int_equal(rkt_gc_decide(RKT_POD_STATE_GARBAGE, 0, false, &mark), RKT_GC_KEEP);
	assert_int_equal(rkt_gc_decide(RKT_POD_STATE_EXITED_GARBAGE, 1 << 30, false, &mark),
	                 RKT_GC_KEEP);
}

static void gc_with_zero_grace_removes_exited_and_keeps_running(void **state)
{
	_cleanup_free_ char *d = tmpdir();
	const struct rkt_gc_opts o = { .grace_ns = 0, .expire_prepared_ns = INT64_MAX };
	struct rkt_error err = { 0 };
	int fd;

	(void)state;
	make_pod(d, "run", U1);
	make_pod(d, "run", U2);
	make_pod(d, "prepared", U3);
	fd = hold_lock(d, "run", U2);
	assert_int_equal(rkt_gc(d, &o, &err), 0);
	assert_false(exists(d, "run", U1));
	assert_false(exists(d, "exited-garbage", U1));
	assert_true(exists(d, "run", U2));
	assert_true(exists(d, "prepared", U3));
	close(fd);
	rmtree(d);
}

static void gc_grace_period_keeps_marked_pod(void **state)
{
	_cleanup_free_ char *d = tmpdir();
	const struct rkt_gc_opts o = { .grace_ns = 3600LL * 1000000000,
		                       .expire_prepared_ns = INT64_MAX };
	struct rkt_error err = { 0 };

	(void)state;
	make_pod(d, "run", U1);
	make_pod(d, "prepare", U2);
	assert_int_equal(rkt_gc(d, &o, &err), 0);
	assert_true(exists(d, "exited-garbage", U1));
	/* aborted prepares have no grace period */
	assert_false(exists(d, "garbage", U2));
	assert_false(exists(d, "prepare", U2));
	rmtree(d);
}

static void gc_expires_prepared_and_collects_abandoned_embryo(void **state)
{
	_cleanup_free_ char *d = tmpdir();
	const struct rkt_gc_opts o = { .grace_ns = 0, .expire_prepared_ns = 0 };
	struct rkt_error err = { 0 };

	(void)state;
	make_pod(d, "prepared", U1);
	make_pod(d, "embryo", U2);
	assert_int_equal(rkt_gc(d, &o, &err), 0);
	assert_false(exists(d, "prepared", U1));
	assert_false(exists(d, "garbage", U1));
	assert_false(exists(d, "embryo", U2));
	assert_false(exists(d, "garbage", U2));
	rmtree(d);
}

static void gc_mark_only_moves_without_deleting(void **state)
{
	_cleanup_free_ char *d = tmpdir();
	const struct rkt_gc_opts o = { .mark_only = true };
	struct rkt_error err = { 0 };

	(void)state;
	make_pod(d, "run", U1);
	assert_int_equal(rkt_gc(d, &o, &err), 0);
	assert_true(exists(d, "exited-garbage", U1));
	rmtree(d);
}

static void remove_refuses_running_pod(void **state)
{
	_cleanup_free_ char *d = tmpdir();
	_cleanup_(rkt_pod_freep) struct rkt_pod *pod = NULL;
	struct rkt_error err = { 0 };
	int fd;

	(void)state;
	make_pod(d, "run", U1);
	fd = hold_lock(d, "run", U1);
	assert_int_equal(rkt_pod_load(d, U1, &pod, &err), 0);
	assert_int_equal(rkt_pod_remove(pod, false, &err), -EBUSY);
	assert_non_null(strstr(err.msg, "running"));
	assert_true(exists(d, "run", U1));
	close(fd);
	rmtree(d);
}

static void remove_deletes_exited_pod(void **state)
{
	_cleanup_free_ char *d = tmpdir(), *f = NULL;
	_cleanup_(rkt_pod_freep) struct rkt_pod *pod = NULL;
	struct rkt_error err = { 0 };

	(void)state;
	make_pod(d, "run", U1);
	f = xasprintf("%s/pods/run/%s/pod", d, U1);
	close(open(f, O_CREAT | O_WRONLY | O_CLOEXEC, 0640));
	assert_int_equal(rkt_pod_load(d, U1, &pod, &err), 0);
	assert_int_equal(rkt_pod_remove(pod, false, &err), 0);
	for (int i = 0; i < _RKT_POD_DIR_MAX; i++)
		assert_false(exists(d, rkt_pod_dir_name((enum rkt_pod_dir)i), U1));
	rmtree(d);
}

static void write_at(const char *data, const char *rel, const char *content)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", data, rel);
	FILE *f = fopen(p, "we");

	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

#define IDA                                                                \
	"sha512-"                                                          \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define IDB                                                                \
	"sha512-"                                                          \
	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" \
	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static void image_ids_of_every_pod(void **state)
{
	_cleanup_free_ char *d = tmpdir(), *apps = NULL;
	_cleanup_(rkt_strv_free_arrayp) char **ids = NULL;
	size_t n = 0;

	(void)state;
	make_pod(d, "run", U1);
	make_pod(d, "prepared", U2);
	apps = xasprintf("%s/pods/run/%s/appsinfo", d, U1);
	assert_int_equal(mkdir(apps, 0755), 0);
	free(apps);
	apps = xasprintf("%s/pods/run/%s/appsinfo/web", d, U1);
	assert_int_equal(mkdir(apps, 0755), 0);
	write_at(d, "pods/run/" U1 "/stage1TreeStoreID", IDB "\n");
	write_at(d, "pods/run/" U1 "/appsinfo/web/treeStoreID", IDA "\n");
	write_at(d, "pods/prepared/" U2 "/stage1TreeStoreID", IDB "\n");
	assert_int_equal(rkt_pods_image_ids(d, &ids, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ids[0], IDA);
	assert_string_equal(ids[1], IDB);
	assert_null(ids[2]);
	rmtree(d);
}

static void lowerdir_paths_survive_pod_moves(void **state)
{
	_cleanup_free_ char *a = NULL, *b = NULL;

	(void)state;
	assert_string_equal(rkt_pod_path_relative("/d/pods/prepare/u", "/d/pods/prepare/u/x/y"),
	                    "x/y");
	assert_string_equal(rkt_pod_path_relative("/d/pods/prepare/u/", "/d/pods/prepare/u/x"),
	                    "x");
	assert_string_equal(rkt_pod_path_relative("/d/pods/prepare/u", "/d/pods/prepare/uv/x"),
	                    "/d/pods/prepare/uv/x");
	assert_string_equal(rkt_pod_path_relative("/d/p", "/d/p"), "/d/p");
	assert_true(rkt_pod_lowerdir_valid("/d/cas/tree/x/rootfs"));
	assert_true(rkt_pod_lowerdir_valid("appsinfo/a/rendered/rootfs:/d/cas/tree/x/rootfs"));
	assert_true(rkt_pod_lowerdir_valid("a/..b/c"));
	assert_false(rkt_pod_lowerdir_valid(""));
	assert_false(rkt_pod_lowerdir_valid("a::/b"));
	assert_false(rkt_pod_lowerdir_valid("../x"));
	assert_false(rkt_pod_lowerdir_valid("a/../../x"));
	assert_false(rkt_pod_lowerdir_valid("a/.."));
	assert_false(rkt_pod_lowerdir_valid("/a,upperdir=/b"));
	assert_false(rkt_pod_lowerdir_valid("/a\\b"));
	a = rkt_pod_lowerdir_resolve("/d/pods/run/u", "appsinfo/a/rendered/rootfs");
	assert_string_equal(a, "/d/pods/run/u/appsinfo/a/rendered/rootfs");
	b = rkt_pod_lowerdir_resolve("/p", "/s/x:r/y:/s/z");
	assert_string_equal(b, "/s/x:/p/r/y:/s/z");
}

static void stage1_argument_vectors(void **state)
{
	struct rkt_stage1_entry e = { .path = (char *)"/p/stage1/rootfs/init",
		                      .interface_version = 6 };
	struct rkt_pod pod = { .uuid = U1 };
	const struct rkt_strv dns = { .items = (char *[]){ "8.8.8.8" }, .n = 1 },
	                      hosts = { .items = (char *[]){ "10.0.0.1=db" }, .n = 1 };
	const struct rkt_pod_dns_opts d = { .dns = &dns, .hosts_entries = &hosts };
	struct rkt_pod_dns_plan plan = { 0 };
	char *cmd[] = { (char *)"/bin/ls", (char *)"-l", NULL };
	char **v;

	(void)state;
	assert_int_equal(rkt_pod_dns_plan(&d, &plan, NULL), 0);
	assert_string_equal(plan.resolv_conf, "# Generated by rkt\n\nnameserver 8.8.8.8\n");
	assert_non_null(strstr(plan.hosts, "\n10.0.0.1 db\n"));
	const struct rkt_stage1_run_opts ro = {
		.net = "none", .hostname = "h", .insecure = RKT_INSECURE_SECCOMP, .dns = &plan
	};
	v = rkt_stage1_run_argv(&e, &pod, &ro);
	assert_string_equal(v[0], "/p/stage1/rootfs/init");
	assert_string_equal(v[1], "--net=none");
	assert_string_equal(v[2], "--hostname=h");
	assert_string_equal(v[3], "--dns-conf-mode=resolv=stage0,hosts=stage0");
	assert_string_equal(v[4], "--disable-seccomp");
	assert_string_equal(v[5], U1);
	assert_null(v[6]);
	rkt_strv_free_array(v);
	rkt_pod_dns_plan_release(&plan);
	e.interface_version = 1;
	v = rkt_stage1_run_argv(&e, &pod, &ro);
	assert_string_equal(v[1], "--net=none");
	assert_string_equal(v[2], U1);
	rkt_strv_free_array(v);
	const struct rkt_id_range ids = { .base = 1 << 24, .count = 65536 };
	const struct rkt_stage1_run_opts pu = { .private_users = &ids };
	v = rkt_stage1_run_argv(&e, &pod, &pu);
	assert_string_equal(v[1], "--net=default");
	assert_string_equal(v[2], "--private-users=16777216:65536");
	assert_string_equal(v[3], U1);
	rkt_strv_free_array(v);
	v = rkt_stage1_enter_argv(&e, 42, "web", cmd, true);
	assert_string_equal(v[1], "--pid=42");
	assert_string_equal(v[2], "--appname=web");
	assert_string_equal(v[3], "--");
	assert_string_equal(v[4], "/bin/ls");
	assert_string_equal(v[5], "-l");
	assert_null(v[6]);
	rkt_strv_free_array(v);
	v = rkt_stage1_enter_argv(&e, 42, "web", NULL, true);
	assert_string_equal(v[4], "/bin/bash");
	rkt_strv_free_array(v);
	v = rkt_stage1_stop_argv(&e, &pod, true);
	assert_string_equal(v[1], "--force");
	assert_string_equal(v[2], U1);
	rkt_strv_free_array(v);
	v = rkt_stage1_gc_argv(&e, &pod, false);
	assert_string_equal(v[1], U1);
	assert_null(v[2]);
	rkt_strv_free_array(v);
	const struct rkt_strv bad = { .items = (char *[]){ "host", "1.1.1.1" }, .n = 2 };
	const struct rkt_pod_dns_opts b = { .dns = &bad };
	assert_int_equal(rkt_pod_dns_plan(&b, &plan, NULL), -EINVAL);
	rkt_pod_dns_plan_release(&plan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(create_gives_locked_preparing_pod),
		cmocka_unit_test(create_with_existing_uuid_is_eexist),
		cmocka_unit_test(run_pod_is_running_while_locked_and_exited_after),
		cmocka_unit_test(every_directory_maps_to_its_states),
		cmocka_unit_test(state_names_are_upstreams),
		cmocka_unit_test(move_follows_rename_and_loser_gets_enoent),
		cmocka_unit_test(lock_without_wait_fails_when_held),
		cmocka_unit_test(load_unknown_pod_is_enoent),
		cmocka_unit_test(resolve_unique_prefix),
		cmocka_unit_test(resolve_ambiguous_prefix_lists_candidates),
		cmocka_unit_test(resolve_errors),
		cmocka_unit_test(list_ignores_strays_and_sorts),
		cmocka_unit_test(gc_decide_table),
		cmocka_unit_test(gc_with_zero_grace_removes_exited_and_keeps_running),
		cmocka_unit_test(gc_grace_period_keeps_marked_pod),
		cmocka_unit_test(gc_expires_prepared_and_collects_abandoned_embryo),
		cmocka_unit_test(gc_mark_only_moves_without_deleting),
		cmocka_unit_test(remove_refuses_running_pod),
		cmocka_unit_test(remove_deletes_exited_pod),
		cmocka_unit_test(image_ids_of_every_pod),
		cmocka_unit_test(lowerdir_paths_survive_pod_moves),
		cmocka_unit_test(stage1_argument_vectors),
		cmocka_unit_test(private_users_ranges_are_disjoint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
