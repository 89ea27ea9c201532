#include "appc/json-dispatch.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/xalloc.h"

/* Longest excerpt of a bad value quoted in an error message. */
#define VALUE_EXCERPT 64

char *appc_json_path_member(const char *parent, const char *name)
{
	if (!parent || !*parent)
		return xstrdup(name);
	return xasprintf("%s.%s", parent, name);
}

char *appc_json_path_index(const char *parent, size_t i)
{
	return xasprintf("%s[%zu]", parent, i);
}

static const char *type_name(json_type t)
{
	switch (t) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
		return "a number";
	case json_type_int:
		return "an integer";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	}
	return "a JSON value";
}

int appc_json_type_error(struct json_object *v, const char *field, const char *want,
                         struct rkt_error *err)
{
	const char *text = json_object_to_json_string_ext(
	        v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t len = strlen(text);

	if (len > VALUE_EXCERPT)
		return rkt_error_set(err, EINVAL, "%s: expected %s, got %s %.*s...", field, want,
		                     type_name(json_object_get_type(v)), VALUE_EXCERPT, text);
	return rkt_error_set(err, EINVAL, "%s: expected %s, got %s %s", field, want,
	                     type_name(json_object_get_type(v)), text);
}

static struct json_object *member(struct json_object *obj, const char *name)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(obj, name, &v))
		return NULL;
	return v; /* NULL for JSON null as well */
}

int appc_json_dispatch(struct json_object *obj, const char *field, const struct json_field *table,
                       void *dst, struct rkt_error *err)
{
	const struct json_field *prev = NULL;
	bool prev_found = false;

	if (!json_object_is_type(obj, json_type_object))
		return appc_json_type_error(obj, field && *field ? field : "document", "an object",
		                            err);
	for (const struct json_field *f = table; f->name; f++) {
		struct json_object *v = member(obj, f->name);
		_cleanup_free_ char *path = appc_json_path_member(field, f->name);
		int r;

		if (f->flags & JSON_FIELD_ALIAS) {
			if (v && prev_found)
				return rkt_error_set(err, EINVAL, "%s: also given as %s", path,
				                     prev->name);
			if (!v && prev_found)
				continue;
		} else {
			prev = f;
			prev_found = v != NULL;
		}
		if (!v) {
			/* a required member may come under its alias, which follows it */
			if ((f->flags & JSON_FIELD_REQUIRED) &&
			    !((f + 1)->name && ((f + 1)->flags & JSON_FIELD_ALIAS) &&
			      member(obj, (f + 1)->name)))
				return rkt_error_set(err, EINVAL, "%s: required field is missing",
				                     path);
			continue;
		}
		if (!json_object_is_type(v, f->type))
			return appc_json_type_error(v, path, type_name(f->type), err);
		r = f->parse(v, path, (char *)dst + f->offset, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int appc_json_parse_string(struct json_object *v, const char *field, void *dst,
                           struct rkt_error *err)
{
	char **s = dst;
	const char *str = json_object_get_string(v);
	size_t len = (size_t)json_object_get_string_len(v);

	/* C strings end at NUL; refusing it keeps what we store equal to what was written */
	if (strlen(str) != len)
		return rkt_error_set(err, EINVAL, "%s: \"%s\\u0000...\" contains a NUL character",
		                     field, str);
	free(*s);
	*s = xstrdup(str);
	return 0;
}

int appc_json_parse_bool(struct json_object *v, const char *field, void *dst, struct rkt_error *err)
{
	bool *b = dst;

	*b = json_object_get_boolean(v);
	return 0;
}

int appc_json_parse_strv(struct json_object *v, const char *field, void *dst, struct rkt_error *err)
{
	struct rkt_strv *sv = dst;
	size_t n = json_object_array_length(v);

	rkt_strv_release(sv);
	/* non-NULL even when empty: [] and an absent list serialize differently */
	sv->items = xmalloc_array(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);
		_cleanup_free_ char *path = appc_json_path_index(field, i);
		char *s = NULL;
		int r;

		if (!json_object_is_type(e, json_type_string))
			return appc_json_type_error(e, path, "a string", err);
		r = appc_json_parse_string(e, path, &s, err);
		if (r < 0)
			return r;
		sv->items[sv->n++] = s;
	}
	return 0;
}

int appc_json_get_int(struct json_object *v, const char *field, int64_t min, int64_t max,
                      int64_t *ret, struct rkt_error *err)
{
	int64_t i;

	if (!json_object_is_type(v, json_type_int))
		return appc_json_type_error(v, field, "an integer", err);
	i = json_object_get_int64(v);
	if (i == INT64_MAX || i == INT64_MIN || i < min || i > max)
		return rkt_error_set(err, EINVAL, "%s: %s is out of range %" PRId64 "..%" PRId64,
		                     field, json_object_to_json_string(v), min, max);
	*ret = i;
	return 0;
}

int appc_json_get_u64(struct json_object *v, const char *field, uint64_t *ret,
                      struct rkt_error *err)
{
	uint64_t u;

	if (!json_object_is_type(v, json_type_int))
		return appc_json_type_error(v, field, "an integer", err);
	if (json_object_get_int64(v) < 0)
		return rkt_error_set(err, EINVAL, "%s: %s is negative", field,
		                     json_object_to_json_string(v));
	u = json_object_get_uint64(v);
	if (u == UINT64_MAX)
		return rkt_error_set(err, EINVAL, "%s: %s is out of range", field,
		                     json_object_to_json_string(v));
	*ret = u;
	return 0;
}

int appc_json_parse_u32(struct json_object *v, const char *field, void *dst, struct rkt_error *err)
{
	uint32_t *u = dst;
	int64_t i = 0;
	int r;

	r = appc_json_get_int(v, field, 0, UINT32_MAX, &i, err);
	if (r < 0)
		return r;
	*u = (uint32_t)i;
	return 0;
}

int appc_json_parse_array(struct json_object *v, const char *field, void **items, size_t *n,
                          size_t size,
                          int (*parse)(struct json_object *e, const char *field, void *dst,
                                       struct rkt_error *err),
                          struct rkt_error *err)
{
	size_t len = json_object_array_length(v);

	*items = xmalloc_array(len + 1, size);
	*n = 0;
	for (size_t i = 0; i < len; i++) {
		_cleanup_free_ char *path = appc_json_path_index(field, i);
		void *e = (char *)*items + i * size;
		int r;

		memset(e, 0, size);
		r = parse(json_object_array_get_idx(v, i), path, e, err);
		/* a half-parsed element is released by the caller with the rest */
		*n = i + 1;
		if (r < 0)
			return r;
	}
	return 0;
}

struct json_object *appc_json_new_object(void)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		abort();
	return o;
}

struct json_object *appc_json_new_array(size_t n)
{
	struct json_object *a = json_object_new_array_ext(n > INT32_MAX ? INT32_MAX : (int)n);

	if (!a)
		abort();
	return a;
}

struct json_object *appc_json_new_int(int64_t i)
{
	struct json_object *o = json_object_new_int64(i);

	if (!o)
		abort();
	return o;
}

struct json_object *appc_json_new_bool(bool b)
{
	struct json_object *o = json_object_new_boolean(b);

	if (!o)
		abort();
	return o;
}

void appc_json_array_add(struct json_object *a, struct json_object *value)
{
	if (json_object_array_add(a, value) < 0)
		abort();
}

void appc_json_add(struct json_object *obj, const char *key, struct json_object *value)
{
	if (json_object_object_add(obj, key, value) < 0)
		abort();
}

struct json_object *appc_json_new_string(const char *s)
{
	struct json_object *o = json_object_new_string(s);

	if (!o)
		abort();
	return o;
}

void appc_json_add_string(struct json_object *obj, const char *key, const char *s)
{
	appc_json_add(obj, key, appc_json_new_string(s));
}

struct json_object *appc_strv_to_json(const struct rkt_strv *v)
{
	struct json_object *a;

	if (!v->items)
		return NULL; /* Go's nil slice */
	a = appc_json_new_array(v->n);
	for (size_t i = 0; i < v->n; i++)
		appc_json_array_add(a, appc_json_new_string(v->items[i]));
	return a;
}
