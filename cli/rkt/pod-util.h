/* Helpers the pod commands (run, prepare, list, status, stop, rm, gc, enter, cat-manifest,
 * export, logs) share: finding a pod from the command line, times and tables as upstream prints
 * them, and the API v1 JSON of a pod. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "pod/pod.h"
#include "rkt.h"
#include "util/time.h"

/* The pod named by ARG (a UUID or unique prefix) or, if ARG is NULL, by the UUID in
 * UUID_FILE. Errors say "CMD: ...". */
int cli_pod_find(struct cli_ctx *ctx, const char *cmd, const char *arg, const char *uuid_file,
                 struct rkt_pod **ret, struct rkt_error *err);

/* Calls FN for the pod of each of the N UUIDs in ARGS, or of UUID_FILE when N is 0 (exactly
 * one of them must be given). Every pod is tried; fails with the first error (and a count) if
 * any failed. */
typedef int (*cli_pod_fn)(struct cli_ctx *ctx, struct rkt_pod *pod, void *userdata,
                          struct rkt_error *err);
int cli_each_pod(struct cli_ctx *ctx, const char *cmd, char **args, int n, const char *uuid_file,
                 cli_pod_fn fn, void *userdata, struct rkt_error *err);

/* go-humanize's "3 minutes ago", and Go's "2006-01-02 15:04:05.999 -0700 MST". New strings. */
char *cli_time_ago(int64_t ns, int64_t now);
char *cli_time_go(int64_t ns);

/* Prints ROWS x COLS cells as Go's tabwriter(0, 8, 1, '\t', 0) does. */
void cli_print_cells(char *const *cells, size_t rows, size_t cols);

/* "<name>:<version>" (or the name) of the image of app RA of POD: from the pod manifest, else
 * (a hand-written --pod-manifest gives only the ID) from the image manifest the pod keeps in
 * appsinfo/<app>/manifest, as upstream's list; the ID if neither names it. */
char *cli_runtime_image_name(const struct rkt_pod *pod, const struct rkt_runtime_app *ra);

/* The API v1 JSON of a pod (name, state, app_names, apps, created_at, started_at, ...).
 * M may be NULL when the manifest is unreadable. */
struct json_object *cli_pod_json(const struct rkt_pod *pod, const struct rkt_pod_manifest *m);

/* Prints OBJ as JSON (pretty or compact) and a newline; drops the reference. */
void cli_print_json(struct json_object *obj, bool pretty);
