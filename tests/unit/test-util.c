/* Unit tests for lib/util: error wrapping and formatting, strict JSON parsing, sha512 image IDs,
 * file-system helpers and clocks. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/cleanup.h"
#include "util/dl.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/io.h"
#include "util/json-util.h"
#include "util/escape.h"
#include "util/parse.h"
#include "util/time.h"

static void error_wrap_prepends_context(void **state)
{
	struct rkt_error err = { 0 };
	int r;

	(void)state;
	r = rkt_error_set(&err, EINVAL, "\"%s\" is not an AC name", "A");
	assert_int_equal(r, -EINVAL);
	r = rkt_error_wrap(&err, r, "app.ports[0].name");
	assert_int_equal(r, -EINVAL);
	assert_string_equal(err.msg, "app.ports[0].name: \"A\" is not an AC name");
	assert_int_equal(err.code, EINVAL);
}

static void error_append_adds_a_hint_only_to_a_recorded_error(void **state)
{
	struct rkt_error err = { 0 };

	(void)state;
	rkt_error_append(&err, "; hint");
	assert_int_equal(err.code, 0);
	assert_string_equal(err.msg, "");
	rkt_error_set(&err, ENOKEY, "no signature");
	rkt_error_append(&err, "; try %s", "this");
	assert_string_equal(err.msg, "no signature; try this");
	rkt_error_append(NULL, "x");
}

static void error_set_with_null_err_still_fails(void **state)
{
	(void)state;
	assert_int_equal(rkt_error_set(NULL, ENOENT, "x"), -ENOENT);
	assert_int_equal(rkt_error_set(NULL, -ENOENT, "x"), -ENOENT);
	assert_int_equal(rkt_error_set(NULL, 0, "x"), -EINVAL);
}

static void error_format_adds_strerror_for_system_errors_only(void **state)
{
	struct rkt_error err = { 0 };
	char line[256];

	(void)state;
	rkt_error_set(&err, ENOENT, "image '%s'", "/x.aci");
	assert_string_equal(rkt_error_format(&err, line, sizeof(line)),
	                    "image '/x.aci': No such file or directory");
	/* The library's codes for bad input: the message is the reason. */
	rkt_error_set(&err, EINVAL, "unknown capability '%s'", "CAP_X");
	assert_string_equal(rkt_error_format(&err, line, sizeof(line)),
	                    "unknown capability 'CAP_X'");
	rkt_error_set(&err, -EBADMSG, "manifest: not JSON");
	assert_string_equal(rkt_error_format(&err, line, sizeof(line)), "manifest: not JSON");
	/* An input problem whose code would read as a system error. */
	rkt_error_input(&err, ENOENT, "no pod matches '%s'", "12");
	assert_true(err.input);
	rkt_error_wrap(&err, -ENOENT, "status");
	assert_string_equal(rkt_error_format(&err, line, sizeof(line)),
	                    "status: no pod matches '12'");
	/* rkt_error_set() forgets it; strerror() is never said twice. */
	rkt_error_set(&err, EACCES, "open 'f': %s", strerror(EACCES));
	assert_false(err.input);
	assert_string_equal(rkt_error_format(&err, line, sizeof(line)),
	                    "open 'f': Permission denied");
	/* One line, and what does not fit is cut. */
	rkt_error_set(&err, EINVAL, "a\nb");
	assert_string_equal(rkt_error_format(&err, line, sizeof(line)), "a b");
	rkt_error_set(&err, EIO, "abcdef");
	assert_string_equal(rkt_error_format(&err, line, 4), "abc");
	/* Input quoted in a message cannot talk to the terminal. */
	rkt_error_set(&err, EINVAL, "label '%s'", "\033]0;pwned\007\r");
	assert_string_equal(rkt_error_format(&err, line, sizeof(line)),
	                    "label '\\x1b]0;pwned\\x07 '");
	rkt_error_clear(&err);
	assert_string_equal(rkt_error_format(&err, line, sizeof(line)), "unknown error");
}

static void escape_ctl_escapes_controls_and_bad_utf8_only(void **state)
{
	char buf[16];
	char *s;

	(void)state;
	s = rkt_escape_ctl("plain ascii, caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	assert_string_equal(s, "plain ascii, caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	free(s);
	/* C0, DEL, C1 (U+009B is CSI), a lone continuation byte, an overlong '/', a surrogate,
	 * a truncated sequence at the end. */
	s = rkt_escape_ctl("a\tb\nc\rd\033[2J\x7f\xc2\x9b\x80\xc0\xaf\xed\xa0\x80\xe2\x82");
	assert_string_equal(s, "a\\tb\\nc\\rd\\x1b[2J\\x7f\\xc2\\x9b\\x80\\xc0\\xaf\\xed\\xa0\\x80"
	                       "\\xe2\\x82");
	free(s);
	/* Truncation never cuts an escape; the return value is the whole length. */
	assert_int_equal(rkt_escape_ctl_buf(buf, 6, "abc\033d"), 8);
	assert_string_equal(buf, "abc");
	assert_int_equal(rkt_escape_ctl_buf(buf, sizeof(buf), "abc\033d"), 8);
	assert_string_equal(buf, "abc\\x1bd");
}

static void json_parse_rejects_trailing_garbage(void **state)
{
	struct rkt_error err = { 0 };
	struct json_object *obj = NULL;
	const char *doc = "{\"a\":1} trailing";

	(void)state;
	assert_int_equal(rkt_json_parse(doc, strlen(doc), "doc", &obj, &err), -EBADMSG);
	assert_null(obj);
	assert_non_null(strstr(err.msg, "doc"));
}

static void json_parse_rejects_truncated_input(void **state)
{
	struct rkt_error err = { 0 };
	struct json_object *obj = NULL;
	const char *doc = "{\"a\":";

	(void)state;
	assert_int_equal(rkt_json_parse(doc, strlen(doc), "doc", &obj, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "end of input"));
}

static void json_parse_accepts_bare_scalars(void **state)
{
	struct rkt_error err = { 0 };
	struct json_object *obj = NULL;

	(void)state;
	assert_int_equal(rkt_json_parse("-500", 4, "doc", &obj, &err), 0);
	assert_int_equal(json_object_get_int64(obj), -500);
	json_object_put(obj);
	obj = NULL;
	assert_int_equal(rkt_json_parse("true", 4, "doc", &obj, &err), 0);
	assert_true(json_object_get_boolean(obj));
	json_object_put(obj);
}

static void json_parse_rejects_nul_after_document(void **state)
{
	struct rkt_error err = { 0 };
	struct json_object *obj = NULL;
	const char doc[] = "{\"a\":1}\0";

	(void)state;
	assert_int_equal(rkt_json_parse(doc, sizeof(doc) - 1, "doc", &obj, &err), -EBADMSG);
	assert_null(obj);
	assert_non_null(strstr(err.msg, "trailing data"));
}

/* GEN-1; found by fuzz-pod-manifest: json-c accepted the overlong C1 9D, which we then wrote
 * back as \ufffd, so parse -> format was not stable. */
static void json_parse_rejects_invalid_utf8(void **state)
{
	static const char *const docs[] = { "\"a\xc1\x9d\"", "\"\xed\xa0\x80\"", "\"\xff\"",
		                            "\"\xe2\x82\"" };
	struct json_object *obj = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct rkt_error err = { 0 };

		assert_int_equal(rkt_json_parse(docs[i], strlen(docs[i]), "doc", &obj, &err),
		                 -EBADMSG);
		assert_null(obj);
		assert_non_null(strstr(err.msg, "invalid UTF-8"));
	}
	assert_int_equal(rkt_json_parse("\"\xc3\xa9\xe2\x82\xac\"", 7, "doc", &obj, NULL), 0);
	json_object_put(obj);
}

static void json_format_does_not_escape_slashes(void **state)
{
	struct rkt_error err = { 0 };
	struct json_object *obj = NULL;
	const char *doc = " {\"name\": \"example.com/app\"}\n";
	_cleanup_free_ char *out = NULL;

	(void)state;
	assert_int_equal(rkt_json_parse(doc, strlen(doc), "doc", &obj, &err), 0);
	out = rkt_json_format(obj, false);
	assert_string_equal(out, "{\"name\":\"example.com/app\"}");
	json_object_put(obj);
}

static void parse_bool_accepts_go_spellings_only(void **state)
{
	bool b = false;

	(void)state;
	assert_int_equal(rkt_parse_bool("True", &b), 0);
	assert_true(b);
	assert_int_equal(rkt_parse_bool("0", &b), 0);
	assert_false(b);
	b = true;
	assert_int_equal(rkt_parse_bool("yes", &b), -EINVAL);
	assert_int_equal(rkt_parse_bool("", &b), -EINVAL);
	assert_true(b); /* untouched on failure */
}

static void sha512_id_of_empty_input(void **state)
{
	struct rkt_sha512 *h = rkt_sha512_new();
	char id[RKT_IMAGE_ID_SIZE];

	(void)state;
	rkt_sha512_final_id(h, id);
	h = rkt_sha512_free(h);
	assert_null(h);
	assert_string_equal(id, "sha512-cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36"
	                        "ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927"
	                        "da3e");
}

/* A fresh directory under $TMPDIR (or /tmp), opened; removed by rm_tree(). */
static int make_tmpdir(char *path, size_t size)
{
	const char *tmp = getenv("TMPDIR");
	int fd;

	snprintf(path, size, "%s/rkt-test-util.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(path));
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

static void rm_tree(const char *path)
{
	_cleanup_free_ char *cmd = NULL;

	assert_true(asprintf(&cmd, "rm -rf '%s'", path) > 0);
	assert_int_equal(system(cmd), 0);
}

static void open_in_root_stays_inside_the_root(void **state)
{
	char path[256];
	_cleanup_close_ int root = make_tmpdir(path, sizeof(path));
	_cleanup_free_ char *buf = NULL;
	int fd;

	(void)state;
	assert_int_equal(mkdirat(root, "etc", 0755), 0);
	assert_int_equal(rkt_write_file_atomic_at(root, "etc/passwd", "inside\n", 7, 0644, NULL),
	                 0);
	assert_int_equal(symlinkat("/etc/passwd", root, "abs"), 0);
	assert_int_equal(symlinkat("../../../../etc/passwd", root, "rel"), 0);
	assert_int_equal(rkt_read_in_root(root, "abs", 100, &buf, NULL), 0);
	assert_string_equal(buf, "inside\n");
	free(TAKE_PTR(buf));
	assert_int_equal(rkt_read_in_root(root, "rel", 100, &buf, NULL), 0);
	assert_string_equal(buf, "inside\n");
	free(TAKE_PTR(buf));
	assert_int_equal(rkt_read_in_root(root, "/../etc/passwd", 100, &buf, NULL), 0);
	assert_string_equal(buf, "inside\n");
	free(TAKE_PTR(buf));
	/* "" is the root itself; a directory is no file to read; O_CLOEXEC is always set. */
	fd = rkt_open_in_root(root, "", O_PATH | O_DIRECTORY, 0);
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(fd);
	assert_int_equal(rkt_read_in_root(root, "etc", 100, &buf, NULL), -EINVAL);
	assert_int_equal(rkt_read_in_root(root, "etc/passwd", 3, &buf, NULL), -EFBIG);
	assert_int_equal(rkt_open_in_root(root, "missing", O_RDONLY, 0), -ENOENT);
	rm_tree(path);
}

static void mkdir_p_creates_every_component_once(void **state)
{
	char path[256];
	_cleanup_close_ int root = make_tmpdir(path, sizeof(path));
	_cleanup_free_ char *abs = NULL;
	struct rkt_error err = { 0 };
	struct stat st;

	(void)state;
	assert_int_equal(rkt_mkdir_p_at(root, "a/b/c", 0750, &err), 0);
	assert_int_equal(fstatat(root, "a/b/c", &st, 0), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(rkt_mkdir_p_at(root, "a/b/c", 0750, &err), 0); /* exists: fine */
	assert_true(asprintf(&abs, "%s/x/y/", path) > 0);
	assert_int_equal(rkt_mkdir_p_at(AT_FDCWD, abs, 0755, &err), 0);
	assert_int_equal(fstatat(root, "x/y", &st, 0), 0);
	assert_int_equal(rkt_write_file_atomic_at(root, "a/file", "", 0, 0644, NULL), 0);
	assert_int_equal(rkt_mkdir_p_at(root, "a/file/d", 0755, &err), -ENOTDIR);
	assert_string_equal(err.msg, "create 'a/file/d'");
	assert_int_equal(rkt_mkdir_p_at(root, "a/file/d/e", 0755, NULL), -ENOTDIR);
	rm_tree(path);
}

static void write_file_atomic_replaces_and_leaves_no_temporary(void **state)
{
	char path[256];
	_cleanup_close_ int root = make_tmpdir(path, sizeof(path));
	_cleanup_free_ char *buf = NULL;
	struct rkt_error err = { 0 };
	size_t len = 0, n = 0;
	DIR *d;

	(void)state;
	assert_int_equal(mkdirat(root, "sub", 0755), 0);
	assert_int_equal(rkt_write_file_atomic_at(root, "sub/f", "old", 3, 0600, &err), 0);
	assert_int_equal(rkt_write_file_atomic_at(root, "sub/f", "new\0x", 5, 0600, &err), 0);
	assert_int_equal(rkt_read_file_at(root, "sub/f", &buf, &len, &err), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(buf, "new\0x", 5);
	d = fdopendir(openat(root, "sub", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	assert_non_null(d);
	for (struct dirent *de; (de = readdir(d));)
		n += de->d_name[0] != '.';
	closedir(d);
	assert_int_equal(n, 1); /* only "f": the temporary file is gone */
	/* The directory is missing: the message names the file. */
	assert_int_equal(rkt_write_file_atomic_at(root, "none/f", "x", 1, 0600, &err), -ENOENT);
	assert_string_equal(err.msg, "write 'none/f'");
	rm_tree(path);
}

static void read_file_at_limits_the_size(void **state)
{
	char path[256];
	_cleanup_close_ int root = make_tmpdir(path, sizeof(path));
	_cleanup_free_ char *big = calloc(1, RKT_SMALL_FILE_MAX + 1);
	_cleanup_free_ char *buf = NULL;
	struct rkt_error err = { 0 };
	size_t len = 0;

	(void)state;
	assert_int_equal(rkt_write_file_atomic_at(root, "max", big, RKT_SMALL_FILE_MAX, 0644, NULL),
	                 0);
	assert_int_equal(rkt_read_file_at(root, "max", &buf, &len, &err), 0);
	assert_int_equal(len, RKT_SMALL_FILE_MAX);
	assert_int_equal(buf[len], '\0');
	free(TAKE_PTR(buf));
	assert_int_equal(
	        rkt_write_file_atomic_at(root, "big", big, RKT_SMALL_FILE_MAX + 1, 0644, NULL), 0);
	assert_int_equal(rkt_read_file_at(root, "big", &buf, &len, &err), -EFBIG);
	assert_null(buf);
	assert_string_equal(err.msg, "'big' is larger than 1 MiB");
	assert_int_equal(rkt_read_file_at(root, "missing", &buf, &len, &err), -ENOENT);
	assert_string_equal(err.msg, "open 'missing'");
	rm_tree(path);
}

static void clocks_are_in_nanoseconds(void **state)
{
	int64_t a = rkt_monotonic_ns(), b = rkt_monotonic_ns();

	(void)state;
	assert_true(b >= a);
	/* 2020-01-01 < now < 2100-01-01 */
	assert_true(rkt_now_ns() > INT64_C(1577836800) * 1000000000);
	assert_true(rkt_now_ns() < INT64_C(4102444800) * 1000000000);
}

static void dl_load_once_and_keeps_the_first_error(void **state)
{
	static const char *const missing[] = { "librkt-test-missing.so.0", NULL };
	static const char *const libc[] = { "libc.so.6", NULL };
	void *getpid_ptr = NULL, *nothing = NULL;
	const struct rkt_dl_symbol good_syms[] = { { "getpid", &getpid_ptr } };
	const struct rkt_dl_symbol bad_syms[] = { { "getpid", &getpid_ptr },
		                                  { "rkt_no_such_symbol", &nothing } };
	struct rkt_dl_lib absent = { .sonames = missing };
	struct rkt_dl_lib good = { .sonames = libc, .syms = good_syms, .n_syms = 1 };
	struct rkt_dl_lib bad = { .sonames = libc, .syms = bad_syms, .n_syms = 2 };
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(rkt_dl_load(&absent, &err), -ELIBACC);
	assert_non_null(strstr(err.msg, "librkt-test-missing.so.0"));
	rkt_error_clear(&err);
	/* Not tried again: the same error, recorded for this caller too. */
	assert_int_equal(rkt_dl_load(&absent, &err), -ELIBACC);
	assert_non_null(strstr(err.msg, "librkt-test-missing.so.0"));

	assert_int_equal(rkt_dl_load(&good, &err), 0);
	assert_non_null(getpid_ptr);
	assert_int_equal(rkt_dl_load(&good, NULL), 0);

	assert_int_equal(rkt_dl_load(&bad, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "rkt_no_such_symbol"));
	assert_null(getpid_ptr); /* nothing half-resolved */
	assert_null(nothing);
}

static void send_byte_fd_passes_the_byte_and_the_descriptor(void **state)
{
	int sv[2], p[2], fd = -1;
	char b = 0;
	(void)state;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(rkt_send_byte_fd(sv[0], 'r', p[1]), 0);
	assert_int_equal(rkt_send_byte_fd(sv[0], 'g', -1), 0);
	assert_int_equal(rkt_recv_byte_fd(sv[1], &b, &fd), 0);
	assert_int_equal(b, 'r');
	assert_true(fd >= 0 && fd != p[1]);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_int_equal(write(fd, "x", 1), 1); /* the same pipe */
	assert_int_equal(read(p[0], &b, 1), 1);
	assert_int_equal(b, 'x');
	close(fd);
	assert_int_equal(rkt_recv_byte_fd(sv[1], &b, &fd), 0);
	assert_int_equal(b, 'g');
	assert_int_equal(fd, -EBADF);
	close(sv[0]);
	assert_int_equal(rkt_recv_byte_fd(sv[1], &b, &fd), -EPIPE);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(error_wrap_prepends_context),
		cmocka_unit_test(error_set_with_null_err_still_fails),
		cmocka_unit_test(error_format_adds_strerror_for_system_errors_only),
		cmocka_unit_test(error_append_adds_a_hint_only_to_a_recorded_error),
		cmocka_unit_test(escape_ctl_escapes_controls_and_bad_utf8_only),
		cmocka_unit_test(json_parse_rejects_trailing_garbage),
		cmocka_unit_test(json_parse_rejects_truncated_input),
		cmocka_unit_test(json_parse_accepts_bare_scalars),
		cmocka_unit_test(json_parse_rejects_nul_after_document),
		cmocka_unit_test(json_parse_rejects_invalid_utf8),
		cmocka_unit_test(json_format_does_not_escape_slashes),
		cmocka_unit_test(parse_bool_accepts_go_spellings_only),
		cmocka_unit_test(sha512_id_of_empty_input),
		cmocka_unit_test(open_in_root_stays_inside_the_root),
		cmocka_unit_test(mkdir_p_creates_every_component_once),
		cmocka_unit_test(write_file_atomic_replaces_and_leaves_no_temporary),
		cmocka_unit_test(read_file_at_limits_the_size),
		cmocka_unit_test(clocks_are_in_nanoseconds),
		cmocka_unit_test(dl_load_once_and_keeps_the_first_error),
		cmocka_unit_test(send_byte_fd_passes_the_byte_and_the_descriptor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
