/* Unit tests for lib/store and lib/render: the index schema and its migrations, index rows,
 * the dependency order (REN-3), cycles (REN-10), whitelists (REN-7), and the tree writer
 * replacing symlinks (REN-4). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>

#include "render/render.h"
#include "store/store-internal.h"
#include "store/tree.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static char *tmpdir(void)
{
	char *d = xstrdup("/tmp/test-store-XXXXXX");

	assert_non_null(mkdtemp(d));
	return d;
}

static void rmtree(const char *d)
{
	assert_int_equal(rkt_rm_rf_at(AT_FDCWD, d, NULL), 0);
}

static void index_fresh_database_gets_current_schema(void **state)
{
	_cleanup_free_ char *d = tmpdir(), *path = xasprintf("%s/db", d);
	struct rkt_error err = { 0 };
	sqlite3 *db = NULL;
	int v = -1;

	(void)state;
	assert_int_equal(rkt_index_open(path, &db, &err), 0);
	assert_int_equal(rkt_index_version(db, &v, &err), 0);
	assert_int_equal(v, RKT_INDEX_SCHEMA_VERSION);
	sqlite3_close(db);
	/* Opening again migrates nothing and keeps the version. */
	assert_int_equal(rkt_index_open(path, &db, &err), 0);
	assert_int_equal(rkt_index_version(db, &v, &err), 0);
	assert_int_equal(v, RKT_INDEX_SCHEMA_VERSION);
	sqlite3_close(db);
	rmtree(d);
}

static void index_newer_schema_is_refused(void **state)
{
	_cleanup_free_ char *d = tmpdir(), *path = xasprintf("%s/db", d);
	struct rkt_error err = { 0 };
	sqlite3 *db = NULL;

	(void)state;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	db = NULL;
	assert_int_equal(rkt_index_open(path, &db, &err), -EPROTONOSUPPORT);
	assert_null(db);
	assert_non_null(strstr(err.msg, "schema version 99 is newer"));
	rmtree(d);
}

static void index_rows_round_trip(void **state)
{
	_cleanup_free_ char *d = tmpdir(), *path = xasprintf("%s/db", d);
	struct rkt_error err = { 0 };
	struct rkt_image_info row = { .name = (char *)"example.com/a",
		                      .import_time = 5,
		                      .last_used = 6,
		                      .latest = true,
		                      .size = 7,
		                      .tree_size = 8 };
	struct rkt_image_info got = { 0 }, *list = NULL;
	char id[RKT_IMAGE_ID_SIZE];
	_cleanup_free_ char *manifest = NULL;
	size_t n = 0;
	sqlite3 *db = NULL;

	(void)state;
	memset(row.id, 'a', sizeof(row.id) - 1);
	memcpy(row.id, "sha512-", 7);
	row.id[RKT_IMAGE_ID_SIZE - 1] = '\0';
	rkt_kv_list_set(&row.labels, "version", "1.0");
	rkt_kv_list_set(&row.labels, "os", "linux");

	assert_int_equal(rkt_index_open(path, &db, &err), 0);
	assert_int_equal(rkt_index_insert(db, &row, "{}", &err), 0);
	assert_int_equal(rkt_index_insert(db, &row, "{}", &err), -EEXIST);
	assert_int_equal(rkt_index_get(db, row.id, &got, &manifest, &err), 0);
	assert_string_equal(got.name, "example.com/a");
	assert_string_equal(rkt_kv_list_get(&got.labels, "version"), "1.0");
	assert_string_equal(rkt_kv_list_get(&got.labels, "os"), "linux");
	assert_true(got.latest);
	assert_int_equal(got.size, 7);
	assert_int_equal(got.tree_size, 8);
	assert_string_equal(manifest, "{}");
	assert_int_equal(rkt_index_match_prefix(db, "sha512-aaa", id, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(id, row.id);
	assert_int_equal(rkt_index_match_prefix(db, "sha512-b", id, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(rkt_index_list(db, &list, &n, &err), 0);
	assert_int_equal(n, 1);
	rkt_image_info_array_free(list, n);
	assert_int_equal(rkt_index_delete(db, row.id, &err), 0);
	assert_int_equal(rkt_index_get(db, row.id, NULL, NULL, &err), -ENOENT);
	assert_int_equal(rkt_index_delete(db, row.id, &err), -ENOENT);

	rkt_image_info_release(&got);
	rkt_kv_list_release(&row.labels);
	sqlite3_close(db);
	rmtree(d);
}

/* A fake registry: image X depends on the images named in deps[X] (one letter each). */
struct fake {
	const char *deps[26];
	const char *whitelist[26];
};

static struct rkt_image_manifest *fake_manifest(const struct fake *f, char name)
{
	struct rkt_image_manifest *m = xzalloc(sizeof(*m));
	const char *deps = f->deps[name - 'a'] ?: "";
	const char *wl = f->whitelist[name - 'a'];

	m->name = xasprintf("%c", name);
	m->ac_version = xstrdup("0.8.11");
	m->n_dependencies = strlen(deps);
	m->dependencies = xzalloc(sizeof(*m->dependencies) * (m->n_dependencies + 1));
	for (size_t i = 0; i < m->n_dependencies; i++)
		m->dependencies[i].image_name = xasprintf("%c", deps[i]);
	if (wl)
		rkt_strv_push(&m->path_whitelist, wl);
	return m;
}

static int fake_resolve(void *userdata, const struct rkt_dependency *dep,
                        char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_image_manifest **ret_manifest,
                        struct rkt_error *err)
{
	const struct fake *f = userdata;

	(void)snprintf(ret_id, RKT_IMAGE_ID_SIZE, "%s", dep->image_name);
	*ret_manifest = fake_manifest(f, dep->image_name[0]);
	return 0;
}

static char *order(const struct fake *f, char top, int *ret_r)
{
	struct rkt_layers layers = { 0 };
	struct rkt_error err = { 0 };
	char id[2] = { top, 0 };
	char *s = xzalloc(RKT_RENDER_MAX_LAYERS + 1);

	*ret_r =
	        rkt_layers_build(id, fake_manifest(f, top), fake_resolve, (void *)f, &layers, &err);
	for (size_t i = 0; i < layers.n; i++)
		s[i] = layers.items[i].id[0];
	rkt_layers_release(&layers);
	return s;
}

static void render_order_is_depth_first_dependencies_first(void **state)
{
	struct fake f = { .deps = { ['a' - 'a'] = "bc", ['c' - 'a'] = "d" } };
	int r;
	_cleanup_free_ char *s = order(&f, 'a', &r);

	(void)state;
	assert_int_equal(r, 0);
	assert_string_equal(s, "bdca"); /* REN-3: B, D, C, A */
}

static void render_order_applies_shared_dependency_once_per_path(void **state)
{
	struct fake f = { .deps = { ['a' - 'a'] = "bc", ['b' - 'a'] = "d", ['c' - 'a'] = "d" } };
	int r;
	_cleanup_free_ char *s = order(&f, 'a', &r);

	(void)state;
	assert_int_equal(r, 0);
	assert_string_equal(s, "dbdca"); /* REN-3: D, B, D, C, A */
}

static void render_cycle_is_refused(void **state)
{
	struct fake f = { .deps = { ['a' - 'a'] = "b", ['b' - 'a'] = "c", ['c' - 'a'] = "a" } };
	int r;
	_cleanup_free_ char *s = order(&f, 'a', &r);

	(void)state;
	assert_int_equal(r, -ELOOP);
	assert_string_equal(s, ""); /* no layers on a cycle */
}

static void render_self_dependency_is_a_cycle(void **state)
{
	struct fake f = { .deps = { ['a' - 'a'] = "a" } };
	int r;
	_cleanup_free_ char *s = order(&f, 'a', &r);

	(void)state;
	assert_int_equal(r, -ELOOP);
	assert_string_equal(s, ""); /* no layers on a cycle */
}

static void whitelist_top_filters_every_layer_including_directories(void **state)
{
	/* A (whitelist /keep) -> B (whitelist /b-only) */
	struct fake f = { .deps = { ['a' - 'a'] = "b" },
		          .whitelist = { ['a' - 'a'] = "/keep", ['b' - 'a'] = "/b-only" } };
	struct rkt_layers layers = { 0 };
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(
	        rkt_layers_build("a", fake_manifest(&f, 'a'), fake_resolve, &f, &layers, &err), 0);
	assert_int_equal(layers.n, 2);
	const struct rkt_layer *b = &layers.items[0], *a = &layers.items[1];
	/* The top whitelist wins for B's entries, directories included (REN-7). */
	assert_false(rkt_layer_keeps(b, "/b-only", false));
	assert_false(rkt_layer_keeps(b, "/dir", true));
	assert_false(rkt_layer_keeps(b, "/keep", false)); /* B's own whitelist drops it */
	assert_true(rkt_layer_keeps(a, "/keep", false));
	assert_false(rkt_layer_keeps(a, "/other", false));
	assert_true(rkt_layer_keeps(a, "/", true));
	rkt_layers_release(&layers);
}

static void whitelist_own_list_spares_directories(void **state)
{
	struct rkt_strv wl = { 0 };
	struct rkt_layer l = { 0 };

	(void)state;
	rkt_strv_push(&wl, "/etc/systemd/system/");
	l.own_whitelist = &wl;
	/* Exact paths; the trailing '/' is dropped; the image's own list spares directories. */
	assert_true(rkt_layer_keeps(&l, "/etc/systemd/system", true));
	assert_true(rkt_layer_keeps(&l, "/usr", true));
	assert_false(rkt_layer_keeps(&l, "/etc/systemd/system/a.service", false));
	assert_false(rkt_layer_keeps(&l, "/etc/systemd/syste", false));
	rkt_strv_release(&wl);
}

static void put_entry(struct rkt_tree_writer *w, const char *rel, mode_t type, const char *target)
{
	struct archive_entry *e = archive_entry_new();
	struct rkt_error err = { 0 };
	_cleanup_free_ char *path = xasprintf("rootfs/%s", rel);

	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 0);
	if (target)
		archive_entry_set_symlink(e, target);
	/* Directories and symlinks read no data: an empty archive will do. */
	struct archive *a = archive_read_new();
	assert_int_equal(archive_read_support_format_empty(a), ARCHIVE_OK);
	assert_int_equal(archive_read_open_memory(a, "", 0), ARCHIVE_OK);
	struct archive_entry *dummy;
	(void)archive_read_next_header(a, &dummy);
	int r = rkt_tree_writer_put(w, a, e, rel, NULL, &err);
	if (r < 0)
		fail_msg("put '%s': %s", rel, err.msg);
	archive_read_free(a);
	archive_entry_free(e);
}

static void tree_writer_replaces_symlink_instead_of_following(void **state)
{
	_cleanup_free_ char *d = tmpdir(), *outside = xasprintf("%s/outside", d),
	                    *root = xasprintf("%s/root", d);
	struct rkt_tree_writer *w = NULL;
	_cleanup_close_ int root_fd = -EBADF;
	struct stat st;

	(void)state;
	assert_int_equal(mkdir(outside, 0755), 0);
	assert_int_equal(mkdir(root, 0755), 0);
	root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(rkt_tree_writer_new(root_fd, NULL, &w, NULL), 0);
	put_entry(w, "link", AE_IFLNK, outside);
	put_entry(w, "link", AE_IFDIR, NULL); /* REN-4: replaces the symlink */
	put_entry(w, "link/sub", AE_IFDIR, NULL);
	assert_int_equal(fstatat(root_fd, "link", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(fstatat(root_fd, "link/sub", &st, AT_SYMLINK_NOFOLLOW), 0);
	/* Nothing reached the directory the symlink pointed to. */
	_cleanup_free_ char *leak = xasprintf("%s/sub", outside);
	assert_int_equal(access(leak, F_OK), -1);
	rkt_tree_writer_free(w);
	rmtree(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(index_fresh_database_gets_current_schema),
		cmocka_unit_test(index_newer_schema_is_refused),
		cmocka_unit_test(index_rows_round_trip),
		cmocka_unit_test(render_order_is_depth_first_dependencies_first),
		cmocka_unit_test(render_order_applies_shared_dependency_once_per_path),
		cmocka_unit_test(render_cycle_is_refused),
		cmocka_unit_test(render_self_dependency_is_a_cycle),
		cmocka_unit_test(whitelist_top_filters_every_layer_including_directories),
		cmocka_unit_test(whitelist_own_list_spares_directories),
		cmocka_unit_test(tree_writer_replaces_symlink_instead_of_following),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
