/* Declarative flag tables: one row per flag (name, kind, default, help text and where the value
 * goes), from which the parser, `rkt CMD --help`, the man pages and the bash completion are all
 * produced (help.c), so that none of them can drift from what the parser accepts.
 *
 * A command keeps its options in a struct of its own; each row names a field of it by offset
 * (CLI_FLAG_FIELD). The grammar is pflag's, as upstream's cobra commands have it:
 *   --name=VALUE, --name VALUE        value flags
 *   --name, --name=BOOL               booleans (Go's spellings: 1 t T TRUE true True, 0 f ...)
 *   --name, --name=VALUE              flags with a value for the bare form (NOOPT), e.g. --net
 * Only long flags; names match exactly (no abbreviations); "--" ends the flags. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

enum cli_flag_type {
	CLI_FLAG_STRING = 0, /* const char * pointing into argv; given twice, the last wins */
	CLI_FLAG_BOOL,       /* bool */
	CLI_FLAG_DURATION,   /* int64_t nanoseconds, Go's duration syntax ("30m", "1h30m", "0") */
	CLI_FLAG_CUSTOM,     /* a value that PARSE stores */
	_CLI_FLAG_TYPE_MAX
};

struct cli_flag;

/* Stores VALUE for flag F into OPTS (the command's options struct, or what the caller of
 * cli_flag_apply() passed). Returns 0 or -EINVAL with a message naming the flag and value. */
typedef int (*cli_flag_parse_fn)(void *opts, const struct cli_flag *f, const char *value,
                                 struct rkt_error *err);

struct cli_flag {
	const char *name;
	enum cli_flag_type type;
	size_t offset;           /* of the target field in the options struct (not for CUSTOM) */
	const char *def;         /* the default as help shows it ("false", "30m0s", "" ...) */
	const char *help;        /* one line */
	const char *noopt;       /* the value of a bare --NAME (booleans: "true"); NULL: needed */
	cli_flag_parse_fn parse; /* stores the value if set (any type; booleans "true"/"false") */
	const char *values;      /* space-separated values for completion, or NULL */
	int id;                  /* for PARSE functions shared between flags */
	unsigned attrs;          /* CLI_FLAG_PER_APP */
};

/* The flag applies to the image before it (run, prepare: app-args.h). */
#define CLI_FLAG_PER_APP            1u

#define CLI_FLAG_FIELD(type, field) offsetof(type, field)
/* A row whose value goes into FIELD of the options struct TYPE. */
#define FLAG(n, t, st, field, d, h)                                                      \
	{                                                                                \
		.name = n, .type = t, .offset = offsetof(st, field), .def = d, .help = h \
	}

/* A row for a PARSE function shared between flags, which tells them apart by ID; ATTRS as
 * struct cli_flag's. */
#define ID_FLAG(n, t, i, d, h, a)                                              \
	{                                                                      \
		.name = n, .type = t, .def = d, .help = h, .id = i, .attrs = a \
	}

/* How cli_flags_parse() treats arguments that are not flags. */
enum cli_parse_mode {
	CLI_PARSE_INTERSPERSED = 0, /* flags and arguments in any order (pflag's default) */
	CLI_PARSE_STOP_AT_ARG,      /* everything from the first argument on is an argument */
};

/* The row of TABLE (ended by a row with a NULL name) called NAME (LEN bytes), or NULL. */
const struct cli_flag *cli_flag_find(const struct cli_flag *table, const char *name, size_t len);

/* ARGV[*I] starts with '-'. Looks its name up in TABLE: NULL (nothing set) if it is not there.
 * Otherwise *RET_VALUE is its value, taken from "=VALUE", from ARGV[*I + 1] (advancing *I) or
 * from the flag's NOOPT; booleans come back as "true" or "false". -EINVAL naming CMD and the flag
 * if the value is missing or not a boolean. Messages start with "CMD: " (nothing if CMD is ""). */
int cli_flag_read(const struct cli_flag *table, const char *cmd, int argc, char **argv, int *i,
                  const struct cli_flag **ret_flag, const char **ret_value, struct rkt_error *err);

/* Stores VALUE (as cli_flag_read() returned it) into the field of OPTS that F names. */
int cli_flag_apply(const struct cli_flag *f, void *opts, const char *cmd, const char *value,
                   struct rkt_error *err);

/* Parses ARGV[1..ARGC-1] (ARGV[0] is the command) against FLAGS into OPTS. The arguments that are
 * not flags are moved, in order, to ARGV[1..n] (ARGV[n + 1] = NULL); returns n, or -EINVAL with
 * "CMD: unknown flag '--x'" and the like. */
int cli_flags_parse(const struct cli_flag *flags, const char *cmd, enum cli_parse_mode mode,
                    int argc, char **argv, void *opts, struct rkt_error *err);

/* Go's time.ParseDuration subset: [0-9]+(ns|us|ms|s|m|h) repeated, or "0". */
int cli_parse_duration(const char *s, int64_t *ret_ns);
