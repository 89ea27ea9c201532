/* The flag-table parser (see flags.h). */
#include <errno.h>
#include <string.h>

#include "flags.h"
#include "util/cleanup.h"
#include "util/parse.h"

/* Messages start with "CMD: ", or with nothing for the global flags (CMD ""). */
#define SEP(cmd) ((cmd)[0] ? ": " : "")

const struct cli_flag *cli_flag_find(const struct cli_flag *table, const char *name, size_t len)
{
	for (; table && table->name; table++)
		if (strlen(table->name) == len && strncmp(table->name, name, len) == 0)
			return table;
	return NULL;
}

int cli_flag_read(const struct cli_flag *table, const char *cmd, int argc, char **argv, int *i,
                  const struct cli_flag **ret_flag, const char **ret_value, struct rkt_error *err)
{
	const char *a = argv[*i], *name, *eq;
	const struct cli_flag *f;
	size_t len;
	bool b;

	*ret_flag = NULL;
	if (strncmp(a, "--", 2) != 0)
		return 0; /* no short flags */
	name = a + 2;
	eq = strchr(name, '=');
	len = eq ? (size_t)(eq - name) : strlen(name);
	f = cli_flag_find(table, name, len);
	if (!f)
		return 0;
	if (f->type == CLI_FLAG_BOOL) {
		if (!eq) {
			*ret_value = "true";
		} else if (rkt_parse_bool(eq + 1, &b) < 0) {
			return rkt_error_set(err, EINVAL, "%s%s--%s: '%s' is not a boolean", cmd,
			                     SEP(cmd), f->name, eq + 1);
		} else {
			*ret_value = b ? "true" : "false";
		}
	} else if (eq) {
		*ret_value = eq + 1;
	} else if (f->noopt) {
		*ret_value = f->noopt;
	} else if (*i + 1 < argc) {
		*ret_value = argv[++*i];
	} else {
		return rkt_error_set(err, EINVAL, "%s%sflag '--%s' needs a value", cmd, SEP(cmd),
		                     f->name);
	}
	*ret_flag = f;
	return 0;
}

int cli_flag_apply(const struct cli_flag *f, void *opts, const char *cmd, const char *value,
                   struct rkt_error *err)
{
	void *field = (char *)opts + f->offset;

	if (f->parse)
		return f->parse(opts, f, value, err);
	switch (f->type) {
	case CLI_FLAG_STRING:
		*(const char **)field = value;
		return 0;
	case CLI_FLAG_BOOL:
		*(bool *)field = strcmp(value, "true") == 0;
		return 0;
	case CLI_FLAG_DURATION:
		if (cli_parse_duration(value, (int64_t *)field) < 0)
			return rkt_error_set(err, EINVAL, "%s%s--%s: '%s' is not a duration", cmd,
			                     SEP(cmd), f->name, value);
		return 0;
	case CLI_FLAG_CUSTOM:
		return f->parse(opts, f, value, err);
	case _CLI_FLAG_TYPE_MAX:
		break;
	}
	return rkt_error_set(err, EINVAL, "%s%s--%s: not handled", cmd, SEP(cmd), f->name);
}

int cli_flags_parse(const struct cli_flag *flags, const char *cmd, enum cli_parse_mode mode,
                    int argc, char **argv, void *opts, struct rkt_error *err)
{
	bool only_args = false;
	int out = 1;

	for (int i = 1; i < argc; i++) {
		const struct cli_flag *f;
		const char *v;
		int r;

		if (only_args || argv[i][0] != '-' || argv[i][1] == '\0') {
			argv[out++] = argv[i];
			only_args = mode == CLI_PARSE_STOP_AT_ARG;
			continue;
		}
		if (strcmp(argv[i], "--") == 0) {
			only_args = true;
			continue;
		}
		r = cli_flag_read(flags, cmd, argc, argv, &i, &f, &v, err);
		if (r < 0)
			return r;
		if (!f)
			return rkt_error_set(err, EINVAL, "%s%sunknown flag '%.*s'", cmd, SEP(cmd),
			                     (int)strcspn(argv[i], "="), argv[i]);
		r = cli_flag_apply(f, opts, cmd, v, err);
		if (r < 0)
			return r;
	}
	argv[out] = NULL;
	return out - 1;
}

int cli_parse_duration(const char *s, int64_t *ret_ns)
{
	static const struct {
		const char *unit;
		int64_t ns;
	} units[] = {
		{ "ns", 1 },
		{ "us", 1000 },
		{ "ms", 1000000 },
		{ "s", 1000000000 },
		{ "m", 60LL * 1000000000 },
		{ "h", 3600LL * 1000000000 },
	};
	int64_t total = 0;

	if (strcmp(s, "0") == 0) {
		*ret_ns = 0;
		return 0;
	}
	if (!*s)
		return -EINVAL;
	while (*s) {
		int64_t v = 0;
		size_t best = 0, best_len = 0;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (v > (INT64_MAX - 9) / 10)
				return -ERANGE;
			v = v * 10 + (*s - '0');
		}
		for (size_t i = 0; i < ELEMENTSOF(units); i++) {
			size_t len = strlen(units[i].unit);

			if (strncmp(s, units[i].unit, len) == 0 && len > best_len)
				best = i, best_len = len;
		}
		if (!best_len)
			return -EINVAL;
		if (v > INT64_MAX / units[best].ns || total > INT64_MAX - v * units[best].ns)
			return -ERANGE;
		total += v * units[best].ns;
		s += best_len;
	}
	*ret_ns = total;
	return 0;
}
