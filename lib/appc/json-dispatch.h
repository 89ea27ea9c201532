/* Table-driven reading of JSON objects into C structures (STYLE 3.7, after systemd's
 * nspawn-oci.c), internal to lib/appc.
 *
 * Every function takes FIELD, the JSON path of the value it reads ("app.ports[0]"; "" for the
 * document itself), and records errors as `PATH: message`, naming the bad value, so that the
 * caller only prepends what the document is. Functions return 0 or -EINVAL. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "appc/manifest.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json-util.h"

enum {
	/* Absence (or null) is an error; otherwise the destination keeps its zero value. */
	JSON_FIELD_REQUIRED = 1u << 0,
	/* Another spelling of the previous entry's member (GEN-3: "supplementaryGids");
	 * giving both spellings is refused. */
	JSON_FIELD_ALIAS = 1u << 1,
};

struct json_field {
	const char *name;
	json_type type; /* json-c type the value must have */
	int (*parse)(struct json_object *v, const char *field, void *dst, struct rkt_error *err);
	size_t offset; /* offsetof() into the destination structure */
	unsigned flags;
};

/* Reads the members of OBJ named in TABLE (terminated by an entry without name) into DST.
 * This is the one place that applies the member rules: names match exactly (GEN-3), unknown
 * members are ignored (GEN-2), and null counts as absent, as it does for Go's decoder. */
int appc_json_dispatch(struct json_object *obj, const char *field, const struct json_field *table,
                       void *dst, struct rkt_error *err);

/* "PARENT.NAME" (or NAME at the top) and "PARENT[I]"; new strings. */
char *appc_json_path_member(const char *parent, const char *name);
char *appc_json_path_index(const char *parent, size_t i);

/* Records `FIELD: expected WANT, got <the value>`. */
int appc_json_type_error(struct json_object *v, const char *field, const char *want,
                         struct rkt_error *err);

/* Parsers for struct json_field, by destination type. */
int appc_json_parse_string(struct json_object *v, const char *field, void *dst,
                           struct rkt_error *err); /* char ** */
int appc_json_parse_bool(struct json_object *v, const char *field, void *dst,
                         struct rkt_error *err); /* bool * */
int appc_json_parse_strv(struct json_object *v, const char *field, void *dst,
                         struct rkt_error *err); /* struct rkt_strv * (array of strings) */
int appc_json_parse_u32(struct json_object *v, const char *field, void *dst,
                        struct rkt_error *err); /* uint32_t * */

/* Reads an integer in [MIN, MAX]; json-c clamps literals beyond 64 bits, so the clamped
 * extremes are refused as out of range rather than silently changed. */
int appc_json_get_int(struct json_object *v, const char *field, int64_t min, int64_t max,
                      int64_t *ret, struct rkt_error *err);
int appc_json_get_u64(struct json_object *v, const char *field, uint64_t *ret,
                      struct rkt_error *err);

/* Parses each element of the array V with PARSE into *ITEMS (elements of SIZE bytes, *N of
 * them). An empty array still gets a non-NULL *ITEMS: Go writes a nil slice as null but an
 * empty one as [], and some members (the pod lists) are not omitted when empty. On
 * failure the elements parsed so far stay in *ITEMS and *N for the caller to release. */
int appc_json_parse_array(struct json_object *v, const char *field, void **items, size_t *n,
                          size_t size,
                          int (*parse)(struct json_object *e, const char *field, void *dst,
                                       struct rkt_error *err),
                          struct rkt_error *err);

/* Builders for *_to_json(); they abort on OOM and take ownership of VALUE. */
struct json_object *appc_json_new_object(void);
struct json_object *appc_json_new_array(size_t n);
struct json_object *appc_json_new_int(int64_t i);
struct json_object *appc_json_new_bool(bool b);
void appc_json_array_add(struct json_object *a, struct json_object *value);
void appc_json_add(struct json_object *obj, const char *key, struct json_object *value);
void appc_json_add_string(struct json_object *obj, const char *key, const char *s);
struct json_object *appc_json_new_string(const char *s);
struct json_object *appc_strv_to_json(const struct rkt_strv *v);
