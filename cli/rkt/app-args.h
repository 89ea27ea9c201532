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
#include "pod/spec.h"
#include "util/error.h"

enum cli_flag_kind {
	CLI_FLAG_VALUE = 0,
	CLI_FLAG_BOOL,
	CLI_FLAG_OPTIONAL, /* value only after '=' */
};

struct cli_flag {
	const char *name;
	enum cli_flag_kind kind;
	int id;
};

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

/* Parses ARGV[1..] (ARGV[0] is the command, CMD in messages). ALLOW_ARGS: whether "--" lists
 * are allowed. -EINVAL with a message naming the flag. */
int app_args_parse(const char *cmd, int argc, char **argv, const struct cli_flag *pod_flags,
                   cli_pod_flag_fn fn, void *userdata, bool allow_args, struct app_list *ret,
                   struct rkt_error *err);
void app_list_release(struct app_list *l);
