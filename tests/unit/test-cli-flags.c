/* Unit tests for the flag-table parser (cli/rkt/flags.c): pflag's grammar over a table. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../cli/rkt/flags.h"

struct opts {
	const char *name;
	bool force;
	int64_t grace_ns;
	const char *net;
	int custom_calls;
};

static int count_custom(void *opts, const struct cli_flag *f, const char *value,
                        struct rkt_error *err)
{
	struct opts *o = opts;

	if (strcmp(value, "bad") == 0)
		return rkt_error_set(err, EINVAL, "--%s: bad", f->name);
	o->custom_calls++;
	return 0;
}

static const struct cli_flag flags[] = {
	FLAG("name", CLI_FLAG_STRING, struct opts, name, "", "a string"),
	FLAG("force", CLI_FLAG_BOOL, struct opts, force, "false", "a boolean"),
	FLAG("grace", CLI_FLAG_DURATION, struct opts, grace_ns, "30m0s", "a duration"),
	{ .name = "net",
	  .type = CLI_FLAG_STRING,
	  .offset = offsetof(struct opts, net),
	  .noopt = "default",
	  .help = "a value with a bare form" },
	{ .name = "custom", .type = CLI_FLAG_CUSTOM, .parse = count_custom, .help = "custom" },
	{},
};

/* Parses the NULL-terminated words after "cmd" into O; ARGV keeps the result. */
static int parse(char **argv, enum cli_parse_mode mode, struct opts *o, struct rkt_error *err, ...)
{
	int argc = 1;
	va_list ap;

	argv[0] = "cmd";
	va_start(ap, err);
	for (char *w; (w = va_arg(ap, char *));)
		argv[argc++] = w;
	va_end(ap);
	return cli_flags_parse(flags, "cmd", mode, argc, argv, o, err);
}

static void values_and_arguments_in_any_order(void **state)
{
	struct rkt_error err = { 0 };
	struct opts o = { 0 };
	char *argv[16];

	(void)state;
	assert_int_equal(parse(argv, CLI_PARSE_INTERSPERSED, &o, &err, "a", "--name", "n", "b",
	                       "--grace=1h30m", "--custom=x", "--custom", "y", NULL),
	                 2);
	assert_string_equal(argv[1], "a");
	assert_string_equal(argv[2], "b");
	assert_null(argv[3]);
	assert_string_equal(o.name, "n");
	assert_int_equal(o.grace_ns, 5400LL * 1000000000);
	assert_int_equal(o.custom_calls, 2);
}

static void booleans_take_every_go_spelling(void **state)
{
	static const char *const yes[] = { "--force",     "--force=1",    "--force=t",
		                           "--force=T",   "--force=TRUE", "--force=true",
		                           "--force=True" };
	static const char *const no[] = { "--force=0",     "--force=f",     "--force=F",
		                          "--force=FALSE", "--force=false", "--force=False" };
	struct rkt_error err = { 0 };
	char *argv[8];

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		struct opts o = { 0 };

		assert_int_equal(parse(argv, 0, &o, &err, yes[i], NULL), 0);
		assert_true(o.force);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		struct opts o = { .force = true };

		assert_int_equal(parse(argv, 0, &o, &err, no[i], NULL), 0);
		assert_false(o.force);
	}
	/* a boolean never takes the next word */
	struct opts o = { 0 };
	assert_int_equal(parse(argv, 0, &o, &err, "--force", "false", NULL), 1);
	assert_true(o.force);
	assert_int_equal(parse(argv, 0, &o, &err, "--force=maybe", NULL), -EINVAL);
	assert_string_equal(err.msg, "cmd: --force: 'maybe' is not a boolean");
}

static void a_bare_form_does_not_take_the_next_word(void **state)
{
	struct rkt_error err = { 0 };
	struct opts o = { 0 };
	char *argv[8];

	(void)state;
	assert_int_equal(parse(argv, 0, &o, &err, "--net", "img", NULL), 1);
	assert_string_equal(o.net, "default");
	assert_string_equal(argv[1], "img");
	assert_int_equal(parse(argv, 0, &o, &err, "--net=none", NULL), 0);
	assert_string_equal(o.net, "none");
}

static void unknown_flags_abbreviations_and_missing_values_are_refused(void **state)
{
	struct rkt_error err = { 0 };
	struct opts o = { 0 };
	char *argv[8];

	(void)state;
	assert_int_equal(parse(argv, 0, &o, &err, "--nope=1", NULL), -EINVAL);
	assert_string_equal(err.msg, "cmd: unknown flag '--nope'");
	assert_int_equal(parse(argv, 0, &o, &err, "--forc", NULL), -EINVAL);
	assert_string_equal(err.msg, "cmd: unknown flag '--forc'");
	assert_int_equal(parse(argv, 0, &o, &err, "-f", NULL), -EINVAL);
	assert_string_equal(err.msg, "cmd: unknown flag '-f'");
	assert_int_equal(parse(argv, 0, &o, &err, "--name", NULL), -EINVAL);
	assert_string_equal(err.msg, "cmd: flag '--name' needs a value");
	assert_int_equal(parse(argv, 0, &o, &err, "--grace=soon", NULL), -EINVAL);
	assert_string_equal(err.msg, "cmd: --grace: 'soon' is not a duration");
	assert_int_equal(parse(argv, 0, &o, &err, "--custom=bad", NULL), -EINVAL);
	assert_string_equal(err.msg, "--custom: bad");
}

static void double_dash_and_stop_at_argument(void **state)
{
	struct rkt_error err = { 0 };
	struct opts o = { 0 };
	char *argv[8];

	(void)state;
	assert_int_equal(parse(argv, 0, &o, &err, "--", "--force", "-", NULL), 2);
	assert_string_equal(argv[1], "--force");
	assert_string_equal(argv[2], "-");
	assert_false(o.force);
	assert_int_equal(parse(argv, CLI_PARSE_STOP_AT_ARG, &o, &err, "--name=a", "uuid", "ls",
	                       "--force", NULL),
	                 3);
	assert_string_equal(argv[1], "uuid");
	assert_string_equal(argv[3], "--force");
	assert_false(o.force);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(values_and_arguments_in_any_order),
		cmocka_unit_test(booleans_take_every_go_spelling),
		cmocka_unit_test(a_bare_form_does_not_take_the_next_word),
		cmocka_unit_test(unknown_flags_abbreviations_and_missing_values_are_refused),
		cmocka_unit_test(double_dash_and_stop_at_argument),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
