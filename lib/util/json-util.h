/* The one place that talks to json-c directly about parsing and printing.
 *
 * json_tokener_parse() accepts trailing garbage and json-c escapes '/' by default; these helpers
 * parse strictly and print the way Go's encoding/json does (no slash escaping), so that what we
 * write matches what the reference appc tools write. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/cleanup.h"
#include "util/error.h"

/* For _cleanup_(json_object_putp): drops the reference a local holds. */
RKT_DEFINE_CLEANUP(struct json_object *, json_object_put)

/* Upper bound for any manifest or JSON document we read (appc manifests are tiny). */
#define RKT_JSON_MAX_SIZE (1024 * 1024)

/* Parses BUF (LEN bytes) strictly: one JSON value, nothing after it but whitespace, valid UTF-8.
 * WHAT names the input in the error ("manifest 'x.json'"). Returns 0 and a new reference in
 * *ret, or -EBADMSG. */
int rkt_json_parse(const char *buf, size_t len, const char *what, struct json_object **ret,
                   struct rkt_error *err);

/* Serializes OBJ compactly (Go's json.Marshal layout) or, if PRETTY, with two-space indentation
 * (Go's json.MarshalIndent(v, "", "  ")). Returns a newly allocated string. */
char *rkt_json_format(struct json_object *obj, bool pretty);
/* Like rkt_json_format(), with INDENT per level as in json.MarshalIndent(v, "", INDENT), or
 * compact if INDENT is NULL ("    " is what `actool cat-manifest --pretty-print` uses). */
char *rkt_json_format_indent(struct json_object *obj, const char *indent);

/* Typed getters that never coerce: they return false if KEY is absent or has another type. */
bool rkt_json_get(struct json_object *obj, const char *key, json_type type,
                  struct json_object **ret);
