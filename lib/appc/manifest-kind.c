/* acKind (TYPE-4, GEN-4): which schema a JSON document claims to follow. */
#include <errno.h>
#include <string.h>

#include "appc/json-dispatch.h"
#include "appc/manifest-internal.h"
#include "appc/manifest.h"
#include "util/cleanup.h"
#include "util/json-util.h"

static const char *const kind_names[] = {
	[RKT_MANIFEST_IMAGE] = "ImageManifest",
	[RKT_MANIFEST_POD] = "PodManifest",
};

int appc_kind_parse(struct json_object *obj, enum rkt_manifest_kind *ret, struct rkt_error *err)
{
	struct json_object *v = NULL;
	const char *s;

	if (!json_object_is_type(obj, json_type_object))
		return appc_json_type_error(obj, "document", "an object", err);
	if (!json_object_object_get_ex(obj, "acKind", &v) || !v)
		return rkt_error_set(err, EINVAL, "acKind: required field is missing");
	if (!json_object_is_type(v, json_type_string))
		return appc_json_type_error(v, "acKind", "a string", err);
	s = json_object_get_string(v);
	/* kinds are case-sensitive (TYPE-4) */
	for (size_t k = 0; k < ELEMENTSOF(kind_names); k++) {
		if (kind_names[k] && strcmp(s, kind_names[k]) == 0) {
			*ret = (enum rkt_manifest_kind)k;
			return 0;
		}
	}
	return rkt_error_set(err, EINVAL,
	                     "acKind: \"%s\" is not a known kind (ImageManifest, PodManifest)", s);
}

int appc_kind_expect(struct json_object *obj, enum rkt_manifest_kind want, struct rkt_error *err)
{
	enum rkt_manifest_kind kind = RKT_MANIFEST_UNKNOWN;
	int r;

	r = appc_kind_parse(obj, &kind, err);
	if (r < 0)
		return r;
	if (kind != want)
		return rkt_error_set(err, EINVAL, "acKind: \"%s\" is not \"%s\"", kind_names[kind],
		                     kind_names[want]);
	return 0;
}

int appc_manifest_decode(struct json_object *obj, const char *what, enum rkt_manifest_kind kind,
                         const struct json_field *table, void *dst,
                         int (*check)(const void *dst, struct rkt_error *err),
                         struct rkt_error *err)
{
	int r;

	r = appc_kind_expect(obj, kind, err);
	if (r >= 0)
		r = appc_json_dispatch(obj, "", table, dst, err);
	if (r >= 0)
		r = check(dst, err);
	if (r < 0)
		return appc_wrap(err, r, what);
	return 0;
}

int rkt_manifest_kind_detect(const char *buf, size_t len, const char *what,
                             enum rkt_manifest_kind *ret, struct rkt_error *err)
{
	_cleanup_(json_object_putp) struct json_object *obj = NULL;
	int r;

	r = rkt_json_parse(buf, len, what, &obj, err);
	if (r < 0)
		return r;
	r = appc_kind_parse(obj, ret, err);
	if (r < 0)
		return appc_wrap(err, r, what);
	return 0;
}
