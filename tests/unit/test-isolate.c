/* Unit tests for lib/isolate (capability sets, seccomp sets, passwd/group parsing, user
 * resolution, environment, mount plans) and the stage1 argument parser. Checklist ids: ACE-*,
 * ISO-*. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../stage1/app.h"
#include "../../stage1/default-bpf.h"
#include "../../stage1/stage1.h"
#include "isolate/isolate.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/* A pod manifest with one app whose "app" member is APP and volumes VOLUMES. */
static struct rkt_pod_manifest *pod_with(const char *app, const char *extra, const char *volumes)
{
	char *text =
	        xasprintf("{\"acKind\":\"PodManifest\",\"acVersion\":\"0.8.11\",\"apps\":[{"
	                  "\"name\":\"a\",\"image\":{\"id\":\"sha512-%0128d\"},\"app\":%s%s%s}],"
	                  "\"volumes\":%s}",
	                  0, app, extra ? "," : "", extra ? extra : "", volumes ? volumes : "null");
	struct rkt_pod_manifest *m = NULL;
	struct rkt_error err = { 0 };
	if (rkt_pod_manifest_parse(text, strlen(text), "test", &m, &err) < 0)
		fail_msg("bad pod manifest in test: %s: %s", err.msg, text);
	free(text);
	return m;
}

#define APP(members) "{\"user\":\"0\",\"group\":\"0\",\"exec\":[\"/bin/true\"]" members "}"

static const struct rkt_isolator_list *isolators_of(struct rkt_pod_manifest *m)
{
	return &m->apps[0].app->isolators;
}

/* Resolves the app-level isolator ISO (JSON) with rkt_caps_compute or rkt_seccomp_resolve. */
static int caps_of(const char *iso, uint64_t *mask, struct rkt_error *err)
{
	char *members = xasprintf(",\"isolators\":[%s]", iso);
	char *app = xasprintf(APP("%s"), members);
	struct rkt_pod_manifest *m = pod_with(app, NULL, NULL);
	int r = rkt_caps_compute(isolators_of(m), mask, err);
	rkt_pod_manifest_free(m);
	free(app);
	free(members);
	return r;
}

static int seccomp_of(const char *iso, struct rkt_seccomp_spec *spec, struct rkt_error *err)
{
	char *members = xasprintf(",\"isolators\":[%s]", iso);
	char *app = xasprintf(APP("%s"), members);
	struct rkt_pod_manifest *m = pod_with(app, NULL, NULL);
	int r = rkt_seccomp_resolve(isolators_of(m), spec, err);
	rkt_pod_manifest_free(m);
	free(app);
	free(members);
	return r;
}

/* ---- capabilities ---- */

static void test_caps_default_is_iso11(void **state)
{
	uint64_t m = rkt_caps_default();
	/* ISO-11's 14 without CAP_MKNOD and CAP_NET_RAW (crun's default has neither) */
	assert_int_equal(__builtin_popcountll(m), 12);
	assert_true(m & (UINT64_C(1) << rkt_cap_from_name("CAP_SYS_CHROOT")));
	assert_false(m & (UINT64_C(1) << rkt_cap_from_name("CAP_MKNOD")));
	assert_false(m & (UINT64_C(1) << rkt_cap_from_name("CAP_NET_RAW")));
	assert_false(m & (UINT64_C(1) << rkt_cap_from_name("CAP_SYS_ADMIN")));
}

static void test_cap_names_with_and_without_prefix(void **state)
{
	assert_int_equal(rkt_cap_from_name("CAP_NET_BIND_SERVICE"), 10);
	assert_int_equal(rkt_cap_from_name("net_bind_service"), 10);
	assert_int_equal(rkt_cap_from_name("CAP_NOPE"), -EINVAL);
	assert_string_equal(rkt_cap_name(21), "CAP_SYS_ADMIN");
}

static void test_caps_retain_set_is_exact(void **state)
{
	const char *iso = "{\"name\":\"os/linux/capabilities-retain-set\",\"value\":{"
	                  "\"set\":[\"CAP_NET_BIND_SERVICE\",\"CAP_SYS_ADMIN\"]}}";
	struct rkt_error err = { 0 };
	uint64_t mask = 0;
	assert_int_equal(caps_of(iso, &mask, &err), 0);
	assert_int_equal(mask, (UINT64_C(1) << 10) | (UINT64_C(1) << 21));
}

static void test_caps_remove_set_subtracts_from_default(void **state)
{
	const char *iso = "{\"name\":\"os/linux/capabilities-remove-set\",\"value\":{"
	                  "\"set\":[\"CAP_CHOWN\",\"CAP_SYS_ADMIN\"]}}";
	struct rkt_error err = { 0 };
	uint64_t mask = 0;
	assert_int_equal(caps_of(iso, &mask, &err), 0);
	assert_int_equal(mask, rkt_caps_default() & ~UINT64_C(1));
}

static void test_caps_unknown_name_is_an_error(void **state)
{
	const char *iso = "{\"name\":\"os/linux/capabilities-retain-set\",\"value\":{"
	                  "\"set\":[\"CAP_MAGIC\"]}}";
	struct rkt_error err = { 0 };
	uint64_t mask = 0;
	assert_int_equal(caps_of(iso, &mask, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "CAP_MAGIC"));
}

/* ---- seccomp ---- */

static bool has(const struct rkt_strv *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->items[i], s) == 0)
			return true;
	return false;
}

static void test_seccomp_default_is_the_allowlist(void **state)
{
	struct rkt_seccomp_spec spec;
	struct rkt_error err = { 0 };
	assert_int_equal(rkt_seccomp_resolve(NULL, &spec, &err), 0);
	assert_true(spec.enabled);
	assert_true(spec.retain); /* everything else is blocked */
	assert_true(spec.default_allowlist);
	assert_true(spec.no_new_privs);
	assert_int_equal(spec.errno_value, 0); /* SIGSYS, as upstream */
	assert_true(has(&spec.names, "read"));
	assert_true(has(&spec.names, "clone"));
	assert_true(has(&spec.names, "rseq"));
	assert_false(has(&spec.names, "mount"));
	assert_false(has(&spec.names, "unshare"));
	assert_false(has(&spec.names, "setns"));
	assert_false(has(&spec.names, "io_uring_setup"));
	assert_false(has(&spec.names, "fsopen"));
	assert_false(has(&spec.names, "keyctl"));
	assert_false(has(&spec.names, "bpf"));
	assert_false(has(&spec.names, "ptrace"));
	rkt_seccomp_spec_release(&spec);
}

/* The groups have upstream's names; no call is both allowed by default and on a denylist. */
static void test_seccomp_groups(void **state)
{
	static const char *const names[] = {
		"@rkt/default-whitelist",
		"@rkt/default-blacklist",
		"@docker/default-whitelist",
		"@docker/default-blacklist",
		"@systemd/clock",
		"@systemd/default-whitelist",
		"@systemd/mount",
		"@systemd/network-io",
		"@systemd/obsolete",
		"@systemd/privileged",
		"@systemd/process",
		"@systemd/raw-io",
	};
	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		assert_non_null(rkt_seccomp_group_find(names[i]));
	assert_null(rkt_seccomp_group_find("@rkt/nothing"));
	const struct rkt_seccomp_group *allow = rkt_seccomp_group_find("@rkt/default-whitelist");
	const struct rkt_seccomp_group *deny = rkt_seccomp_group_find("@rkt/default-blacklist");
	for (size_t p = 0; p < ELEMENTSOF(allow->parts); p++)
		for (size_t i = 0; i < allow->parts[p].n; i++)
			for (size_t q = 0; q < ELEMENTSOF(deny->parts); q++)
				for (size_t j = 0; j < deny->parts[q].n; j++)
					assert_string_not_equal(allow->parts[p].names[i],
					                        deny->parts[q].names[j]);
}

static void test_seccomp_remove_set_with_errno(void **state)
{
	const char *iso = "{\"name\":\"os/linux/seccomp-remove-set\",\"value\":{"
	                  "\"set\":[\"mkdir\"],\"errno\":\"ENOTSUP\"}}";
	struct rkt_seccomp_spec spec;
	struct rkt_error err = { 0 };
	assert_int_equal(seccomp_of(iso, &spec, &err), 0);
	assert_false(spec.retain);
	assert_int_equal(spec.errno_value, ENOTSUP);
	assert_true(has(&spec.names, "mkdir"));
	assert_true(has(&spec.names, "reboot")); /* ISO-13: the default list is added */
	assert_true(has(&spec.names, "unshare"));
	assert_true(has(&spec.names, "io_uring_setup"));
	assert_false(has(&spec.names, "read"));
	rkt_seccomp_spec_release(&spec);
}

static void test_seccomp_retain_set_adds_the_lifecycle_and_forces_nnp(void **state)
{
	const char *iso = "{\"name\":\"os/linux/seccomp-retain-set\",\"value\":{"
	                  "\"set\":[\"read\",\"write\"]}}";
	struct rkt_seccomp_spec spec;
	struct rkt_error err = { 0 };
	assert_int_equal(seccomp_of(iso, &spec, &err), 0);
	assert_true(spec.retain);
	assert_true(spec.no_new_privs);
	assert_int_equal(spec.errno_value, 0); /* SIGSYS */
	assert_true(has(&spec.names, "read"));
	assert_true(has(&spec.names, "execve"));
	assert_true(has(&spec.names, "exit_group"));
	rkt_seccomp_spec_release(&spec);
}

static void test_seccomp_retain_all_disables_filtering(void **state)
{
	const char *iso = "{\"name\":\"os/linux/seccomp-retain-set\",\"value\":{"
	                  "\"set\":[\"@appc.io/all\"]}}";
	struct rkt_seccomp_spec spec;
	struct rkt_error err = { 0 };
	assert_int_equal(seccomp_of(iso, &spec, &err), 0);
	assert_false(spec.enabled);
	rkt_seccomp_spec_release(&spec);
}

static void test_seccomp_default_whitelist_plus_extra(void **state)
{
	const char *iso =
	        "{\"name\":\"os/linux/seccomp-retain-set\",\"value\":{"
	        "\"set\":[\"@docker/default-whitelist\",\"ptrace\"],\"errno\":\"ENOSYS\"}}";
	struct rkt_seccomp_spec spec;
	struct rkt_error err = { 0 };
	assert_int_equal(seccomp_of(iso, &spec, &err), 0);
	assert_true(spec.retain);
	assert_true(spec.default_allowlist);
	assert_int_equal(spec.errno_value, ENOSYS);
	assert_true(has(&spec.names, "ptrace"));
	assert_true(has(&spec.names, "read"));
	assert_false(has(&spec.names, "mount"));
	rkt_seccomp_spec_release(&spec);
}

static void test_seccomp_empty_remove_set_is_the_default(void **state)
{
	const char *iso = "{\"name\":\"os/linux/seccomp-remove-set\",\"value\":{"
	                  "\"set\":[\"mkdir\",\"@appc.io/empty\"]}}";
	struct rkt_seccomp_spec spec;
	struct rkt_error err = { 0 };
	assert_int_equal(seccomp_of(iso, &spec, &err), 0);
	assert_true(spec.retain);
	assert_true(spec.default_allowlist);
	assert_true(has(&spec.names, "mkdir"));
	assert_false(has(&spec.names, "mount"));
	rkt_seccomp_spec_release(&spec);
}

static void count_warning(void *userdata, const char *msg)
{
	(void)msg;
	(*(int *)userdata)++;
}

/* Calls of the built-in groups that this libseccomp does not know are not the user's doing:
 * no warning; a name the user typed is reported. */
static void test_seccomp_warns_only_for_typed_names(void **state)
{
	const char *iso = "{\"name\":\"os/linux/seccomp-retain-set\",\"value\":{"
	                  "\"set\":[\"@rkt/default-whitelist\",\"no_such_call\"]}}";
	struct rkt_seccomp_spec spec;
	struct rkt_bpf bpf = { 0 };
	struct rkt_error err = { 0 };
	int warnings = 0;
	assert_int_equal(rkt_seccomp_resolve(NULL, &spec, &err), 0);
	assert_int_equal(rkt_seccomp_compile(&spec, count_warning, &warnings, &bpf, &err), 0);
	assert_int_equal(warnings, 0);
	rkt_bpf_release(&bpf);
	rkt_seccomp_spec_release(&spec);
	assert_int_equal(seccomp_of(iso, &spec, &err), 0);
	assert_int_equal(rkt_seccomp_compile(&spec, count_warning, &warnings, &bpf, &err), 0);
	assert_int_equal(warnings, 1);
	rkt_bpf_release(&bpf);
	rkt_seccomp_spec_release(&spec);
}

static void test_seccomp_unknown_group_is_an_error(void **state)
{
	const char *iso = "{\"name\":\"os/linux/seccomp-remove-set\",\"value\":{"
	                  "\"set\":[\"@nobody/else\"]}}";
	struct rkt_seccomp_spec spec;
	struct rkt_error err = { 0 };
	assert_int_equal(seccomp_of(iso, &spec, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "@nobody/else"));
}

static void test_seccomp_compiles_to_bpf(void **state)
{
	struct rkt_seccomp_spec spec;
	struct rkt_bpf bpf = { 0 };
	struct rkt_error err = { 0 };
	assert_int_equal(rkt_seccomp_resolve(NULL, &spec, &err), 0);
	assert_int_equal(rkt_seccomp_compile(&spec, NULL, NULL, &bpf, &err), 0);
	assert_true(bpf.len > 10);
	rkt_bpf_release(&bpf);
	rkt_seccomp_spec_release(&spec);
}

/* stage1_seccomp_compile(SPEC) is what libseccomp compiles for SPEC; true if that is stage1's
 * build-time copy of the default filter */
static bool same_as_compiled(const struct rkt_seccomp_spec *spec)
{
	struct rkt_bpf compiled = { 0 }, got = { 0 };
	struct rkt_error err = { 0 };
	assert_int_equal(rkt_seccomp_compile(spec, NULL, NULL, &compiled, &err), 0);
	assert_int_equal(stage1_seccomp_compile(spec, &got, &err), 0);
	assert_int_equal(got.len, compiled.len);
	assert_memory_equal(got.filter, compiled.filter, compiled.len * sizeof(struct sock_filter));
	bool builtin =
	        got.len == stage1_default_bpf_len &&
	        memcmp(got.filter, stage1_default_bpf, got.len * sizeof(struct sock_filter)) == 0;
	rkt_bpf_release(&got);
	rkt_bpf_release(&compiled);
	return builtin;
}

/* stage1's build-time copy of the default filter is what libseccomp compiles for that spec, and
 * any other spec is compiled, not given the copy. */
static void test_seccomp_default_filter_built_in(void **state)
{
	struct rkt_seccomp_spec spec;
	struct rkt_error err = { 0 };
	assert_int_equal(rkt_seccomp_resolve(NULL, &spec, &err), 0);
	assert_true(same_as_compiled(&spec));
	/* an app with CAP_SYS_ADMIN may make namespaces with clone: another filter */
	spec.clone_ns = true;
	assert_false(same_as_compiled(&spec));
	/* so is an errno instead of SIGSYS */
	spec.clone_ns = false;
	spec.errno_value = EPERM;
	assert_false(same_as_compiled(&spec));
	rkt_seccomp_spec_release(&spec);
}

static void test_errno_names(void **state)
{
	assert_int_equal(rkt_errno_from_name("EPERM"), EPERM);
	assert_int_equal(rkt_errno_from_name("ENOTSUP"), ENOTSUP);
	assert_int_equal(rkt_errno_from_name("EWHATEVER"), -EINVAL);
}

/* ---- passwd and group ---- */

static const char passwd[] = "# comment\n"
                             "root:x:0:0:root:/root:/bin/sh\n"
                             "broken line\n"
                             "bad:x:notanumber:0::/:/bin/sh\n"
                             "user:x:1000:1001:User:/home/user:/bin/sh\n"
                             "last:x:7:8::/var/last:"; /* no newline at the end */

static void test_passwd_by_name_and_uid(void **state)
{
	struct rkt_passwd_entry e = { 0 };
	assert_int_equal(rkt_passwd_find_name(passwd, strlen(passwd), "user", &e), 0);
	assert_int_equal(e.uid, 1000);
	assert_int_equal(e.gid, 1001);
	assert_string_equal(e.home, "/home/user");
	rkt_passwd_entry_release(&e);
	assert_int_equal(rkt_passwd_find_uid(passwd, strlen(passwd), 7, &e), 0);
	assert_string_equal(e.name, "last");
	rkt_passwd_entry_release(&e);
	assert_int_equal(rkt_passwd_find_name(passwd, strlen(passwd), "bad", &e), -ENOENT);
	assert_int_equal(rkt_passwd_find_name(passwd, strlen(passwd), "use", &e), -ENOENT);
}

static void test_group_by_name(void **state)
{
	static const char group[] = "root:x:0:\nstaff:x:50:user\n";
	gid_t gid = 0;
	assert_int_equal(rkt_group_find_name(group, strlen(group), "staff", &gid), 0);
	assert_int_equal(gid, 50);
	assert_int_equal(rkt_group_find_name(group, strlen(group), "staf", &gid), -ENOENT);
}

/* A root with /etc/passwd, /etc/group, /etc/shadow-link -> /etc/host-only-file. */
static char *make_root(void)
{
	char tmpl[] = "/tmp/test-isolate.XXXXXX";
	char *dir = xstrdup(mkdtemp(tmpl));
	char *p;
	FILE *f;
	p = xasprintf("%s/etc", dir);
	mkdir(p, 0755);
	free(p);
	p = xasprintf("%s/etc/passwd", dir);
	f = fopen(p, "w");
	fputs(passwd, f);
	fclose(f);
	free(p);
	p = xasprintf("%s/etc/group", dir);
	f = fopen(p, "w");
	fputs("users:x:1001:\n1234:x:99:\n", f);
	fclose(f);
	free(p);
	p = xasprintf("%s/owned", dir);
	f = fopen(p, "w");
	fclose(f);
	if (chown(p, 4321, 8765) < 0)
		fail_msg("chown");
	free(p);
	return dir;
}

static void remove_root(char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(dir);
}

static void test_ids_by_name_number_and_path(void **state)
{
	char *dir = make_root();
	_cleanup_close_ int rootfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct rkt_ids ids = { 0 };
	struct rkt_error err = { 0 };

	assert_int_equal(rkt_ids_resolve(rootfd, "user", "users", NULL, 0, &ids, &err), 0);
	assert_int_equal(ids.uid, 1000);
	assert_int_equal(ids.gid, 1001);
	assert_int_equal(ids.n_groups, 1);
	assert_string_equal(ids.home, "/home/user");
	rkt_ids_release(&ids);

	/* ACE-22: an all-digit string is looked up as a name first. */
	uint32_t supp[] = { 5, 6 };
	assert_int_equal(rkt_ids_resolve(rootfd, "42", "1234", supp, 2, &ids, &err), 0);
	assert_int_equal(ids.uid, 42);
	assert_int_equal(ids.gid, 99);
	assert_int_equal(ids.n_groups, 2);
	assert_int_equal(ids.groups[1], 6);
	rkt_ids_release(&ids);

	assert_int_equal(rkt_ids_resolve(rootfd, "/owned", "/owned", NULL, 0, &ids, &err), 0);
	assert_int_equal(ids.uid, 4321);
	assert_int_equal(ids.gid, 8765);
	rkt_ids_release(&ids);

	assert_int_equal(rkt_ids_resolve(rootfd, "ghost", "0", NULL, 0, &ids, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "ghost"));
	remove_root(dir);
}

static void test_read_in_root_stays_inside(void **state)
{
	char *dir = make_root();
	_cleanup_close_ int rootfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	char *link = xasprintf("%s/escape", dir);
	char *buf = NULL;
	size_t len;

	/* An absolute symlink in the image resolves inside the root, never to the host. */
	assert_int_equal(symlink("/etc/passwd", link), 0);
	assert_int_equal(rkt_read_in_root(rootfd, "/escape", 1 << 20, &buf, &len), 0);
	assert_int_equal(len, strlen(passwd));
	free(buf);
	assert_int_equal(unlink(link), 0);
	assert_int_equal(symlink("../../../../../../etc/hostname", link), 0);
	assert_int_equal(rkt_read_in_root(rootfd, "/escape", 1 << 20, &buf, &len), -ENOENT);
	free(link);
	remove_root(dir);
}

/* ---- environment ---- */

static void test_env_precedence(void **state)
{
	struct rkt_kv_list app = { 0 };
	struct rkt_error err = { 0 };
	char **envp = NULL;

	rkt_kv_list_set(&app, "FOO", "bar");
	rkt_kv_list_set(&app, "AC_APP_NAME", "evil");
	rkt_kv_list_set(&app, "HOME", "/custom");
	struct rkt_env_opts o = { .app_name = "web",
		                  .metadata_url = "http://m/t",
		                  .user_name = "user",
		                  .home = "/home/user" };
	assert_int_equal(rkt_env_build(&app, &o, &envp, &err), 0);
	assert_string_equal(rkt_envp_get(envp, "FOO"), "bar");
	assert_string_equal(rkt_envp_get(envp, "AC_APP_NAME"), "web"); /* ACE-18 */
	assert_string_equal(rkt_envp_get(envp, "HOME"), "/custom");
	assert_string_equal(rkt_envp_get(envp, "USER"), "user");
	assert_string_equal(rkt_envp_get(envp, "PATH"), RKT_DEFAULT_PATH); /* ACE-16 */
	assert_string_equal(rkt_envp_get(envp, "container"), "rkt");
	assert_string_equal(rkt_envp_get(envp, "AC_METADATA_URL"), "http://m/t");
	rkt_envp_free(envp);
	rkt_kv_list_release(&app);
}

static void test_env_refuses_newlines(void **state)
{
	struct rkt_kv_list app = { 0 };
	struct rkt_error err = { 0 };
	char **envp = NULL;
	struct rkt_env_opts o = { .app_name = "web" };

	rkt_kv_list_set(&app, "BAD", "two\nlines");
	assert_int_equal(rkt_env_build(&app, &o, &envp, &err), -EINVAL);
	assert_null(envp);
	rkt_kv_list_release(&app);
}

/* ---- mount plans ---- */

static const struct rkt_mount_op *find_op(const struct rkt_mount_plan *p, const char *target)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->ops[i].target, target) == 0)
			return &p->ops[i];
	return NULL;
}

static int plan(struct rkt_pod_manifest *m, bool fly, struct rkt_mount_plan *ret,
                struct rkt_error *err)
{
	struct rkt_mount_plan_opts o = { .pod_dir = "/pods/p",
		                         .restrict_paths = !fly,
		                         .private_ipc = true,
		                         .fly = fly,
		                         .volumes_recursive = !fly };
	return rkt_mount_plan_build(m, &m->apps[0], m->apps[0].app, &o, NULL, NULL, ret, err);
}

static void test_plan_system_mounts_and_restricted_paths(void **state)
{
	struct rkt_pod_manifest *m = pod_with(APP(""), NULL, NULL);
	struct rkt_mount_plan p = { 0 };
	struct rkt_error err = { 0 };
	assert_int_equal(plan(m, false, &p, &err), 0);
	assert_int_equal(find_op(&p, "/proc")->kind, RKT_MOUNT_FS);
	assert_true(find_op(&p, "/sys")->flags & MS_RDONLY);
	assert_int_equal(find_op(&p, "/dev/ptmx")->kind, RKT_MOUNT_SYMLINK);
	assert_non_null(find_op(&p, "/dev/mqueue"));
	assert_int_equal(find_op(&p, "/proc/sysrq-trigger")->kind, RKT_MOUNT_READONLY);
	assert_int_equal(find_op(&p, "/proc/kcore")->kind, RKT_MOUNT_MASK);
	assert_null(find_op(&p, "/"));
	rkt_mount_plan_release(&p);
	rkt_pod_manifest_free(m);
}

static void test_plan_fly_binds_the_host(void **state)
{
	struct rkt_pod_manifest *m = pod_with(APP(""), NULL, NULL);
	struct rkt_mount_plan p = { 0 };
	struct rkt_error err = { 0 };
	assert_int_equal(plan(m, true, &p, &err), 0);
	assert_int_equal(find_op(&p, "/dev")->kind, RKT_MOUNT_BIND);
	assert_true(find_op(&p, "/proc")->recursive);
	assert_string_equal(find_op(&p, "/tmp")->fstype, "tmpfs");
	assert_null(find_op(&p, "/proc/kcore"));
	rkt_mount_plan_release(&p);
	rkt_pod_manifest_free(m);
}

static void test_plan_volume_read_only_rule(void **state)
{
	/* ACE-7: the volume's readOnly when set, otherwise the mount point's. */
	struct rkt_pod_manifest *m = pod_with(
	        APP(",\"mountPoints\":[{\"name\":\"a\",\"path\":\"/a\",\"readOnly\":true},"
	            "{\"name\":\"b\",\"path\":\"/b\",\"readOnly\":true}]"),
	        "\"mounts\":[{\"volume\":\"a\",\"path\":\"/a\"},{\"volume\":\"b\",\"path\":\"/"
	        "b\"}]",
	        "[{\"name\":\"a\",\"kind\":\"host\",\"source\":\"/srv\",\"readOnly\":false},"
	        "{\"name\":\"b\",\"kind\":\"empty\",\"mode\":\"0700\",\"uid\":5}]");
	struct rkt_mount_plan p = { 0 };
	struct rkt_error err = { 0 };
	assert_int_equal(plan(m, false, &p, &err), 0);
	const struct rkt_mount_op *a = find_op(&p, "/a"), *b = find_op(&p, "/b");
	assert_false(a->read_only);
	assert_true(a->recursive);
	assert_string_equal(a->source, "/srv");
	assert_true(b->read_only);
	assert_string_equal(b->source, "/pods/p/sharedVolumes/b");
	assert_true(b->create_source);
	assert_int_equal(b->mode, 0700);
	assert_int_equal(b->uid, 5);
	rkt_mount_plan_release(&p);
	rkt_pod_manifest_free(m);
}

static void test_plan_uncovered_mount_point_gets_a_volume(void **state)
{
	/* ACE-8: the pod volume of the same name, else an implicit empty one. */
	struct rkt_pod_manifest *m =
	        pod_with(APP(",\"mountPoints\":[{\"name\":\"data\",\"path\":\"/data\"},"
	                     "{\"name\":\"cache\",\"path\":\"/cache\"}]"),
	                 NULL, "[{\"name\":\"data\",\"kind\":\"host\",\"source\":\"/srv/data\"}]");
	struct rkt_mount_plan p = { 0 };
	struct rkt_error err = { 0 };
	assert_int_equal(plan(m, false, &p, &err), 0);
	assert_string_equal(find_op(&p, "/data")->source, "/srv/data");
	assert_string_equal(find_op(&p, "/cache")->source, "/pods/p/sharedVolumes/a-cache");
	rkt_mount_plan_release(&p);
	rkt_pod_manifest_free(m);
}

static void test_plan_nested_targets_are_refused(void **state)
{
	/* ACE-11 */
	struct rkt_pod_manifest *m = pod_with(APP(""),
	                                      "\"mounts\":[{\"volume\":\"v\",\"path\":\"/"
	                                      "a\"},{\"volume\":\"v\",\"path\":\"/a/b\"}]",
	                                      "[{\"name\":\"v\",\"kind\":\"empty\"}]");
	struct rkt_mount_plan p = { 0 };
	struct rkt_error err = { 0 };
	assert_int_equal(plan(m, false, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "overlap"));
	rkt_pod_manifest_free(m);
}

static void test_plan_unknown_volume_is_refused(void **state)
{
	struct rkt_pod_manifest *m =
	        pod_with(APP(""), "\"mounts\":[{\"volume\":\"nope\",\"path\":\"/a\"}]", NULL);
	struct rkt_mount_plan p = { 0 };
	struct rkt_error err = { 0 };
	assert_int_equal(plan(m, false, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "nope"));
	rkt_pod_manifest_free(m);
}

static void test_plan_host_etc_files_are_read_only(void **state)
{
	/* The host's /etc/hosts and resolv.conf are bound read-only; the pod's own stay
	 * writable. */
	struct rkt_pod_manifest *m = pod_with(APP(""), NULL, NULL);
	struct rkt_mount_plan_opts o = { .pod_dir = "/pods/p",
		                         .resolv_conf = "/etc/resolv.conf",
		                         .hosts = "/pods/p/stage1/rootfs/etc/rkt-hosts" };
	struct rkt_mount_plan p = { 0 };
	struct rkt_error err = { 0 };
	assert_int_equal(
	        rkt_mount_plan_build(m, &m->apps[0], m->apps[0].app, &o, NULL, NULL, &p, &err), 0);
	assert_true(find_op(&p, "/etc/resolv.conf")->read_only);
	assert_false(find_op(&p, "/etc/hosts")->read_only);
	rkt_mount_plan_release(&p);
	o.resolv_conf = "/pods/p/stage1/rootfs/etc/rkt-resolv.conf";
	o.hosts = "/etc/hosts";
	assert_int_equal(
	        rkt_mount_plan_build(m, &m->apps[0], m->apps[0].app, &o, NULL, NULL, &p, &err), 0);
	assert_false(find_op(&p, "/etc/resolv.conf")->read_only);
	assert_true(find_op(&p, "/etc/hosts")->read_only);
	rkt_mount_plan_release(&p);
	rkt_pod_manifest_free(m);
}

static void test_plan_read_only_rootfs_is_last(void **state)
{
	struct rkt_pod_manifest *m = pod_with(APP(""), "\"readOnlyRootFS\":true", NULL);
	struct rkt_mount_plan p = { 0 };
	struct rkt_error err = { 0 };
	assert_int_equal(plan(m, false, &p, &err), 0);
	assert_int_equal(p.ops[p.n - 1].kind, RKT_MOUNT_ROOT_RO);
	rkt_mount_plan_release(&p);
	rkt_pod_manifest_free(m);
}

/* ---- cgroups ---- */

static void test_cgroup_own_path_by_controller(void **state)
{
	static const char text[] =
	        "9:name=systemd:/\n4:memory:/sandbox/x\n1:cpu,cpuacct:/c\n0::/\n";
	char *p = NULL;
	assert_int_equal(rkt_cgroup_parse_self(text, "memory", &p), 0);
	assert_string_equal(p, "/sandbox/x");
	free(p);
	assert_int_equal(rkt_cgroup_parse_self(text, "cpuacct", &p), 0);
	assert_string_equal(p, "/c");
	free(p);
	assert_int_equal(rkt_cgroup_parse_self(text, "pids", &p), -ENOENT);
	assert_int_equal(rkt_cgroup_parse_self(text, "mem", &p), -ENOENT);
}

static struct rkt_pod_manifest *pod_with_isolators(const char *app_isolators,
                                                   const char *pod_isolators)
{
	char *text = xasprintf("{\"acKind\":\"PodManifest\",\"acVersion\":\"0.8.11\",\"apps\":[{"
	                       "\"name\":\"a\",\"image\":{\"id\":\"sha512-%0128d\"},\"app\":{"
	                       "\"exec\":[\"/x\"],\"user\":\"0\",\"group\":\"0\","
	                       "\"isolators\":[%s]}}],\"isolators\":[%s]}",
	                       0, app_isolators, pod_isolators);
	struct rkt_pod_manifest *m = NULL;
	struct rkt_error err = { 0 };
	assert_int_equal(rkt_pod_manifest_parse(text, strlen(text), "t", &m, &err), 0);
	free(text);
	return m;
}

static void test_cgroup_limits_and_requests(void **state)
{
	/* POD-11, ACE-33: the pod's list is read on its own (its cgroup is above the apps'); requests
	 * become a memory soft limit and CPU shares (1000m = 1024), cpu-shares wins. */
	struct rkt_pod_manifest *m = pod_with_isolators(
	        "{\"name\":\"resource/memory\",\"value\":{\"request\":\"1Mi\",\"limit\":\"1Gi\"}},"
	        "{\"name\":\"resource/cpu\",\"value\":{\"request\":\"250m\",\"limit\":\"2\"}}",
	        "{\"name\":\"resource/memory\",\"value\":{\"limit\":\"128Mi\"}},"
	        "{\"name\":\"resource/cpu\",\"value\":{\"request\":\"1\",\"limit\":\"500m\"}},"
	        "{\"name\":\"os/linux/cpu-shares\",\"value\":300}");
	struct rkt_cgroup_limits a, p;
	rkt_cgroup_limits_of(isolators_of(m), &a);
	rkt_cgroup_limits_of(&m->isolators, &p);
	assert_true(a.has_memory && a.memory_bytes == 1u << 30);
	assert_true(a.has_memory_request && a.memory_request_bytes == 1u << 20);
	assert_true(a.has_cpu && a.cpu_millis == 2000);
	assert_true(a.has_shares && a.cpu_shares == 256);
	assert_true(p.has_memory && p.memory_bytes == 128u << 20);
	assert_false(p.has_memory_request);
	assert_true(p.has_cpu && p.cpu_millis == 500);
	assert_true(p.has_shares && p.cpu_shares == 300);
	assert_true(rkt_cgroup_limits_want(&p, "memory"));
	assert_true(rkt_cgroup_limits_want(&p, "cpu"));
	rkt_pod_manifest_free(m);
}

/* A fake cgroupfs below a temporary directory: the kernel's files exist already there, as
 * they would in a real cgroup, so that rkt_cgroup_create only writes them. */
static char *fake_cgroupfs(const char *const *dirs, const char *const *files)
{
	char *root = xstrdup("/tmp/rkt-cgroupfs.XXXXXX");
	assert_non_null(mkdtemp(root));
	for (size_t i = 0; dirs[i]; i++) {
		_cleanup_free_ char *d = xasprintf("%s%s", root, dirs[i]);
		assert_int_equal(mkdir(d, 0755), 0);
		for (size_t j = 0; files[j]; j++) {
			_cleanup_free_ char *f = xasprintf("%s/%s", d, files[j]);
			int fd = open(f, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
			assert_true(fd >= 0);
			close(fd);
		}
	}
	return root;
}

static void expect_file(const char *root, const char *rel, const char *want)
{
	_cleanup_free_ char *path = xasprintf("%s%s", root, rel);
	char buf[128] = "";
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_true(read(fd, buf, sizeof(buf) - 1) >= 0);
	assert_string_equal(buf, want);
}

static void rm_tree(char *root)
{
	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	free(root);
}

static void test_cgroup_v2_pod_and_app(void **state)
{
	static const char *const dirs[] = { "/own", "/own/rkt-u", "/own/rkt-u/a", NULL };
	static const char *const files[] = { "cgroup.subtree_control",
		                             "cgroup.procs",
		                             "memory.max",
		                             "memory.low",
		                             "cpu.max",
		                             "cpu.weight",
		                             NULL };
	char *root = fake_cgroupfs(dirs, files);
	struct rkt_cgroup_limits pod = { .has_memory = true,
		                         .memory_bytes = 64 << 20,
		                         .has_cpu = true,
		                         .cpu_millis = 1500,
		                         .has_shares = true,
		                         .cpu_shares = 1024 };
	struct rkt_cgroup_limits app = { .has_memory_request = true, .memory_request_bytes = 4096 };
	struct rkt_error err = { 0 };
	int fd = -EBADF;

	assert_int_equal(rkt_cgroup_v2_enable(root, "/own", "/own/rkt-u/a", &pod, &err), 0);
	expect_file(root, "/own/cgroup.subtree_control", "+memory +cpu");
	expect_file(root, "/own/rkt-u/cgroup.subtree_control", "+memory +cpu");
	expect_file(root, "/own/rkt-u/a/cgroup.subtree_control", "");
	assert_int_equal(rkt_cgroup_create(root, NULL, "/own/rkt-u", &pod, NULL, &err), 0);
	assert_int_equal(rkt_cgroup_create(root, NULL, "/own/rkt-u/a", &app, &fd, &err), 0);
	assert_true(fd >= 0);
	close(fd);
	expect_file(root, "/own/rkt-u/memory.max", "67108864");
	expect_file(root, "/own/rkt-u/cpu.max", "150000 100000");
	expect_file(root, "/own/rkt-u/cpu.weight", "39");
	expect_file(root, "/own/rkt-u/memory.low", "");
	expect_file(root, "/own/rkt-u/a/memory.low", "4096");
	expect_file(root, "/own/rkt-u/a/memory.max", "");
	rm_tree(root);
}

static void test_cgroup_v2_root_cgroup_enables_from_the_root(void **state)
{
	static const char *const dirs[] = { "", "/rkt-u", NULL };
	static const char *const files[] = { "cgroup.subtree_control", NULL };
	char *root = fake_cgroupfs(dirs + 1, files);
	_cleanup_free_ char *top = xasprintf("%s/cgroup.subtree_control", root);
	int fd = open(top, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	struct rkt_cgroup_limits cpu = { .has_shares = true, .cpu_shares = 2 };
	struct rkt_error err = { 0 };

	close(fd);
	assert_int_equal(rkt_cgroup_v2_enable(root, "/", "/rkt-u/a", &cpu, &err), 0);
	expect_file(root, "/cgroup.subtree_control", "+cpu");
	expect_file(root, "/rkt-u/cgroup.subtree_control", "+cpu");
	rm_tree(root);
}

/* ---- the cgroup v2 device program ---- */

/* The kernel's run of a BPF_PROG_TYPE_CGROUP_DEVICE program, for the few opcodes the generator
 * uses (anything else fails the test): returns r0 at exit. Checks, as the verifier would, that
 * jumps stay inside the program and go forward, and that only r0-r5 are touched. */
static int bpf_run(const struct bpf_insn *p, size_t n, const struct bpf_cgroup_dev_ctx *ctx)
{
	uint64_t r[11] = { 0 };
	bool set[11] = { [1] = true };
	for (size_t pc = 0; pc < n; pc++) {
		const struct bpf_insn *i = &p[pc];
		assert_true(i->dst_reg <= 5 && i->src_reg <= 5);
		switch (i->code) {
		case BPF_LDX | BPF_MEM | BPF_W:
			assert_int_equal(i->src_reg, BPF_REG_1);
			assert_true(i->off >= 0 && (size_t)i->off + 4 <= sizeof(*ctx) &&
			            i->off % 4 == 0);
			uint32_t w;
			memcpy(&w, (const char *)ctx + i->off, 4);
			r[i->dst_reg] = w;
			break;
		case BPF_ALU64 | BPF_MOV | BPF_K:
			r[i->dst_reg] = (uint64_t)(int64_t)i->imm;
			break;
		case BPF_ALU64 | BPF_MOV | BPF_X:
			assert_true(set[i->src_reg]);
			r[i->dst_reg] = r[i->src_reg];
			break;
		case BPF_ALU64 | BPF_AND | BPF_K:
			assert_true(set[i->dst_reg]);
			r[i->dst_reg] &= (uint64_t)(int64_t)i->imm;
			break;
		case BPF_ALU64 | BPF_RSH | BPF_K:
			assert_true(set[i->dst_reg]);
			r[i->dst_reg] >>= i->imm;
			break;
		case BPF_JMP | BPF_JNE | BPF_K:
			assert_true(set[i->dst_reg]);
			assert_true(i->off > 0 && pc + 1 + (size_t)i->off < n);
			if (r[i->dst_reg] != (uint64_t)(int64_t)i->imm)
				pc += (size_t)i->off;
			continue;
		case BPF_JMP | BPF_EXIT:
			assert_true(set[0]);
			return (int)r[0];
		default:
			fail_msg("opcode 0x%02x at %zu", i->code, pc);
		}
		set[i->dst_reg] = true;
	}
	fail_msg("the program runs off its end");
	return -1;
}

static int dev_allowed(const struct bpf_insn *p, size_t n, char type, unsigned major,
                       unsigned minor, const char *access)
{
	uint32_t acc = 0;
	for (const char *a = access; *a; a++)
		acc |= *a == 'r'   ? BPF_DEVCG_ACC_READ
		       : *a == 'w' ? BPF_DEVCG_ACC_WRITE
		                   : BPF_DEVCG_ACC_MKNOD;
	struct bpf_cgroup_dev_ctx ctx = {
		.access_type = acc << 16 | (type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK),
		.major = major,
		.minor = minor,
	};
	return bpf_run(p, n, &ctx);
}

static void test_device_bpf_program_is_the_v1_policy(void **state)
{
	struct bpf_insn p[RKT_DEVICE_BPF_MAX_INSNS(16)];
	(void)state;
	assert_true(rkt_device_allow_n <= 16);
	size_t n = rkt_device_bpf_program(rkt_device_allow, rkt_device_allow_n, p);

	/* six loads and shifts, per rule: type, major, (minor), allow; then deny */
	assert_int_equal(n, 6 + 5 * (rkt_device_allow_n - 1) + 4 + 2);
	assert_int_equal(p[0].code, BPF_LDX | BPF_MEM | BPF_W);
	assert_int_equal(p[0].off, offsetof(struct bpf_cgroup_dev_ctx, access_type));
	assert_int_equal(p[n - 2].code, BPF_ALU64 | BPF_MOV | BPF_K);
	assert_int_equal(p[n - 2].imm, 0);
	assert_int_equal(p[n - 1].code, BPF_JMP | BPF_EXIT);

	/* every row of the v1 table, with every access */
	for (size_t i = 0; i < rkt_device_allow_n; i++) {
		const struct rkt_device_rule *d = &rkt_device_allow[i];
		unsigned minor = d->minor < 0 ? 7 : (unsigned)d->minor;
		assert_int_equal(dev_allowed(p, n, d->type, (unsigned)d->major, minor, "rwm"), 1);
		assert_int_equal(dev_allowed(p, n, d->type, (unsigned)d->major, minor, "r"), 1);
		/* the same numbers as a block device are denied */
		assert_int_equal(dev_allowed(p, n, 'b', (unsigned)d->major, minor, "r"), 0);
	}
	static const struct {
		char type;
		unsigned major, minor;
		const char *access;
		int want;
	} cases[] = {
		{ 'c', 1, 3, "rw", 1 },     /* null */
		{ 'c', 1, 9, "r", 1 },      /* urandom */
		{ 'c', 5, 2, "rw", 1 },     /* ptmx */
		{ 'c', 136, 0, "rw", 1 },   /* pts/0 */
		{ 'c', 136, 4095, "m", 1 }, /* pts/4095 */
		{ 'c', 1, 11, "w", 0 },     /* kmsg */
		{ 'c', 1, 1, "r", 0 },      /* mem */
		{ 'c', 1, 4, "r", 0 },      /* port */
		{ 'c', 4, 0, "w", 0 },      /* tty0 */
		{ 'c', 5, 3, "r", 0 },      /* next to the allowed 5:0-2 */
		{ 'c', 10, 229, "rw", 0 },  /* fuse */
		{ 'c', 10, 237, "rw", 0 },  /* loop-control */
		{ 'c', 137, 0, "rw", 0 },   /* next to pts */
		{ 'b', 8, 0, "rw", 0 },     /* sda */
		{ 'b', 7, 0, "m", 0 },      /* loop0 */
		{ 'b', 136, 1, "r", 0 },
		{ 'c', 0x10001, 3, "r", 0 }, /* the major's upper bits count */
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++)
		if (dev_allowed(p, n, cases[i].type, cases[i].major, cases[i].minor,
		                cases[i].access) != cases[i].want)
			fail_msg("%c %u:%u %s: want %d", cases[i].type, cases[i].major,
			         cases[i].minor, cases[i].access, cases[i].want);
}

/* Rules with access subsets and wildcards (not in the table today) are generated right too. */
static void test_device_bpf_program_access_and_wildcards(void **state)
{
	static const struct rkt_device_rule rules[] = {
		{ 'c', 10, 200, "r" }, /* read only */
		{ 'b', -1, -1, "m" },  /* mknod of any block device */
		{ 'a', 42, -1, "rw" }, /* type a: both */
	};
	struct bpf_insn p[RKT_DEVICE_BPF_MAX_INSNS(3)];
	(void)state;
	size_t n = rkt_device_bpf_program(rules, ELEMENTSOF(rules), p);
	assert_true(n <= RKT_DEVICE_BPF_MAX_INSNS(3));
	assert_int_equal(dev_allowed(p, n, 'c', 10, 200, "r"), 1);
	assert_int_equal(dev_allowed(p, n, 'c', 10, 200, "rw"), 0);
	assert_int_equal(dev_allowed(p, n, 'c', 10, 200, "m"), 0);
	assert_int_equal(dev_allowed(p, n, 'c', 10, 201, "r"), 0);
	assert_int_equal(dev_allowed(p, n, 'b', 8, 0, "m"), 1);
	assert_int_equal(dev_allowed(p, n, 'b', 8, 0, "r"), 0);
	assert_int_equal(dev_allowed(p, n, 'b', 42, 1, "rw"), 1);
	assert_int_equal(dev_allowed(p, n, 'c', 42, 9, "w"), 1);
	assert_int_equal(dev_allowed(p, n, 'c', 42, 9, "wm"), 0);
	/* no rules: everything denied */
	n = rkt_device_bpf_program(rules, 0, p);
	assert_int_equal(dev_allowed(p, n, 'c', 1, 3, "r"), 0);
}

/* The kernel's verifier accepts the program (as root; unprivileged, BPF_PROG_LOAD of this type
 * is refused with EPERM before any verification). test_run does not exist for this type. */
static void test_device_bpf_program_passes_the_verifier(void **state)
{
	struct bpf_insn p[RKT_DEVICE_BPF_MAX_INSNS(16)];
	struct rkt_error err = { 0 };
	(void)state;
	size_t n = rkt_device_bpf_program(rkt_device_allow, rkt_device_allow_n, p);
	int fd = rkt_device_bpf_load(p, n, &err);
	if (geteuid() != 0) {
		assert_int_equal(fd, -EPERM);
		return;
	}
	if (fd < 0)
		fail_msg("%s", err.msg);
	close(fd);
	/* a broken program is refused with the verifier's reason */
	p[n - 2] = p[n - 1];      /* exit without setting r0 on the deny path */
	p[0].src_reg = BPF_REG_6; /* load through an uninitialised register */
	assert_true(rkt_device_bpf_load(p, n - 1, &err) < 0);
	assert_non_null(strstr(err.msg, "loading the BPF device program: "));
}

/* v2: the app's cgroup is made under the fake tree, then the attach fails (a directory of a
 * fake tree is no cgroup), naming it. */
static void test_cgroup_v2_devices_on_a_fake_tree(void **state)
{
	static const char *const dirs[] = { "/own", NULL };
	static const char *const files[] = { "cgroup.procs", NULL };
	char *root = fake_cgroupfs(dirs, files);
	struct rkt_error err = { 0 };
	int fd = -EBADF;
	(void)state;

	assert_true(rkt_cgroup_v2_devices(root, "/own/rkt-u/a", &fd, &err) < 0);
	assert_int_equal(fd, -EBADF);
	_cleanup_free_ char *app = xasprintf("%s/own/rkt-u/a", root);
	struct stat st;
	assert_int_equal(stat(app, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_non_null(strstr(err.msg, app));
	rm_tree(root);
}

/* The mount point of the cgroup v2 hierarchy (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a
 * hybrid host), from /proc/self/mountinfo. */
static char *cgroup2_mount(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char mp[1024], type[64];
		const char *dash = strstr(line, " - ");
		if (dash && sscanf(line, "%*s %*s %*s %*s %1023s", mp) == 1 &&
		    sscanf(dash + 3, "%63s", type) == 1 && strcmp(type, "cgroup2") == 0)
			return xstrdup(mp);
	}
	return NULL;
}

/* The program in the kernel: attached to a new v2 cgroup below the test's own (cgroup BPF
 * programs need no controllers, so a hybrid host's "unified" hierarchy does), a child that
 * joined it may open and make /dev/null but neither open nor make /dev/kmsg. */
static void test_device_bpf_program_in_the_kernel(void **state)
{
	_cleanup_free_ char *mnt = cgroup2_mount(), *self = NULL, *own = NULL;
	struct rkt_error err = { 0 };
	int procs = -EBADF;
	(void)state;

	assert_non_null(mnt); /* every kernel this runs on has a cgroup2 mount */
	_cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
	assert_non_null(f);
	self = xmalloc(65536);
	self[fread(self, 1, 65535, f)] = '\0';
	assert_int_equal(rkt_cgroup_parse_self(self, NULL, &own), 0);
	_cleanup_free_ char *rel = xasprintf("%s/rkt-unit-devices-%d",
	                                     strcmp(own, "/") == 0 ? "" : own, (int)getpid());
	_cleanup_free_ char *dir = xasprintf("%s%s", mnt, rel);
	int r = rkt_cgroup_v2_devices(mnt, rel, &procs, &err);
	if (geteuid() != 0) {
		assert_true(r < 0); /* creating a cgroup or loading the program is root's */
		(void)rmdir(dir);
		return;
	}
	if (r < 0)
		fail_msg("%s", err.msg);
	_cleanup_free_ char *node = xasprintf("/tmp/rkt-unit-kmsg.%d", (int)getpid());
	_cleanup_free_ char *node2 = xasprintf("/tmp/rkt-unit-null.%d", (int)getpid());
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int bad = 0;
		if (rkt_cgroup_join(procs) < 0)
			_exit(100);
		int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		bad |= fd < 0 ? 1 : 0;
		if (fd >= 0)
			close(fd);
		fd = open("/dev/kmsg", O_RDONLY | O_CLOEXEC);
		bad |= fd >= 0 || errno != EPERM ? 2 : 0;
		bad |= mknod(node, S_IFCHR | 0600, makedev(1, 11)) == 0 || errno != EPERM ? 4 : 0;
		bad |= mknod(node2, S_IFCHR | 0600, makedev(1, 3)) < 0 ? 8 : 0;
		fd = open("/dev/tty0", O_RDONLY | O_CLOEXEC | O_NOCTTY);
		bad |= fd >= 0 || (errno != EPERM && errno != ENOENT) ? 16 : 0;
		_exit(bad);
	}
	int ws = 0;
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	close(procs);
	(void)unlink(node);
	(void)unlink(node2);
	assert_int_equal(rmdir(dir), 0);
	assert_true(WIFEXITED(ws));
	assert_int_equal(WEXITSTATUS(ws), 0);
}

static void test_cgroup_v1_memory_request_is_a_soft_limit(void **state)
{
	static const char *const dirs[] = { "/memory", "/memory/own", "/memory/own/rkt-u",
		                            "/cpu",    "/cpu/own",    "/cpu/own/rkt-u",
		                            NULL };
	static const char *const files[] = { "memory.limit_in_bytes",
		                             "memory.soft_limit_in_bytes",
		                             "cpu.shares",
		                             "cpu.cfs_quota_us",
		                             "cpu.cfs_period_us",
		                             "cgroup.procs",
		                             NULL };
	char *root = fake_cgroupfs(dirs, files);
	struct rkt_cgroup_limits l = { .has_memory_request = true,
		                       .memory_request_bytes = 8192,
		                       .has_shares = true,
		                       .cpu_shares = 512 };
	struct rkt_error err = { 0 };

	assert_int_equal(rkt_cgroup_create(root, "memory", "/own/rkt-u", &l, NULL, &err), 0);
	assert_int_equal(rkt_cgroup_create(root, "cpu", "/own/rkt-u", &l, NULL, &err), 0);
	expect_file(root, "/memory/own/rkt-u/memory.soft_limit_in_bytes", "8192");
	expect_file(root, "/memory/own/rkt-u/memory.limit_in_bytes", "");
	expect_file(root, "/cpu/own/rkt-u/cpu.shares", "512");
	expect_file(root, "/cpu/own/rkt-u/cpu.cfs_quota_us", "");
	rm_tree(root);
}

static void test_cgroup_v2_own_path(void **state)
{
	char *p = NULL;
	assert_int_equal(rkt_cgroup_parse_self("0::/user.slice/x.scope\n", NULL, &p), 0);
	assert_string_equal(p, "/user.slice/x.scope");
	free(p);
	assert_int_equal(rkt_cgroup_parse_self("4:memory:/m\n", NULL, &p), -ENOENT);
}

/* ---- sysctl and the isolator report ---- */

static void test_sysctl_namespaces(void **state)
{
	assert_int_equal(rkt_sysctl_namespace("net.ipv4.ip_forward"), RKT_SYSCTL_NS_NET);
	assert_int_equal(rkt_sysctl_namespace("kernel.shmmax"), RKT_SYSCTL_NS_IPC);
	assert_int_equal(rkt_sysctl_namespace("fs.mqueue.msg_max"), RKT_SYSCTL_NS_IPC);
	assert_int_equal(rkt_sysctl_namespace("kernel.hostname"), RKT_SYSCTL_NS_UTS);
	assert_int_equal(rkt_sysctl_namespace("kernel.panic"), RKT_SYSCTL_NS_NONE);
	assert_int_equal(rkt_sysctl_namespace("vm.swappiness"), RKT_SYSCTL_NS_NONE);
	assert_int_equal(rkt_sysctl_namespace("kernel.shmmaxx"), RKT_SYSCTL_NS_NONE);
	assert_int_equal(rkt_sysctl_namespace("net..x"), RKT_SYSCTL_NS_NONE);
	assert_int_equal(rkt_sysctl_namespace("net/../../x"), RKT_SYSCTL_NS_NONE);
	assert_int_equal(rkt_sysctl_namespace("net."), RKT_SYSCTL_NS_NONE);
}

static void test_sysctl_check_names_the_key(void **state)
{
	struct rkt_pod_manifest *m =
	        pod_with_isolators("", "{\"name\":\"os/unix/sysctl\",\"value\":{"
	                               "\"kernel.msgmax\":\"1\",\"net.core.somaxconn\":\"9\"}}");
	struct rkt_error err = { 0 };
	assert_int_equal(rkt_sysctl_check(&m->isolators, true, true, true, &err), 0);
	assert_int_equal(rkt_sysctl_check(&m->isolators, false, true, true, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "net.core.somaxconn"));
	assert_non_null(strstr(err.msg, "network"));
	rkt_pod_manifest_free(m);
	m = pod_with_isolators("", "{\"name\":\"os/unix/sysctl\",\"value\":{\"vm.swappiness\":"
	                           "\"1\"}}");
	assert_int_equal(rkt_sysctl_check(&m->isolators, true, true, true, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "\"vm.swappiness\" is not a namespaced sysctl"));
	rkt_pod_manifest_free(m);
}

static void test_sysctl_apply_writes_below_proc_sys(void **state)
{
	static const char *const dirs[] = { "/net", "/net/ipv4", NULL };
	static const char *const files[] = { "ip_forward", NULL };
	char *root = fake_cgroupfs(dirs, files);
	struct rkt_pod_manifest *m = pod_with_isolators(
	        "", "{\"name\":\"os/unix/sysctl\",\"value\":{\"net.ipv4.ip_forward\":\"1\"}}");
	struct rkt_error err = { 0 };
	assert_int_equal(rkt_sysctl_apply(root, &m->isolators, &err), 0);
	expect_file(root, "/net/ipv4/ip_forward", "1");
	rkt_pod_manifest_free(m);
	rm_tree(root);
}

static void test_isolator_applied_by_scope_and_features(void **state)
{
	const struct rkt_isolate_features all = { true, true, true, true, true, true, true };
	const struct rkt_isolate_features fly = { .nnp = true, .oom = true };
	assert_true(rkt_isolator_applied(RKT_ISOLATOR_RESOURCE_MEMORY, true, &all));
	assert_true(rkt_isolator_applied(RKT_ISOLATOR_RESOURCE_MEMORY, false, &all));
	assert_false(rkt_isolator_applied(RKT_ISOLATOR_RESOURCE_MEMORY, false, &fly));
	assert_true(rkt_isolator_applied(RKT_ISOLATOR_SYSCTL, true, &all));
	assert_false(rkt_isolator_applied(RKT_ISOLATOR_SYSCTL, false, &all));
	assert_false(rkt_isolator_applied(RKT_ISOLATOR_CAPABILITIES_RETAIN, true, &all));
	assert_true(rkt_isolator_applied(RKT_ISOLATOR_CAPABILITIES_RETAIN, false, &all));
	assert_false(rkt_isolator_applied(RKT_ISOLATOR_CAPABILITIES_RETAIN, false, &fly));
	assert_true(rkt_isolator_applied(RKT_ISOLATOR_OOM_SCORE_ADJ, false, &fly));
	assert_false(rkt_isolator_applied(RKT_ISOLATOR_RESOURCE_BLOCK_IOPS, false, &all));
	assert_false(rkt_isolator_applied(RKT_ISOLATOR_SELINUX_CONTEXT, true, &all));
	assert_false(rkt_isolator_applied(RKT_ISOLATOR_UNKNOWN, false, &all));
	/* ISO-8 where the pod has CNI networks (the bandwidth plugin), never in fly */
	assert_true(rkt_isolator_applied(RKT_ISOLATOR_RESOURCE_NETWORK_BANDWIDTH, true, &all));
	assert_true(rkt_isolator_applied(RKT_ISOLATOR_RESOURCE_NETWORK_BANDWIDTH, false, &all));
	assert_false(rkt_isolator_applied(RKT_ISOLATOR_RESOURCE_NETWORK_BANDWIDTH, false, &fly));
}

/* ---- stage1 arguments ---- */

/* FLY is an int: va_start() on a parameter that undergoes promotion (bool) is undefined. */
static int parse_args(struct run_opts *o, int fly, ...)
{
	char *argv[32] = { (char *)"init" };
	int argc = 1;
	va_list ap;
	va_start(ap, fly);
	for (char *a; (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	struct rkt_error err = { 0 };
	return stage1_parse_run_args(argc, argv, fly, o, &err);
}

static void test_args_full_set(void **state)
{
	struct run_opts o;
	assert_int_equal(parse_args(&o, false, "--debug", "--net=none", "--hostname=h",
	                            "--interactive", "--mds-token=t", "--local-config=/etc/rkt",
	                            "--dns-conf-mode=resolv=host,hosts=stage0", "--ipc=parent",
	                            "--disable-seccomp", "uuid-1", NULL),
	                 0);
	assert_true(o.debug);
	assert_int_equal(o.net, STAGE1_NET_NONE);
	assert_string_equal(o.hostname, "h");
	assert_true(o.interactive);
	assert_string_equal(o.mds_token, "t");
	assert_int_equal(o.resolv, STAGE1_DNS_HOST);
	assert_int_equal(o.hosts, STAGE1_DNS_STAGE0);
	assert_false(o.private_ipc);
	assert_true(o.disable_seccomp);
	assert_false(o.disable_caps);
	assert_string_equal(o.uuid, "uuid-1");
}

static void test_args_refused(void **state)
{
	struct run_opts o;
	assert_int_equal(parse_args(&o, false, "--net=host", NULL), -EINVAL); /* no uuid */
	/* a named network is checked against net.d when the pod starts, not here */
	assert_int_equal(parse_args(&o, false, "--net=cni0:A=1;B=2", "u", NULL), 0);
	assert_int_equal(o.net, STAGE1_NET_CNI);
	assert_string_equal(o.net_arg, "cni0:A=1;B=2");
	assert_int_equal(parse_args(&o, false, "--net=cni0:A", "u", NULL), -EINVAL);
	assert_int_equal(parse_args(&o, false, "--net=all:A=1", "u", NULL), -EINVAL);
	assert_int_equal(parse_args(&o, false, "--mutable", "u", NULL), -EINVAL);
	/* a range from 0 would map the host's root */
	assert_int_equal(parse_args(&o, false, "--private-users=0:65536", "u", NULL), -EINVAL);
	assert_int_equal(parse_args(&o, false, "--private-users=65536", "u", NULL), -EINVAL);
	assert_int_equal(parse_args(&o, true, "--private-users=65536:65536", "u", NULL), -EINVAL);
	assert_int_equal(parse_args(&o, false, "--dns-conf-mode=hosts=none", "u", NULL), -EINVAL);
	assert_int_equal(parse_args(&o, false, "--bogus", "u", NULL), -EINVAL);
	assert_int_equal(parse_args(&o, true, "--net=none", "u", NULL), -EINVAL);
	assert_int_equal(parse_args(&o, true, "--ipc=parent", "u", NULL), -EINVAL);
	assert_int_equal(parse_args(&o, true, "--net=host", "u", NULL), 0);
	assert_int_equal(o.net, STAGE1_NET_HOST);
}

static void test_private_users_args_and_ranges(void **state)
{
	struct run_opts o;
	struct rkt_id_range a, b;
	struct rkt_error err = { 0 };
	(void)state;
	assert_int_equal(parse_args(&o, false, "--private-users=131072:65536", "u", NULL), 0);
	assert_true(o.private_users);
	assert_int_equal(o.ids.base, 131072);
	assert_int_equal(o.ids.count, 65536);
	assert_int_equal(parse_args(&o, false, "u", NULL), 0);
	assert_false(o.private_users);

	assert_int_equal(rkt_id_range_parse("65536:65536\n", &a, NULL), 0);
	assert_int_equal(rkt_id_range_map(&a, 1000), 66536);
	assert_int_equal(rkt_id_range_parse("4294901760:65536", &b, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "'4294901760:65536'")); /* would map uid -1 */
	assert_int_equal(rkt_id_range_parse("4294836224:65536", &b, NULL), 0);
	assert_int_equal(rkt_id_range_parse("-1:5", &b, NULL), -EINVAL);
	assert_int_equal(rkt_id_range_parse("1:0", &b, NULL), -EINVAL);
	assert_int_equal(rkt_id_range_parse("1:2:3", &b, NULL), -EINVAL);
	assert_int_equal(rkt_id_range_parse("131071:2", &b, NULL), 0);
	assert_true(rkt_id_ranges_overlap(&a, &b));
	assert_int_equal(rkt_id_range_parse("131072:65536", &b, NULL), 0);
	assert_false(rkt_id_ranges_overlap(&a, &b));
	assert_false(rkt_id_ranges_overlap(&b, &a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caps_default_is_iso11),
		cmocka_unit_test(test_cap_names_with_and_without_prefix),
		cmocka_unit_test(test_caps_retain_set_is_exact),
		cmocka_unit_test(test_caps_remove_set_subtracts_from_default),
		cmocka_unit_test(test_caps_unknown_name_is_an_error),
		cmocka_unit_test(test_seccomp_default_is_the_allowlist),
		cmocka_unit_test(test_seccomp_groups),
		cmocka_unit_test(test_seccomp_empty_remove_set_is_the_default),
		cmocka_unit_test(test_seccomp_warns_only_for_typed_names),
		cmocka_unit_test(test_seccomp_remove_set_with_errno),
		cmocka_unit_test(test_seccomp_retain_set_adds_the_lifecycle_and_forces_nnp),
		cmocka_unit_test(test_seccomp_retain_all_disables_filtering),
		cmocka_unit_test(test_seccomp_default_whitelist_plus_extra),
		cmocka_unit_test(test_seccomp_unknown_group_is_an_error),
		cmocka_unit_test(test_seccomp_compiles_to_bpf),
		cmocka_unit_test(test_seccomp_default_filter_built_in),
		cmocka_unit_test(test_errno_names),
		cmocka_unit_test(test_passwd_by_name_and_uid),
		cmocka_unit_test(test_group_by_name),
		cmocka_unit_test(test_ids_by_name_number_and_path),
		cmocka_unit_test(test_read_in_root_stays_inside),
		cmocka_unit_test(test_env_precedence),
		cmocka_unit_test(test_env_refuses_newlines),
		cmocka_unit_test(test_plan_system_mounts_and_restricted_paths),
		cmocka_unit_test(test_plan_fly_binds_the_host),
		cmocka_unit_test(test_plan_volume_read_only_rule),
		cmocka_unit_test(test_plan_uncovered_mount_point_gets_a_volume),
		cmocka_unit_test(test_plan_nested_targets_are_refused),
		cmocka_unit_test(test_plan_unknown_volume_is_refused),
		cmocka_unit_test(test_plan_host_etc_files_are_read_only),
		cmocka_unit_test(test_plan_read_only_rootfs_is_last),
		cmocka_unit_test(test_cgroup_own_path_by_controller),
		cmocka_unit_test(test_cgroup_limits_and_requests),
		cmocka_unit_test(test_cgroup_v2_pod_and_app),
		cmocka_unit_test(test_cgroup_v2_root_cgroup_enables_from_the_root),
		cmocka_unit_test(test_cgroup_v1_memory_request_is_a_soft_limit),
		cmocka_unit_test(test_device_bpf_program_is_the_v1_policy),
		cmocka_unit_test(test_device_bpf_program_access_and_wildcards),
		cmocka_unit_test(test_device_bpf_program_passes_the_verifier),
		cmocka_unit_test(test_cgroup_v2_devices_on_a_fake_tree),
		cmocka_unit_test(test_device_bpf_program_in_the_kernel),
		cmocka_unit_test(test_cgroup_v2_own_path),
		cmocka_unit_test(test_sysctl_namespaces),
		cmocka_unit_test(test_sysctl_check_names_the_key),
		cmocka_unit_test(test_sysctl_apply_writes_below_proc_sys),
		cmocka_unit_test(test_isolator_applied_by_scope_and_features),
		cmocka_unit_test(test_args_full_set),
		cmocka_unit_test(test_args_refused),
		cmocka_unit_test(test_private_users_args_and_ranges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
