/* actool: build, validate and inspect App Container images (appc 0.8.11).
 *
 * The command table, usage texts, and the one place that prints errors. Exit status: 0 on
 * success, 254 for any failure (rkt's status for its own failures; the reference actool uses 1
 * and 2). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actool.h"

#define EXIT_ACTOOL_FAILURE 254

static const struct actool_command commands[] = {
	{ "build", cmd_build, "Build an ACI from an Image Layout",
	  "[--overwrite] [--owner-root] [--compression=none|gzip|bzip2|xz] [--no-compression]\n"
	  "\t\t[--mtime=SECONDS] DIRECTORY OUTPUT_FILE",
	  "\t--overwrite\t\tOverwrite the output file if it already exists\n"
	  "\t--owner-root\t\tRecord every entry as owned by root:root\n"
	  "\t--compression=NAME\tnone, gzip (default), bzip2 or xz\n"
	  "\t--no-compression\tSame as --compression=none\n"
	  "\t--mtime=SECONDS\t\tRecord every entry with this modification time (seconds since\n"
	  "\t\t\t\tthe epoch); SOURCE_DATE_EPOCH does the same when set\n" },
	{ "cat-manifest", cmd_cat_manifest, "Print the manifest from an ACI",
	  "[--pretty-print] ACI_FILE",
	  "\t--pretty-print\t\tPrint the manifest indented, as the reference actool does\n" },
	{ "help", NULL, "Show a list of commands or help for one command", "[COMMAND]", NULL },
	{ "patch-manifest", cmd_patch_manifest, "Copy an ACI and patch its manifest",
	  "[--manifest=MANIFEST_FILE] [--name=example.com/app]\n"
	  "\t\t[--exec=\"/app --debug\"] [--user=uid] [--group=gid]\n"
	  "\t\t[--supplementary-groups=gid1,gid2,...]\n"
	  "\t\t[--capability=CAP_SYS_ADMIN,CAP_NET_ADMIN]\n"
	  "\t\t[--revoke-capability=CAP_SYS_CHROOT,CAP_MKNOD]\n"
	  "\t\t[--mounts=work,path=/opt,readOnly=true[:work2,...]]\n"
	  "\t\t[--ports=query,protocol=tcp,port=8080[,count=1][,socketActivated=true][:query2,...]]"
	  "\n"
	  "\t\t[--isolators=resource/cpu,request=50m,limit=100m[:resource/memory,...]]\n"
	  "\t\t[--seccomp-mode=remove|retain[,errno=EPERM]] [--seccomp-set=syscall1,syscall2,...]\n"
	  "\t\t[--replace] [--overwrite] [--compression=NAME] [--no-compression]\n"
	  "\t\tINPUT_ACI_FILE [OUTPUT_ACI_FILE]",
	  "\t--manifest=FILE\t\tReplace the manifest with this file (no other edits allowed)\n"
	  "\t--name=NAME\t\tReplace the name\n"
	  "\t--exec=CMDLINE\t\tReplace the command line (split at spaces)\n"
	  "\t--user=USER\t\tReplace the user\n"
	  "\t--group=GROUP\t\tReplace the group\n"
	  "\t--supplementary-groups=GIDS\tReplace the supplementary group IDs\n"
	  "\t\t\t\t(--supplementary-gids is the same)\n"
	  "\t--capability=CAPS\tSet the capabilities retain set\n"
	  "\t--revoke-capability=CAPS\tSet the capabilities remove set\n"
	  "\t--mounts=MOUNTS\t\tAdd mount points\n"
	  "\t--ports=PORTS\t\tAdd ports\n"
	  "\t--isolators=ISOLATORS\tAdd resource, no-new-privileges or oom-score-adj isolators\n"
	  "\t--seccomp-mode=MODE\tSet a seccomp isolator (with --seccomp-set)\n"
	  "\t--seccomp-set=SYSCALLS\tThe syscalls of the seccomp isolator\n"
	  "\t--replace\t\tReplace the input file\n"
	  "\t--overwrite\t\tOverwrite the output file if it already exists\n"
	  "\t--compression=NAME\tnone, gzip (default), bzip2 or xz\n"
	  "\t--no-compression\tSame as --compression=none\n" },
	{ "validate", cmd_validate,
	  "Validate that one or more images or manifests meet the AppContainer specification",
	  "[--quiet] [--type=appimage|manifest] FILE...",
	  "\t--quiet\t\t\tPrint nothing for valid files (and skip computing image IDs)\n"
	  "\t--type=TYPE\t\tappimage or manifest; detected from the content if unset\n" },
	{ "version", cmd_version, "Print the version and exit", "", NULL },
};

static const struct actool_command *find_command(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void print_global_usage(FILE *f)
{
	fputs("NAME:\n"
	      "\tactool - actool, the application container tool\n"
	      "\n"
	      "USAGE:\n"
	      "\tactool [global options] <command> [command options] [arguments...]\n"
	      "\n"
	      "VERSION:\n"
	      "\t" RKT_VERSION " (appc " RKT_APPC_VERSION ")\n"
	      "\n"
	      "COMMANDS:\n",
	      f);
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		fprintf(f, "\t%-16s%s\n", commands[i].name, commands[i].summary);
	fputs("\n"
	      "GLOBAL OPTIONS:\n"
	      "\t--help\t\t\tPrint usage information and exit\n"
	      "\n"
	      "Run \"actool help <command>\" for more details on a specific command.\n",
	      f);
}

static void print_command_usage(FILE *f, const struct actool_command *cmd)
{
	fprintf(f, "NAME:\n\tactool %s - %s\n\nUSAGE:\n\tactool %s %s\n", cmd->name, cmd->summary,
	        cmd->name, cmd->usage);
	if (cmd->options)
		fprintf(f, "\nOPTIONS:\n%s", cmd->options);
	fputs("\t--help\t\t\tPrint this help and exit\n", f);
}

void actool_report(const struct rkt_error *err)
{
	char line[sizeof(err->msg) + 128];

	fprintf(stderr, "actool: %s\n", rkt_error_format(err, line, sizeof(line)));
}

void actool_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("actool: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* "actool help [COMMAND]" and "actool COMMAND --help" print to stdout and succeed. */
static int run_help(int argc, char **argv, struct rkt_error *err)
{
	const struct actool_command *cmd;

	if (argc < 2) {
		print_global_usage(stdout);
		return 0;
	}
	if (argc > 2)
		return actool_usage_error(err, "help: expected at most one command");
	cmd = find_command(argv[1]);
	if (!cmd)
		return rkt_error_set(err, EINVAL, "help: unknown command '%s'", argv[1]);
	print_command_usage(stdout, cmd);
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
	struct rkt_error err = { 0 };
	const struct actool_command *cmd;
	int r;

	if (argc < 2) {
		print_global_usage(stderr);
		return EXIT_ACTOOL_FAILURE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		print_global_usage(stdout);
		return EXIT_SUCCESS;
	}
	cmd = find_command(argv[1]);
	if (!cmd) {
		if (argv[1][0] == '-')
			rkt_error_set(&err, EINVAL, "unknown global option '%s'", argv[1]);
		else
			rkt_error_set(&err, EINVAL, "unknown command '%s'", argv[1]);
		actool_report(&err);
		print_global_usage(stderr);
		return EXIT_ACTOOL_FAILURE;
	}

	if (!cmd->run)
		r = run_help(argc - 1, argv + 1, &err);
	else if (wants_help(argc - 1, argv + 1)) {
		print_command_usage(stdout, cmd);
		r = 0;
	} else {
		optind = 0; /* a fresh getopt_long() scan of the command's arguments */
		r = cmd->run(argc - 1, argv + 1, &err);
	}

	if (r == 0 && (fflush(stdout) != 0 || ferror(stdout)))
		r = rkt_error_set(&err, errno ? errno : EIO, "write to standard output");
	if (r == 0)
		return EXIT_SUCCESS;
	if (r != ACTOOL_REPORTED)
		actool_report(&err);
	if (r == ACTOOL_USAGE_ERROR)
		print_command_usage(stderr, cmd);
	return EXIT_ACTOOL_FAILURE;
}
