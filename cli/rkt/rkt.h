/* rkt (stage0): the command table's contract and the helpers the command files share.
 *
 * Global flags (--dir, --insecure-options, ...) may appear anywhere before "--", as with
 * upstream's cobra persistent flags; main.c takes them out of argv before the command sees it.
 * Each cmd_<verb>() parses its own argv (argv[0] is the command name) with cli_flags_parse()
 * against its flag table (flags.h) into a struct <verb>_opts, calls into lib/, and prints
 * results to stdout. The same tables make the help, man pages and completion (help.c). It returns 0 or a negative
 * errno with ERR filled in: main prints "rkt: MSG" once on stderr and exits 254. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"
#include "fetch/fetch.h"
#include "flags.h"
#include "store/store.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/parse.h"
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

/* A row of a command table (main.c; image subcommands in cmd-image.c). Help, man pages and
 * completion are made from these rows and their flag tables (help.c). */
struct cli_command {
	const char *name;
	int (*run)(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);
	const char *summary;
	const char *usage;                     /* arguments after "rkt NAME " */
	const struct cli_flag *flags;          /* what run() parses; NULL: no flags */
	const char *description;               /* more lines for help and man, or NULL */
	const struct cli_command *subcommands; /* ended by a row with a NULL name, or NULL */
	const char *complete; /* what the arguments are: "image", "pod", "file" or NULL */
};

/* A row of a command table; the optional fields follow as designated initializers. */
#define CMD(n, fn, sum, use, ...)                                               \
	{                                                                       \
		.name = n, .run = fn, .summary = sum, .usage = use, __VA_ARGS__ \
	}

/* The tables: every command (main.c), the global flags (main.c), image's (cmd-image.c). */
extern const struct cli_command cli_commands[];
extern const struct cli_flag cli_global_flags[];
extern const struct cli_command cli_image_commands[];

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
int cmd_metadata_service(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);

/* Each command's flag table (in its cmd-*.c; run's, prepare's and run-prepared's in pod-run.h). */
extern const struct cli_flag cat_manifest_flags[], config_flags[], enter_flags[], export_flags[],
        fetch_flags[], gc_flags[], list_flags[], logs_flags[], metadata_service_flags[], rm_flags[],
        status_flags[], stop_flags[], trust_flags[], image_cat_manifest_flags[],
        image_export_flags[], image_extract_flags[], image_gc_flags[], image_list_flags[];

/* Output formats of --format (list, status, image list), and the flag row for it: the value
 * goes into the enum cli_format FIELD of the options struct ST; WHAT names the plain output. */
enum cli_format { CLI_FORMAT_TABBED = 0, CLI_FORMAT_JSON, CLI_FORMAT_JSON_PRETTY, _CLI_FORMAT_MAX };
int cli_format_flag_parse(void *opts, const struct cli_flag *f, const char *value,
                          struct rkt_error *err);
#define CLI_FORMAT_FLAG(st, field, what)                                                  \
	{                                                                                 \
		.name = "format", .type = CLI_FLAG_CUSTOM, .offset = offsetof(st, field), \
		.def = "",                                                                \
		.help = "choose the output format, allowed format includes 'json', "      \
		        "'json-pretty'. If "                                              \
		        "empty, then the result is printed as " what,                     \
		.parse = cli_format_flag_parse, .values = "json json-pretty"              \
	}

/* --os and --arch of fetch (our extension): the platform to pick from an OCI image index or
 * Docker manifest list. Stores a checked value into the const char * field at F's offset; a
 * value that is no platform name is refused ("fetch: --FLAG: ..."). */
int cli_platform_flag_parse(void *opts, const struct cli_flag *f, const char *value,
                            struct rkt_error *err);
#define CLI_PLATFORM_FLAG(n, st, field, h)                                                    \
	{                                                                                     \
		.name = n, .type = CLI_FLAG_CUSTOM, .offset = offsetof(st, field), .def = "", \
		.help = h, .parse = cli_platform_flag_parse                                   \
	}
#define CLI_HELP_OS                                                                          \
	"the os of the image to pick from a multi-platform image (an OCI index, a manifest " \
	"list); default linux"
#define CLI_HELP_ARCH                                                                            \
	"the architecture (amd64, arm64, ...) of the image to pick from a multi-platform image " \
	"(an OCI index, a manifest list); default the host's"

/* common.c */
/* Opens the store under ctx->dir once (the command table marks who needs it). */
int cli_store(struct cli_ctx *ctx, struct rkt_store **ret, struct rkt_error *err);
/* The options every image this command fetches shares (rkt fetch, the images and stage1 of
 * rkt run and prepare): POLICY, --insecure-options, and the keystore of --system-config and
 * --local-config, with "signature verified:" and the signer on stderr after a good signature. */
void cli_fetch_opts(struct cli_ctx *ctx, enum rkt_pull_policy policy, struct rkt_fetch_opts *ret);
/* An image given by ID (prefix) or by name[:version] in the store: its full ID. */
int cli_image_lookup(struct cli_ctx *ctx, const char *image, char ret_id[RKT_IMAGE_ID_SIZE],
                     struct rkt_error *err);
/* N table cells with control characters escaped (rkt_escape_ctl()), NULL-terminated: what an
 * image or a pod manifest supplies cannot forge rows or talk to the terminal. Free with
 * cli_strv_free(). */
char **cli_escape_cells(char *const *cells, size_t n);
void cli_strv_free(char **v);
static inline void cli_strv_freep(char ***v)
{
	cli_strv_free(*v);
}

/* help.c: what `rkt help` and `--help` print, the man pages and the bash completion, all made
 * from the tables above. PATH is the command's words after "rkt" ("image list"). */
void cli_help_root(FILE *f);
void cli_help_command(FILE *f, const char *path, const struct cli_command *cmd);
/* The help of the longest command path that WORDS[0..N-1] starts with (WORDS[0] is a command):
 * "image list --help" shows image list's. */
void cli_help_deepest(FILE *f, char **words, int n);
/* The command PATH[0..N-1] names, or NULL. */
const struct cli_command *cli_command_find(char **path, int n);
/* `rkt help [--man DIR | --flags CMD... | --commands | CMD...]`. */
int cmd_help(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);
/* `rkt completion bash`. */
int cmd_completion(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err);
