/* Help, man pages and bash completion, all made from the command and flag tables that the parser
 * uses (rkt.h, flags.h), so they list exactly what rkt accepts. The help layout is upstream's
 * (cobra with rkt's usage template): NAME, USAGE, COMMANDS, DESCRIPTION, OPTIONS, GLOBAL
 * OPTIONS, one line per flag, aligned with tabs as Go's tabwriter(0, 8, 1, '\t', 0) does. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rkt.h"

#define RKT_SHORT "rkt, the application container runner"
#define RKT_LONG                                         \
	"A CLI for running app containers on Linux.\n\n" \
	"To get the help on any specific command, run \"rkt help command\"."

/* "PREFIX NAME", or NAME at the top. */
static char *child_path(const char *prefix, const char *name)
{
	return prefix[0] ? xasprintf("%s %s", prefix, name) : xstrdup(name);
}

static const char *type_name(const struct cli_flag *f)
{
	switch (f->type) {
	case CLI_FLAG_STRING:
		return "string";
	case CLI_FLAG_BOOL:
		return "bool";
	case CLI_FLAG_DURATION:
		return "duration";
	default:
		return "value";
	}
}

/* "--name=default", "--name[=default]" for flags that may stand alone; strings quoted (pflag). */
static char *flag_synopsis(const struct cli_flag *f)
{
	bool bare = f->type == CLI_FLAG_BOOL || f->noopt;
	const char *def = f->def ? f->def : (f->type == CLI_FLAG_BOOL ? "false" : "");

	if (f->type == CLI_FLAG_STRING)
		return xasprintf("--%s%s=\"%s\"%s", f->name, bare ? "[" : "", def, bare ? "]" : "");
	return xasprintf("--%s%s=%s%s", f->name, bare ? "[" : "", def, bare ? "]" : "");
}

/* Lines "LEAD LEFT<tabs>RIGHT", the RIGHT column aligned as tabwriter aligns a cell block. LEAD
 * is "" or "\t" (an empty cell of its own). */
static void print_columns(FILE *f, const char *lead, char **left, const char **right, size_t n)
{
	size_t width = 0;

	for (size_t i = 0; i < n; i++)
		if (strlen(left[i]) > width)
			width = strlen(left[i]);
	width = (width + 1 + 7) / 8 * 8;
	for (size_t i = 0; i < n; i++) {
		size_t at = strlen(left[i]);

		fprintf(f, "%s%s", lead, left[i]);
		for (; at < width; at = at / 8 * 8 + 8)
			fputc('\t', f);
		fprintf(f, "%s\n", right[i]);
	}
}

/* The rows of FLAGS with (PER_APP) or without the CLI_FLAG_PER_APP attribute. */
static size_t count_flags(const struct cli_flag *flags, bool per_app)
{
	size_t n = 0;

	for (; flags && flags->name; flags++)
		n += !!(flags->attrs & CLI_FLAG_PER_APP) == per_app;
	return n;
}

static void print_flags(FILE *f, const char *title, const struct cli_flag *flags, bool per_app)
{
	size_t n = count_flags(flags, per_app), k = 0;
	_cleanup_free_ char **left = xmalloc_array(n + 1, sizeof(*left));
	_cleanup_free_ const char **right = xmalloc_array(n + 1, sizeof(*right));

	if (!n)
		return;
	for (; flags->name; flags++) {
		if (!!(flags->attrs & CLI_FLAG_PER_APP) != per_app)
			continue;
		_cleanup_free_ char *syn = flag_synopsis(flags);
		/* pflag's "   %s   --%s" with no shorthand: six spaces */
		left[k] = xasprintf("      %s", syn);
		right[k++] = flags->help;
	}
	fprintf(f, "\n%s:\n", title);
	print_columns(f, "", left, right, n);
	for (size_t i = 0; i < n; i++)
		free(left[i]);
}

static void print_lines(FILE *f, const char *text)
{
	while (*text) {
		size_t len = strcspn(text, "\n");

		fprintf(f, "\t%.*s\n", (int)len, text);
		text += len + (text[len] == '\n');
	}
}

/* Every command below CMDS as "PREFIX name" (recursively, as upstream's COMMANDS list). */
static void collect(const struct cli_command *cmds, const char *prefix, char ***names,
                    const char ***summaries, size_t *n, size_t *cap)
{
	for (; cmds && cmds->name; cmds++) {
		xgrow((void **)names, cap, *n + 1, sizeof(**names));
		*summaries = xrealloc_array(*summaries, *cap, sizeof(**summaries));
		(*names)[*n] = child_path(prefix, cmds->name);
		(*summaries)[*n] = cmds->summary;
		(*n)++;
		if (cmds->subcommands) {
			_cleanup_free_ char *sub = xstrdup((*names)[*n - 1]);
			collect(cmds->subcommands, sub, names, summaries, n, cap);
		}
	}
}

static void print_commands(FILE *f, const struct cli_command *cmds)
{
	_cleanup_free_ char **names = NULL;
	_cleanup_free_ const char **summaries = NULL;
	size_t n = 0, cap = 0;

	collect(cmds, "", &names, &summaries, &n, &cap);
	fputs("\nCOMMANDS:\n", f);
	print_columns(f, "\t", names, summaries, n);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
}

void cli_help_root(FILE *f)
{
	fputs("NAME:\n\trkt - " RKT_SHORT "\n\nUSAGE:\n\trkt [command]\n\nVERSION:\n"
	      "\t" RKT_VERSION "\n",
	      f);
	print_commands(f, cli_commands);
	fputs("\nDESCRIPTION:\n", f);
	print_lines(f, RKT_LONG);
	print_flags(f, "OPTIONS", cli_global_flags, false);
}

/* cobra's use line: " [flags]" after the arguments unless they already say where flags go. */
static const char *flags_suffix(const struct cli_command *cmd)
{
	return cmd->flags && !strstr(cmd->usage, "[flags]") ? " [flags]" : "";
}

void cli_help_command(FILE *f, const char *path, const struct cli_command *cmd)
{
	fprintf(f, "NAME:\n\t%s - %s\n\nUSAGE:\n\trkt %s%s%s%s\n", path, cmd->summary, path,
	        cmd->usage[0] ? " " : "", cmd->usage, flags_suffix(cmd));
	if (cmd->subcommands)
		print_commands(f, cmd->subcommands);
	if (cmd->description) {
		fputs("\nDESCRIPTION:\n", f);
		print_lines(f, cmd->description);
	}
	print_flags(f, "OPTIONS", cmd->flags, false);
	print_flags(f, "PER-APP OPTIONS (after an image, for that image)", cmd->flags, true);
	print_flags(f, "GLOBAL OPTIONS", cli_global_flags, false);
}

const struct cli_command *cli_command_find(char **path, int n)
{
	const struct cli_command *table = cli_commands, *found = NULL;

	for (int i = 0; i < n; i++) {
		found = NULL;
		for (const struct cli_command *c = table; c && c->name; c++)
			if (strcmp(c->name, path[i]) == 0)
				found = c;
		if (!found)
			return NULL;
		table = found->subcommands;
	}
	return found;
}

/* ---- man pages ---- */

/* Text for roff: backslashes and dashes escaped, no line starting with a control character. */
static void man_text(FILE *f, const char *s)
{
	bool bol = true;

	for (; *s; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", f);
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
		bol = *s == '\n';
	}
}

static void man_flags(FILE *f, const char *title, const struct cli_flag *flags, bool per_app)
{
	if (!count_flags(flags, per_app))
		return;
	fprintf(f, ".SH %s\n", title);
	for (; flags->name; flags++) {
		if (!!(flags->attrs & CLI_FLAG_PER_APP) != per_app)
			continue;
		_cleanup_free_ char *syn = flag_synopsis(flags);

		fputs(".TP\n\\fB", f);
		man_text(f, syn);
		fputs("\\fR\n", f);
		man_text(f, flags->help);
		fputc('\n', f);
	}
}

static void man_description(FILE *f, const char *text)
{
	fputs(".SH DESCRIPTION\n", f);
	while (*text) {
		size_t len = strcspn(text, "\n");
		_cleanup_free_ char *line = xstrndup(text, len);

		if (!len) {
			fputs(".PP\n", f);
		} else {
			man_text(f, line);
			fputc('\n', f);
		}
		text += len + (text[len] == '\n');
	}
}

static int man_page(int dir_fd, const char *dir, const char *path, const struct cli_command *cmd,
                    struct rkt_error *err)
{
	_cleanup_free_ char *file = NULL, *title = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	int fd;

	if (cmd)
		title = xasprintf("rkt-%s", path);
	else
		title = xstrdup("rkt");
	for (char *p = title; *p; p++)
		if (*p == ' ')
			*p = '-';
	file = xasprintf("%s.1", title);
	fd = openat(dir_fd, file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return rkt_error_set(err, errno, "help: man page '%s/%s'", dir, file);
	f = fdopen(fd, "w");
	if (!f) {
		(void)close(fd);
		return rkt_error_set(err, errno, "help: man page '%s/%s'", dir, file);
	}
	fputs(".TH \"", f);
	for (const char *p = title; *p; p++)
		fputc(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p, f);
	fputs("\" \"1\" \"\" \"rkt " RKT_VERSION "\" \"rkt Manual\"\n.SH NAME\n", f);
	man_text(f, title);
	fputs(" \\- ", f);
	man_text(f, cmd ? cmd->summary : RKT_SHORT);
	fputs("\n.SH SYNOPSIS\n\\fBrkt", f);
	if (cmd) {
		fputc(' ', f);
		man_text(f, path);
		fputs("\\fR", f);
		if (cmd->usage[0])
			fputc(' ', f);
		man_text(f, cmd->usage);
		man_text(f, flags_suffix(cmd));
		fputc('\n', f);
	} else {
		fputs("\\fR [command]\n", f);
	}
	man_description(f, cmd ? (cmd->description ? cmd->description : cmd->summary) : RKT_LONG);
	if (cmd && cmd->subcommands) {
		fputs(".SH COMMANDS\n", f);
		for (const struct cli_command *c = cmd->subcommands; c->name; c++) {
			fputs(".TP\n\\fB", f);
			man_text(f, c->name);
			fputs("\\fR\n", f);
			man_text(f, c->summary);
			fputc('\n', f);
		}
	}
	man_flags(f, "OPTIONS", cmd ? cmd->flags : cli_global_flags, false);
	if (cmd) {
		man_flags(f, "PER\\-APP OPTIONS", cmd->flags, true);
		man_flags(f, "GLOBAL OPTIONS", cli_global_flags, false);
	}
	fputs(".SH SEE ALSO\n", f);
	if (cmd) {
		fputs(".BR rkt (1)\n", f);
	} else {
		for (const struct cli_command *c = cli_commands; c->name; c++)
			fprintf(f, ".BR rkt\\-%s (1)%s\n", c->name, c[1].name ? "," : "");
	}
	if (fflush(f) != 0 || ferror(f))
		return rkt_error_set(err, errno ? errno : EIO, "help: man page '%s/%s'", dir, file);
	return 0;
}

static int man_tree(int dir_fd, const char *dir, const char *prefix, const struct cli_command *cmds,
                    struct rkt_error *err)
{
	for (; cmds->name; cmds++) {
		_cleanup_free_ char *path = child_path(prefix, cmds->name);
		int r = man_page(dir_fd, dir, path, cmds, err);

		if (r >= 0 && cmds->subcommands)
			r = man_tree(dir_fd, dir, path, cmds->subcommands, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int write_man_pages(const char *dir, struct rkt_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return rkt_error_set(err, errno, "help: man directory '%s'", dir);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return rkt_error_set(err, errno, "help: man directory '%s'", dir);
	r = man_page(fd, dir, "", NULL, err);
	if (r < 0)
		return r;
	return man_tree(fd, dir, "", cli_commands, err);
}

/* ---- bash completion ---- */

static void words(FILE *f, const struct cli_flag *flags)
{
	for (; flags && flags->name; flags++)
		fprintf(f, " --%s", flags->name);
}

static void completion_cases(FILE *f, const char *prefix, const struct cli_command *cmds)
{
	for (; cmds->name; cmds++) {
		_cleanup_free_ char *path = child_path(prefix, cmds->name);

		fprintf(f, "\t\"%s\")\n\t\tflags=\"", path);
		words(f, cmds->flags);
		fputs("\"\n", f);
		if (cmds->subcommands) {
			fputs("\t\tsubs=\"", f);
			for (const struct cli_command *c = cmds->subcommands; c->name; c++)
				fprintf(f, "%s%s", c->name, c[1].name ? " " : "");
			fputs("\"\n", f);
		}
		if (cmds->complete)
			fprintf(f, "\t\targs=%s\n", cmds->complete);
		fputs("\t\t;;\n", f);
		if (cmds->subcommands)
			completion_cases(f, path, cmds->subcommands);
	}
}

static void completion_paths(FILE *f, const char *prefix, const struct cli_command *cmds,
                             bool *first)
{
	for (; cmds->name; cmds++) {
		_cleanup_free_ char *path = child_path(prefix, cmds->name);

		fprintf(f, "%s\"%s\"", *first ? "" : " | ", path);
		*first = false;
		if (cmds->subcommands)
			completion_paths(f, path, cmds->subcommands, first);
	}
}

static void value_cases(FILE *f, const struct cli_flag *flags)
{
	for (; flags && flags->name; flags++) {
		if (flags->type == CLI_FLAG_BOOL)
			fprintf(f, "\t--%s) values=\"true false\" ;;\n", flags->name);
		else if (flags->values)
			fprintf(f, "\t--%s) values=\"%s\" ;;\n", flags->name, flags->values);
	}
}

static void value_cases_tree(FILE *f, const struct cli_command *cmds)
{
	for (; cmds->name; cmds++) {
		value_cases(f, cmds->flags);
		if (cmds->subcommands)
			value_cases_tree(f, cmds->subcommands);
	}
}

static void print_completion(FILE *f)
{
	bool first = true;

	fputs("# bash completion for rkt, generated by `rkt completion bash` from its flag tables\n"
	      "\n"
	      "__rkt_images()\n{\n"
	      "\t\"${COMP_WORDS[0]}\" image list --no-legend --fields=id 2>/dev/null\n}\n\n"
	      "__rkt_pods()\n{\n"
	      "\t\"${COMP_WORDS[0]}\" list --no-legend --full 2>/dev/null | cut -f1 | "
	      "grep -v '^$'\n}\n\n"
	      "_rkt()\n{\n"
	      "\tlocal cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"\" path=\"\" w i\n"
	      "\tlocal flags=\"\" subs=\"\" args=\"\" values=\"\" flag=\"\"\n"
	      "\t((COMP_CWORD > 0)) && prev=\"${COMP_WORDS[COMP_CWORD - 1]}\"\n"
	      "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	      "\t\tw=\"${COMP_WORDS[i]}\"\n"
	      "\t\tcase \"$w\" in\n"
	      "\t\t=) ((i++)); continue ;;\n\t\t",
	      f);
	/* the global flags that take the next word as their value */
	for (const struct cli_flag *g = cli_global_flags; g->name; g++)
		if (g->type != CLI_FLAG_BOOL && !g->noopt) {
			fprintf(f, "%s--%s", first ? "" : "|", g->name);
			first = false;
		}
	first = true;
	fputs(")\n"
	      "\t\t\tif [[ \"${COMP_WORDS[i + 1]}\" == \"=\" ]]; then ((i += 2)); else ((i++)); "
	      "fi\n"
	      "\t\t\tcontinue ;;\n"
	      "\t\t-*) continue ;;\n"
	      "\t\tesac\n"
	      "\t\tcase \"${path:+$path }$w\" in\n\t\t",
	      f);
	completion_paths(f, "", cli_commands, &first);
	fputs(") path=\"${path:+$path }$w\" ;;\n"
	      "\t\t*) break ;;\n"
	      "\t\tesac\n"
	      "\tdone\n"
	      "\tcase \"$path\" in\n"
	      "\t\"\")\n\t\tsubs=\"",
	      f);
	for (const struct cli_command *c = cli_commands; c->name; c++)
		fprintf(f, "%s%s", c->name, c[1].name ? " " : "");
	fputs("\"\n\t\t;;\n", f);
	completion_cases(f, "", cli_commands);
	fputs("\tesac\n\tflags=\"$flags", f);
	words(f, cli_global_flags);
	fputs("\"\n"
	      "\t# --flag=VALUE: bash splits the word at '='\n"
	      "\tif [[ \"$cur\" == \"=\" ]]; then\n"
	      "\t\tflag=\"$prev\"\n\t\tcur=\"\"\n"
	      "\telif [[ \"$prev\" == \"=\" ]] && ((COMP_CWORD > 1)); then\n"
	      "\t\tflag=\"${COMP_WORDS[COMP_CWORD - 2]}\"\n"
	      "\tfi\n"
	      "\tif [[ -n \"$flag\" ]]; then\n"
	      "\t\tcase \"$flag\" in\n",
	      f);
	value_cases(f, cli_global_flags);
	value_cases_tree(f, cli_commands);
	fputs("\t\tesac\n"
	      "\t\tCOMPREPLY=($(compgen -W \"$values\" -- \"$cur\"))\n"
	      "\telif [[ \"$cur\" == -* ]]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"$flags\" -- \"$cur\"))\n"
	      "\telif [[ -n \"$subs\" ]]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"$subs\" -- \"$cur\"))\n"
	      "\telse\n"
	      "\t\tcase \"$args\" in\n"
	      "\t\timage) COMPREPLY=($(compgen -W \"$(__rkt_images)\" -- \"$cur\")) ;;\n"
	      "\t\tpod) COMPREPLY=($(compgen -W \"$(__rkt_pods)\" -- \"$cur\")) ;;\n"
	      "\t\tfile) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
	      "\t\tesac\n"
	      "\tfi\n"
	      "}\n"
	      "\n"
	      "complete -F _rkt rkt\n",
	      f);
}

int cmd_completion(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	int r = cli_flags_parse(NULL, "completion", CLI_PARSE_INTERSPERSED, argc, argv, NULL, err);

	if (r < 0)
		return r;
	if (r != 1 || strcmp(argv[1], "bash") != 0)
		return rkt_error_set(err, EINVAL,
		                     "completion: expected 'bash', the only shell "
		                     "supported");
	print_completion(stdout);
	return 0;
}

/* ---- rkt help ---- */

static void list_paths(const char *prefix, const struct cli_command *cmds)
{
	for (; cmds->name; cmds++) {
		_cleanup_free_ char *path = child_path(prefix, cmds->name);

		printf("%s\n", path);
		if (cmds->subcommands)
			list_paths(path, cmds->subcommands);
	}
}

static char *join(char **words, int n)
{
	char *s = xstrdup("");

	for (int i = 0; i < n; i++) {
		char *t = xasprintf("%s%s%s", s, i ? " " : "", words[i]);
		free(s);
		s = t;
	}
	return s;
}

void cli_help_deepest(FILE *f, char **words, int n)
{
	_cleanup_free_ char *path = NULL;
	int k = 1;

	while (k < n && cli_command_find(words, k + 1))
		k++;
	path = join(words, k);
	cli_help_command(f, path, cli_command_find(words, k));
}

int cmd_help(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	const struct cli_command *cmd;
	_cleanup_free_ char *path = NULL;

	/* hidden: what the build and the tests use */
	if (argc == 3 && strcmp(argv[1], "--man") == 0)
		return write_man_pages(argv[2], err);
	if (argc == 2 && strcmp(argv[1], "--commands") == 0) {
		list_paths("", cli_commands);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "--flags") == 0) {
		const struct cli_flag *flags = cli_global_flags;

		if (argc > 2) {
			cmd = cli_command_find(argv + 2, argc - 2);
			if (!cmd)
				return rkt_error_set(err, EINVAL, "help: unknown command '%s'",
				                     argv[2]);
			flags = cmd->flags;
		}
		for (; flags && flags->name; flags++)
			printf("%s\t%s\t%s\n", flags->name, type_name(flags),
			       flags->noopt || flags->type == CLI_FLAG_BOOL ? "optional"
			                                                    : "needed");
		return 0;
	}
	if (argc < 2) {
		cli_help_root(stdout);
		return 0;
	}
	if (argv[1][0] == '-')
		return rkt_error_set(err, EINVAL, "help: unknown flag '%s'", argv[1]);
	cmd = cli_command_find(argv + 1, argc - 1);
	path = join(argv + 1, argc - 1);
	if (!cmd)
		return rkt_error_set(err, EINVAL, "help: unknown command '%s' (see 'rkt help')",
		                     path);
	cli_help_command(stdout, path, cmd);
	return 0;
}
