/* Isolators (docs/conformance.md: TYPE-9, ISO-1..18): the known ones are value-checked as the appc
 * 0.8.11 schema code does, unknown ones are kept verbatim for the executor to report as
 * ignored (ISO-1, MAN-26). The parsed value is kept as a json-c reference, so serializing
 * reproduces exactly what was read. */
#include "appc/manifest.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "appc/types-internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/* Messages quote at most this much of an offending JSON value. */
#define JSON_EXCERPT 64

static const char *const isolator_names[_RKT_ISOLATOR_MAX] = {
	[RKT_ISOLATOR_RESOURCE_CPU] = "resource/cpu",
	[RKT_ISOLATOR_RESOURCE_MEMORY] = "resource/memory",
	[RKT_ISOLATOR_RESOURCE_BLOCK_BANDWIDTH] = "resource/block-bandwidth",
	[RKT_ISOLATOR_RESOURCE_BLOCK_IOPS] = "resource/block-iops",
	[RKT_ISOLATOR_RESOURCE_NETWORK_BANDWIDTH] = "resource/network-bandwidth",
	[RKT_ISOLATOR_CAPABILITIES_RETAIN] = "os/linux/capabilities-retain-set",
	[RKT_ISOLATOR_CAPABILITIES_REMOVE] = "os/linux/capabilities-remove-set",
	[RKT_ISOLATOR_NO_NEW_PRIVILEGES] = "os/linux/no-new-privileges",
	[RKT_ISOLATOR_SECCOMP_REMOVE] = "os/linux/seccomp-remove-set",
	[RKT_ISOLATOR_SECCOMP_RETAIN] = "os/linux/seccomp-retain-set",
	[RKT_ISOLATOR_SELINUX_CONTEXT] = "os/linux/selinux-context",
	[RKT_ISOLATOR_OOM_SCORE_ADJ] = "os/linux/oom-score-adj",
	[RKT_ISOLATOR_CPU_SHARES] = "os/linux/cpu-shares",
	[RKT_ISOLATOR_SYSCTL] = "os/unix/sysctl",
};

const char *rkt_isolator_type_name(enum rkt_isolator_type t)
{
	if ((unsigned)t >= _RKT_ISOLATOR_MAX)
		return NULL;
	return isolator_names[t];
}

enum rkt_isolator_type rkt_isolator_type_from_name(const char *name)
{
	if (!name)
		return RKT_ISOLATOR_UNKNOWN;
	for (unsigned t = RKT_ISOLATOR_UNKNOWN + 1; t < _RKT_ISOLATOR_MAX; t++)
		if (strcmp(name, isolator_names[t]) == 0)
			return (enum rkt_isolator_type)t;
	return RKT_ISOLATOR_UNKNOWN;
}

static bool is_resource(enum rkt_isolator_type t)
{
	return t >= RKT_ISOLATOR_RESOURCE_CPU && t <= RKT_ISOLATOR_RESOURCE_NETWORK_BANDWIDTH;
}

static bool is_set(enum rkt_isolator_type t)
{
	return t == RKT_ISOLATOR_CAPABILITIES_RETAIN || t == RKT_ISOLATOR_CAPABILITIES_REMOVE ||
	       t == RKT_ISOLATOR_SECCOMP_REMOVE || t == RKT_ISOLATOR_SECCOMP_RETAIN;
}

static bool is_seccomp(enum rkt_isolator_type t)
{
	return t == RKT_ISOLATOR_SECCOMP_REMOVE || t == RKT_ISOLATOR_SECCOMP_RETAIN;
}

static const char *json_kind(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "boolean";
	case json_type_double:
	case json_type_int:
		return "number";
	case json_type_object:
		return "object";
	case json_type_array:
		return "array";
	case json_type_string:
		return "string";
	}
	return "value";
}

static int type_error(struct json_object *v, const char *field, const char *want,
                      struct rkt_error *err)
{
	const char *text = json_object_to_json_string_ext(
	        v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

	return rkt_field_error(err, field, "expected %s, got %s %.*s%s", want, json_kind(v),
	                       JSON_EXCERPT, text, strlen(text) > JSON_EXCERPT ? "..." : "");
}

/* "FIELD.NAME", or NAME for the top level; a new string. */
static char *member_path(const char *field, const char *name)
{
	if (!field || !*field)
		return xstrdup(name);
	return xasprintf("%s.%s", field, name);
}

/* Member NAME of OBJ, NULL if absent or JSON null (Go's decoder treats both alike). */
static struct json_object *member(struct json_object *obj, const char *name)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(obj, name, &v))
		return NULL;
	return v;
}

/* Member NAME of OBJ, which must be a string; PATH names it in errors. */
static int required_string(struct json_object *obj, const char *name, const char *path,
                           const char **ret, struct rkt_error *err)
{
	struct json_object *v = member(obj, name);

	if (!v)
		return rkt_field_error(err, path, "required field is missing");
	if (!json_object_is_type(v, json_type_string))
		return type_error(v, path, "a string", err);
	*ret = json_object_get_string(v);
	return 0;
}

static int expect_object(struct json_object *v, const char *field, struct rkt_error *err)
{
	if (!json_object_is_type(v, json_type_object))
		return type_error(v, field, "an object", err);
	return 0;
}

/* ISO-3: a request or limit. Go also decodes a bare JSON number; its text is the quantity. */
static int parse_quantity_member(struct json_object *obj, const char *name, const char *field,
                                 bool *has, struct rkt_quantity *q, struct rkt_error *err)
{
	struct json_object *v = member(obj, name);
	_cleanup_free_ char *path = member_path(field, name);
	int r;

	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_string) && !json_object_is_type(v, json_type_int) &&
	    !json_object_is_type(v, json_type_double))
		return type_error(v, path, "a quantity string", err);
	r = rkt_quantity_parse(json_object_get_string(v), q, path, err);
	if (r < 0)
		return r;
	/* Go's schema takes "-1" and the kernel would be asked for nothing sensible: refused
	 * (docs/security.md). */
	if (q->value < 0 || (q->milli_valid && q->milli < 0))
		return rkt_field_value_error(err, path, json_object_get_string(v),
		                             "must not be negative");
	*has = true;
	return 0;
}

static int parse_resource(struct json_object *v, const char *field, struct rkt_isolator *iso,
                          struct rkt_error *err)
{
	struct json_object *def;
	_cleanup_free_ char *def_path = member_path(field, "default");
	bool want_default =
	        iso->type != RKT_ISOLATOR_RESOURCE_CPU && iso->type != RKT_ISOLATOR_RESOURCE_MEMORY;
	int r;

	r = expect_object(v, field, err);
	if (r < 0)
		return r;
	def = member(v, "default");
	if (def && !json_object_is_type(def, json_type_boolean))
		return type_error(def, def_path, "a boolean", err);
	iso->u.resource.is_default = def && json_object_get_boolean(def);
	r = parse_quantity_member(v, "request", field, &iso->u.resource.has_request,
	                          &iso->u.resource.request, err);
	if (r < 0)
		return r;
	r = parse_quantity_member(v, "limit", field, &iso->u.resource.has_limit,
	                          &iso->u.resource.limit, err);
	if (r < 0)
		return r;

	/* ISO-4..8: cpu and memory are per app; the block and network ones only have a
	 * default for all devices, so "default" must say so and there is no request. */
	if (iso->u.resource.is_default != want_default)
		return rkt_field_error(err, def_path, "must be %s for %s",
		                       want_default ? "true" : "false or absent", iso->name);
	if (want_default && iso->u.resource.has_request)
		return rkt_field_error(err, field, "request is not supported by %s, only limit",
		                       iso->name);
	return 0;
}

/* ISO-15: the Go schema's rule, 'E' then upper-case letters and digits; "" means SIGSYS. */
static int errno_name_check(const char *s, const char *field, struct rkt_error *err)
{
	if (!*s)
		return 0;
	for (const char *p = s; *p; p++)
		if (p == s ? *p != 'E' : !((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			return rkt_field_value_error(err, field, s,
			                             "is not an errno name: must be 'E' followed "
			                             "by upper-case letters and digits, like "
			                             "\"EPERM\"");
	return 0;
}

static int parse_string_list(struct json_object *v, const char *field, struct rkt_strv *ret,
                             struct rkt_error *err)
{
	size_t n;

	if (!json_object_is_type(v, json_type_array))
		return type_error(v, field, "a list of strings", err);
	n = json_object_array_length(v);
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);

		if (!json_object_is_type(e, json_type_string) ||
		    json_object_get_string_len(e) == 0) {
			_cleanup_free_ char *path = xasprintf("%s[%zu]", field, i);

			return type_error(e, path, "a non-empty string", err);
		}
		rkt_strv_push(ret, json_object_get_string(e));
	}
	return 0;
}

/* ISO-9, ISO-10, ISO-13, ISO-14: {"set": [...]} (non-empty), seccomp also "errno". */
static int parse_set(struct json_object *v, const char *field, struct rkt_isolator *iso,
                     struct rkt_error *err)
{
	_cleanup_free_ char *set_path = member_path(field, "set");
	struct json_object *set, *errno_v;
	int r;

	r = expect_object(v, field, err);
	if (r < 0)
		return r;
	set = member(v, "set");
	if (!set)
		return rkt_field_error(err, set_path, "required field is missing");
	r = parse_string_list(set, set_path, &iso->u.set.set, err);
	if (r < 0)
		return r;
	if (iso->u.set.set.n == 0)
		return rkt_field_error(err, set_path, "must not be empty");
	if (!is_seccomp(iso->type))
		return 0;

	errno_v = member(v, "errno");
	if (!errno_v)
		return 0;
	_cleanup_free_ char *errno_path = member_path(field, "errno");
	if (!json_object_is_type(errno_v, json_type_string))
		return type_error(errno_v, errno_path, "a string", err);
	r = errno_name_check(json_object_get_string(errno_v), errno_path, err);
	if (r < 0)
		return r;
	iso->u.set.errno_name = xstrdup(json_object_get_string(errno_v));
	return 0;
}

/* ISO-16: four non-empty parts; only the level may contain ':' ("s0-s0:c0.c1023"). */
static int parse_selinux(struct json_object *v, const char *field, struct rkt_isolator *iso,
                         struct rkt_error *err)
{
	static const char *const parts[] = { "user", "role", "type", "level" };
	char **dst[] = { &iso->u.selinux.user, &iso->u.selinux.role, &iso->u.selinux.type,
		         &iso->u.selinux.level };
	int r;

	r = expect_object(v, field, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ELEMENTSOF(parts); i++) {
		_cleanup_free_ char *path = member_path(field, parts[i]);
		const char *s;

		r = required_string(v, parts[i], path, &s, err);
		if (r < 0)
			return r;
		if (!*s)
			return rkt_field_value_error(err, path, s,
			                             "is not a valid SELinux %s: must not be empty",
			                             parts[i]);
		if (i < 3 && strchr(s, ':'))
			return rkt_field_value_error(err, path, s,
			                             "is not a valid SELinux %s: must not contain "
			                             "':'",
			                             parts[i]);
		*dst[i] = xstrdup(s);
	}
	return 0;
}

/* ISO-17: plain JSON integers, as Go decodes them into an int. */
static int parse_integer(struct json_object *v, const char *field, struct rkt_isolator *iso,
                         struct rkt_error *err)
{
	int64_t min = iso->type == RKT_ISOLATOR_OOM_SCORE_ADJ ? -1000 : 2;
	int64_t max = iso->type == RKT_ISOLATOR_OOM_SCORE_ADJ ? 1000 : 262144;
	int64_t n;

	if (!json_object_is_type(v, json_type_int))
		return type_error(v, field, "an integer", err);
	/* json-c clamps literals beyond 64 bits to the extremes, which are out of range too. */
	n = json_object_get_int64(v);
	if (n < min || n > max)
		return rkt_field_error(err, field,
		                       "%s is out of range for %s (%" PRId64 "..%" PRId64 ")",
		                       json_object_get_string(v), iso->name, min, max);
	iso->u.integer = n;
	return 0;
}

/* ISO-18: {"key": "value"}; values are strings (keys are for the executor to vet). */
static int parse_sysctl(struct json_object *v, const char *field, struct rkt_isolator *iso,
                        struct rkt_error *err)
{
	int r;

	r = expect_object(v, field, err);
	if (r < 0)
		return r;
	json_object_object_foreach (v, key, val) {
		if (!json_object_is_type(val, json_type_string)) {
			_cleanup_free_ char *path = member_path(field, key);

			return type_error(val, path, "a string", err);
		}
		rkt_kv_list_set(&iso->u.sysctl, key, json_object_get_string(val));
	}
	return 0;
}

static int parse_value(struct json_object *v, const char *field, struct rkt_isolator *iso,
                       struct rkt_error *err)
{
	if (is_resource(iso->type))
		return parse_resource(v, field, iso, err);
	if (is_set(iso->type))
		return parse_set(v, field, iso, err);
	switch (iso->type) {
	case RKT_ISOLATOR_NO_NEW_PRIVILEGES:
		if (!json_object_is_type(v, json_type_boolean))
			return type_error(v, field, "a boolean", err);
		iso->u.no_new_privileges = json_object_get_boolean(v);
		return 0;
	case RKT_ISOLATOR_SELINUX_CONTEXT:
		return parse_selinux(v, field, iso, err);
	case RKT_ISOLATOR_OOM_SCORE_ADJ:
	case RKT_ISOLATOR_CPU_SHARES:
		return parse_integer(v, field, iso, err);
	case RKT_ISOLATOR_SYSCTL:
		return parse_sysctl(v, field, iso, err);
	default:
		/* ISO-1: unknown isolators are the executor's to report, not ours to judge. */
		return 0;
	}
}

int rkt_isolator_parse(struct json_object *obj, const char *field, struct rkt_isolator *ret,
                       struct rkt_error *err)
{
	_cleanup_(rkt_isolator_release) struct rkt_isolator iso = { 0 };
	_cleanup_free_ char *name_path = member_path(field, "name");
	_cleanup_free_ char *value_path = member_path(field, "value");
	struct json_object *value = NULL;
	const char *name;
	int r;

	r = expect_object(obj, field, err);
	if (r < 0)
		return r;
	r = required_string(obj, "name", name_path, &name, err);
	if (r < 0)
		return r;
	r = rkt_ac_identifier_check(name, name_path, err);
	if (r < 0)
		return r;
	iso.name = xstrdup(name);
	iso.type = rkt_isolator_type_from_name(iso.name);

	/* TYPE-9: "value" is required (a missing one crashes actool 0.8.11). An explicit null
	 * is kept for unknown isolators, whose values we do not judge. */
	if (!json_object_object_get_ex(obj, "value", &value) ||
	    (!value && iso.type != RKT_ISOLATOR_UNKNOWN))
		return rkt_field_error(err, value_path, "required field is missing");
	iso.value = json_object_get(value);
	r = parse_value(value, value_path, &iso, err);
	if (r < 0)
		return r;

	*ret = iso;
	iso = (struct rkt_isolator){ 0 };
	return 0;
}

/* ISO-2: these may appear at most once per list. */
static bool multiple_allowed(enum rkt_isolator_type t)
{
	switch (t) {
	case RKT_ISOLATOR_SECCOMP_REMOVE:
	case RKT_ISOLATOR_SECCOMP_RETAIN:
	case RKT_ISOLATOR_SELINUX_CONTEXT:
	case RKT_ISOLATOR_OOM_SCORE_ADJ:
	case RKT_ISOLATOR_CPU_SHARES:
	case RKT_ISOLATOR_SYSCTL:
		return false;
	default:
		return true;
	}
}

int rkt_isolator_list_check(const struct rkt_isolator_list *l, const char *field,
                            struct rkt_error *err)
{
	const char *f = field ? field : "";

	for (size_t i = 0; i < l->n; i++) {
		const struct rkt_isolator *a = &l->items[i];

		for (size_t j = 0; j < i; j++) {
			const struct rkt_isolator *b = &l->items[j];

			if (a->type == RKT_ISOLATOR_UNKNOWN)
				break;
			if (a->type == b->type && !multiple_allowed(a->type))
				return rkt_error_set(err, EINVAL,
				                     "%s[%zu]: more than one %s isolator (see "
				                     "%s[%zu]); only one is allowed",
				                     f, i, a->name, f, j);
			/* ISO-15: one list of syscalls is either allowed or denied. */
			if (is_seccomp(a->type) && is_seccomp(b->type) && a->type != b->type)
				return rkt_error_set(
				        err, EINVAL,
				        "%s[%zu]: %s cannot be combined with %s (%s[%zu])", f, i,
				        a->name, b->name, f, j);
		}
	}
	return 0;
}

void rkt_isolator_release(struct rkt_isolator *iso)
{
	if (!iso)
		return;
	if (is_set(iso->type)) {
		rkt_strv_release(&iso->u.set.set);
		free(iso->u.set.errno_name);
	} else if (iso->type == RKT_ISOLATOR_SELINUX_CONTEXT) {
		free(iso->u.selinux.user);
		free(iso->u.selinux.role);
		free(iso->u.selinux.type);
		free(iso->u.selinux.level);
	} else if (iso->type == RKT_ISOLATOR_SYSCTL) {
		rkt_kv_list_release(&iso->u.sysctl);
	}
	free(iso->name);
	json_object_put(iso->value);
	*iso = (struct rkt_isolator){ 0 };
}

void rkt_isolator_list_release(struct rkt_isolator_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		rkt_isolator_release(&l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}
