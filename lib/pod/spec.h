/* What a pod is made of, from the command line to the reified pod manifest (rkt/rkt
 * Documentation/subcommands/run.md, Documentation/app-environment.md; docs/stage1-abi.md section
 * 2).
 *
 * The caller resolves every image to its full ID and manifest; rkt_pod_spec_build() applies the
 * per-app overrides to a copy of each image's app, merges the environment in upstream's
 * precedence, names the apps, and validates the result as a pod manifest (POD-*, POD-15).
 * Pure: no I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "appc/manifest.h"
#include "pod/pod.h"
#include "util/error.h"

/* --mount volume=NAME,target=PATH */
struct rkt_mount_arg {
	char *volume;
	char *target;
};
int rkt_mount_arg_parse(const char *s, struct rkt_mount_arg *ret, struct rkt_error *err);
void rkt_mount_arg_release(struct rkt_mount_arg *m);

/* --volume NAME,kind=host,source=PATH[,readOnly=B][,recursive=B] or
 * NAME,kind=empty[,mode=0755][,uid=N][,gid=N][,readOnly=B]; as appc's VolumeFromString, the
 * name may also be given as name=NAME. Returns a new JSON object (a pod manifest volume), to be
 * validated with the manifest. -EINVAL names the bad parameter. */
int rkt_volume_arg_parse(const char *s, struct json_object **ret, struct rkt_error *err);

/* Per-app isolator flags, as upstream's (rkt/rkt Documentation/subcommands/run.md): FLAG is
 * "memory" or "cpu" (a quantity, request = limit), "cpu-shares", "oom-score-adj" (integers),
 * "caps-retain" or "caps-remove" (comma list of capability names), "seccomp"
 * (mode=retain|remove[,errno=E], syscall,...). Returns a new isolator JSON object {"name",
 * "value"}, validated with the manifest. -EINVAL names the flag. */
int rkt_isolator_arg_parse(const char *flag, const char *value, struct json_object **ret,
                           struct rkt_error *err);

struct rkt_app_spec {
	const char *image;    /* as given, for messages */
	const char *image_id; /* full ID */
	const struct rkt_image_manifest *manifest;
	const char *name;  /* --name, or NULL for the default */
	const char *exec;  /* --exec, or NULL */
	char *const *args; /* after "--" */
	size_t n_args;
	const char *user, *group, *working_dir; /* NULL = the image's */
	const uint32_t *supplementary_gids;
	size_t n_supplementary_gids;
	bool has_supplementary_gids;
	bool readonly_rootfs;
	const struct rkt_kv_list *environment; /* --environment, may be NULL */
	const struct rkt_mount_arg *mounts;
	size_t n_mounts;
	/* replace the image's isolators of the same name (capabilities: both sets; seccomp:
	 * both sets) */
	struct json_object *const *isolators;
	size_t n_isolators;
};

struct rkt_pod_spec {
	const struct rkt_app_spec *apps;
	size_t n_apps;
	struct json_object *const *volumes; /* from rkt_volume_arg_parse, borrowed */
	size_t n_volumes;
	const struct rkt_mount_arg *mounts; /* --mount before any image: every app */
	size_t n_mounts;
	const struct rkt_kv_list *env_file; /* --set-env-file contents, may be NULL */
	const struct rkt_kv_list *set_env;  /* --set-env, may be NULL */
	char *const *host_env;              /* environ, used with inherit_env */
	bool inherit_env;
	uid_t uid; /* the caller's: user and group of an image without an app */
	gid_t gid;
};

/* Builds and validates the pod manifest. -EINVAL (with the offending app or field named) for
 * an image without an app and no --exec, duplicate or invalid app names, bad volumes or
 * mounts. */
int rkt_pod_spec_build(const struct rkt_pod_spec *spec, struct rkt_pod_manifest **ret,
                       struct rkt_error *err);

/* Parses an environment file: KEY=VALUE lines; blank lines and lines starting with '#' or ';'
 * are ignored. WHAT names it in errors. */
int rkt_env_file_parse(const char *buf, const char *what, struct rkt_kv_list *ret,
                       struct rkt_error *err);
