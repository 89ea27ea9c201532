/* appc ImageManifest and PodManifest (docs/conformance.md: MAN-*, POD-*, ISO-*): parse -> validate
 * -> serialize.
 *
 * Parsing is strict JSON (GEN-1), matches member names exactly (GEN-3, with the
 * "supplementaryGids" alias), ignores unknown members (GEN-2) and validates every value; an
 * error names the field path and the bad value, e.g.
 *   app.isolators[1].value.limit: "12Qi" is not a quantity
 * Serializing writes members in the order and layout of the reference Go code (json.Marshal,
 * or MarshalIndent with two spaces when pretty), so parse -> format is stable and what we write
 * for a manifest equals what `actool cat-manifest` prints for it.
 *
 * All strings are owned by the structure that holds them; *_free() frees everything and
 * accepts NULL. Parse functions return 0, or -EBADMSG for malformed JSON and -EINVAL for a
 * schema violation, leaving *ret untouched. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "appc/types.h"
#include "util/error.h"
#include "util/cleanup.h"

/* name/value lists: labels, annotations, environment (TYPE-14); also the string maps
 * userAnnotations/userLabels (serialized as JSON objects with sorted keys, like Go maps). */
struct rkt_kv {
	char *name;
	char *value;
};
struct rkt_kv_list {
	struct rkt_kv *items;
	size_t n;
};
/* Value of NAME, or NULL. */
const char *rkt_kv_list_get(const struct rkt_kv_list *l, const char *name);
/* Replaces the value of NAME, or appends NAME=VALUE. Copies both. */
void rkt_kv_list_set(struct rkt_kv_list *l, const char *name, const char *value);
void rkt_kv_list_release(struct rkt_kv_list *l);

/* A hash index over the names of a kv list, so that merging or checking N entries costs O(N)
 * (a manifest may carry tens of thousands of environment entries). Slots hold position + 1.
 * The index is valid while the list changes only through rkt_kv_index_set. */
struct rkt_kv_index {
	size_t *slots;
	size_t cap; /* a power of two, at least twice the entries */
	size_t n;
	size_t items_cap; /* room in the list's items, so that appending N entries is O(N) */
};
/* Indexes every entry of L; of entries with the same name, the first. */
void rkt_kv_index_init(struct rkt_kv_index *ix, const struct rkt_kv_list *l);
/* Position of the (first) entry named NAME, or -1. */
ssize_t rkt_kv_index_find(const struct rkt_kv_index *ix, const struct rkt_kv_list *l,
                          const char *name);
/* rkt_kv_list_set through the index. */
void rkt_kv_index_set(struct rkt_kv_index *ix, struct rkt_kv_list *l, const char *name,
                      const char *value);
/* Sets every entry of SRC into L in order (later wins). */
void rkt_kv_index_merge(struct rkt_kv_index *ix, struct rkt_kv_list *l,
                        const struct rkt_kv_list *src);
void rkt_kv_index_release(struct rkt_kv_index *ix);
/* Name comparisons made by the functions above and rkt_kv_list_get/set: a hook for the unit
 * test that checks the merges are linear. */
extern unsigned long rkt_kv_compares;

/* A string list (exec, pathWhitelist, capability and syscall sets). */
struct rkt_strv {
	char **items;
	size_t n;
};
void rkt_strv_push(struct rkt_strv *v, const char *s);
void rkt_strv_release(struct rkt_strv *v);

enum rkt_isolator_type {
	RKT_ISOLATOR_UNKNOWN = 0, /* kept verbatim, reported as ignored (ISO-1) */
	RKT_ISOLATOR_RESOURCE_CPU,
	RKT_ISOLATOR_RESOURCE_MEMORY,
	RKT_ISOLATOR_RESOURCE_BLOCK_BANDWIDTH,
	RKT_ISOLATOR_RESOURCE_BLOCK_IOPS,
	RKT_ISOLATOR_RESOURCE_NETWORK_BANDWIDTH,
	RKT_ISOLATOR_CAPABILITIES_RETAIN,
	RKT_ISOLATOR_CAPABILITIES_REMOVE,
	RKT_ISOLATOR_NO_NEW_PRIVILEGES,
	RKT_ISOLATOR_SECCOMP_REMOVE,
	RKT_ISOLATOR_SECCOMP_RETAIN,
	RKT_ISOLATOR_SELINUX_CONTEXT,
	RKT_ISOLATOR_OOM_SCORE_ADJ,
	RKT_ISOLATOR_CPU_SHARES,
	RKT_ISOLATOR_SYSCTL,
	_RKT_ISOLATOR_MAX
};

/* Name of a known isolator type ("resource/cpu", ...), or NULL for UNKNOWN. */
const char *rkt_isolator_type_name(enum rkt_isolator_type t);
enum rkt_isolator_type rkt_isolator_type_from_name(const char *name);

struct rkt_isolator {
	char *name;
	enum rkt_isolator_type type;
	struct json_object *value; /* the value as parsed (own reference); what is serialized */
	union {
		struct {
			bool has_request, has_limit, is_default;
			struct rkt_quantity request, limit;
		} resource;
		struct {
			struct rkt_strv set;
			char *errno_name; /* seccomp only; NULL or "" = SIGSYS */
		} set;
		bool no_new_privileges;
		struct {
			char *user, *role, *type, *level;
		} selinux;
		int64_t integer; /* oom-score-adj, cpu-shares */
		struct rkt_kv_list sysctl;
	} u;
};
struct rkt_isolator_list {
	struct rkt_isolator *items;
	size_t n;
};
/* Parses one isolator object {"name", "value"}; FIELD is its path ("app.isolators[1]"). */
int rkt_isolator_parse(struct json_object *obj, const char *field, struct rkt_isolator *ret,
                       struct rkt_error *err);
/* Validates a list: per-name instance counts (ISO-2), seccomp remove+retain conflict. */
int rkt_isolator_list_check(const struct rkt_isolator_list *l, const char *field,
                            struct rkt_error *err);
void rkt_isolator_release(struct rkt_isolator *iso);
void rkt_isolator_list_release(struct rkt_isolator_list *l);

struct rkt_event_handler {
	char *name; /* "pre-start" or "post-stop" */
	struct rkt_strv exec;
};

struct rkt_mount_point {
	char *name;
	char *path;
	bool read_only;
};

struct rkt_port {
	char *name;
	char *protocol;
	uint32_t port;  /* 1..65535 */
	uint32_t count; /* >= 1; 0 in input means the default 1 */
	bool socket_activated;
};

struct rkt_app {
	struct rkt_strv exec;
	bool has_exec; /* false: "exec" absent or null in the input */
	struct rkt_event_handler *event_handlers;
	size_t n_event_handlers;
	char *user;
	char *group;
	uint32_t *supplementary_gids;
	size_t n_supplementary_gids;
	char *working_directory; /* NULL if absent */
	struct rkt_kv_list environment;
	struct rkt_mount_point *mount_points;
	size_t n_mount_points;
	struct rkt_port *ports;
	size_t n_ports;
	struct rkt_isolator_list isolators;
	struct rkt_kv_list user_annotations;
	struct rkt_kv_list user_labels;
};
int rkt_app_parse(struct json_object *obj, const char *field, struct rkt_app **ret,
                  struct rkt_error *err);
int rkt_app_check(const struct rkt_app *app, const char *field, struct rkt_error *err);
struct json_object *rkt_app_to_json(const struct rkt_app *app);
struct rkt_app *rkt_app_free(struct rkt_app *app);
RKT_DEFINE_CLEANUP(struct rkt_app *, rkt_app_free)

struct rkt_dependency {
	char *image_name;
	char *image_id; /* NULL if absent */
	struct rkt_kv_list labels;
	uint64_t size; /* 0 = absent */
};

struct rkt_image_manifest {
	char *ac_version;
	char *name;
	struct rkt_kv_list labels;
	struct rkt_app *app; /* NULL if absent */
	struct rkt_kv_list annotations;
	struct rkt_dependency *dependencies;
	size_t n_dependencies;
	struct rkt_strv path_whitelist;
};

/* Parses and validates an ImageManifest. WHAT names the input for errors ("manifest in
 * 'x.aci'"); field paths follow it. */
int rkt_image_manifest_parse(const char *buf, size_t len, const char *what,
                             struct rkt_image_manifest **ret, struct rkt_error *err);
int rkt_image_manifest_from_json(struct json_object *obj, const char *what,
                                 struct rkt_image_manifest **ret, struct rkt_error *err);
/* Validates a manifest built or changed in memory (e.g. by patch-manifest). */
int rkt_image_manifest_check(const struct rkt_image_manifest *m, struct rkt_error *err);
struct json_object *rkt_image_manifest_to_json(const struct rkt_image_manifest *m);
/* Go's json.Marshal layout, or MarshalIndent(m, "", "  ") if PRETTY. New string. */
char *rkt_image_manifest_format(const struct rkt_image_manifest *m, bool pretty);
struct rkt_image_manifest *rkt_image_manifest_free(struct rkt_image_manifest *m);
RKT_DEFINE_CLEANUP(struct rkt_image_manifest *, rkt_image_manifest_free)
/* MAN-6: whether the image can run on this host: its os and arch labels, where present, are
 * RKT_HOST_OS and rkt_host_arch() (a missing label means the image does not depend on it).
 * -ENOEXEC names the image and both platforms. */
int rkt_image_manifest_host_check(const struct rkt_image_manifest *m, struct rkt_error *err);

/* Pod manifest (POD-*). */
struct rkt_volume {
	char *name;
	char *kind; /* "empty" or "host" */
	char *source;
	bool has_read_only, read_only;
	bool has_recursive, recursive;
	char *mode; /* empty volumes; NULL = default "0755" */
	bool has_uid, has_gid;
	int64_t uid, gid;
};

struct rkt_mount {
	char *volume;
	char *path;
	struct rkt_volume *app_volume; /* NULL if absent */
};

struct rkt_runtime_image {
	char *name; /* NULL if absent */
	char *id;   /* NULL in an unreified template */
	struct rkt_kv_list labels;
};

struct rkt_runtime_app {
	char *name;
	struct rkt_runtime_image image;
	struct rkt_app *app; /* override of the image's app (POD-4); NULL if absent */
	bool read_only_rootfs;
	struct rkt_mount *mounts;
	size_t n_mounts;
	struct rkt_kv_list annotations;
};

struct rkt_exposed_port {
	char *name;
	uint32_t host_port;
	char *host_ip;             /* NULL = all addresses */
	struct rkt_port *pod_port; /* NULL if absent */
};

/* Go writes apps, volumes, isolators, annotations and ports even when empty: a list whose items
 * pointer is NULL as null (a nil slice), an allocated one with n == 0 as []. */
struct rkt_pod_manifest {
	char *ac_version;
	struct rkt_runtime_app *apps;
	size_t n_apps;
	struct rkt_volume *volumes;
	size_t n_volumes;
	struct rkt_isolator_list isolators;
	struct rkt_kv_list annotations;
	struct rkt_exposed_port *ports;
	size_t n_ports;
	struct rkt_kv_list user_annotations;
	struct rkt_kv_list user_labels;
};

int rkt_pod_manifest_parse(const char *buf, size_t len, const char *what,
                           struct rkt_pod_manifest **ret, struct rkt_error *err);
int rkt_pod_manifest_from_json(struct json_object *obj, const char *what,
                               struct rkt_pod_manifest **ret, struct rkt_error *err);
int rkt_pod_manifest_check(const struct rkt_pod_manifest *m, struct rkt_error *err);
/* POD-15: every app has an image ID (full, 128 hex digits). */
int rkt_pod_manifest_check_reified(const struct rkt_pod_manifest *m, struct rkt_error *err);
struct json_object *rkt_pod_manifest_to_json(const struct rkt_pod_manifest *m);
char *rkt_pod_manifest_format(const struct rkt_pod_manifest *m, bool pretty);
struct rkt_pod_manifest *rkt_pod_manifest_free(struct rkt_pod_manifest *m);
RKT_DEFINE_CLEANUP(struct rkt_pod_manifest *, rkt_pod_manifest_free)

/* What a JSON document claims to be, from its acKind (GEN-4). */
enum rkt_manifest_kind {
	RKT_MANIFEST_UNKNOWN = 0,
	RKT_MANIFEST_IMAGE,
	RKT_MANIFEST_POD,
};
/* Reads acKind from BUF; -EBADMSG if not JSON, -EINVAL if acKind is missing or unknown. */
int rkt_manifest_kind_detect(const char *buf, size_t len, const char *what,
                             enum rkt_manifest_kind *ret, struct rkt_error *err);
