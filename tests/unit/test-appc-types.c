/* Unit tests for lib/appc/types.h (docs/conformance.md: TYPE-1..13, MAN-7, MAN-19). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "appc/types.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static void assert_msg_contains(const struct rkt_error *err, const char *needle)
{
	if (!strstr(err->msg, needle))
		fail_msg("message \"%s\" does not contain \"%s\"", err->msg, needle);
}

/* Runs every row of tests/data/appc/names/FILE through CHECK: "valid" rows pass, "invalid"
 * and "lenient" rows fail, and lenient ones say why (TYPE-2: consecutive separators). */
static void check_names_file(const char *file,
                             int (*check)(const char *s, const char *field, struct rkt_error *err),
                             bool (*is_valid)(const char *s))
{
	const char *dir = getenv("RKT_TESTDATA");
	_cleanup_free_ char *path = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0, rows = 0, lenient = 0;
	ssize_t len;

	assert_non_null(dir);
	path = xasprintf("%s/appc/names/%s", dir, file);
	f = fopen(path, "re");
	if (!f)
		fail_msg("cannot open %s", path);
	while ((len = getline(&line, &cap, f)) >= 0) {
		struct rkt_error err = { 0 };
		char *expect, *value, *tab;
		int r;

		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		expect = line;
		tab = strchr(line, '\t');
		assert_non_null(tab);
		*tab = '\0';
		value = tab + 1;
		tab = strchr(value, '\t');
		if (tab)
			*tab = '\0';

		r = check(value, "name", &err);
		if (strcmp(expect, "valid") == 0) {
			if (r != 0)
				fail_msg("%s: \"%s\" rejected: %s", file, value, err.msg);
			assert_true(is_valid(value));
		} else {
			if (r != -EINVAL)
				fail_msg("%s: \"%s\" (%s) accepted", file, value, expect);
			assert_false(is_valid(value));
			assert_int_equal(err.code, EINVAL);
			assert_msg_contains(&err, "name: \"");
			if (strcmp(expect, "lenient") == 0) {
				assert_msg_contains(&err, "consecutive separators");
				lenient++;
			}
		}
		rows++;
	}
	assert_true(rows >= 10);
	assert_true(lenient >= 1);
}

/* TYPE-1, TYPE-2 */
static void type1_ac_identifier_vectors(void **state)
{
	(void)state;
	check_names_file("ac-identifier.tsv", rkt_ac_identifier_check, rkt_ac_identifier_is_valid);
}

/* TYPE-3 */
static void type3_ac_name_vectors(void **state)
{
	(void)state;
	check_names_file("ac-name.tsv", rkt_ac_name_check, rkt_ac_name_is_valid);
}

static void type1_error_names_field_value_and_reason(void **state)
{
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(rkt_ac_identifier_check("foo.com/BAR", "labels[0].name", &err), -EINVAL);
	assert_string_equal(err.msg, "labels[0].name: \"foo.com/BAR\" is not an AC identifier: "
	                             "upper-case 'B' at position 9 is not allowed (only a-z 0-9 "
	                             "-._~/)");
	assert_int_equal(rkt_ac_identifier_check("app-", NULL, &err), -EINVAL);
	assert_string_equal(err.msg, "\"app-\" is not an AC identifier: must end with a "
	                             "lower-case letter or a digit");
	assert_int_equal(rkt_ac_identifier_check("", "", &err), -EINVAL);
	assert_string_equal(err.msg, "\"\" is not an AC identifier: must not be empty");
	assert_int_equal(rkt_ac_identifier_check("a\nb", "name", &err), -EINVAL);
	assert_msg_contains(&err, "\"a\\x0ab\"");
	assert_msg_contains(&err, "byte 0x0a");
	assert_int_equal(rkt_ac_identifier_check("my app", "name", &err), -EINVAL);
	assert_msg_contains(&err, "space at position 3");
	/* a huge value is shortened, the message still says what is wrong */
	char big[2000];
	memset(big, 'a', sizeof(big) - 2);
	big[sizeof(big) - 2] = 'A';
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(rkt_ac_identifier_check(big, "name", &err), -EINVAL);
	assert_msg_contains(&err, "...\" is not an AC identifier");
}

/* TYPE-2: only "/~" (types.md's "example.com/~user/app_v1") may join two separators */
static void type2_consecutive_separators(void **state)
{
	static const char *const bad[] = {
		"a//b", "a..b", "a~/b", "a/~~b", "a._b", "a/.b", "a-/b"
	};
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(rkt_ac_identifier_check("a/~b", "name", &err), 0);
	assert_int_equal(rkt_ac_identifier_check("example.com/~user/app_v1", "name", &err), 0);
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		if (rkt_ac_identifier_check(bad[i], "name", &err) != -EINVAL)
			fail_msg("\"%s\" accepted", bad[i]);
		assert_msg_contains(&err, "consecutive separators");
		assert_msg_contains(&err, "although actool accepts them");
	}
	assert_int_equal(rkt_ac_identifier_check("example..com/app", "name", &err), -EINVAL);
	assert_string_equal(err.msg, "name: \"example..com/app\" is not an AC identifier: "
	                             "consecutive separators \"..\" at position 8 (the spec's "
	                             "grammar forbids them, although actool accepts them)");
}

static void type3_ac_name_error_message(void **state)
{
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(rkt_ac_name_check("app_1", "app.ports[0].name", &err), -EINVAL);
	assert_string_equal(err.msg, "app.ports[0].name: \"app_1\" is not an AC name: '_' at "
	                             "position 4 is not allowed (only a-z 0-9 -)");
	assert_int_equal(rkt_ac_name_check("a--b", "apps[1].name", &err), -EINVAL);
	assert_msg_contains(&err, "consecutive separators \"--\" at position 2");
	assert_int_equal(rkt_ac_name_check(NULL, "x", &err), -EINVAL);
	assert_false(rkt_ac_name_is_valid(NULL));
	assert_false(rkt_ac_identifier_is_valid(NULL));
}

static void ac_name_sanitize_makes_valid_names(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "example.com/Foo_Bar", "foo-bar" },
		{ "example.com/app", "app" },
		{ "example.com/app/", "app" },
		{ "coreos.com/etcd..v2", "etcd-v2" },
		{ "--Hello,  World!--", "hello-world" },
		{ "UPPER", "upper" },
		{ "a/b/c-d", "c-d" },
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *s = rkt_ac_name_sanitize(cases[i].in);

		assert_non_null(s);
		assert_string_equal(s, cases[i].out);
		assert_true(rkt_ac_name_is_valid(s));
	}
	assert_null(rkt_ac_name_sanitize("example.com/___"));
	assert_null(rkt_ac_name_sanitize(""));
	assert_null(rkt_ac_name_sanitize("/"));
	assert_null(rkt_ac_name_sanitize(NULL));
}

static struct rkt_quantity quantity(const char *s)
{
	struct rkt_quantity q = { 0 };
	struct rkt_error err = { 0 };

	if (rkt_quantity_parse(s, &q, "q", &err) != 0)
		fail_msg("\"%s\" rejected: %s", s, err.msg);
	return q;
}

/* TYPE-13: the equivalences docs/conformance.md and the Go tests give */
static void type13_quantity_equivalent_spellings(void **state)
{
	static const char *const same[] = { "128974848",   "125952Ki",     "123Mi", "128974848e0",
		                            "128974.848k", "0.128974848G", "+123Mi" };

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(same); i++) {
		struct rkt_quantity q = quantity(same[i]);

		assert_int_equal(q.value, 128974848);
		assert_true(q.milli_valid);
		assert_int_equal(q.milli, 128974848000LL);
	}
	assert_int_equal(quantity("0.3").milli, 300);
	assert_int_equal(quantity("300m").milli, 300);
	assert_int_equal(quantity("0.3").value, 1);
	assert_int_equal(quantity("300m").value, 1);
}

static void type13_quantity_suffixes(void **state)
{
	static const struct {
		const char *s;
		int64_t value, milli;
	} cases[] = {
		{ "0", 0, 0 },
		{ "0Ki", 0, 0 },
		{ "0.0", 0, 0 },
		{ "-0", 0, 0 },
		{ "1", 1, 1000 },
		{ "1Ki", 1024, 1024000 },
		{ "7Mi", 7 << 20, (7LL << 20) * 1000 },
		{ "6Gi", 6LL << 30, (6LL << 30) * 1000 },
		{ "5Ti", 5LL << 40, (5LL << 40) * 1000 },
		{ "4Pi", 4LL << 50, (4LL << 50) * 1000 },
		{ "8k", 8000, 8000000 },
		{ "7M", 7000000, 7000000000LL },
		{ "6G", 6000000000LL, 6000000000000LL },
		{ "5T", 5000000000000LL, 5000000000000000LL },
		{ "2P", 2000000000000000LL, 2000000000000000000LL },
		{ "500m", 1, 500 },
		{ "250m", 1, 250 },
		{ "1500m", 2, 1500 },
		{ "1e3", 1000, 1000000 },
		{ "1E6", 1000000, 1000000000 },
		{ "1.3E+6", 1300000, 1300000000 },
		{ "1E-3", 1, 1 },
		{ "1.2e3", 1200, 1200000 },
		{ "100.035k", 100035, 100035000 },
		{ "0.5Mi", 524288, 524288000 },
		{ "1.5Gi", 1610612736, 1610612736000LL },
		{ "100.035Ki", 102436, 102435840 },
		{ "9.01", 10, 9010 },
		{ ".001", 1, 1 },
		{ "1.", 1, 1000 },
		{ "1.G", 1000000000, 1000000000000LL },
		{ "0.0005k", 1, 500 },
		{ "-1.5", -2, -1500 },
		{ "-250m", -1, -250 },
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct rkt_quantity q = quantity(cases[i].s);

		if (q.value != cases[i].value || q.milli != cases[i].milli || !q.milli_valid)
			fail_msg("\"%s\": value %lld milli %lld, want %lld %lld", cases[i].s,
			         (long long)q.value, (long long)q.milli, (long long)cases[i].value,
			         (long long)cases[i].milli);
	}
}

/* TYPE-13: finer than 1m rounds up to 1m (so a tiny request still gets something) */
static void type13_quantity_rounds_up_to_milli(void **state)
{
	static const char *const tiny[] = { "0.0001",
		                            "1n",
		                            "1u",
		                            "0.0000000001",
		                            "0.000000000001Ki",
		                            "1e-100000",
		                            "0.5e-9",
		                            "0.00000000000000000000000000000000000000000001" };

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(tiny); i++) {
		struct rkt_quantity q = quantity(tiny[i]);

		assert_int_equal(q.milli, 1);
		assert_int_equal(q.value, 1);
	}
	assert_int_equal(quantity("1.0001").milli, 1001);
	assert_int_equal(quantity("1.0001").value, 2);
	assert_int_equal(quantity("3.001n").milli, 1);
	assert_int_equal(quantity("0.0001Ki").milli, 103); /* 102.4m */
	assert_int_equal(quantity("-0.0001").milli, -1);
	assert_int_equal(quantity("0e999999999").value, 0);
	assert_int_equal(quantity("000000000000000000000000000000000001").value, 1);
}

static void type13_quantity_int64_limits(void **state)
{
	struct rkt_quantity q;
	struct rkt_error err = { 0 };

	(void)state;
	q = quantity("9223372036854775807");
	assert_int_equal(q.value, INT64_MAX);
	assert_false(q.milli_valid);
	q = quantity("-9223372036854775807");
	assert_int_equal(q.value, -INT64_MAX);
	q = quantity("7Ei");
	assert_int_equal(q.value, 7LL << 60);
	assert_false(q.milli_valid);
	q = quantity("9223372036854775.807k");
	assert_int_equal(q.value, INT64_MAX);
	q = quantity("9223372036854775807m");
	assert_true(q.milli_valid);
	assert_int_equal(q.milli, INT64_MAX);
	assert_int_equal(q.value, 9223372036854776LL);

	static const char *const over[] = { "9223372036854775808",
		                            "9223372036854775807.5",
		                            "8Ei",
		                            "9Ei",
		                            "9223372036854775807Ki",
		                            "10E",
		                            "1e19",
		                            "1e999999999",
		                            "-9223372036854775808",
		                            "100000000000000000000000000000000000000000000000" };
	for (size_t i = 0; i < ELEMENTSOF(over); i++) {
		q = (struct rkt_quantity){ .value = 42 };
		if (rkt_quantity_parse(over[i], &q, "limit", &err) != -EINVAL)
			fail_msg("\"%s\" accepted", over[i]);
		assert_int_equal(q.value, 42); /* untouched on failure */
		assert_msg_contains(&err, "is not a quantity: out of range");
	}
}

static void type13_quantity_garbage(void **state)
{
	static const char *const bad[] = { "",     "lots", "12Qi",  "1K",    "1ki",  "Ki",
		                           "1 Ki", " 1",   "1.2.3", "--1",   "+-1",  ".",
		                           "-",    "1e",   "1e+",   "1e3Ki", "0x10", "1,5",
		                           "1Ki ", "1i",   "∞",     "1E3.5" };
	struct rkt_error err = { 0 };
	struct rkt_quantity q;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		if (rkt_quantity_parse(bad[i], &q, "limit", &err) != -EINVAL)
			fail_msg("\"%s\" accepted", bad[i]);
	}
	assert_int_equal(rkt_quantity_parse("12Qi", &q, "app.isolators[1].value.limit", &err),
	                 -EINVAL);
	assert_string_equal(err.msg, "app.isolators[1].value.limit: \"12Qi\" is not a quantity");
	assert_int_equal(rkt_quantity_parse(NULL, &q, NULL, &err), -EINVAL);
}

static struct rkt_semver semver(const char *s)
{
	struct rkt_semver v = { 0 };
	struct rkt_error err = { 0 };

	if (rkt_semver_parse(s, &v, "acVersion", &err) != 0)
		fail_msg("\"%s\" rejected: %s", s, err.msg);
	return v;
}

/* TYPE-5 */
static void type5_semver_parse(void **state)
{
	struct rkt_semver v = semver("0.8.11");

	(void)state;
	assert_int_equal(v.major, 0);
	assert_int_equal(v.minor, 8);
	assert_int_equal(v.patch, 11);
	assert_null(v.prerelease);
	assert_null(v.build);
	rkt_semver_release(&v);

	v = semver("1.2.3-rc.1+build.5-x");
	assert_int_equal(v.major, 1);
	assert_string_equal(v.prerelease, "rc.1");
	assert_string_equal(v.build, "build.5-x");
	rkt_semver_release(&v);
	assert_null(v.prerelease);

	v = semver("0.0.0-alpha"); /* only the bare zero version is refused */
	rkt_semver_release(&v);
	v = semver("18446744073709551615.0.0");
	assert_true(v.major == UINT64_MAX);
	rkt_semver_release(&v);
	v = semver("0.8.11+001");
	rkt_semver_release(&v);
}

static void type5_semver_rejects(void **state)
{
	static const struct {
		const char *s, *why;
	} bad[] = {
		{ "0.0.0", "0.0.0 is not allowed" },
		{ "v0.8.11", "'v' prefix" },
		{ "V1.0.0", "'v' prefix" },
		{ "0.8", "MAJOR.MINOR.PATCH" },
		{ "0.8.", "MAJOR.MINOR.PATCH" },
		{ "", "MAJOR.MINOR.PATCH" },
		{ "1.2.3.4", "unexpected characters" },
		{ "01.0.0", "leading zeros" },
		{ "0.08.1", "leading zeros" },
		{ "0.8.11-", "pre-release" },
		{ "0.8.11-01", "pre-release" },
		{ "0.8.11-a..b", "pre-release" },
		{ "0.8.11-a_b", "unexpected" },
		{ "0.8.11+", "build metadata" },
		{ "0.8.11 ", "unexpected" },
		{ "18446744073709551616.0.0", "too large" },
		{ "-1.0.0", "MAJOR.MINOR.PATCH" },
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		struct rkt_semver v = { .major = 42 };
		struct rkt_error err = { 0 };

		if (rkt_semver_parse(bad[i].s, &v, "acVersion", &err) != -EINVAL)
			fail_msg("\"%s\" accepted", bad[i].s);
		assert_int_equal(v.major, 42);
		assert_msg_contains(&err, "acVersion: \"");
		assert_msg_contains(&err, "is not a SemVer version");
		assert_msg_contains(&err, bad[i].why);
	}
}

static void type5_semver_precedence(void **state)
{
	/* SemVer 2.0.0 item 11's example, in increasing order */
	static const char *const order[] = { "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
		                             "1.0.0-beta",  "1.0.0-beta.2",  "1.0.0-beta.11",
		                             "1.0.0-rc.1",  "1.0.0",         "1.0.1",
		                             "1.1.0",       "2.0.0",         "10.0.0" };

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(order); i++) {
		for (size_t j = 0; j < ELEMENTSOF(order); j++) {
			struct rkt_semver a = semver(order[i]), b = semver(order[j]);
			int want = i < j ? -1 : i > j ? 1 : 0;

			if (rkt_semver_compare(&a, &b) != want)
				fail_msg("compare(%s, %s) != %d", order[i], order[j], want);
			rkt_semver_release(&a);
			rkt_semver_release(&b);
		}
	}
	struct rkt_semver a = semver("1.0.0+a"), b = semver("1.0.0+b");
	assert_int_equal(rkt_semver_compare(&a, &b), 0); /* build metadata is ignored */
	rkt_semver_release(&a);
	rkt_semver_release(&b);
}

static void type5_ac_version_major_zero_only(void **state)
{
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(rkt_ac_version_check(RKT_APPC_VERSION, "acVersion", &err), 0);
	assert_int_equal(rkt_ac_version_check("0.3.0", "acVersion", &err), 0);
	assert_int_equal(rkt_ac_version_check("0.9.0-alpha", "acVersion", &err), 0);
	assert_int_equal(rkt_ac_version_check("1.0.0", "acVersion", &err), -EINVAL);
	assert_msg_contains(&err, "acVersion: \"1.0.0\" is not a supported AC version");
	assert_msg_contains(&err, "major version must be 0");
	assert_int_equal(rkt_ac_version_check("0.0.0", "acVersion", &err), -EINVAL);
	assert_msg_contains(&err, "0.0.0 is not allowed");
}

#define HEX128                                                                                  \
	"c53cd895fc1f85796b8c5c75c989bd392c5a0561f5c0969fabb174e2bfb90971155ad6c010128924c0e24" \
	"9c8dc753567a8948fb392cf57fbbff23ce6250891e9"

/* TYPE-6, TYPE-7, TYPE-8 */
static void type6_image_id(void **state)
{
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(rkt_image_id_check("sha512-" HEX128, true, "id", &err), 0);
	assert_int_equal(rkt_image_id_check("sha512-" HEX128, false, "id", &err), 0);
	assert_int_equal(rkt_image_id_check("sha512-...", false, "imageID", &err), 0);
	assert_int_equal(rkt_image_id_check("sha512-...", true, "imageID", &err), -EINVAL);
	assert_msg_contains(&err, "imageID: \"sha512-...\" is not a full image ID");
	assert_int_equal(rkt_image_id_check("sha512-C53CD895", true, "id", &err), -EINVAL);
	assert_int_equal(rkt_image_id_check("sha512-" HEX128 "0", true, "id", &err), -EINVAL);
	assert_int_equal(rkt_image_id_check("md5-abc", false, "id", &err), -EINVAL);
	assert_msg_contains(&err, "only the sha512 algorithm");
	assert_int_equal(rkt_image_id_check("SHA512-abc", false, "id", &err), -EINVAL);
	assert_int_equal(rkt_image_id_check("sha256-abc", false, "id", &err), -EINVAL);
	assert_int_equal(rkt_image_id_check("sha512abc", false, "id", &err), -EINVAL);
	assert_msg_contains(&err, "expected \"sha512-<digest>\"");
	assert_int_equal(rkt_image_id_check("sha512-", false, "id", &err), -EINVAL);
	assert_msg_contains(&err, "empty digest");
	assert_int_equal(rkt_image_id_check("sha512-a-b", false, "id", &err), -EINVAL);
	assert_int_equal(rkt_image_id_check(NULL, false, "id", &err), -EINVAL);
}

static void type8_image_id_short_and_prefix(void **state)
{
	char out[40];

	(void)state;
	rkt_image_id_short("sha512-" HEX128, out);
	assert_string_equal(out, "sha512-c53cd895fc1f85796b8c5c75c989bd39");
	assert_int_equal(strlen(out), 39);
	rkt_image_id_short("sha512-abc", out);
	assert_string_equal(out, "sha512-abc");

	assert_true(rkt_image_id_has_prefix("sha512-" HEX128, "sha512-c53c"));
	assert_true(rkt_image_id_has_prefix("sha512-" HEX128, "c53cd8"));
	assert_true(rkt_image_id_has_prefix("sha512-" HEX128, "C53CD8"));
	assert_true(rkt_image_id_has_prefix("sha512-" HEX128, "sha512-" HEX128));
	assert_false(rkt_image_id_has_prefix("sha512-" HEX128, "sha512-"));
	assert_false(rkt_image_id_has_prefix("sha512-" HEX128, ""));
	assert_false(rkt_image_id_has_prefix("sha512-" HEX128, "c53x"));
	assert_false(rkt_image_id_has_prefix("sha512-" HEX128, "d5"));
	assert_false(rkt_image_id_has_prefix("sha512-" HEX128, "sha512-" HEX128 "0"));
	assert_false(rkt_image_id_has_prefix("sha256-abc", "abc"));
}

/* TYPE-11 */
static void type11_uuid_roundtrip(void **state)
{
	static const char *const inputs[] = { "6733c88a-4f06-4b2c-8bdb-3bd6c3d2ff8f",
		                              "6733C88A-4F06-4B2C-8BDB-3BD6C3D2FF8F",
		                              "6733c88a4f064b2c8bdb3bd6c3d2ff8f" };
	struct rkt_error err = { 0 };
	uint8_t u[16];
	char s[37];

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(inputs); i++) {
		assert_int_equal(rkt_uuid_parse(inputs[i], u, "uuid", &err), 0);
		assert_int_equal(u[0], 0x67);
		assert_int_equal(u[15], 0x8f);
		rkt_uuid_format(u, s);
		assert_string_equal(s, inputs[0]);
	}
}

static void type11_uuid_rejects(void **state)
{
	static const char *const bad[] = { "",
		                           "00000000-0000-0000-0000-000000000000",
		                           "00000000000000000000000000000000",
		                           "6733c88a-4f06-4b2c-8bdb-3bd6c3d2ff8",
		                           "6733c88a-4f06-4b2c-8bdb-3bd6c3d2ff8ff",
		                           "6733c88a4-f06-4b2c-8bdb-3bd6c3d2ff8f",
		                           "6733c88a-4f06-4b2c-8bdb-3bd6c3d2ff8g",
		                           "{6733c88a-4f06-4b2c-8bdb-3bd6c3d2ff}" };
	struct rkt_error err = { 0 };
	uint8_t u[16] = { 0x42 };

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		if (rkt_uuid_parse(bad[i], u, "uuid", &err) != -EINVAL)
			fail_msg("\"%s\" accepted", bad[i]);
		assert_int_equal(u[0], 0x42);
		assert_msg_contains(&err, "is not a UUID");
	}
	assert_int_equal(rkt_uuid_parse(NULL, u, "uuid", &err), -EINVAL);
}

static void type11_uuid_generate_is_v4(void **state)
{
	struct rkt_error err = { 0 };
	uint8_t a[16], b[16];
	char s[37];

	(void)state;
	assert_int_equal(rkt_uuid_generate(a, &err), 0);
	assert_int_equal(rkt_uuid_generate(b, &err), 0);
	assert_memory_not_equal(a, b, 16);
	assert_int_equal(a[6] >> 4, 4);
	assert_int_equal(a[8] >> 6, 2);
	rkt_uuid_format(a, s);
	assert_int_equal(s[14], '4');
	assert_int_equal(rkt_uuid_parse(s, b, "uuid", &err), 0);
	assert_memory_equal(a, b, 16);
}

/* TYPE-10 */
static void type10_timestamps(void **state)
{
	static const char *const good[] = { "2015-05-18T13:49:28.351729952-04:00",
		                            "2015-05-18T13:49:28Z", "2016-02-29T00:00:00+00:00",
		                            "2000-02-29T23:59:59.1Z", "1999-12-31T23:59:59+14:00" };
	static const struct {
		const char *s, *why;
	} bad[] = {
		{ "2015-05-18 13:49:28Z", "separated by 'T'" },
		{ "2015-05-18t13:49:28Z", "separated by 'T'" },
		{ "2015-05-18T13:49:28", "time zone" },
		{ "2015-05-18T13:49Z", "hh:mm:ss" },
		{ "2015-02-29T00:00:00Z", "date out of range" },
		{ "1900-02-29T00:00:00Z", "date out of range" },
		{ "2015-13-01T00:00:00Z", "date out of range" },
		{ "2015-04-31T00:00:00Z", "date out of range" },
		{ "2015-05-18T24:00:00Z", "time out of range" },
		{ "2015-05-18T13:49:60Z", "time out of range" },
		{ "2015-05-18T13:49:28.Z", "digits after '.'" },
		{ "2015-05-18T13:49:28+0400", "offset" },
		{ "2015-05-18T13:49:28Zjunk", "unexpected" },
		{ "15-05-18T13:49:28Z", "YYYY-MM-DD" },
		{ "", "YYYY-MM-DD" },
	};
	struct rkt_error err = { 0 };

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(good); i++)
		if (rkt_timestamp_check(good[i], "created", &err) != 0)
			fail_msg("\"%s\" rejected: %s", good[i], err.msg);
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		if (rkt_timestamp_check(bad[i].s, "annotations[0].value", &err) != -EINVAL)
			fail_msg("\"%s\" accepted", bad[i].s);
		assert_msg_contains(&err, "annotations[0].value: \"");
		assert_msg_contains(&err, "is not an RFC 3339 timestamp");
		assert_msg_contains(&err, bad[i].why);
	}
}

/* TYPE-12 */
static void type12_urls(void **state)
{
	static const char *const good[] = { "http://example.com",
		                            "https://example.com/docs?x=1#top",
		                            "https://user:pw@example.com:8443/",
		                            "HTTP://EXAMPLE.COM",
		                            "http://[::1]:80/x",
		                            "http://192.0.2.1" };
	static const char *const bad[] = { "",
		                           "ftp://example.com",
		                           "example.com/docs",
		                           "http://",
		                           "http:///path",
		                           "http://exa mple.com",
		                           "http:example.com",
		                           "http://example.com:80x/",
		                           "http://[::1/",
		                           "http://a\tb",
		                           "mailto:x@example.com" };
	struct rkt_error err = { 0 };

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(good); i++)
		if (rkt_http_url_check(good[i], "homepage", &err) != 0)
			fail_msg("\"%s\" rejected: %s", good[i], err.msg);
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		if (rkt_http_url_check(bad[i], "homepage", &err) != -EINVAL)
			fail_msg("\"%s\" accepted", bad[i]);
		assert_msg_contains(&err, "is not an http(s) URL");
	}
}

/* MAN-19 */
static void man19_env_names(void **state)
{
	static const char *const good[] = { "FOO", "_", "foo_bar", "a.b-c", "PATH9", "x-" };
	static const char *const bad[] = { "", "1FOO", "FOO BAR", "-x", ".x", "a=b", "é" };
	struct rkt_error err = { 0 };

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(good); i++)
		assert_int_equal(rkt_env_name_check(good[i], "env", &err), 0);
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		if (rkt_env_name_check(bad[i], "app.environment[0].name", &err) != -EINVAL)
			fail_msg("\"%s\" accepted", bad[i]);
		assert_msg_contains(&err, "is not a valid environment variable name");
	}
	assert_int_equal(rkt_env_name_check("FOO BAR", "env", &err), -EINVAL);
	assert_msg_contains(&err, "space at position 4");
}

/* MAN-7 */
static void man7_os_arch(void **state)
{
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(rkt_os_arch_check("linux", "amd64", "labels", &err), 0);
	assert_int_equal(rkt_os_arch_check("linux", "aarch64", "labels", &err), 0);
	assert_int_equal(rkt_os_arch_check("linux", "s390x", "labels", &err), 0);
	assert_int_equal(rkt_os_arch_check("freebsd", "arm", "labels", &err), 0);
	assert_int_equal(rkt_os_arch_check("darwin", "x86_64", "labels", &err), 0);
	assert_int_equal(rkt_os_arch_check("linux", NULL, "labels", &err), 0);
	assert_int_equal(rkt_os_arch_check(NULL, "anything", "labels", &err), 0);
	assert_int_equal(rkt_os_arch_check(NULL, NULL, "labels", &err), 0);

	assert_int_equal(rkt_os_arch_check("linux", "arm64", "labels", &err), -EINVAL);
	assert_string_equal(err.msg, "labels: \"arm64\" is not a known arch for os \"linux\" "
	                             "(must be one of: amd64, i386, aarch64, aarch64_be, armv6l, "
	                             "armv7l, armv7b, ppc64, ppc64le, s390x)");
	assert_int_equal(rkt_os_arch_check("linux", "arm", "labels", &err), -EINVAL);
	assert_int_equal(rkt_os_arch_check("freebsd", "armv7b", "labels", &err), -EINVAL);
	assert_int_equal(rkt_os_arch_check("darwin", "amd64", "labels", &err), -EINVAL);
	assert_int_equal(rkt_os_arch_check("linux", "AMD64", "labels", &err), -EINVAL);
	assert_int_equal(rkt_os_arch_check("Linux", NULL, "labels", &err), -EINVAL);
	assert_int_equal(rkt_os_arch_check("plan9", "amd64", "labels", &err), -EINVAL);
	assert_string_equal(err.msg, "labels: \"plan9\" is not a known os (must be one of: "
	                             "darwin, freebsd, linux)");
}

static void abs_path(void **state)
{
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(rkt_abs_path_check("/", "path", &err), 0);
	assert_int_equal(rkt_abs_path_check("/opt/../x", "path", &err), 0);
	assert_int_equal(rkt_abs_path_check("opt", "app.workingDirectory", &err), -EINVAL);
	assert_string_equal(err.msg, "app.workingDirectory: \"opt\" is not an absolute path");
	assert_int_equal(rkt_abs_path_check("", "path", &err), -EINVAL);
	assert_int_equal(rkt_abs_path_check(NULL, "path", &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(type1_ac_identifier_vectors),
		cmocka_unit_test(type3_ac_name_vectors),
		cmocka_unit_test(type1_error_names_field_value_and_reason),
		cmocka_unit_test(type2_consecutive_separators),
		cmocka_unit_test(type3_ac_name_error_message),
		cmocka_unit_test(ac_name_sanitize_makes_valid_names),
		cmocka_unit_test(type13_quantity_equivalent_spellings),
		cmocka_unit_test(type13_quantity_suffixes),
		cmocka_unit_test(type13_quantity_rounds_up_to_milli),
		cmocka_unit_test(type13_quantity_int64_limits),
		cmocka_unit_test(type13_quantity_garbage),
		cmocka_unit_test(type5_semver_parse),
		cmocka_unit_test(type5_semver_rejects),
		cmocka_unit_test(type5_semver_precedence),
		cmocka_unit_test(type5_ac_version_major_zero_only),
		cmocka_unit_test(type6_image_id),
		cmocka_unit_test(type8_image_id_short_and_prefix),
		cmocka_unit_test(type11_uuid_roundtrip),
		cmocka_unit_test(type11_uuid_rejects),
		cmocka_unit_test(type11_uuid_generate_is_v4),
		cmocka_unit_test(type10_timestamps),
		cmocka_unit_test(type12_urls),
		cmocka_unit_test(man19_env_names),
		cmocka_unit_test(man7_os_arch),
		cmocka_unit_test(abs_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
