/* upstream's app-argument grammar for run and prepare (rkt/rkt Documentation/subcommands/run.md):
 *
 *   rkt run [pod flags] IMG1 [per-app flags] [-- app1 args...] [---] IMG2 [per-app flags] ...
 *
 * Per-app flags apply to the preceding image; "--" starts that image's argument list and "---"
 * ends it (one list per image). --mount before any image applies to every app. Pod flags (the
 * command's table) may appear anywhere outside an argument list. Flags take "--f=v" or "--f v";
 * booleans "--f" or "--f=bool"; flags marked optional only "--f" or "--f=v" (as upstream's
 * NoOptDefVal flags, e.g. --net). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "appc/manifest.h"
#include "flags.h"
#include "pod/spec.h"
#include "util/error.h"

/* The per-app flags (ids of CLI_FLAG_PER_APP rows); run's and prepare's tables include them
 * through CLI_APP_FLAGS. */
enum app_flag {
	APP_EXEC = 1,
	APP_USER,
	APP_GROUP,
	APP_SUPP_GIDS,
	APP_WORKING_DIR,
	APP_READONLY_ROOTFS,
	APP_NAME,
	APP_ENVIRONMENT,
	APP_MOUNT,
	APP_SIGNATURE,
	APP_ISOLATOR,
};

#define APP_FLAG(n, t, i, d, h) ID_FLAG(n, t, i, d, h, CLI_FLAG_PER_APP)
#define CLI_APP_FLAGS                                                                              \
	APP_FLAG("exec", CLI_FLAG_STRING, APP_EXEC, "", "override the exec command of the app"),   \
	        APP_FLAG("user", CLI_FLAG_STRING, APP_USER, "", "user override for the app"),      \
	        APP_FLAG("group", CLI_FLAG_STRING, APP_GROUP, "", "group override for the app"),   \
	        APP_FLAG("supplementary-gids", CLI_FLAG_STRING, APP_SUPP_GIDS, "",                 \
	                 "supplementary group IDs override for the app (comma-separated)"),        \
	        APP_FLAG("working-dir", CLI_FLAG_STRING, APP_WORKING_DIR, "",                      \
	                 "override the working directory of the app"),                             \
	        APP_FLAG("readonly-rootfs", CLI_FLAG_BOOL, APP_READONLY_ROOTFS, "false",           \
	                 "mount the app's root filesystem read-only"),                             \
	        APP_FLAG("name", CLI_FLAG_STRING, APP_NAME, "", "set the name of the app"),        \
	        APP_FLAG("environment", CLI_FLAG_STRING, APP_ENVIRONMENT, "",                      \
	                 "set the app's environment variables (NAME=VALUE)"),                      \
	        APP_FLAG("mount", CLI_FLAG_STRING, APP_MOUNT, "",                                  \
	                 "mount point binding a volume to a path within an app "                   \
	                 "(volume=NAME,target=PATH); before any image, for every app"),            \
	        APP_FLAG("signature", CLI_FLAG_STRING, APP_SIGNATURE, "",                          \
	                 "local signature file to use in validating the preceding image"),         \
	        APP_FLAG("memory", CLI_FLAG_STRING, APP_ISOLATOR, "", "memory limit for the app"), \
	        APP_FLAG("cpu", CLI_FLAG_STRING, APP_ISOLATOR, "", "cpu limit for the app"),       \
	        APP_FLAG("cpu-shares", CLI_FLAG_STRING, APP_ISOLATOR, "",                          \
	                 "assign the specified CPU time share weight"),                            \
	        APP_FLAG("oom-score-adj", CLI_FLAG_STRING, APP_ISOLATOR, "",                       \
	                 "oom-score-adj isolator override"),                                       \
	        APP_FLAG("caps-retain", CLI_FLAG_STRING, APP_ISOLATOR, "",                         \
	                 "capability to retain (comma-separated)"),                                \
	        APP_FLAG("caps-remove", CLI_FLAG_STRING, APP_ISOLATOR, "",                         \
	                 "capability to remove (comma-separated)"),                                \
	        APP_FLAG("cap-retain", CLI_FLAG_STRING, APP_ISOLATOR, "",                          \
	                 "deprecated spelling of --caps-retain"),                                  \
	        APP_FLAG("cap-remove", CLI_FLAG_STRING, APP_ISOLATOR, "",                          \
	                 "deprecated spelling of --caps-remove"),                                  \
	        APP_FLAG("seccomp", CLI_FLAG_STRING, APP_ISOLATOR, "",                             \
	                 "seccomp filter override (mode=retain|remove,errno=ERRNO,SYSCALLS...)")

/* Called for each pod flag; VALUE is "" for a bare optional flag, "true"/"false" for booleans. */
typedef int (*cli_pod_flag_fn)(void *userdata, int id, const char *value, struct rkt_error *err);

struct app_arg {
	char *image;
	char *name, *exec, *user, *group, *working_dir, *signature;
	bool readonly_rootfs;
	char **args; /* after "--" */
	size_t n_args;
	bool has_args;
	uint32_t *supplementary_gids;
	size_t n_supplementary_gids;
	bool has_supplementary_gids;
	struct rkt_kv_list environment;
	struct rkt_mount_arg *mounts;
	size_t n_mounts;
	struct json_object **isolators; /* --memory, --cpu, --caps-*, --seccomp, ... */
	size_t n_isolators;
};

struct app_list {
	struct app_arg *apps;
	size_t n;
	struct rkt_mount_arg *mounts; /* --mount before any image */
	size_t n_mounts;
};

/* Parses ARGV[1..] (ARGV[0] is the command, CMD in messages) against FLAGS: CLI_FLAG_PER_APP rows
 * go to the preceding image, the others to FN by id. ALLOW_ARGS: whether "--" lists are
 * allowed. -EINVAL with a message naming the flag. */
int app_args_parse(const char *cmd, int argc, char **argv, const struct cli_flag *flags,
                   cli_pod_flag_fn fn, void *userdata, bool allow_args, struct app_list *ret,
                   struct rkt_error *err);
void app_list_release(struct app_list *l);
