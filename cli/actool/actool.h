/* actool: the command table's contract, and the few helpers the command files share.
 *
 * Each cmd_<verb>() parses its own argv (argv[0] is the command name) with getopt_long into a
 * struct <verb>_opts, calls into lib/, and prints results to stdout. It returns 0, a negative
 * errno with ERR filled in (main prints it once and exits 254), or one of the positive codes
 * below. Only main.c writes to stderr. */
#pragma once

#include "util/parse.h"
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "aci/aci.h"
#include "appc/manifest.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json-util.h"
#include "util/xalloc.h"

/* ERR holds a usage mistake (bad flag, wrong number of arguments): main prints it, then the
 * command's usage, on stderr, and exits 254. */
#define ACTOOL_USAGE_ERROR 2
/* The command already reported its failures through actool_report() (validate reports each
 * input); main exits 254 without printing anything more. */
#define ACTOOL_REPORTED 3

struct actool_command {
	const char *name;
	int (*run)(int argc, char **argv, struct rkt_error *err);
	const char *summary;
	const char *usage;   /* arguments after "actool NAME " */
	const char *options; /* one "\t--flag\tdescription\n" line per option, or NULL */
};

int cmd_build(int argc, char **argv, struct rkt_error *err);
int cmd_cat_manifest(int argc, char **argv, struct rkt_error *err);
int cmd_patch_manifest(int argc, char **argv, struct rkt_error *err);
int cmd_validate(int argc, char **argv, struct rkt_error *err);
int cmd_version(int argc, char **argv, struct rkt_error *err);

/* main.c: the only writers to stderr. actool_report() prints ERR as one "actool: MSG" line
 * (plus strerror() for system errors); actool_warn() prints "actool: warning: MSG". */
void actool_report(const struct rkt_error *err);
void actool_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* common.c */
/* Records a usage mistake in ERR and returns ACTOOL_USAGE_ERROR. */
int actool_usage_error(struct rkt_error *err, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/* getopt_long() over OPTIONS (long options only), silent: failures come back as ':' (missing
 * value) or '?' for actool_getopt_error(). main resets optind before each command. */
int actool_getopt(int argc, char **argv, const struct option *options);
/* Records the getopt_long() failure that just happened (RESULT is what it returned, ':' or
 * '?'; OPTSTRING must start with ':') and returns ACTOOL_USAGE_ERROR. */
int actool_getopt_error(const char *cmd, int result, int argc, char **argv, struct rkt_error *err);
/* A compression a writer supports: none, gzip, bzip2 or xz. */
int actool_parse_compression(const char *s, enum rkt_compression *ret, struct rkt_error *err);
/* Decimal unsigned integer up to MAX, no sign, no trailing junk; -ERANGE or -EINVAL. */
int actool_parse_uint(const char *s, uint64_t max, uint64_t *ret);
/* Requires the ".aci" extension the reference tool requires of the files it writes. */
int actool_check_aci_name(const char *path, struct rkt_error *err);
/* Opens PATH for reading; a directory is refused. */
int actool_open_input(const char *path, struct rkt_error *err);
/* Reads all of FD (opened from PATH) into a new NUL-terminated buffer, up to the manifest size
 * limit (RKT_JSON_MAX_SIZE). */
int actool_read_manifest(int fd, const char *path, char **ret, size_t *ret_len,
                         struct rkt_error *err);
/* Reads the ACI at PATH in one pass (manifest parsed, ID computed); the error names PATH. */
int actool_read_aci(const char *path, struct rkt_aci_info *ret, struct rkt_error *err);
/* Warns about each isolator of L that is not known, and so is ignored (appc ace.md, ISO-1).
 * WHAT names the input, FIELD the list ("app.isolators"). */
void actool_warn_unknown_isolators(const char *what, const char *field,
                                   const struct rkt_isolator_list *l);
