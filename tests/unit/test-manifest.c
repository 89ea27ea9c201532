/* Unit tests for lib/appc manifests: every manifest vector of tests/data/appc/expectations.tsv
 * gets its verdict (MAN-27, POD-*, GEN-1..3), parse -> format is stable, and targeted cases for
 * error messages, the supplementaryGids alias (GEN-3), unknown members (GEN-2) and kv lists. */
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
#include "util/error.h"
#include "util/json-util.h"
#include "util/xalloc.h"

static char *read_file(const char *path, size_t *len)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		size_t got;

		xgrow((void **)&buf, &cap, n + 4096, 1);
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static char *testdata_path(const char *rel)
{
	const char *dir = getenv("RKT_TESTDATA");

	return xasprintf("%s/appc/%s", dir ? dir : "tests/data", rel);
}

/* Parses BUF as what its acKind says, formats it; VALIDATE_REIFIED also requires a runnable
 * pod (POD-15). Returns the parse result; *OUT gets the compact serialization. */
static int parse_and_format(const char *buf, size_t len, const char *what, bool reified, char **out,
                            struct rkt_error *err)
{
	enum rkt_manifest_kind kind = RKT_MANIFEST_UNKNOWN;
	int r;

	*out = NULL;
	r = rkt_manifest_kind_detect(buf, len, what, &kind, err);
	if (r < 0)
		return r;
	if (kind == RKT_MANIFEST_IMAGE) {
		_cleanup_(rkt_image_manifest_freep) struct rkt_image_manifest *m = NULL;

		r = rkt_image_manifest_parse(buf, len, what, &m, err);
		if (r < 0)
			return r;
		*out = rkt_image_manifest_format(m, false);
	} else {
		_cleanup_(rkt_pod_manifest_freep) struct rkt_pod_manifest *m = NULL;

		r = rkt_pod_manifest_parse(buf, len, what, &m, err);
		if (r < 0)
			return r;
		if (reified) {
			r = rkt_pod_manifest_check_reified(m, err);
			if (r < 0)
				return rkt_error_wrap(err, r, "%s", what);
		}
		*out = rkt_pod_manifest_format(m, false);
	}
	return 0;
}

/* The message must read `WHAT: FIELD.PATH[i]: why`: a field path right after the prefix. */
static bool names_a_field(const char *msg, const char *what)
{
	size_t n = strlen(what);
	const char *p = msg + n + 2;
	const char *colon;

	if (strncmp(msg, what, n) != 0 || strncmp(msg + n, ": ", 2) != 0)
		return false;
	colon = strstr(p, ": ");
	if (!colon || colon == p)
		return false;
	for (const char *c = p; c < colon; c++)
		if (*c == ' ' || *c == '"')
			return false;
	return (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z');
}

/* Reports a failed row without stopping, so that one run lists them all. */
static bool row_failed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static bool row_failed(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint_error(fmt, ap);
	va_end(ap);
	print_error("\n");
	return false;
}

static bool check_round_trip(const char *first, const char *what)
{
	_cleanup_free_ char *second = NULL;
	struct rkt_error err = { 0 };
	int r;

	r = parse_and_format(first, strlen(first), what, false, &second, &err);
	if (r < 0)
		return row_failed("%s: re-parse of our own output failed: %s", what, err.msg);
	if (strcmp(first, second) != 0)
		return row_failed("%s: format is not stable:\n%s\n%s", what, first, second);
	return true;
}

static bool check_row(const char *rel, const char *expect)
{
	_cleanup_free_ char *path = testdata_path(rel);
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ char *out = NULL;
	struct rkt_error err = { 0 };
	size_t len = 0;
	bool accept = strcmp(expect, "valid") == 0 || strcmp(expect, "strict") == 0;
	int r;

	buf = read_file(path, &len);
	if (!buf)
		return row_failed("%s: cannot read", path);
	/* lenient rows: actool accepts, we refuse; for pods "refuse" includes refusing to run
	 * an unreified template (POD-15, pod-app-no-image-id.json) */
	r = parse_and_format(buf, len, rel, strcmp(expect, "lenient") == 0, &out, &err);
	if (accept) {
		if (r < 0)
			return row_failed("%s (%s): rejected: %s", rel, expect, err.msg);
		return check_round_trip(out, rel);
	}
	if (r == 0)
		return row_failed("%s (%s): accepted, output %s", rel, expect, out);
	if (err.msg[0] == '\0')
		return row_failed("%s: rejected without a message", rel);
	/* GEN-1: malformed JSON has no field to name */
	if (r == -EBADMSG)
		return true;
	if (r != -EINVAL)
		return row_failed("%s: rejected with %d, not -EINVAL", rel, r);
	if (!names_a_field(err.msg, rel))
		return row_failed("%s: message does not name a field: %s", rel, err.msg);
	return true;
}

/* MAN-27, POD-*: every manifest row of expectations.tsv. */
static void expectations_all_manifest_vectors(void **state)
{
	_cleanup_free_ char *path = testdata_path("expectations.tsv");
	_cleanup_free_ char *tsv = NULL;
	size_t len = 0, rows = 0, failed = 0;
	char *line, *save = NULL;

	(void)state;
	tsv = read_file(path, &len);
	if (!tsv)
		fail_msg("%s: cannot read", path);
	for (line = strtok_r(tsv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t');
		char *expect, *end;

		if (!tab)
			continue;
		*tab = '\0';
		expect = tab + 1;
		end = strchr(expect, '\t');
		if (end)
			*end = '\0';
		if (strncmp(line, "manifests/", 10) != 0 &&
		    strncmp(line, "spec-examples/", 14) != 0)
			continue;
		if (!check_row(line, expect))
			failed++;
		rows++;
	}
	/* guard against a moved or truncated table */
	assert_true(rows >= 140);
	assert_int_equal(failed, 0);
}

static int image_parse_str(const char *doc, struct rkt_image_manifest **m, struct rkt_error *err)
{
	return rkt_image_manifest_parse(doc, strlen(doc), "manifest 'x.json'", m, err);
}

#define IMAGE_HEAD \
	"{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\",\"name\":\"example.com/app\""

/* ISO-3..8, TYPE-13: the message has the document, the full path and the bad value. */
static void error_names_isolator_quantity_path(void **state)
{
	_cleanup_(rkt_image_manifest_freep) struct rkt_image_manifest *m = NULL;
	struct rkt_error err = { 0 };
	const char *doc =
	        IMAGE_HEAD ",\"app\":{\"user\":\"0\",\"group\":\"0\",\"isolators\":["
	                   "{\"name\":\"resource/cpu\",\"value\":{\"limit\":\"1\"}},"
	                   "{\"name\":\"resource/memory\",\"value\":{\"limit\":\"12Qi\"}}]}}";

	(void)state;
	assert_int_equal(image_parse_str(doc, &m, &err), -EINVAL);
	assert_null(m);
	assert_true(strncmp(err.msg, "manifest 'x.json': app.isolators[1].value.limit: \"12Qi\"",
	                    strlen("manifest 'x.json': app.isolators[1].value.limit: \"12Qi\"")) ==
	            0);
}

/* GEN-3, MAN-25: "supplementaryGids" is read as supplementaryGIDs and written as that. */
static void supplementary_gids_alias(void **state)
{
	_cleanup_(rkt_image_manifest_freep) struct rkt_image_manifest *m = NULL;
	_cleanup_free_ char *out = NULL;
	struct rkt_error err = { 0 };
	const char *doc =
	        IMAGE_HEAD ",\"app\":{\"user\":\"0\",\"group\":\"0\",\"supplementaryGids\":[5,6]}}";

	(void)state;
	assert_int_equal(image_parse_str(doc, &m, &err), 0);
	assert_int_equal(m->app->n_supplementary_gids, 2);
	assert_int_equal(m->app->supplementary_gids[1], 6);
	out = rkt_image_manifest_format(m, false);
	assert_non_null(strstr(out, "\"supplementaryGIDs\":[5,6]"));
}

/* MAN-6: an image runs on this host if its os and arch labels, where present, are the host's. */
static void host_check_compares_present_labels(void **state)
{
	struct rkt_error err = { 0 };
	const char *other = strcmp(rkt_host_arch(), "s390x") == 0 ? "amd64" : "s390x";
	const struct {
		const char *os, *arch;
		int r;
	} cases[] = {
		{ NULL, NULL, 0 },   { "linux", NULL, 0 },          { "linux", "HOST", 0 },
		{ NULL, "HOST", 0 }, { "freebsd", NULL, -ENOEXEC }, { "linux", "OTHER", -ENOEXEC },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_(rkt_image_manifest_freep) struct rkt_image_manifest *m =
		        xzalloc(sizeof(*m));
		const char *arch = cases[i].arch;

		m->name = xstrdup("example.com/x");
		if (cases[i].os)
			rkt_kv_list_set(&m->labels, "os", cases[i].os);
		if (arch)
			rkt_kv_list_set(&m->labels, "arch",
			                strcmp(arch, "HOST") == 0 ? rkt_host_arch() : other);
		assert_int_equal(rkt_image_manifest_host_check(m, &err), cases[i].r);
		if (cases[i].r)
			assert_non_null(strstr(err.msg, "this host is os=linux arch="));
	}
}

/* GEN-3: both spellings at once are ambiguous. */
static void supplementary_gids_both_spellings_refused(void **state)
{
	_cleanup_(rkt_image_manifest_freep) struct rkt_image_manifest *m = NULL;
	struct rkt_error err = { 0 };
	const char *doc = IMAGE_HEAD ",\"app\":{\"user\":\"0\",\"group\":\"0\","
	                             "\"supplementaryGIDs\":[1],\"supplementaryGids\":[2]}}";

	(void)state;
	assert_int_equal(image_parse_str(doc, &m, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "app.supplementaryGids"));
}

/* GEN-2: unknown members are ignored and not written back. */
static void unknown_members_ignored(void **state)
{
	_cleanup_(rkt_image_manifest_freep) struct rkt_image_manifest *m = NULL;
	_cleanup_free_ char *out = NULL;
	struct rkt_error err = { 0 };
	const char *doc =
	        IMAGE_HEAD ",\"future\":{\"x\":1},\"app\":{\"user\":\"0\",\"group\":\"0\","
	                   "\"ports\":[{\"name\":\"web\",\"protocol\":\"tcp\",\"port\":80,"
	                   "\"extra\":true}]}}";

	(void)state;
	assert_int_equal(image_parse_str(doc, &m, &err), 0);
	out = rkt_image_manifest_format(m, false);
	assert_string_equal(out,
	                    IMAGE_HEAD ",\"app\":{\"exec\":null,\"user\":\"0\",\"group\":\"0\","
	                               "\"ports\":[{\"name\":\"web\",\"protocol\":\"tcp\","
	                               "\"port\":80,\"count\":1,\"socketActivated\":false}]}}");
}

/* GEN-3: names match exactly; a wrong-case key leaves the required field missing. */
static void wrong_case_key_is_missing_field(void **state)
{
	_cleanup_(rkt_image_manifest_freep) struct rkt_image_manifest *m = NULL;
	struct rkt_error err = { 0 };
	const char *doc = "{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\",\"NAME\":\"a\"}";

	(void)state;
	assert_int_equal(image_parse_str(doc, &m, &err), -EINVAL);
	assert_string_equal(err.msg, "manifest 'x.json': name: required field is missing");
}

/* TYPE-14: set replaces in place or appends; get finds by exact name. */
static void kv_list_set_get(void **state)
{
	struct rkt_kv_list l = { 0 };

	(void)state;
	assert_null(rkt_kv_list_get(&l, "version"));
	rkt_kv_list_set(&l, "version", "1.0.0");
	rkt_kv_list_set(&l, "os", "linux");
	rkt_kv_list_set(&l, "version", "2.0.0");
	assert_int_equal(l.n, 2);
	assert_string_equal(l.items[0].name, "version");
	assert_string_equal(rkt_kv_list_get(&l, "version"), "2.0.0");
	assert_string_equal(rkt_kv_list_get(&l, "os"), "linux");
	assert_null(rkt_kv_list_get(&l, "Version"));
	rkt_kv_list_release(&l);
	assert_int_equal(l.n, 0);
	assert_null(l.items);
}

/* POD-15: the spec's template parses but is not runnable. */
static void pod_template_parses_but_is_not_reified(void **state)
{
	_cleanup_(rkt_pod_manifest_freep) struct rkt_pod_manifest *m = NULL;
	_cleanup_free_ char *path = testdata_path("spec-examples/pod_template.json");
	_cleanup_free_ char *buf = NULL;
	struct rkt_error err = { 0 };
	size_t len = 0;

	(void)state;
	buf = read_file(path, &len);
	assert_non_null(buf);
	assert_int_equal(rkt_pod_manifest_parse(buf, len, "template", &m, &err), 0);
	assert_int_equal(rkt_pod_manifest_check_reified(m, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "apps[1].image.id"));
}

/* POD-3, POD-15: without image id and name there is nothing a template could resolve. */
static void pod_app_without_image_id_and_name_refused(void **state)
{
	_cleanup_(rkt_pod_manifest_freep) struct rkt_pod_manifest *m = NULL;
	struct rkt_error err = { 0 };
	const char *doc = "{\"acKind\":\"PodManifest\",\"acVersion\":\"0.8.11\","
	                  "\"apps\":[{\"name\":\"web\",\"image\":{}}]}";

	(void)state;
	assert_int_equal(rkt_pod_manifest_parse(doc, strlen(doc), "pod", &m, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "pod: apps[0].image.id: required field is missing"));
}

/* Go writes a pod's nil lists as null, empty ones as [], and fills empty-volume defaults. */
static void pod_format_like_go(void **state)
{
	_cleanup_(rkt_pod_manifest_freep) struct rkt_pod_manifest *m = NULL;
	_cleanup_free_ char *out = NULL;
	struct rkt_error err = { 0 };
	const char *doc =
	        "{\"acKind\":\"PodManifest\",\"acVersion\":\"0.8.11\",\"apps\":[],"
	        "\"volumes\":[{\"name\":\"v\",\"kind\":\"empty\"}],"
	        "\"ports\":[{\"name\":\"p\",\"hostPort\":80,\"hostIP\":\"::ffff:10.0.0.1\"},"
	        "{\"name\":\"q\",\"hostPort\":81,\"hostIP\":\"2001:DB8:0:0:1:0:0:1\"}]}";

	(void)state;
	assert_int_equal(rkt_pod_manifest_parse(doc, strlen(doc), "pod", &m, &err), 0);
	out = rkt_pod_manifest_format(m, false);
	assert_string_equal(out,
	                    "{\"acVersion\":\"0.8.11\",\"acKind\":\"PodManifest\",\"apps\":[],"
	                    "\"volumes\":[{\"name\":\"v\",\"kind\":\"empty\",\"mode\":\"0755\","
	                    "\"uid\":0,\"gid\":0}],\"isolators\":null,\"annotations\":null,"
	                    "\"ports\":[{\"name\":\"p\",\"hostPort\":80,\"hostIP\":\"10.0.0.1\"},"
	                    "{\"name\":\"q\",\"hostPort\":81,\"hostIP\":\"2001:db8::1:0:0:1\"}]}");
}

/* Go's MarshalIndent layout and its HTML-safe string escaping. */
static void image_format_pretty_and_escaping(void **state)
{
	_cleanup_(rkt_image_manifest_freep) struct rkt_image_manifest *m = NULL;
	_cleanup_free_ char *out = NULL;
	struct rkt_error err = { 0 };
	const char *doc = IMAGE_HEAD ",\"annotations\":[{\"name\":\"authors\","
	                             "\"value\":\"A <a&b> \\u0001\\b\\t\\u2028\"}],"
	                             "\"app\":{\"exec\":[],\"user\":\"0\",\"group\":\"0\"}}";

	(void)state;
	assert_int_equal(image_parse_str(doc, &m, &err), 0);
	out = rkt_image_manifest_format(m, true);
	assert_string_equal(
	        out, "{\n"
	             "  \"acKind\": \"ImageManifest\",\n"
	             "  \"acVersion\": \"0.8.11\",\n"
	             "  \"name\": \"example.com/app\",\n"
	             "  \"app\": {\n"
	             "    \"exec\": [],\n"
	             "    \"user\": \"0\",\n"
	             "    \"group\": \"0\"\n"
	             "  },\n"
	             "  \"annotations\": [\n"
	             "    {\n"
	             "      \"name\": \"authors\",\n"
	             "      \"value\": \"A \\u003ca\\u0026b\\u003e \\u0001\\u0008\\t\\u2028\"\n"
	             "    }\n"
	             "  ]\n"
	             "}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(expectations_all_manifest_vectors),
		cmocka_unit_test(error_names_isolator_quantity_path),
		cmocka_unit_test(supplementary_gids_alias),
		cmocka_unit_test(host_check_compares_present_labels),
		cmocka_unit_test(supplementary_gids_both_spellings_refused),
		cmocka_unit_test(unknown_members_ignored),
		cmocka_unit_test(wrong_case_key_is_missing_field),
		cmocka_unit_test(kv_list_set_get),
		cmocka_unit_test(pod_template_parses_but_is_not_reified),
		cmocka_unit_test(pod_app_without_image_id_and_name_refused),
		cmocka_unit_test(pod_format_like_go),
		cmocka_unit_test(image_format_pretty_and_escaping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
