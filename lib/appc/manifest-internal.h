/* Pieces shared by the image and pod manifest code (kv.c, app.c, image-manifest.c,
 * pod-manifest.c). Parsers have the struct json_field signature; checks take the JSON path of
 * what they check; *_to_json() return a new reference, or NULL for Go's nil (written as null). */
#pragma once

#include <json-c/json.h>

#include "appc/manifest.h"
#include "util/error.h"

struct json_field;

/* [{"name": ..., "value": ...}, ...] into a struct rkt_kv_list (TYPE-14). */
int appc_kv_list_parse(struct json_object *v, const char *field, void *dst, struct rkt_error *err);
/* {"key": "value", ...} into a struct rkt_kv_list (userAnnotations, userLabels). */
int appc_string_map_parse(struct json_object *v, const char *field, void *dst,
                          struct rkt_error *err);
struct json_object *appc_kv_list_to_json(const struct rkt_kv_list *l);
/* Keys sorted bytewise, as Go writes maps; NULL when empty (the members are omitempty). */
struct json_object *appc_string_map_to_json(const struct rkt_kv_list *l);

/* MAN-4, MAN-6, MAN-7: AC Identifier names, unique, none called "name", known os/arch. */
int appc_labels_check(const struct rkt_kv_list *l, const char *field, struct rkt_error *err);
/* MAN-11, MAN-12, POD-7: AC Identifier names, unique; created/homepage/documentation. */
int appc_annotations_check(const struct rkt_kv_list *l, const char *field, struct rkt_error *err);
/* MAN-19: variable names, unique. */
int appc_environment_check(const struct rkt_kv_list *l, const char *field, struct rkt_error *err);

/* Port objects (MAN-22), also a pod's podPort (POD-13). */
int appc_port_parse(struct json_object *v, const char *field, void *dst, struct rkt_error *err);
int appc_port_check(const struct rkt_port *p, const char *field, struct rkt_error *err);
struct json_object *appc_port_to_json(const struct rkt_port *p);
void appc_port_release(struct rkt_port *p);

/* Isolator lists (MAN-20, POD-11), parsed with rkt_isolator_parse(). */
int appc_isolators_parse(struct json_object *v, const char *field, void *dst,
                         struct rkt_error *err);
struct json_object *appc_isolators_to_json(const struct rkt_isolator_list *l);

/* An app object (MAN-14..23, POD-4) into a struct rkt_app * that the caller frees. */
int appc_app_parse(struct json_object *v, const char *field, void *dst, struct rkt_error *err);

/* GEN-4: reads acKind from the document OBJ; EXPECT checks that it is WANT. */
int appc_kind_parse(struct json_object *obj, enum rkt_manifest_kind *ret, struct rkt_error *err);
int appc_kind_expect(struct json_object *obj, enum rkt_manifest_kind want, struct rkt_error *err);

/* The common part of rkt_{image,pod}_manifest_from_json(): acKind must be KIND, TABLE reads OBJ
 * into DST, CHECK validates DST; errors are prefixed with WHAT. */
int appc_manifest_decode(struct json_object *obj, const char *what, enum rkt_manifest_kind kind,
                         const struct json_field *table, void *dst,
                         int (*check)(const void *dst, struct rkt_error *err),
                         struct rkt_error *err);

/* Checks S with CHECK (one of types.h) under the path FIELD[INDEX].MEMBER. */
int appc_check_at(int (*check)(const char *s, const char *field, struct rkt_error *err),
                  const char *s, const char *field, size_t index, const char *member,
                  struct rkt_error *err);

/* Wraps a parse or check result with WHAT (the document's name) for the public entry points. */
int appc_wrap(struct rkt_error *err, int r, const char *what);
