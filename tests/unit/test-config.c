/* Unit tests for lib/config: reading and merging the configuration directories, the
 * Authorization header for a URL, `rkt config`'s JSON, and finding installed files. */
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

#include <cmocka.h>

#include "config/config.h"
#include "util/cleanup.h"
#include "util/json-util.h"
#include "util/xalloc.h"

struct dirs {
	char root[64];
	char sys[96], local[96], user[96];
};

static int setup(void **state)
{
	struct dirs *d = xzalloc(sizeof(*d));

	snprintf(d->root, sizeof(d->root), "/tmp/test-config.XXXXXX");
	assert_non_null(mkdtemp(d->root));
	snprintf(d->sys, sizeof(d->sys), "%s/sys", d->root);
	snprintf(d->local, sizeof(d->local), "%s/local", d->root);
	snprintf(d->user, sizeof(d->user), "%s/user", d->root);
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct dirs *d = *state;
	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", d->root);

	assert_int_equal(system(cmd), 0);
	free(d);
	return 0;
}

/* Writes CONTENT to DIR/SUB/NAME, making the directories. */
static void put(const char *dir, const char *sub, const char *name, const char *content)
{
	_cleanup_free_ char *d = xasprintf("%s/%s", dir, sub), *p = xasprintf("%s/%s", d, name);
	FILE *f;

	(void)mkdir(dir, 0755);
	(void)mkdir(d, 0755);
	f = fopen(p, "we");
	assert_non_null(f);
	fputs(content, f);
	assert_int_equal(fclose(f), 0);
}

static int load(struct dirs *d, struct rkt_config **ret, struct rkt_error *err)
{
	const char *v[] = { d->sys, d->local, d->user };

	return rkt_config_load(v, ELEMENTSOF(v), ret, err);
}

#define BASIC(domains, user, password)                                                            \
	"{\"rktKind\":\"auth\",\"rktVersion\":\"v1\",\"domains\":" domains ",\"type\":\"basic\"," \
	"\"credentials\":{\"user\":\"" user "\",\"password\":\"" password "\"}}"
#define OAUTH(domains, token)                                                                     \
	"{\"rktKind\":\"auth\",\"rktVersion\":\"v1\",\"domains\":" domains ",\"type\":\"oauth\"," \
	"\"credentials\":{\"token\":\"" token "\"}}"

static char *header_for(const struct rkt_config *c, const char *url)
{
	const struct rkt_config_auth *a = rkt_config_auth_for_url(c, url);

	return a ? rkt_config_auth_header(a) : NULL;
}

static void missing_directories_give_an_empty_config(void **state)
{
	struct dirs *d = *state;
	_cleanup_(rkt_config_freep) struct rkt_config *c = NULL;
	struct rkt_error err = { 0 };

	assert_int_equal(load(d, &c, &err), 0);
	assert_int_equal(c->n_auth, 0);
	assert_null(c->data_dir);
	assert_null(c->stage1_name);
	assert_null(c->stage1_location);
}

static void auth_is_overridden_per_domain(void **state)
{
	struct dirs *d = *state;
	_cleanup_(rkt_config_freep) struct rkt_config *c = NULL;
	_cleanup_free_ char *h1 = NULL, *h2 = NULL, *h3 = NULL;
	struct rkt_error err = { 0 };

	put(d->sys, "auth.d", "common.json",
	    OAUTH("[\"a.test\",\"b.test\",\"c.test:8443\"]", "common"));
	put(d->local, "auth.d", "a.json", BASIC("[\"a.test\"]", "foo", "bar"));
	put(d->user, "auth.d", "b.json", OAUTH("[\"b.test\"]", "mine"));
	assert_int_equal(load(d, &c, &err), 0);
	assert_int_equal(c->n_auth, 3);
	h1 = header_for(c, "https://a.test/x.aci");
	h2 = header_for(c, "https://b.test/x.aci");
	h3 = header_for(c, "https://c.test:8443/x.aci");
	assert_string_equal(h1, "Authorization: Basic Zm9vOmJhcg==");
	assert_string_equal(h2, "Authorization: Bearer mine");
	assert_string_equal(h3, "Authorization: Bearer common");
}

static void auth_is_only_for_https_and_the_exact_host_and_port(void **state)
{
	struct dirs *d = *state;
	_cleanup_(rkt_config_freep) struct rkt_config *c = NULL;
	struct rkt_error err = { 0 };

	put(d->local, "auth.d", "a.json", OAUTH("[\"a.test\", \"p.test:8443\"]", "t"));
	assert_int_equal(load(d, &c, &err), 0);
	assert_non_null(rkt_config_auth_for_url(c, "https://a.test"));
	assert_non_null(rkt_config_auth_for_url(c, "https://A.Test/x?y#z"));
	assert_non_null(rkt_config_auth_for_url(c, "https://p.test:8443/x.aci"));
	assert_null(rkt_config_auth_for_url(c, "http://a.test/x.aci"));
	assert_null(rkt_config_auth_for_url(c, "https://a.test:443/x.aci"));
	assert_null(rkt_config_auth_for_url(c, "https://p.test/x.aci"));
	assert_null(rkt_config_auth_for_url(c, "https://a.test.evil/x.aci"));
	assert_null(rkt_config_auth_for_url(c, "https://evil/a.test"));
	assert_null(rkt_config_auth_for_url(NULL, "https://a.test/"));
}

static void a_domain_twice_in_one_directory_is_an_error(void **state)
{
	struct dirs *d = *state;
	_cleanup_(rkt_config_freep) struct rkt_config *c = NULL;
	struct rkt_error err = { 0 };

	put(d->local, "auth.d", "1.json", OAUTH("[\"a.test\"]", "t"));
	put(d->local, "auth.d", "2.json", BASIC("[\"a.test\"]", "u", "p"));
	assert_int_equal(load(d, &c, &err), -EINVAL);
	assert_null(c);
	assert_non_null(strstr(err.msg, "2.json"));
	assert_non_null(strstr(err.msg, "'a.test' is already specified"));
}

static void bad_files_name_the_file_and_field(void **state)
{
	static const struct {
		const char *sub, *content, *msg;
		int code;
	} cases[] = {
		{ "auth.d", "{\"rktVersion\":\"v1\"}", "no rktKind", -EINVAL },
		{ "auth.d", "{\"rktKind\":\"auth\"}", "no rktVersion", -EINVAL },
		{ "auth.d", "{\"rktKind\":\"auth\",\"rktVersion\":\"v2\",\"domains\":[\"a\"]}",
		  "rktVersion \"v2\"", -EINVAL },
		{ "auth.d", "{\"rktKind\":\"paths\",\"rktVersion\":\"v1\"}", "does not belong",
		  -EINVAL },
		{ "paths.d", "{\"rktKind\":\"bogus\",\"rktVersion\":\"v1\"}", "not a known kind",
		  -EINVAL },
		{ "auth.d", "{\"rktKind\":\"auth\",\"rktVersion\":\"v1\",\"domains\":[]}",
		  "domains must be a non-empty array", -EINVAL },
		{ "auth.d", OAUTH("[\"a\"]", ""), "credentials.token is missing", -EINVAL },
		{ "auth.d", OAUTH("[\"a\"]", "x\\r\\nX-Evil: 1"), "control character", -EINVAL },
		{ "auth.d", BASIC("[\"a\"]", "u", ""), "credentials.password", -EINVAL },
		{ "auth.d",
		  "{\"rktKind\":\"auth\",\"rktVersion\":\"v1\",\"domains\":[\"a\"],\"type\":\"x\","
		  "\"credentials\":{}}",
		  "unknown auth type \"x\"", -EINVAL },
		{ "paths.d", "{\"rktKind\":\"paths\",\"rktVersion\":\"v1\",\"data\":\"rel\"}",
		  "data: 'rel' is not an absolute path", -EINVAL },
		{ "paths.d", "{\"rktKind\":\"paths\",\"rktVersion\":\"v1\",\"data\":5}",
		  "data is not a string", -EINVAL },
		{ "stage1.d", "{\"rktKind\":\"stage1\",\"rktVersion\":\"v1\",\"name\":\"a\"}",
		  "name is given without its version", -EINVAL },
		{ "stage1.d",
		  "{\"rktKind\":\"stage1\",\"rktVersion\":\"v1\",\"location\":\"ftp://x/s1.aci\"}",
		  "location: 'ftp://x/s1.aci'", -EINVAL },
		{ "stage1.d", "{\"rktKind\":\"stage1\",", "", -EBADMSG },
	};
	struct dirs *d = *state;

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_(rkt_config_freep) struct rkt_config *c = NULL;
		_cleanup_free_ char *rm = xasprintf("rm -rf '%s'", d->local);
		struct rkt_error err = { 0 };

		assert_int_equal(system(rm), 0);
		put(d->local, cases[i].sub, "bad.json", cases[i].content);
		assert_int_equal(load(d, &c, &err), cases[i].code);
		assert_non_null(strstr(err.msg, "bad.json"));
		if (!strstr(err.msg, cases[i].msg))
			fail_msg("case %zu: '%s' not in '%s'", i, cases[i].msg, err.msg);
	}
}

static void other_files_subdirectories_and_symlinks_are_ignored(void **state)
{
	struct dirs *d = *state;
	_cleanup_(rkt_config_freep) struct rkt_config *c = NULL;
	_cleanup_free_ char *sub = xasprintf("%s/auth.d/sub.json", d->local);
	_cleanup_free_ char *link = xasprintf("%s/auth.d/link.json", d->local);
	_cleanup_free_ char *target = xasprintf("%s/auth.d/README", d->local);
	struct rkt_error err = { 0 };

	put(d->local, "auth.d", "README", "not json");
	put(d->local, "auth.d", "x.json.bak", "not json");
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(load(d, &c, &err), 0);
	assert_int_equal(c->n_auth, 0);
}

static void paths_are_overridden_per_field(void **state)
{
	struct dirs *d = *state;
	_cleanup_(rkt_config_freep) struct rkt_config *c = NULL;
	struct rkt_error err = { 0 };

	put(d->sys, "paths.d", "p.json",
	    "{\"rktKind\":\"paths\",\"rktVersion\":\"v1\",\"data\":\"/sys-data\","
	    "\"stage1-images\":\"/sys-s1\"}");
	put(d->local, "paths.d", "p.json",
	    "{\"rktKind\":\"paths\",\"rktVersion\":\"v1\",\"data\":\"/local-data\"}");
	assert_int_equal(load(d, &c, &err), 0);
	assert_string_equal(c->data_dir, "/local-data");
	assert_string_equal(c->stage1_images_dir, "/sys-s1");
}

static void a_path_twice_in_one_directory_is_an_error(void **state)
{
	struct dirs *d = *state;
	_cleanup_(rkt_config_freep) struct rkt_config *c = NULL;
	struct rkt_error err = { 0 };

	put(d->local, "paths.d", "a.json",
	    "{\"rktKind\":\"paths\",\"rktVersion\":\"v1\",\"data\":\"/a\"}");
	put(d->local, "paths.d", "b.json",
	    "{\"rktKind\":\"paths\",\"rktVersion\":\"v1\",\"data\":\"/b\"}");
	assert_int_equal(load(d, &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "data directory is already specified"));
}

static void stage1_name_and_location_are_overridden_separately(void **state)
{
	struct dirs *d = *state;
	_cleanup_(rkt_config_freep) struct rkt_config *c = NULL;
	struct rkt_error err = { 0 };

	put(d->sys, "stage1.d", "s.json",
	    "{\"rktKind\":\"stage1\",\"rktVersion\":\"v1\",\"name\":\"sys.test/s1\","
	    "\"version\":\"1\",\"location\":\"/sys/s1.aci\"}");
	put(d->local, "stage1.d", "s.json",
	    "{\"rktKind\":\"stage1\",\"rktVersion\":\"v1\","
	    "\"location\":\"https://example.com/s1.aci\"}");
	assert_int_equal(load(d, &c, &err), 0);
	assert_string_equal(c->stage1_name, "sys.test/s1");
	assert_string_equal(c->stage1_version, "1");
	assert_string_equal(c->stage1_location, "https://example.com/s1.aci");
}

static void json_is_upstreams_layout(void **state)
{
	struct dirs *d = *state;
	_cleanup_(rkt_config_freep) struct rkt_config *c = NULL;
	struct json_object *o;
	_cleanup_free_ char *s = NULL;
	struct rkt_error err = { 0 };

	put(d->local, "auth.d", "a.json", BASIC("[\"a.test\"]", "u", "p"));
	put(d->local, "auth.d", "d.json",
	    "{\"rktKind\":\"dockerAuth\",\"rktVersion\":\"v1\",\"registries\":[\"quay.io\"],"
	    "\"credentials\":{\"user\":\"du\",\"password\":\"dp\"}}");
	assert_int_equal(load(d, &c, &err), 0);
	o = rkt_config_to_json(c, "/data", "/s1");
	s = rkt_json_format(o, false);
	json_object_put(o);
	assert_string_equal(
	        s, "{\"stage0\":["
	           "{\"rktVersion\":\"v1\",\"rktKind\":\"auth\",\"domains\":[\"a.test\"],"
	           "\"type\":\"basic\",\"credentials\":{\"user\":\"u\",\"password\":\"p\"}},"
	           "{\"rktVersion\":\"v1\",\"rktKind\":\"dockerAuth\",\"registries\":[\"quay.io\"],"
	           "\"credentials\":{\"user\":\"du\",\"password\":\"dp\"}},"
	           "{\"rktVersion\":\"v1\",\"rktKind\":\"paths\",\"data\":\"/data\","
	           "\"stage1-images\":\"/s1\"}]}");
}

static void relocate_follows_bindir_to_target(void **state)
{
	static const struct {
		const char *exe, *bindir, *target, *want;
	} cases[] = {
		{ "/d/usr/bin", "/usr/bin", "/usr/lib/rkt/stage1-images",
		  "/d/usr/bin/../lib/rkt/stage1-images" },
		{ "/opt/x/bin", "/usr/local/bin",
		  "/usr/local/lib/x86_64-linux-gnu/rkt/stage1-images",
		  "/opt/x/bin/../lib/x86_64-linux-gnu/rkt/stage1-images" },
		{ "/e", "/usr//local/./bin/", "/usr/local/libexec/../lib/rkt", "/e/../lib/rkt" },
		{ "/e", "/a/b", "/c", "/e/../../c" },
		{ "/e", "/a", "/a", "/e" },
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *got =
		        rkt_config_relocate(cases[i].exe, cases[i].bindir, cases[i].target);

		assert_string_equal(got, cases[i].want);
	}
	assert_null(rkt_config_relocate("/e", "bin", "/usr/lib"));
	assert_null(rkt_config_relocate("/e", "/usr/bin", "lib"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(missing_directories_give_an_empty_config),
		T(auth_is_overridden_per_domain),
		T(auth_is_only_for_https_and_the_exact_host_and_port),
		T(a_domain_twice_in_one_directory_is_an_error),
		T(bad_files_name_the_file_and_field),
		T(other_files_subdirectories_and_symlinks_are_ignored),
		T(paths_are_overridden_per_field),
		T(a_path_twice_in_one_directory_is_an_error),
		T(stage1_name_and_location_are_overridden_separately),
		T(json_is_upstreams_layout),
		cmocka_unit_test(relocate_follows_bindir_to_target),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
