/* rkt: the command table, global flags, usage, and the one place that prints errors. Exit
 * status: 0 on success, 254 for any failure of rkt itself (upstream rkt/rkt PR #3261). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rkt.h"
#include "trust/trust.h"

#define EXIT_RKT_FAILURE 254

static const struct cli_command commands[] = {
	{ "cat-manifest", cmd_cat_manifest, "Inspect and print the pod manifest",
	  "[--pretty-print] (--uuid-file=FILE | UUID)" },
	{ "config", cmd_config, "Print configuration for each stage in JSON format",
	  "[--pretty-print]" },
	{ "enter", cmd_enter, "Enter the namespaces of an app within a rkt pod",
	  "[--app=NAME] UUID [CMD [ARGS...]]" },
	{ "export", cmd_export, "Export an app from an exited pod to an ACI file",
	  "[--app=NAME] [--overwrite] UUID OUT.aci" },
	{ "fetch", cmd_fetch, "Fetch image(s) and store them in the local store",
	  "[--pull-policy=new|update|never] [--full] [--signature=FILE] IMAGE..." },
	{ "gc", cmd_gc, "Garbage collect rkt pods no longer in use",
	  "[--grace-period=30m] [--expire-prepared=24h] [--mark-only]" },
	{ "image", cmd_image, "Operate on image(s) in the local store",
	  "list|rm|gc|cat-manifest|export|extract|render|verify|fetch ..." },
	{ "list", cmd_list, "List pods", "[--full] [--no-legend] [--format=json|json-pretty]" },
	{ "logs", cmd_logs, "Print the output of the apps of a pod",
	  "[--app=NAME] [--follow] UUID" },
	{ "prepare", cmd_prepare, "Prepare to run image(s) in a pod in rkt",
	  "[flags] IMAGE [per-app flags] [-- args] [---] [IMAGE ...]" },
	{ "rm", cmd_rm, "Remove all files and resources associated with an exited pod",
	  "(--uuid-file=FILE | UUID...)" },
	{ "run", cmd_run, "Run image(s) in a pod in rkt",
	  "[flags] IMAGE [per-app flags] [-- args] [---] [IMAGE ...]" },
	{ "run-prepared", cmd_run_prepared, "Run a prepared application pod in rkt",
	  "[--net=...] [--dns=...] [--hostname=H] [--interactive] UUID" },
	{ "status", cmd_status, "Check the status of a rkt pod",
	  "[--wait[=DURATION]] [--wait-ready[=DURATION]] [--format=json|json-pretty] "
	  "(--uuid-file=FILE | UUID)" },
	{ "stop", cmd_stop, "Stop a pod", "[--force] (--uuid-file=FILE | UUID...)" },
	{ "trust", cmd_trust, "Trust a key for image verification",
	  "[--prefix=PREFIX | --root] [--skip-fingerprint-review] [--insecure-allow-http] KEY..." },
	{ "version", cmd_version, "Print the version and exit", "" },
};

static void print_usage(FILE *f)
{
	fputs("Usage:\n  rkt [command]\n\nAvailable Commands:\n", f);
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		fprintf(f, "  %-14s%s\n", commands[i].name, commands[i].summary);
	fputs("\nGlobal Flags:\n"
	      "      --debug[=false]                 print out more debug information to stderr\n"
	      "      --dir=/var/lib/rkt              rkt data directory\n"
	      "      --insecure-options=none         comma-separated list of security features to "
	      "disable: none,image,tls,ondisk,http,pubkey,capabilities,paths,seccomp,all-fetch,"
	      "all-run,all\n"
	      "      --local-config=/etc/rkt         local configuration directory\n"
	      "      --system-config=/usr/lib/rkt    system configuration directory\n"
	      "      --trust-keys-from-https[=false] automatically trust gpg keys fetched from "
	      "https\n"
	      "      --user-config=~/.config/rkt     user configuration directory\n",
	      f);
}

static void report(const struct rkt_error *err)
{
	char line[sizeof(err->msg) + 128];

	fprintf(stderr, "rkt: %s\n", rkt_error_format(err, line, sizeof(line)));
}

/* Matches "--NAME", "--NAME=VALUE" or (if TAKES_VALUE) "--NAME VALUE" at argv[*i]; returns the
 * value ("" for a bare boolean) or NULL. */
static const char *match_flag(int argc, char **argv, int *i, const char *name, bool takes_value,
                              bool *ret_missing)
{
	const char *a = argv[*i];
	size_t len = strlen(name);

	*ret_missing = false;
	if (strncmp(a, "--", 2) != 0 || strncmp(a + 2, name, len) != 0)
		return NULL;
	if (a[2 + len] == '=')
		return a + 3 + len;
	if (a[2 + len] != '\0')
		return NULL;
	if (!takes_value)
		return "";
	if (*i + 1 >= argc) {
		*ret_missing = true;
		return NULL;
	}
	return argv[++*i];
}

static int parse_bool_flag(const char *name, const char *v, bool *ret, struct rkt_error *err)
{
	if (!v[0]) {
		*ret = true;
		return 0;
	}
	if (rkt_parse_bool(v, ret) < 0)
		return rkt_error_set(err, EINVAL, "--%s: '%s' is not a boolean", name, v);
	return 0;
}

/* Takes the global flags out of ARGV (up to "--"), leaving the rest in order. */
static int parse_globals(struct cli_ctx *ctx, int *argc, char **argv, struct rkt_error *err)
{
	int out = 1, i;

	for (i = 1; i < *argc && strcmp(argv[i], "--") != 0; i++) {
		const char *v;
		bool missing;
		int r = 0;

		if ((v = match_flag(*argc, argv, &i, "dir", true, &missing))) {
			ctx->dir = v;
			ctx->dir_set = true;
		} else if (!missing &&
		           (v = match_flag(*argc, argv, &i, "system-config", true, &missing)))
			ctx->system_config = v;
		else if (!missing &&
		         (v = match_flag(*argc, argv, &i, "local-config", true, &missing)))
			ctx->local_config = v;
		else if (!missing &&
		         (v = match_flag(*argc, argv, &i, "user-config", true, &missing)))
			ctx->user_config = v;
		else if (!missing &&
		         (v = match_flag(*argc, argv, &i, "insecure-options", true, &missing)))
			r = rkt_insecure_options_parse(v, &ctx->insecure, err);
		else if (!missing && (v = match_flag(*argc, argv, &i, "debug", false, &missing)))
			r = parse_bool_flag("debug", v, &ctx->debug, err);
		else if (!missing && (v = match_flag(*argc, argv, &i, "trust-keys-from-https",
		                                     false, &missing)))
			r = parse_bool_flag("trust-keys-from-https", v, &ctx->trust_keys_from_https,
			                    err);
		else if (missing)
			return rkt_error_set(err, EINVAL, "option '%s' needs a value", argv[i]);
		else
			argv[out++] = argv[i];
		if (r < 0)
			return r;
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
	const struct cli_command *cmd = NULL;
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
	if (argc < 2 || strcmp(argv[1], "help") == 0 ||
	    (wants_help(argc, argv) && argv[1][0] == '-')) {
		print_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : EXIT_SUCCESS; /* upstream: a missing subcommand exits 2 */
	}
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		if (strcmp(commands[i].name, argv[1]) == 0)
			cmd = &commands[i];
	if (!cmd) {
		rkt_error_set(&err, EINVAL, "unknown command '%s' (see 'rkt help')", argv[1]);
		report(&err);
		return EXIT_RKT_FAILURE;
	}
	if (wants_help(argc - 1, argv + 1)) {
		printf("Usage:\n  rkt %s %s\n\n%s\n", cmd->name, cmd->usage, cmd->summary);
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
