/* Name/value lists, string maps and string lists of the manifests (TYPE-14, MAN-4, MAN-11,
 * MAN-19, MAN-23). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "appc/json-dispatch.h"
#include "appc/manifest-internal.h"
#include "appc/manifest.h"
#include "appc/types.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

unsigned long rkt_kv_compares;

static bool name_eq(const char *a, const char *b)
{
	rkt_kv_compares++;
	return strcmp(a, b) == 0;
}

const char *rkt_kv_list_get(const struct rkt_kv_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (name_eq(l->items[i].name, name))
			return l->items[i].value;
	return NULL;
}

/* Appends NAME=VALUE (owned) to L, whose items have room for at least one more. */
static void kv_put(struct rkt_kv_list *l, const char *name, char *value)
{
	l->items[l->n].name = xstrdup(name);
	l->items[l->n].value = value;
	l->n++;
}

/* Appends NAME=VALUE (owned) to L, growing its items by one. */
static void kv_append(struct rkt_kv_list *l, const char *name, char *value)
{
	l->items = xrealloc_array(l->items, l->n + 1, sizeof(*l->items));
	kv_put(l, name, value);
}

void rkt_kv_list_set(struct rkt_kv_list *l, const char *name, const char *value)
{
	char *copy = xstrdup(value);

	for (size_t i = 0; i < l->n; i++) {
		if (name_eq(l->items[i].name, name)) {
			free(l->items[i].value);
			l->items[i].value = copy;
			return;
		}
	}
	kv_append(l, name, copy);
}

/* FNV-1a */
static size_t name_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 32));
}

/* The slot that holds NAME, or the empty slot where it would go. */
static size_t *index_slot(const struct rkt_kv_index *ix, const struct rkt_kv_list *l,
                          const char *name)
{
	size_t mask = ix->cap - 1;
	for (size_t i = name_hash(name) & mask;; i = (i + 1) & mask)
		if (ix->slots[i] == 0 || name_eq(l->items[ix->slots[i] - 1].name, name))
			return &ix->slots[i];
}

static void index_grow(struct rkt_kv_index *ix, const struct rkt_kv_list *l, size_t want)
{
	if (ix->cap >= 2 * want && ix->cap > 0)
		return;
	size_t cap = 16;
	while (cap < 2 * want)
		cap *= 2;
	free(ix->slots);
	ix->slots = xmalloc_array(cap, sizeof(*ix->slots));
	memset(ix->slots, 0, cap * sizeof(*ix->slots));
	ix->cap = cap;
	ix->n = 0;
	for (size_t i = 0; i < l->n; i++) {
		size_t *slot = index_slot(ix, l, l->items[i].name);
		if (*slot == 0) {
			*slot = i + 1;
			ix->n++;
		}
	}
}

void rkt_kv_index_init(struct rkt_kv_index *ix, const struct rkt_kv_list *l)
{
	*ix = (struct rkt_kv_index){ .items_cap = l->n };
	index_grow(ix, l, l->n);
}

ssize_t rkt_kv_index_find(const struct rkt_kv_index *ix, const struct rkt_kv_list *l,
                          const char *name)
{
	size_t pos = *index_slot(ix, l, name);
	return pos == 0 ? -1 : (ssize_t)(pos - 1);
}

void rkt_kv_index_set(struct rkt_kv_index *ix, struct rkt_kv_list *l, const char *name,
                      const char *value)
{
	size_t *slot = index_slot(ix, l, name);
	char *copy = xstrdup(value);

	if (*slot != 0) {
		free(l->items[*slot - 1].value);
		l->items[*slot - 1].value = copy;
		return;
	}
	/* grown by doubling: a list of thousands of entries (an environment file) would else be
	 * copied at every append, which the sanitizers' realloc always does */
	xgrow((void **)&l->items, &ix->items_cap, l->n + 1, sizeof(*l->items));
	kv_put(l, name, copy);
	*slot = l->n;
	ix->n++;
	index_grow(ix, l, ix->n);
}

void rkt_kv_index_merge(struct rkt_kv_index *ix, struct rkt_kv_list *l,
                        const struct rkt_kv_list *src)
{
	for (size_t i = 0; src && i < src->n; i++)
		rkt_kv_index_set(ix, l, src->items[i].name, src->items[i].value);
}

void rkt_kv_index_release(struct rkt_kv_index *ix)
{
	free(ix->slots);
	*ix = (struct rkt_kv_index){ 0 };
}

void rkt_kv_list_release(struct rkt_kv_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->items[i].name);
		free(l->items[i].value);
	}
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

void rkt_strv_push(struct rkt_strv *v, const char *s)
{
	v->items = xrealloc_array(v->items, v->n + 1, sizeof(*v->items));
	v->items[v->n++] = xstrdup(s);
}

void rkt_strv_release(struct rkt_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->items[i]);
	free(v->items);
	v->items = NULL;
	v->n = 0;
}

static int kv_parse(struct json_object *v, const char *field, void *dst, struct rkt_error *err)
{
	/* TYPE-14 says both members are strings and present; Go would default value to "" */
	static const struct json_field fields[] = {
		{ "name", json_type_string, appc_json_parse_string, offsetof(struct rkt_kv, name),
		  JSON_FIELD_REQUIRED },
		{ "value", json_type_string, appc_json_parse_string, offsetof(struct rkt_kv, value),
		  JSON_FIELD_REQUIRED },
		{},
	};

	return appc_json_dispatch(v, field, fields, dst, err);
}

int appc_kv_list_parse(struct json_object *v, const char *field, void *dst, struct rkt_error *err)
{
	struct rkt_kv_list *l = dst;

	rkt_kv_list_release(l);
	return appc_json_parse_array(v, field, (void **)&l->items, &l->n, sizeof(*l->items),
	                             kv_parse, err);
}

int appc_string_map_parse(struct json_object *v, const char *field, void *dst,
                          struct rkt_error *err)
{
	struct rkt_kv_list *l = dst;

	rkt_kv_list_release(l);
	json_object_object_foreach (v, key, val) {
		_cleanup_free_ char *path = appc_json_path_member(field, key);
		_cleanup_free_ char *s = NULL;
		int r;

		if (!json_object_is_type(val, json_type_string))
			return appc_json_type_error(val, path, "a string", err);
		r = appc_json_parse_string(val, path, &s, err);
		if (r < 0)
			return r;
		/* json-c has already merged repeated keys (the last wins, as in Go) */
		kv_append(l, key, TAKE_PTR(s));
	}
	return 0;
}

struct json_object *appc_kv_list_to_json(const struct rkt_kv_list *l)
{
	struct json_object *a;

	if (!l->items)
		return NULL;
	a = appc_json_new_array(l->n);
	for (size_t i = 0; i < l->n; i++) {
		struct json_object *o = appc_json_new_object();

		appc_json_add_string(o, "name", l->items[i].name);
		appc_json_add_string(o, "value", l->items[i].value);
		appc_json_array_add(a, o);
	}
	return a;
}

static int kv_cmp(const void *a, const void *b)
{
	const struct rkt_kv *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

struct json_object *appc_string_map_to_json(const struct rkt_kv_list *l)
{
	_cleanup_free_ const struct rkt_kv **sorted = NULL;
	struct json_object *o;

	if (l->n == 0)
		return NULL;
	sorted = xmalloc_array(l->n, sizeof(*sorted));
	for (size_t i = 0; i < l->n; i++)
		sorted[i] = &l->items[i];
	qsort(sorted, l->n, sizeof(*sorted), kv_cmp);
	o = appc_json_new_object();
	for (size_t i = 0; i < l->n; i++)
		appc_json_add_string(o, sorted[i]->name, sorted[i]->value);
	return o;
}

int appc_check_at(int (*check)(const char *s, const char *field, struct rkt_error *err),
                  const char *s, const char *field, size_t index, const char *member,
                  struct rkt_error *err)
{
	_cleanup_free_ char *path = xasprintf("%s[%zu].%s", field, index, member);

	return check(s, path, err);
}

/* Names are unique; a duplicate names the first entry of that name. */
static int unique_check(const struct rkt_kv_list *l, const char *field, const char *what,
                        struct rkt_error *err)
{
	_cleanup_(rkt_kv_index_release) struct rkt_kv_index ix = { 0 };

	rkt_kv_index_init(&ix, l);
	if (ix.n == l->n)
		return 0;
	for (size_t i = 0; i < l->n; i++) {
		size_t j = (size_t)rkt_kv_index_find(&ix, l, l->items[i].name);

		if (j != i)
			return rkt_error_set(err, EINVAL,
			                     "%s[%zu].name: duplicate %s \"%s\" (see %s[%zu])",
			                     field, i, what, l->items[i].name, field, j);
	}
	return 0;
}

int appc_labels_check(const struct rkt_kv_list *l, const char *field, struct rkt_error *err)
{
	int r;

	for (size_t i = 0; i < l->n; i++) {
		r = appc_check_at(rkt_ac_identifier_check, l->items[i].name, field, i, "name", err);
		if (r < 0)
			return r;
		/* the image name is not a label (MAN-4) */
		if (strcmp(l->items[i].name, "name") == 0)
			return rkt_error_set(err, EINVAL,
			                     "%s[%zu].name: \"name\" is reserved, not a label name",
			                     field, i);
	}
	r = unique_check(l, field, "label", err);
	if (r < 0)
		return r;
	return rkt_os_arch_check(rkt_kv_list_get(l, "os"), rkt_kv_list_get(l, "arch"), field, err);
}

int appc_annotations_check(const struct rkt_kv_list *l, const char *field, struct rkt_error *err)
{
	int r;

	for (size_t i = 0; i < l->n; i++) {
		const char *name = l->items[i].name;
		int (*check)(const char *s, const char *field, struct rkt_error *err) = NULL;

		r = appc_check_at(rkt_ac_identifier_check, name, field, i, "name", err);
		if (r < 0)
			return r;
		/* MAN-12: well-known annotations have typed values */
		if (strcmp(name, "created") == 0)
			check = rkt_timestamp_check;
		else if (strcmp(name, "homepage") == 0 || strcmp(name, "documentation") == 0)
			check = rkt_http_url_check;
		if (check) {
			r = appc_check_at(check, l->items[i].value, field, i, "value", err);
			if (r < 0)
				return r;
		}
	}
	return unique_check(l, field, "annotation", err);
}

int appc_environment_check(const struct rkt_kv_list *l, const char *field, struct rkt_error *err)
{
	for (size_t i = 0; i < l->n; i++) {
		int r = appc_check_at(rkt_env_name_check, l->items[i].name, field, i, "name", err);

		if (r < 0)
			return r;
	}
	return unique_check(l, field, "environment variable", err);
}

int appc_wrap(struct rkt_error *err, int r, const char *what)
{
	return rkt_error_wrap(err, r, "%s", what ? what : "manifest");
}
