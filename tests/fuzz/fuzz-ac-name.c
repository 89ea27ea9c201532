/* libFuzzer target for the appc value checkers (lib/appc/types.h): AC identifiers and names,
 * sanitized names, quantities, SemVer, image IDs, UUIDs, timestamps, URLs, environment
 * names. Besides memory errors it checks the invariants the callers rely on. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "appc/types.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_result(int r, const struct rkt_error *err)
{
	/* every failure is -EINVAL with a message; success leaves the error alone */
	if (r != 0 && (r != -EINVAL || err->code != EINVAL || !err->msg[0]))
		abort();
	if (r == 0 && err->code != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *s = xstrndup((const char *)data, size);
	struct rkt_error err = { 0 };
	struct rkt_quantity q;
	struct rkt_semver v = { 0 };
	uint8_t uuid[16];
	char buf[40];
	int r;

	r = rkt_ac_identifier_check(s, "name", &err);
	check_result(r, &err);
	if ((r == 0) != rkt_ac_identifier_is_valid(s))
		abort();
	rkt_error_clear(&err);

	r = rkt_ac_name_check(s, "name", &err);
	check_result(r, &err);
	if ((r == 0) != rkt_ac_name_is_valid(s))
		abort();
	/* an AC name is also an AC identifier */
	if (r == 0 && !rkt_ac_identifier_is_valid(s))
		abort();
	rkt_error_clear(&err);

	_cleanup_free_ char *sanitized = rkt_ac_name_sanitize(s);
	if (sanitized && !rkt_ac_name_is_valid(sanitized))
		abort();

	r = rkt_quantity_parse(s, &q, "limit", &err);
	check_result(r, &err);
	/* the base-unit value is the thousandths rounded up, away from zero */
	if (r == 0 && q.milli_valid) {
		/* in 128 bits: thousandths near INT64_MAX would overflow the rounding */
		__int128 m = q.milli;
		__int128 up = m >= 0 ? (m + 999) / 1000 : -((-m + 999) / 1000);

		if (q.value != up)
			abort();
	}
	rkt_error_clear(&err);

	r = rkt_semver_parse(s, &v, "acVersion", &err);
	check_result(r, &err);
	if (r == 0 && rkt_semver_compare(&v, &v) != 0)
		abort();
	rkt_semver_release(&v);
	rkt_error_clear(&err);
	check_result(rkt_ac_version_check(s, "acVersion", &err), &err);
	rkt_error_clear(&err);

	check_result(rkt_image_id_check(s, false, "id", &err), &err);
	rkt_error_clear(&err);
	check_result(rkt_image_id_check(s, true, "id", &err), &err);
	rkt_error_clear(&err);
	rkt_image_id_short(s, buf);
	(void)rkt_image_id_has_prefix(s, s);

	r = rkt_uuid_parse(s, uuid, "uuid", &err);
	check_result(r, &err);
	if (r == 0) {
		char out[37];
		uint8_t again[16];

		rkt_uuid_format(uuid, out);
		if (rkt_uuid_parse(out, again, "uuid", &err) != 0 || memcmp(uuid, again, 16) != 0)
			abort();
	}
	rkt_error_clear(&err);

	check_result(rkt_timestamp_check(s, "created", &err), &err);
	rkt_error_clear(&err);
	check_result(rkt_http_url_check(s, "homepage", &err), &err);
	rkt_error_clear(&err);
	check_result(rkt_env_name_check(s, "env", &err), &err);
	rkt_error_clear(&err);
	check_result(rkt_os_arch_check("linux", s, "labels", &err), &err);
	rkt_error_clear(&err);
	check_result(rkt_abs_path_check(s, "path", &err), &err);
	return 0;
}
