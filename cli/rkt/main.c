/* rkt: the command table, global flags, usage, and the one place that prints errors. Exit
 * status: 0 on success, 254 for any failure of rkt itself (upstream rkt/rkt PR #3261). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pod-run.h"
#include "rkt.h"
#include "trust/trust.h"

#define EXIT_RKT_FAILURE 254

static int parse_dir(void *opts, const struct cli_flag *f, const char *value, struct rkt_error *err)
{
	struct cli_ctx *ctx = opts;

	if (!value[0])
		return rkt_error_set(err, EINVAL, "--dir: \"\" is not a valid directory");
	ctx->dir = value;
	ctx->dir_set = true;
	return 0;
}

static int parse_insecure(void *opts, const struct cli_flag *f, const char *value,
                          struct rkt_error *err)
{
	return rkt_insecure_options_parse(value, &((struct cli_ctx *)opts)->insecure, err);
}

const struct cli_flag cli_global_flags[] = {
	FLAG("debug", CLI_FLAG_BOOL, struct cli_ctx, debug, "false",
	     "print out more debug information to stderr"),
	{ .name = "dir",
	  .type = CLI_FLAG_CUSTOM,
	  .def = RKT_DEFAULT_DIR,
	  .help = "rkt data directory",
	  .parse = parse_dir },
	{ .name = "insecure-options",
	  .type = CLI_FLAG_CUSTOM,
	  .def = "none",
	  .help = "comma-separated list of security features to disable. Allowed values: \"none\", "
	          "\"image\", \"tls\", \"ondisk\", \"http\", \"pubkey\", \"capabilities\", "
	          "\"paths\", "
	          "\"seccomp\", \"all-fetch\", \"all-run\", \"all\"",
	  .parse = parse_insecure,
	  .values =
	          "none image tls ondisk http pubkey capabilities paths seccomp all-fetch all-run "
	          "all" },
	FLAG("local-config", CLI_FLAG_STRING, struct cli_ctx, local_config,
	     RKT_DEFAULT_LOCAL_CONFIG, "local configuration directory"),
	FLAG("system-config", CLI_FLAG_STRING, struct cli_ctx, system_config,
	     RKT_DEFAULT_SYSTEM_CONFIG, "system configuration directory"),
	FLAG("trust-keys-from-https", CLI_FLAG_BOOL, struct cli_ctx, trust_keys_from_https, "false",
	     "automatically trust gpg keys fetched from https"),
	FLAG("user-config", CLI_FLAG_STRING, struct cli_ctx, user_config,
	     "~/" RKT_USER_CONFIG_SUBDIR, "user configuration directory"),
	{},
};

const struct cli_command cli_commands[] = {
	CMD("cat-manifest", cmd_cat_manifest, "Inspect and print the pod manifest",
	    "--uuid-file=FILE | UUID", .complete = "pod", .flags = cat_manifest_flags),
	CMD("completion", cmd_completion, "Output shell completion code for the specified shell",
	    "SHELL",
	    .description = "Prints a bash script that completes rkt's commands, flags, images and "
	                   "pods:\n\n"
	                   "\t$ source <(rkt completion bash)"),
	CMD("config", cmd_config, "Print configuration for each stage in JSON format", "",
	    .flags = config_flags),
	CMD("enter", cmd_enter, "Enter the namespaces of an app within a rkt pod",
	    "[--app=NAME] UUID [CMD [ARGS...]]", .complete = "pod", .flags = enter_flags),
	CMD("export", cmd_export, "Export an app from an exited pod to an ACI file",
	    "UUID OUTPUT_ACI_FILE", .complete = "pod", .flags = export_flags),
	CMD("fetch", cmd_fetch, "Fetch image(s) and store them in the local store", "IMAGE...",
	    .complete = "file", .flags = fetch_flags),
	CMD("gc", cmd_gc, "Garbage collect rkt pods no longer in use", "", .flags = gc_flags),
	CMD("help", cmd_help, "Help about any command", "[command]"),
	CMD("image", cmd_image, "Operate on image(s) in the local store", "[command]",
	    .subcommands = cli_image_commands),
	CMD("list", cmd_list, "List pods", "", .flags = list_flags),
	CMD("logs", cmd_logs, "Print the output of the apps of a pod", "UUID", .complete = "pod",
	    .flags = logs_flags),
	CMD("metadata-service", cmd_metadata_service, "Run metadata service",
	    "[--listen-port=PORT]", .flags = metadata_service_flags,
	    .description = "Provides a means for running apps to introspect their execution "
	                   "environment and assert their identity."),
	CMD("prepare", cmd_prepare, "Prepare to run image(s) in a pod in rkt",
	    "[flags] IMAGE [per-app flags] [-- args] [---] [IMAGE ...]", .complete = "file",
	    .flags = prepare_flags),
	CMD("rm", cmd_rm, "Remove all files and resources associated with an exited pod",
	    "--uuid-file=FILE | UUID...", .complete = "pod", .flags = rm_flags),
	CMD("run", cmd_run, "Run image(s) in a pod in rkt",
	    "[flags] IMAGE [per-app flags] [-- args] [---] [IMAGE ...]", .complete = "file",
	    .flags = run_flags),
	CMD("run-prepared", cmd_run_prepared, "Run a prepared application pod in rkt", "UUID",
	    .complete = "pod", .flags = run_prepared_flags),
	CMD("status", cmd_status, "Check the status of a rkt pod", "--uuid-file=FILE | UUID",
	    .complete = "pod", .flags = status_flags),
	CMD("stop", cmd_stop, "Stop a pod", "--uuid-file=FILE | UUID...", .complete = "pod",
	    .flags = stop_flags),
	CMD("trust", cmd_trust, "Trust a key for image verification",
	    "(--prefix=PREFIX [KEY...] | --root KEY...)", .complete = "file", .flags = trust_flags),
	CMD("version", cmd_version, "Print the version and exit", ""),
	{},
};

static void report(const struct rkt_error *err)
{
	char line[sizeof(err->msg) + 128];

	fprintf(stderr, "rkt: %s\n", rkt_error_format(err, line, sizeof(line)));
}

/* Takes the global flags out of ARGV (up to "--"), leaving the rest in order: upstream's
 * persistent flags may stand anywhere before the command's own arguments. */
static int parse_globals(struct cli_ctx *ctx, int *argc, char **argv, struct rkt_error *err)
{
	int out = 1, i;

	for (i = 1; i < *argc && strcmp(argv[i], "--") != 0; i++) {
		const struct cli_flag *f = NULL;
		const char *v = NULL;
		int r;

		if (argv[i][0] == '-') {
			r = cli_flag_read(cli_global_flags, "", *argc, argv, &i, &f, &v, err);
			if (r >= 0 && f)
				r = cli_flag_apply(f, ctx, "", v, err);
			if (r < 0)
				return r;
			if (f)
				continue;
		}
		argv[out++] = argv[i];
	}
	for (; i < *argc; i++)
		argv[out++] = argv[i];
	argv[out] = NULL;
	*argc = out;
	return 0;
}

/* The configuration directories, merged (docs/config.md); paths.d "data" is the data directory
 * unless --dir was given. */
static int load_config(struct cli_ctx *ctx, struct rkt_error *err)
{
	const char *dirs[] = { ctx->system_config, ctx->local_config, ctx->user_config };
	int r;

	r = rkt_config_load(dirs, ELEMENTSOF(dirs), &ctx->config, err);
	if (r < 0)
		return r;
	if (!ctx->dir_set && ctx->config->data_dir)
		ctx->dir = ctx->config->data_dir;
	return 0;
}

static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	struct cli_ctx ctx = {
		.dir = RKT_DEFAULT_DIR,
		.system_config = RKT_DEFAULT_SYSTEM_CONFIG,
		.local_config = RKT_DEFAULT_LOCAL_CONFIG,
		.user_config = "",
	};
	struct rkt_error err = { 0 };
	const struct cli_command *cmd;
	_cleanup_free_ char *user_config = NULL;
	const char *home = getenv("HOME");
	int r;

	/* Upstream reads a user directory only when --user-config names one; ours defaults to
	 * ~/.config/rkt (docs/config.md). */
	if (home && home[0] == '/')
		ctx.user_config = user_config = xasprintf("%s/" RKT_USER_CONFIG_SUBDIR, home);
	r = parse_globals(&ctx, &argc, argv, &err);
	if (r < 0) {
		report(&err);
		return EXIT_RKT_FAILURE;
	}
	if (argc < 2) {
		/* upstream: "missing command", the usage, and status 2 */
		fputs("rkt: missing command\n", stderr);
		cli_help_root(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		cli_help_root(stdout);
		return EXIT_SUCCESS;
	}
	cmd = cli_command_find(argv + 1, 1);
	if (!cmd && argv[1][0] == '-') {
		rkt_error_set(&err, EINVAL, "unknown flag '%.*s' (see 'rkt help')",
		              (int)strcspn(argv[1], "="), argv[1]);
		report(&err);
		return EXIT_RKT_FAILURE;
	}
	if (!cmd) {
		rkt_error_set(&err, EINVAL, "unknown command '%s' (see 'rkt help')", argv[1]);
		report(&err);
		return EXIT_RKT_FAILURE;
	}
	if (wants_help(argc - 1, argv + 1)) {
		cli_help_deepest(stdout, argv + 1, argc - 1);
		return EXIT_SUCCESS;
	}

	/* upstream's version command reads no configuration: it works with a broken one */
	r = cmd->run == cmd_version ? 0 : load_config(&ctx, &err);
	if (r >= 0)
		r = cmd->run(&ctx, argc - 1, argv + 1, &err);
	ctx.store = rkt_store_free(ctx.store);
	ctx.keystore = rkt_keystore_free(ctx.keystore);
	ctx.config = rkt_config_free(ctx.config);
	if (r >= 0 && (fflush(stdout) != 0 || ferror(stdout)))
		r = rkt_error_set(&err, errno ? errno : EIO, "write to standard output");
	if (r >= 0)
		return EXIT_SUCCESS;
	report(&err);
	return EXIT_RKT_FAILURE;
}
