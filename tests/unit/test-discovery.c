/* Unit tests for lib/appc/discovery: every scenario of tests/data/appc/discovery/cases.json
 * (DISC-2..10, served from meta01..06.html, with and without the insecure HTTP fallback), plus
 * targeted cases for the tag scanner, the http fallback (DISC-12) and error paths (DISC-18). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "appc/discovery.h"
#include "appc/manifest.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json-util.h"
#include "util/xalloc.h"

/* The whole of PATH, NUL-terminated; NULL if it cannot be read. */
static char *slurp(const char *path, size_t *len)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	_cleanup_free_ char *buf = NULL;
	long size;

	if (!f || fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0)
		return NULL;
	buf = xmalloc((size_t)size + 1);
	if (fread(buf, 1, (size_t)size, f) != (size_t)size)
		return NULL;
	buf[size] = '\0';
	*len = (size_t)size;
	return TAKE_PTR(buf);
}

static char *testdata_path(const char *rel)
{
	const char *dir = getenv("RKT_TESTDATA");

	return xasprintf("%s/appc/discovery/%s", dir ? dir : "tests/data", rel);
}

/* A fake web: URL -> body (inline) or file name under tests/data/appc/discovery. */
struct page {
	const char *url;
	const char *body;
	const char *file;
};
struct web {
	const struct page *pages;
	size_t n;
	size_t n_requests;
};

static int fake_get(void *userdata, const char *url, char **ret_body, size_t *ret_len,
                    struct rkt_error *err)
{
	struct web *w = userdata;

	w->n_requests++;
	for (size_t i = 0; i < w->n; i++) {
		if (strcmp(w->pages[i].url, url) != 0)
			continue;
		if (w->pages[i].body) {
			*ret_len = strlen(w->pages[i].body);
			*ret_body = xstrdup(w->pages[i].body);
		} else {
			_cleanup_free_ char *path = testdata_path(w->pages[i].file);

			*ret_body = slurp(path, ret_len);
			assert_non_null(*ret_body);
		}
		return 0;
	}
	return rkt_error_set(err, ENOENT, "'%s': 404 Not Found", url);
}

static void labels_from_json(struct json_object *obj, struct rkt_kv_list *l)
{
	json_object_object_foreach (obj, k, v) {
		rkt_kv_list_set(l, k, json_object_get_string(v));
	}
}

static void check_case(struct json_object *c, bool insecure)
{
	struct json_object *pages, *name, *labels, *eaci, *ekeys;
	struct rkt_kv_list kv = { 0 };
	struct page *pg = NULL;
	size_t npg = 0, cap = 0;
	struct rkt_discovery_result res = { 0 };
	struct rkt_error err = { 0 };
	struct web w;
	int r;

	assert_true(json_object_object_get_ex(c, "pages", &pages));
	assert_true(json_object_object_get_ex(c, "name", &name));
	assert_true(json_object_object_get_ex(c, "labels", &labels));
	assert_true(json_object_object_get_ex(c, "expectACIEndpoints", &eaci));
	assert_true(json_object_object_get_ex(c, "expectPublicKeys", &ekeys));
	json_object_object_foreach (pages, url, file) {
		xgrow((void **)&pg, &cap, npg + 1, sizeof(*pg));
		pg[npg++] = (struct page){ url, NULL, json_object_get_string(file) };
	}
	labels_from_json(labels, &kv);
	w = (struct web){ pg, npg, 0 };

	r = rkt_discover(json_object_get_string(name), &kv, insecure, fake_get, &w, &res, &err);
	if (!eaci && !ekeys) {
		assert_int_equal(r, -ENOENT);
		assert_non_null(strstr(err.msg, json_object_get_string(name)));
	} else {
		assert_int_equal(r, 0);
		if (!eaci) {
			assert_int_equal(res.n_aci, 0);
		} else {
			assert_int_equal(res.n_aci, json_object_array_length(eaci));
			for (size_t i = 0; i < res.n_aci; i++) {
				struct json_object *e = json_object_array_get_idx(eaci, i), *a, *s;

				assert_true(json_object_object_get_ex(e, "aci", &a));
				assert_true(json_object_object_get_ex(e, "asc", &s));
				assert_string_equal(res.aci_endpoints[i].aci,
				                    json_object_get_string(a));
				assert_string_equal(res.aci_endpoints[i].asc,
				                    json_object_get_string(s));
			}
		}
		if (!ekeys) {
			assert_int_equal(res.n_pubkeys, 0);
		} else {
			assert_int_equal(res.n_pubkeys, json_object_array_length(ekeys));
			for (size_t i = 0; i < res.n_pubkeys; i++)
				assert_string_equal(res.pubkeys[i],
				                    json_object_get_string(
				                            json_object_array_get_idx(ekeys, i)));
		}
	}
	rkt_discovery_result_release(&res);
	rkt_kv_list_release(&kv);
	free(pg);
}

static void test_cases_json(void **state)
{
	_cleanup_free_ char *path = testdata_path("cases.json");
	_cleanup_free_ char *buf = NULL;
	_cleanup_(json_object_putp) struct json_object *doc = NULL;
	struct json_object *cases;
	struct rkt_error err = { 0 };
	size_t len = 0;

	(void)state;
	buf = slurp(path, &len);
	assert_non_null(buf);
	assert_int_equal(rkt_json_parse(buf, len, path, &doc, &err), 0);
	assert_true(json_object_object_get_ex(doc, "cases", &cases));
	assert_int_equal(json_object_array_length(cases), 12);
	for (size_t i = 0; i < json_object_array_length(cases); i++) {
		struct json_object *c = json_object_array_get_idx(cases, i);

		check_case(c, false);
		check_case(c, true);
	}
}

static int discover_inline(const struct page *pages, size_t n, const char *name, bool insecure,
                           struct rkt_discovery_result *res, struct rkt_error *err)
{
	struct web w = { pages, n, 0 };

	return rkt_discover(name, NULL, insecure, fake_get, &w, res, err);
}

static void test_scanner_is_tolerant(void **state)
{
	static const struct page pages[] = {
		{ "https://example.com/app?ac-discovery=1",
		  "<HTML><!-- <meta name=\"ac-discovery\" content=\"example.com "
		  "https://c/{name}.{ext}\"> -->"
		  "<META CONTENT='  example.com   https://a/{name}-{version}.{ext}?x=1&amp;y=2 ' "
		  "Name='ac-discovery'/>"
		  "<meta name=ac-discovery-pubkeys content=\"example.com https://k&#x2f;keys\">"
		  "<metadata name=\"ac-discovery\" content=\"example.com https://d/{ext}\">"
		  "<meta name=\"other\" content=\"example.com https://e/{ext}\">"
		  "<meta name=\"ac-discovery\" content=\"example.org https://f/{ext}\">"
		  "<meta name=\"ac-discovery\" content=\"examplecom\">",
		  NULL },
	};
	struct rkt_discovery_result res = { 0 };
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(discover_inline(pages, 1, "example.com/app", false, &res, &err), 0);
	assert_int_equal(res.n_aci, 1);
	assert_string_equal(res.aci_endpoints[0].aci,
	                    "https://a/example.com/app-latest.aci?x=1&y=2");
	assert_string_equal(res.aci_endpoints[0].asc,
	                    "https://a/example.com/app-latest.aci.asc?x=1&y=2");
	assert_int_equal(res.n_pubkeys, 1);
	assert_string_equal(res.pubkeys[0], "https://k/keys");
	rkt_discovery_result_release(&res);
}

static void test_truncated_tag_is_ignored(void **state)
{
	static const struct page pages[] = {
		{ "https://example.com?ac-discovery=1",
		  "<meta name=\"ac-discovery-pubkeys\" content=\"example.com https://k\">"
		  "<meta name=\"ac-discovery\" content=\"example.com https://a/{ext}",
		  NULL },
	};
	struct rkt_discovery_result res = { 0 };
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(discover_inline(pages, 1, "example.com", false, &res, &err), 0);
	assert_int_equal(res.n_aci, 0);
	assert_int_equal(res.n_pubkeys, 1);
	rkt_discovery_result_release(&res);
}

static void test_http_fallback_only_when_insecure(void **state)
{
	static const struct page pages[] = {
		{ "http://example.com/app?ac-discovery=1",
		  "<meta name=\"ac-discovery\" content=\"example.com http://a/{name}.{ext}\">",
		  NULL },
	};
	struct rkt_discovery_result res = { 0 };
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(discover_inline(pages, 1, "example.com/app", false, &res, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "'example.com/app'"));
	rkt_error_clear(&err);
	assert_int_equal(discover_inline(pages, 1, "example.com/app", true, &res, &err), 0);
	assert_int_equal(res.n_aci, 1);
	assert_string_equal(res.aci_endpoints[0].aci, "http://a/example.com/app.aci");
	rkt_discovery_result_release(&res);
}

static void test_walk_stops_when_both_found(void **state)
{
	static const struct page pages[] = {
		{ "https://example.com/a/b?ac-discovery=1",
		  "<meta name=\"ac-discovery\" content=\"example.com https://a/{ext}\">"
		  "<meta name=\"ac-discovery-pubkeys\" content=\"example.com https://k\">",
		  NULL },
	};
	struct web w = { pages, 1, 0 };
	struct rkt_discovery_result res = { 0 };
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(rkt_discover("example.com/a/b", NULL, false, fake_get, &w, &res, &err), 0);
	assert_int_equal(w.n_requests, 1);
	rkt_discovery_result_release(&res);
}

/* The templates of the longest matching prefix come first (document order among equal
 * prefixes), so a server can give a project its own storage next to a site-wide default; the
 * os and arch labels fill their variables. */
static void test_longest_prefix_first(void **state)
{
	static const struct page pages[] = {
		{ "https://example.com/a/b?ac-discovery=1",
		  "<meta name=\"ac-discovery\" content=\"example.com https://site/{name}.{ext}\">"
		  "<meta name=\"ac-discovery\" content=\"example.com/a/b "
		  "https://ab1/{os}-{arch}.{ext}\">"
		  "<meta name=\"ac-discovery\" content=\"example.com/a https://a/{version}.{ext}\">"
		  "<meta name=\"ac-discovery\" content=\"example.com/a/b https://ab2/{ext}\">"
		  "<meta name=\"ac-discovery\" content=\"example.com/a/bc https://no/{ext}\">",
		  NULL },
	};
	struct web w = { pages, 1, 0 };
	struct rkt_kv_list labels = { 0 };
	struct rkt_discovery_result res = { 0 };
	struct rkt_error err = { 0 };

	(void)state;
	rkt_kv_list_set(&labels, "os", "linux");
	rkt_kv_list_set(&labels, "arch", "amd64");
	assert_int_equal(rkt_discover("example.com/a/b", &labels, false, fake_get, &w, &res, &err),
	                 0);
	assert_int_equal(res.n_aci, 4);
	assert_string_equal(res.aci_endpoints[0].aci, "https://ab1/linux-amd64.aci");
	assert_string_equal(res.aci_endpoints[1].asc, "https://ab2/aci.asc");
	assert_string_equal(res.aci_endpoints[2].aci, "https://a/latest.aci");
	assert_string_equal(res.aci_endpoints[3].aci, "https://site/example.com/a/b.aci");
	rkt_discovery_result_release(&res);
	rkt_kv_list_release(&labels);
}

static void test_invalid_name_is_einval(void **state)
{
	struct rkt_discovery_result res = { 0 };
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(discover_inline(NULL, 0, "https://Example.com/app", false, &res, &err),
	                 -EINVAL);
	assert_non_null(strstr(err.msg, "'https://Example.com/app'"));
	assert_null(res.aci_endpoints);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases_json),
		cmocka_unit_test(test_scanner_is_tolerant),
		cmocka_unit_test(test_truncated_tag_is_ignored),
		cmocka_unit_test(test_http_fallback_only_when_insecure),
		cmocka_unit_test(test_walk_stops_when_both_found),
		cmocka_unit_test(test_longest_prefix_first),
		cmocka_unit_test(test_invalid_name_is_einval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
