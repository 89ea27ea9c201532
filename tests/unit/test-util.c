/* Unit tests for lib/util: error wrapping, strict JSON parsing, sha512 image IDs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/cleanup.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/json-util.h"
#include "util/parse.h"

static void error_wrap_prepends_context(void **state)
{
	struct rkt_error err = { 0 };
	int r;

	(void)state;
	r = rkt_error_set(&err, EINVAL, "\"%s\" is not an AC name", "A");
	assert_int_equal(r, -EINVAL);
	r = rkt_error_wrap(&err, r, "app.ports[0].name");
	assert_int_equal(r, -EINVAL);
	assert_string_equal(err.msg, "app.ports[0].name: \"A\" is not an AC name");
	assert_int_equal(err.code, EINVAL);
}

static void error_set_with_null_err_still_fails(void **state)
{
	(void)state;
	assert_int_equal(rkt_error_set(NULL, ENOENT, "x"), -ENOENT);
	assert_int_equal(rkt_error_set(NULL, -ENOENT, "x"), -ENOENT);
	assert_int_equal(rkt_error_set(NULL, 0, "x"), -EINVAL);
}

static void json_parse_rejects_trailing_garbage(void **state)
{
	struct rkt_error err = { 0 };
	struct json_object *obj = NULL;
	const char *doc = "{\"a\":1} trailing";

	(void)state;
	assert_int_equal(rkt_json_parse(doc, strlen(doc), "doc", &obj, &err), -EBADMSG);
	assert_null(obj);
	assert_non_null(strstr(err.msg, "doc"));
}

static void json_parse_rejects_truncated_input(void **state)
{
	struct rkt_error err = { 0 };
	struct json_object *obj = NULL;
	const char *doc = "{\"a\":";

	(void)state;
	assert_int_equal(rkt_json_parse(doc, strlen(doc), "doc", &obj, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "end of input"));
}

static void json_parse_accepts_bare_scalars(void **state)
{
	struct rkt_error err = { 0 };
	struct json_object *obj = NULL;

	(void)state;
	assert_int_equal(rkt_json_parse("-500", 4, "doc", &obj, &err), 0);
	assert_int_equal(json_object_get_int64(obj), -500);
	json_object_put(obj);
	obj = NULL;
	assert_int_equal(rkt_json_parse("true", 4, "doc", &obj, &err), 0);
	assert_true(json_object_get_boolean(obj));
	json_object_put(obj);
}

static void json_parse_rejects_nul_after_document(void **state)
{
	struct rkt_error err = { 0 };
	struct json_object *obj = NULL;
	const char doc[] = "{\"a\":1}\0";

	(void)state;
	assert_int_equal(rkt_json_parse(doc, sizeof(doc) - 1, "doc", &obj, &err), -EBADMSG);
	assert_null(obj);
	assert_non_null(strstr(err.msg, "trailing data"));
}

/* GEN-1; found by fuzz-pod-manifest: json-c accepted the overlong C1 9D, which we then wrote
 * back as \ufffd, so parse -> format was not stable. */
static void json_parse_rejects_invalid_utf8(void **state)
{
	static const char *const docs[] = { "\"a\xc1\x9d\"", "\"\xed\xa0\x80\"", "\"\xff\"",
		                            "\"\xe2\x82\"" };
	struct json_object *obj = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct rkt_error err = { 0 };

		assert_int_equal(rkt_json_parse(docs[i], strlen(docs[i]), "doc", &obj, &err),
		                 -EBADMSG);
		assert_null(obj);
		assert_non_null(strstr(err.msg, "invalid UTF-8"));
	}
	assert_int_equal(rkt_json_parse("\"\xc3\xa9\xe2\x82\xac\"", 7, "doc", &obj, NULL), 0);
	json_object_put(obj);
}

static void json_format_does_not_escape_slashes(void **state)
{
	struct rkt_error err = { 0 };
	struct json_object *obj = NULL;
	const char *doc = " {\"name\": \"example.com/app\"}\n";
	_cleanup_free_ char *out = NULL;

	(void)state;
	assert_int_equal(rkt_json_parse(doc, strlen(doc), "doc", &obj, &err), 0);
	out = rkt_json_format(obj, false);
	assert_string_equal(out, "{\"name\":\"example.com/app\"}");
	json_object_put(obj);
}

static void parse_bool_accepts_go_spellings_only(void **state)
{
	bool b = false;

	(void)state;
	assert_int_equal(rkt_parse_bool("True", &b), 0);
	assert_true(b);
	assert_int_equal(rkt_parse_bool("0", &b), 0);
	assert_false(b);
	b = true;
	assert_int_equal(rkt_parse_bool("yes", &b), -EINVAL);
	assert_int_equal(rkt_parse_bool("", &b), -EINVAL);
	assert_true(b); /* untouched on failure */
}

static void sha512_id_of_empty_input(void **state)
{
	struct rkt_sha512 *h = rkt_sha512_new();
	char id[RKT_IMAGE_ID_SIZE];

	(void)state;
	rkt_sha512_final_id(h, id);
	h = rkt_sha512_free(h);
	assert_null(h);
	assert_string_equal(id, "sha512-cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36"
	                        "ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927"
	                        "da3e");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(error_wrap_prepends_context),
		cmocka_unit_test(error_set_with_null_err_still_fails),
		cmocka_unit_test(json_parse_rejects_trailing_garbage),
		cmocka_unit_test(json_parse_rejects_truncated_input),
		cmocka_unit_test(json_parse_accepts_bare_scalars),
		cmocka_unit_test(json_parse_rejects_nul_after_document),
		cmocka_unit_test(json_parse_rejects_invalid_utf8),
		cmocka_unit_test(json_format_does_not_escape_slashes),
		cmocka_unit_test(parse_bool_accepts_go_spellings_only),
		cmocka_unit_test(sha512_id_of_empty_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
