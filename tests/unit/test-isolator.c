/* Unit tests for the isolator part of lib/appc/manifest.h (docs/conformance.md: TYPE-9,
 * ISO-1..18). */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "appc/manifest.h"
#include "util/cleanup.h"
#include "util/json-util.h"
#include "util/xalloc.h"

static void assert_msg_contains(const struct rkt_error *err, const char *needle)
{
	if (!strstr(err->msg, needle))
		fail_msg("message \"%s\" does not contain \"%s\"", err->msg, needle);
}

static struct json_object *json(const char *text)
{
	struct json_object *o = json_tokener_parse(text);

	if (!o)
		fail_msg("bad JSON in test: %s", text);
	return o;
}

/* Parses TEXT as the isolator at "app.isolators[1]". */
static int parse(const char *text, struct rkt_isolator *iso, struct rkt_error *err)
{
	_cleanup_(json_object_putp) struct json_object *o = json(text);

	return rkt_isolator_parse(o, "app.isolators[1]", iso, err);
}

static struct rkt_isolator parse_ok(const char *text)
{
	struct rkt_isolator iso = { 0 };
	struct rkt_error err = { 0 };

	if (parse(text, &iso, &err) != 0)
		fail_msg("%s rejected: %s", text, err.msg);
	return iso;
}

/* Asserts TEXT is refused with a message containing each of the NULL-terminated needles, and
 * that the result was not touched. */
static void parse_fails(const char *text, ...)
{
	struct rkt_isolator iso = { .name = (char *)"untouched" };
	struct rkt_error err = { 0 };
	const char *needle;
	va_list ap;

	if (parse(text, &iso, &err) != -EINVAL)
		fail_msg("%s accepted", text);
	assert_string_equal(iso.name, "untouched");
	assert_int_equal(err.code, EINVAL);
	va_start(ap, text);
	while ((needle = va_arg(ap, const char *)))
		assert_msg_contains(&err, needle);
	va_end(ap);
}

static void isolator_type_names_roundtrip(void **state)
{
	(void)state;
	assert_null(rkt_isolator_type_name(RKT_ISOLATOR_UNKNOWN));
	assert_null(rkt_isolator_type_name(_RKT_ISOLATOR_MAX));
	for (int t = RKT_ISOLATOR_UNKNOWN + 1; t < _RKT_ISOLATOR_MAX; t++) {
		const char *name = rkt_isolator_type_name((enum rkt_isolator_type)t);

		assert_non_null(name);
		assert_int_equal(rkt_isolator_type_from_name(name), t);
	}
	assert_string_equal(rkt_isolator_type_name(RKT_ISOLATOR_SYSCTL), "os/unix/sysctl");
	assert_int_equal(rkt_isolator_type_from_name("os/linux/apparmor-profile"),
	                 RKT_ISOLATOR_UNKNOWN);
	assert_int_equal(rkt_isolator_type_from_name(NULL), RKT_ISOLATOR_UNKNOWN);
}

/* ISO-3, ISO-4, ISO-5 */
static void iso4_resource_cpu_memory(void **state)
{
	struct rkt_isolator iso;

	(void)state;
	iso = parse_ok(
	        "{\"name\":\"resource/cpu\",\"value\":{\"request\":\"250m\",\"limit\":\"500m\"}}");
	assert_int_equal(iso.type, RKT_ISOLATOR_RESOURCE_CPU);
	assert_true(iso.u.resource.has_request);
	assert_true(iso.u.resource.has_limit);
	assert_false(iso.u.resource.is_default);
	assert_int_equal(iso.u.resource.request.milli, 250);
	assert_int_equal(iso.u.resource.limit.milli, 500);
	/* the value is kept as read, for serialization */
	assert_string_equal(json_object_to_json_string_ext(iso.value, JSON_C_TO_STRING_PLAIN),
	                    "{\"request\":\"250m\",\"limit\":\"500m\"}");
	rkt_isolator_release(&iso);
	assert_null(iso.name);
	assert_null(iso.value);

	iso = parse_ok(
	        "{\"name\":\"resource/memory\",\"value\":{\"limit\":\"1Gi\",\"default\":false}}");
	assert_int_equal(iso.type, RKT_ISOLATOR_RESOURCE_MEMORY);
	assert_false(iso.u.resource.has_request);
	assert_int_equal(iso.u.resource.limit.value, 1LL << 30);
	rkt_isolator_release(&iso);

	/* both are optional; null is absent; Go also decodes bare numbers */
	iso = parse_ok("{\"name\":\"resource/cpu\",\"value\":{}}");
	assert_false(iso.u.resource.has_request || iso.u.resource.has_limit);
	rkt_isolator_release(&iso);
	iso = parse_ok("{\"name\":\"resource/cpu\",\"value\":{\"request\":null,\"limit\":2}}");
	assert_false(iso.u.resource.has_request);
	assert_int_equal(iso.u.resource.limit.milli, 2000);
	rkt_isolator_release(&iso);
	iso = parse_ok("{\"name\":\"resource/cpu\",\"value\":{\"limit\":0.5}}");
	assert_int_equal(iso.u.resource.limit.milli, 500);
	rkt_isolator_release(&iso);
}

static void iso4_resource_rejects(void **state)
{
	(void)state;
	parse_fails("{\"name\":\"resource/cpu\",\"value\":{\"limit\":\"12Qi\"}}",
	            "app.isolators[1].value.limit: \"12Qi\" is not a quantity", NULL);
	parse_fails("{\"name\":\"resource/cpu\",\"value\":{\"limit\":\"lots\"}}",
	            "\"lots\" is not a quantity", NULL);
	parse_fails("{\"name\":\"resource/memory\",\"value\":{\"request\":\"9Ei\"}}",
	            "app.isolators[1].value.request: \"9Ei\" is not a quantity: out of range",
	            NULL);
	parse_fails("{\"name\":\"resource/memory\",\"value\":{\"default\":true,\"limit\":\"1G\"}}",
	            "app.isolators[1].value.default: must be false or absent for resource/memory",
	            NULL);
	parse_fails("{\"name\":\"resource/cpu\",\"value\":{\"limit\":[1]}}",
	            "app.isolators[1].value.limit: expected a quantity string, got array", NULL);
	parse_fails("{\"name\":\"resource/cpu\",\"value\":{\"default\":\"no\"}}",
	            "app.isolators[1].value.default: expected a boolean, got string \"no\"", NULL);
	parse_fails("{\"name\":\"resource/cpu\",\"value\":\"1\"}",
	            "app.isolators[1].value: expected an object, got string", NULL);
}

/* ISO-6, ISO-7, ISO-8 */
static void iso6_resource_default_only(void **state)
{
	static const char *const names[] = { "resource/block-bandwidth", "resource/block-iops",
		                             "resource/network-bandwidth" };
	char buf[256];

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		struct rkt_isolator iso;

		(void)snprintf(buf, sizeof(buf),
		               "{\"name\":\"%s\",\"value\":{\"default\":true,\"limit\":\"2M\"}}",
		               names[i]);
		iso = parse_ok(buf);
		assert_true(iso.u.resource.is_default);
		assert_int_equal(iso.u.resource.limit.value, 2000000);
		rkt_isolator_release(&iso);

		(void)snprintf(buf, sizeof(buf), "{\"name\":\"%s\",\"value\":{\"limit\":\"2M\"}}",
		               names[i]);
		parse_fails(buf, "app.isolators[1].value.default: must be true for ", names[i],
		            NULL);
		(void)snprintf(buf, sizeof(buf),
		               "{\"name\":\"%s\",\"value\":{\"default\":false,\"limit\":\"2M\"}}",
		               names[i]);
		parse_fails(buf, "must be true", NULL);
		(void)snprintf(buf, sizeof(buf),
		               "{\"name\":\"%s\",\"value\":{\"default\":true,\"request\":\"1\","
		               "\"limit\":\"2M\"}}",
		               names[i]);
		parse_fails(buf, "app.isolators[1].value: request is not supported by ", names[i],
		            NULL);
	}
}

/* ISO-9, ISO-10 */
static void iso9_capabilities(void **state)
{
	struct rkt_isolator iso;

	(void)state;
	iso = parse_ok("{\"name\":\"os/linux/capabilities-retain-set\","
	               "\"value\":{\"set\":[\"CAP_NET_BIND_SERVICE\",\"CAP_NOT_A_CAP\"]}}");
	assert_int_equal(iso.type, RKT_ISOLATOR_CAPABILITIES_RETAIN);
	assert_int_equal(iso.u.set.set.n, 2);
	assert_string_equal(iso.u.set.set.items[1], "CAP_NOT_A_CAP");
	assert_null(iso.u.set.errno_name);
	rkt_isolator_release(&iso);

	iso = parse_ok("{\"name\":\"os/linux/capabilities-remove-set\","
	               "\"value\":{\"set\":[\"CAP_KILL\"]}}");
	assert_int_equal(iso.type, RKT_ISOLATOR_CAPABILITIES_REMOVE);
	rkt_isolator_release(&iso);

	parse_fails("{\"name\":\"os/linux/capabilities-retain-set\",\"value\":{\"set\":[]}}",
	            "app.isolators[1].value.set: must not be empty", NULL);
	parse_fails("{\"name\":\"os/linux/capabilities-retain-set\",\"value\":{}}",
	            "app.isolators[1].value.set: required field is missing", NULL);
	parse_fails("{\"name\":\"os/linux/capabilities-remove-set\","
	            "\"value\":{\"set\":\"CAP_KILL\"}}",
	            "app.isolators[1].value.set: expected a list of strings, got string", NULL);
	parse_fails("{\"name\":\"os/linux/capabilities-remove-set\","
	            "\"value\":{\"set\":[\"CAP_KILL\",7]}}",
	            "app.isolators[1].value.set[1]: expected a non-empty string, got number 7",
	            NULL);
	parse_fails("{\"name\":\"os/linux/capabilities-remove-set\",\"value\":[\"CAP_KILL\"]}",
	            "expected an object", NULL);
}

/* ISO-12 */
static void iso12_no_new_privileges(void **state)
{
	struct rkt_isolator iso;

	(void)state;
	iso = parse_ok("{\"name\":\"os/linux/no-new-privileges\",\"value\":true}");
	assert_true(iso.u.no_new_privileges);
	rkt_isolator_release(&iso);
	iso = parse_ok("{\"name\":\"os/linux/no-new-privileges\",\"value\":false}");
	assert_false(iso.u.no_new_privileges);
	rkt_isolator_release(&iso);
	parse_fails("{\"name\":\"os/linux/no-new-privileges\",\"value\":\"true\"}",
	            "app.isolators[1].value: expected a boolean, got string \"true\"", NULL);
	parse_fails("{\"name\":\"os/linux/no-new-privileges\",\"value\":1}", "a boolean", NULL);
}

/* ISO-13, ISO-14, ISO-15 */
static void iso13_seccomp(void **state)
{
	struct rkt_isolator iso;

	(void)state;
	iso = parse_ok(
	        "{\"name\":\"os/linux/seccomp-remove-set\","
	        "\"value\":{\"set\":[\"reboot\",\"@appc.io/empty\"],\"errno\":\"ENOTSUP\"}}");
	assert_int_equal(iso.type, RKT_ISOLATOR_SECCOMP_REMOVE);
	assert_int_equal(iso.u.set.set.n, 2);
	assert_string_equal(iso.u.set.errno_name, "ENOTSUP");
	rkt_isolator_release(&iso);

	iso = parse_ok("{\"name\":\"os/linux/seccomp-retain-set\","
	               "\"value\":{\"set\":[\"@appc.io/all\"],\"errno\":\"\"}}");
	assert_int_equal(iso.type, RKT_ISOLATOR_SECCOMP_RETAIN);
	assert_string_equal(iso.u.set.errno_name, "");
	rkt_isolator_release(&iso);

	iso = parse_ok("{\"name\":\"os/linux/seccomp-retain-set\",\"value\":{\"set\":[\"read\"]}}");
	assert_null(iso.u.set.errno_name);
	rkt_isolator_release(&iso);
	iso = parse_ok("{\"name\":\"os/linux/seccomp-retain-set\","
	               "\"value\":{\"set\":[\"read\"],\"errno\":\"E2BIG\"}}");
	rkt_isolator_release(&iso);

	parse_fails("{\"name\":\"os/linux/seccomp-retain-set\",\"value\":{\"set\":[]}}",
	            "app.isolators[1].value.set: must not be empty", NULL);
	parse_fails("{\"name\":\"os/linux/seccomp-remove-set\","
	            "\"value\":{\"set\":[\"reboot\"],\"errno\":\"eperm\"}}",
	            "app.isolators[1].value.errno: \"eperm\" is not an errno name", NULL);
	parse_fails("{\"name\":\"os/linux/seccomp-remove-set\","
	            "\"value\":{\"set\":[\"reboot\"],\"errno\":\"-EPERM\"}}",
	            "\"-EPERM\" is not an errno name", NULL);
	parse_fails("{\"name\":\"os/linux/seccomp-remove-set\","
	            "\"value\":{\"set\":[\"reboot\"],\"errno\":\"EPERM \"}}",
	            "is not an errno name", NULL);
	parse_fails("{\"name\":\"os/linux/seccomp-remove-set\","
	            "\"value\":{\"set\":[\"reboot\"],\"errno\":1}}",
	            "app.isolators[1].value.errno: expected a string, got number 1", NULL);
}

/* ISO-16 */
static void iso16_selinux_context(void **state)
{
	struct rkt_isolator iso;

	(void)state;
	iso = parse_ok(
	        "{\"name\":\"os/linux/selinux-context\",\"value\":{\"user\":\"system_u\","
	        "\"role\":\"system_r\",\"type\":\"svirt_lxc_net_t\",\"level\":\"s0:c1,c2\"}}");
	assert_string_equal(iso.u.selinux.user, "system_u");
	assert_string_equal(iso.u.selinux.role, "system_r");
	assert_string_equal(iso.u.selinux.type, "svirt_lxc_net_t");
	assert_string_equal(iso.u.selinux.level, "s0:c1,c2");
	rkt_isolator_release(&iso);

	parse_fails("{\"name\":\"os/linux/selinux-context\",\"value\":{\"user\":\"u\","
	            "\"role\":\"r\",\"type\":\"t\"}}",
	            "app.isolators[1].value.level: required field is missing", NULL);
	parse_fails("{\"name\":\"os/linux/selinux-context\",\"value\":{\"user\":\"u\","
	            "\"role\":\"role_r:type_t\",\"type\":\"t\",\"level\":\"s0\"}}",
	            "app.isolators[1].value.role: \"role_r:type_t\" is not a valid SELinux role: "
	            "must not contain ':'",
	            NULL);
	parse_fails("{\"name\":\"os/linux/selinux-context\",\"value\":{\"user\":\"\","
	            "\"role\":\"r\",\"type\":\"t\",\"level\":\"s0\"}}",
	            "app.isolators[1].value.user: \"\" is not a valid SELinux user: must not be "
	            "empty",
	            NULL);
	parse_fails("{\"name\":\"os/linux/selinux-context\",\"value\":{\"user\":\"u\","
	            "\"role\":\"r\",\"type\":1,\"level\":\"s0\"}}",
	            "app.isolators[1].value.type: expected a string", NULL);
}

/* ISO-17 */
static void iso17_oom_score_adj_and_cpu_shares(void **state)
{
	struct rkt_isolator iso;

	(void)state;
	iso = parse_ok("{\"name\":\"os/linux/oom-score-adj\",\"value\":-1000}");
	assert_int_equal(iso.u.integer, -1000);
	rkt_isolator_release(&iso);
	iso = parse_ok("{\"name\":\"os/linux/oom-score-adj\",\"value\":1000}");
	rkt_isolator_release(&iso);
	iso = parse_ok("{\"name\":\"os/linux/cpu-shares\",\"value\":2}");
	assert_int_equal(iso.u.integer, 2);
	rkt_isolator_release(&iso);
	iso = parse_ok("{\"name\":\"os/linux/cpu-shares\",\"value\":262144}");
	rkt_isolator_release(&iso);

	parse_fails("{\"name\":\"os/linux/oom-score-adj\",\"value\":-2500}",
	            "app.isolators[1].value: -2500 is out of range for os/linux/oom-score-adj "
	            "(-1000..1000)",
	            NULL);
	parse_fails("{\"name\":\"os/linux/oom-score-adj\",\"value\":1001}", "out of range", NULL);
	parse_fails("{\"name\":\"os/linux/cpu-shares\",\"value\":1}",
	            "1 is out of range for os/linux/cpu-shares (2..262144)", NULL);
	parse_fails("{\"name\":\"os/linux/cpu-shares\",\"value\":262145}", "out of range", NULL);
	parse_fails("{\"name\":\"os/linux/cpu-shares\",\"value\":99999999999999999999999}",
	            "out of range", NULL);
	parse_fails("{\"name\":\"os/linux/cpu-shares\",\"value\":\"2048\"}",
	            "app.isolators[1].value: expected an integer, got string \"2048\"", NULL);
	parse_fails("{\"name\":\"os/linux/cpu-shares\",\"value\":1024.5}", "an integer", NULL);
}

/* ISO-18 */
static void iso18_sysctl(void **state)
{
	struct rkt_isolator iso;

	(void)state;
	iso = parse_ok("{\"name\":\"os/unix/sysctl\",\"value\":{\"net.ipv4.tcp_rfc1337\":\"1\","
	               "\"net.core.somaxconn\":\"1024\"}}");
	assert_int_equal(iso.u.sysctl.n, 2);
	assert_string_equal(rkt_kv_list_get(&iso.u.sysctl, "net.core.somaxconn"), "1024");
	rkt_isolator_release(&iso);
	iso = parse_ok("{\"name\":\"os/unix/sysctl\",\"value\":{}}");
	rkt_isolator_release(&iso);

	parse_fails("{\"name\":\"os/unix/sysctl\",\"value\":{\"net.ipv4.tcp_rfc1337\":1}}",
	            "app.isolators[1].value.net.ipv4.tcp_rfc1337: expected a string, got number",
	            NULL);
	parse_fails("{\"name\":\"os/unix/sysctl\",\"value\":[]}", "expected an object", NULL);
}

/* TYPE-9, ISO-1 */
static void type9_isolator_object(void **state)
{
	struct rkt_isolator iso;

	(void)state;
	/* unknown isolators are kept verbatim, whatever their value */
	iso = parse_ok("{\"name\":\"os/linux/apparmor-profile\",\"value\":{\"x\":[1,\"2\"]}}");
	assert_int_equal(iso.type, RKT_ISOLATOR_UNKNOWN);
	assert_string_equal(iso.name, "os/linux/apparmor-profile");
	assert_string_equal(json_object_to_json_string_ext(iso.value, JSON_C_TO_STRING_PLAIN),
	                    "{\"x\":[1,\"2\"]}");
	rkt_isolator_release(&iso);
	iso = parse_ok("{\"name\":\"example.com/thing\",\"value\":null}");
	assert_int_equal(iso.type, RKT_ISOLATOR_UNKNOWN);
	assert_null(iso.value);
	rkt_isolator_release(&iso);

	parse_fails("{\"name\":\"resource/memory\"}",
	            "app.isolators[1].value: required field is missing", NULL);
	parse_fails("{\"name\":\"example.com/thing\"}", "value: required field is missing", NULL);
	parse_fails("{\"name\":\"resource/memory\",\"value\":null}",
	            "value: required field is missing", NULL);
	parse_fails("{\"value\":{}}", "app.isolators[1].name: required field is missing", NULL);
	parse_fails("{\"name\":\"Resource/Memory\",\"value\":{\"limit\":\"1G\"}}",
	            "app.isolators[1].name: \"Resource/Memory\" is not an AC identifier", NULL);
	parse_fails("{\"name\":5,\"value\":{}}",
	            "app.isolators[1].name: expected a string, got number 5", NULL);
	parse_fails("[]", "app.isolators[1]: expected an object, got array", NULL);
	/* names match exactly (GEN-3) */
	parse_fails("{\"Name\":\"resource/cpu\",\"value\":{}}", "name: required field", NULL);
}

/* Without a field path, member paths start at the isolator's own members. */
static void isolator_parse_without_field(void **state)
{
	_cleanup_(json_object_putp) struct json_object *o =
	        json("{\"name\":\"resource/cpu\",\"value\":{\"limit\":\"12Qi\"}}");
	struct rkt_isolator iso = { 0 };
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(rkt_isolator_parse(o, NULL, &iso, &err), -EINVAL);
	assert_string_equal(err.msg, "value.limit: \"12Qi\" is not a quantity");
	assert_int_equal(rkt_isolator_parse(o, "", &iso, &err), -EINVAL);
	assert_string_equal(err.msg, "value.limit: \"12Qi\" is not a quantity");
	assert_null(iso.name);
}

/* Parses the array ARR into L, as app.isolators, then checks the list. */
static int parse_list(struct json_object *arr, const char *field, struct rkt_isolator_list *l,
                      struct rkt_error *err)
{
	size_t n = json_object_array_length(arr);
	int r;

	l->items = xzalloc((n ? n : 1) * sizeof(*l->items));
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *path = xasprintf("%s[%zu]", field, i);

		r = rkt_isolator_parse(json_object_array_get_idx(arr, i), path, &l->items[i], err);
		if (r < 0)
			return r;
		l->n++;
	}
	return rkt_isolator_list_check(l, field, err);
}

static int check_list(const char *text, struct rkt_error *err)
{
	_cleanup_(json_object_putp) struct json_object *arr = json(text);
	_cleanup_(rkt_isolator_list_release) struct rkt_isolator_list l = { 0 };

	return parse_list(arr, "app.isolators", &l, err);
}

#define SECCOMP_REMOVE "{\"name\":\"os/linux/seccomp-remove-set\",\"value\":{\"set\":[\"reboot\"]}}"
#define SECCOMP_RETAIN "{\"name\":\"os/linux/seccomp-retain-set\",\"value\":{\"set\":[\"read\"]}}"
#define CPU            "{\"name\":\"resource/cpu\",\"value\":{\"limit\":\"1\"}}"
#define CAPS           "{\"name\":\"os/linux/capabilities-retain-set\",\"value\":{\"set\":[\"CAP_KILL\"]}}"
#define NNP            "{\"name\":\"os/linux/no-new-privileges\",\"value\":true}"
#define UNKNOWN        "{\"name\":\"example.com/x\",\"value\":1}"
#define SELINUX                                                                      \
	"{\"name\":\"os/linux/selinux-context\",\"value\":{\"user\":\"u\",\"role\":" \
	"\"r\",\"type\":\"t\",\"level\":\"s0\"}}"

/* ISO-2, ISO-15 */
static void iso2_instance_counts(void **state)
{
	struct rkt_error err = { 0 };
	static const char *const once[] = {
		SECCOMP_REMOVE,
		SECCOMP_RETAIN,
		SELINUX,
		"{\"name\":\"os/linux/oom-score-adj\",\"value\":5}",
		"{\"name\":\"os/linux/cpu-shares\",\"value\":512}",
		"{\"name\":\"os/unix/sysctl\",\"value\":{}}",
	};
	char buf[1024];

	(void)state;
	assert_int_equal(check_list("[]", &err), 0);
	assert_int_equal(check_list("[" CPU "," CPU "," CAPS "," CAPS "," NNP "," NNP "," UNKNOWN
	                            "," UNKNOWN "," SECCOMP_REMOVE "," SELINUX "]",
	                            &err),
	                 0);
	for (size_t i = 0; i < ELEMENTSOF(once); i++) {
		(void)snprintf(buf, sizeof(buf), "[%s,%s,%s]", once[i], CPU, once[i]);
		if (check_list(buf, &err) != -EINVAL)
			fail_msg("%s twice accepted", once[i]);
		assert_msg_contains(&err, "app.isolators[2]: more than one ");
		assert_msg_contains(&err, "(see app.isolators[0])");
	}
	assert_int_equal(check_list("[" SECCOMP_REMOVE "," SECCOMP_RETAIN "]", &err), -EINVAL);
	assert_string_equal(err.msg, "app.isolators[1]: os/linux/seccomp-retain-set cannot be "
	                             "combined with os/linux/seccomp-remove-set "
	                             "(app.isolators[0])");
	assert_int_equal(check_list("[" SECCOMP_RETAIN "," NNP "," SECCOMP_REMOVE "]", &err),
	                 -EINVAL);
	assert_msg_contains(&err, "app.isolators[2]: os/linux/seccomp-remove-set cannot be");
}

/* Runs the isolators of every manifests/DIR/PREFIX*.json vector through parse and check;
 * WANT is the expected result. Returns the number of files. */
static size_t check_vectors(const char *dir, const char *prefix, int want)
{
	const char *data = getenv("RKT_TESTDATA");
	_cleanup_free_ char *path = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	size_t n = 0;

	assert_non_null(data);
	path = xasprintf("%s/appc/manifests/%s", data, dir);
	d = opendir(path);
	if (!d)
		fail_msg("cannot open %s", path);
	while ((de = readdir(d))) {
		_cleanup_free_ char *file = NULL;
		_cleanup_(json_object_putp) struct json_object *doc = NULL;
		_cleanup_(rkt_isolator_list_release) struct rkt_isolator_list l = { 0 };
		struct json_object *arr = NULL, *app = NULL;
		struct rkt_error err = { 0 };
		int r;

		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0)
			continue;
		file = xasprintf("%s/%s", path, de->d_name);
		doc = json_object_from_file(file);
		if (!doc)
			fail_msg("cannot parse %s", file);
		/* image manifests have app.isolators, pod manifests isolators */
		if (!json_object_object_get_ex(doc, "app", &app))
			app = doc;
		if (!json_object_object_get_ex(app, "isolators", &arr))
			fail_msg("%s has no isolators", file);
		r = parse_list(arr, "app.isolators", &l, &err);
		if (r != want)
			fail_msg("%s: got %d (%s), want %d", de->d_name, r, err.msg, want);
		n++;
	}
	return n;
}

static void vectors_valid_strict_and_invalid(void **state)
{
	(void)state;
	assert_true(check_vectors("valid", "image-isolator-", 0) >= 15);
	/* MAN-26, ISO-1: actool refuses unknown isolators, we keep them */
	assert_int_equal(check_vectors("strict", "image-isolator-", 0), 2);
	assert_true(check_vectors("invalid", "image-isolator-", -EINVAL) >= 20);
	assert_int_equal(check_vectors("invalid", "pod-isolator-", -EINVAL), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(isolator_type_names_roundtrip),
		cmocka_unit_test(iso4_resource_cpu_memory),
		cmocka_unit_test(iso4_resource_rejects),
		cmocka_unit_test(iso6_resource_default_only),
		cmocka_unit_test(iso9_capabilities),
		cmocka_unit_test(iso12_no_new_privileges),
		cmocka_unit_test(iso13_seccomp),
		cmocka_unit_test(iso16_selinux_context),
		cmocka_unit_test(iso17_oom_score_adj_and_cpu_shares),
		cmocka_unit_test(iso18_sysctl),
		cmocka_unit_test(type9_isolator_object),
		cmocka_unit_test(isolator_parse_without_field),
		cmocka_unit_test(iso2_instance_counts),
		cmocka_unit_test(vectors_valid_strict_and_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
