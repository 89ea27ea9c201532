/* rkt (stage0): the command table's contract and the helpers the command files share.
 *
 * Global flags (--dir, --insecure-options, ...) may appear anywhere before "--", as with
 * upstream's cobra persistent flags; main.c takes them out of argv before the command sees it.
 * Each cmd_<verb>() parses its own argv (argv[0] is the command name) with getopt_long into a
 * struct <verb>_opts, calls into lib/, and prints results to stdout. It returns 0 or a negative
 * errno with ERR filled in: main prints "rkt: MSG" once on stderr and exits 254. */
#pragma once

#include "util/parse.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"
#include "fetch/fetch.h"
#include "store/store.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/xalloc.h"

#define RKT_DEFAULT_DIR           "/var/lib/rkt"
#define RKT_DEFAULT_SYSTEM_CONFIG "/usr/lib/rkt"
#define RKT_DEFAULT_LOCAL_CONFIG  "/etc/rkt"
#define RKT_USER_CONFIG_SUBDIR    ".config/rkt" /* under $HOME (docs/config.md) */

struct cli_ctx {
	const char *dir; /* --dir, else paths.d "data", else RKT_DEFAULT_DIR */
	bool dir_set;    /* --dir given (overrides paths.d "data") */
	bool debug;
	unsigned insecure; /* enum rkt_insecure bits */
	const char *system_config;
	const char *local_config;
	const char *user_config;
	bool trust_keys_from_https;
	struct rkt_config *config;     /* the merged configuration directories (main loads it) */
	struct rkt_store *store;       /* opened by cli_store() */
	struct rkt_keystore *keystore; /* made by cli_fetch_opts() */
};

struct cli_command {
	const char *name;
	int (*run)(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);
	const char *summary;
	const char *usage; /* arguments after "rkt NAME " */
};

int cmd_fetch(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);
int cmd_image(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);
int cmd_image_list(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);
int cmd_image_rm(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);
int cmd_image_gc(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);
int cmd_image_cat_manifest(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);
int cmd_image_export(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);
int cmd_image_extract(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);
int cmd_image_render(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);
int cmd_image_verify(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);
int cmd_version(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);
int cmd_config(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);
int cmd_trust(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);
/* pod commands (cmd-run.c ... cmd-logs.c; shared helpers in pod-util.h) */
int cmd_run(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);
int cmd_prepare(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);
int cmd_run_prepared(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);
int cmd_list(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);
int cmd_status(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);
int cmd_stop(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);
int cmd_rm(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);
int cmd_gc(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);
int cmd_enter(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);
int cmd_cat_manifest(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);
int cmd_export(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);
int cmd_logs(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);

/* common.c */
/* Opens the store under ctx->dir once (the command table marks who needs it). */
int cli_store(struct cli_ctx *ctx, struct rkt_store **ret, struct rkt_error *err);
/* The options every image this command fetches shares (rkt fetch, the images and stage1 of
 * rkt run and prepare): POLICY, --insecure-options, and the keystore of --system-config and
 * --local-config, with "signature verified:" and the signer on stderr after a good signature. */
void cli_fetch_opts(struct cli_ctx *ctx, enum rkt_pull_policy policy, struct rkt_fetch_opts *ret);
/* Records the getopt_long() failure that just happened (OPTSTRING must start with ':'). */
int cli_getopt_error(const char *cmd, int result, int argc, char **argv, struct rkt_error *err);
/* An image given by ID (prefix) or by name[:version] in the store: its full ID. */
int cli_image_lookup(struct cli_ctx *ctx, const char *image, char ret_id[RKT_IMAGE_ID_SIZE],
                     struct rkt_error *err);
/* Go's time.ParseDuration subset: [0-9]+(ns|us|ms|s|m|h) repeated, or "0". */
int cli_parse_duration(const char *s, int64_t *ret_ns);
