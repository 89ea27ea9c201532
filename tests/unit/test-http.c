/* Unit tests for lib/net/http against tests/e2e/helpers/http-server.py on 127.0.0.1 (plain
 * http, RKT_HTTP_ALLOW_HTTP): bodies, ETag/304, max-age, resume, redirects, errors, progress,
 * RKT_TEST_RESOLVE. HTTPS and the test CA are covered by tests/e2e/http-fetch.bats. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/http.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#define BLOB_SIZE (256 * 1024 + 17)

static char root[64];
static pid_t server_pid = -1;
static int port;
static unsigned char blob[BLOB_SIZE];

static char *url(const char *path)
{
	return xasprintf("http://127.0.0.1:%d%s", port, path);
}

static void write_blob(void)
{
	_cleanup_free_ char *p = xasprintf("%s/blob", root);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	for (size_t i = 0; i < BLOB_SIZE; i++)
		blob[i] = (unsigned char)((i * 7919u) >> 3);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, blob, BLOB_SIZE), BLOB_SIZE);
}

/* Starts the server with its port on a pipe: reading the line is the readiness handshake. */
static int start_server(void **state)
{
	_cleanup_free_ char *script =
	        xasprintf("%s/../e2e/helpers/http-server.py", getenv("RKT_TESTDATA"));
	int pipefd[2];
	char line[32] = "";
	FILE *f;

	(void)state;
	snprintf(root, sizeof(root), "/tmp/rkt-test-http.XXXXXX");
	assert_non_null(mkdtemp(root));
	write_blob();
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	server_pid = fork();
	assert_true(server_pid >= 0);
	if (server_pid == 0) {
		(void)dup2(pipefd[1], STDOUT_FILENO);
		execlp("python3", "python3", script, "--root", root, "--port-file", "-",
		       (char *)NULL);
		_exit(127);
	}
	(void)close(pipefd[1]);
	f = fdopen(pipefd[0], "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	port = atoi(line);
	assert_true(port > 0);
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static int stop_server(void **state)
{
	(void)state;
	if (server_pid > 0) {
		(void)kill(server_pid, SIGTERM);
		(void)waitpid(server_pid, NULL, 0);
	}
	(void)nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

struct buf {
	unsigned char *data;
	size_t len, cap;
	int fail; /* negative errno to return */
};

static int buf_write(void *userdata, const void *p, size_t len)
{
	struct buf *b = userdata;

	if (b->fail)
		return b->fail;
	xgrow((void **)&b->data, &b->cap, b->len + len, 1);
	memcpy(b->data + b->len, p, len);
	b->len += len;
	return 0;
}

static int fetch_to_buf(const char *path, const char *etag, struct buf *b,
                        struct rkt_http_result *res, struct rkt_error *err)
{
	_cleanup_free_ char *u = url(path);
	struct rkt_http_request req = {
		.url = u,
		.flags = RKT_HTTP_ALLOW_HTTP,
		.etag = etag,
		.write = buf_write,
		.write_userdata = b,
		.fd = -1,
	};

	return rkt_http_fetch(&req, res, err);
}

/* A temporary file holding the first N bytes of the blob. */
static int partial_file(size_t n)
{
	_cleanup_free_ char *p = xasprintf("%s/partial.XXXXXX", root);
	int fd = mkostemp(p, O_CLOEXEC);

	assert_true(fd >= 0);
	(void)unlink(p);
	assert_int_equal(write(fd, blob, n), (ssize_t)n);
	return fd;
}

static void assert_fd_holds_blob(int fd)
{
	_cleanup_free_ unsigned char *got = xmalloc(BLOB_SIZE + 1);
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, BLOB_SIZE);
	assert_int_equal(pread(fd, got, BLOB_SIZE + 1, 0), BLOB_SIZE);
	assert_memory_equal(got, blob, BLOB_SIZE);
}

static int resume_fd(const char *path, int fd, struct rkt_http_result *res, struct rkt_error *err)
{
	_cleanup_free_ char *u = url(path);
	struct rkt_http_request req = {
		.url = u, .flags = RKT_HTTP_ALLOW_HTTP, .fd = fd, .resume = true
	};

	return rkt_http_fetch(&req, res, err);
}

static void fetch_streams_body_with_etag_and_max_age(void **state)
{
	struct buf b = { 0 };
	struct rkt_http_result res = { 0 };
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(fetch_to_buf("/files/blob", NULL, &b, &res, &err), 0);
	assert_int_equal(res.status, 200);
	assert_false(res.not_modified);
	assert_int_equal(b.len, BLOB_SIZE);
	assert_memory_equal(b.data, blob, BLOB_SIZE);
	assert_int_equal(res.size, BLOB_SIZE);
	assert_non_null(res.etag);
	assert_int_equal(res.max_age, 60);
	assert_string_equal(res.content_type, "application/octet-stream");
	rkt_http_result_release(&res);
	free(b.data);
}

static void matching_etag_gives_not_modified(void **state)
{
	struct buf b = { 0 };
	struct rkt_http_result res = { 0 };
	struct rkt_error err = { 0 };
	_cleanup_free_ char *etag = NULL;

	(void)state;
	assert_int_equal(fetch_to_buf("/files/blob", NULL, &b, &res, &err), 0);
	etag = TAKE_PTR(res.etag);
	rkt_http_result_release(&res);
	b.len = 0;
	assert_int_equal(fetch_to_buf("/files/blob", etag, &b, &res, &err), 0);
	assert_true(res.not_modified);
	assert_int_equal(res.status, 304);
	assert_int_equal(b.len, 0);
	assert_int_equal(res.max_age, 60);
	rkt_http_result_release(&res);
	free(b.data);
}

static void stale_etag_downloads_again(void **state)
{
	struct buf b = { 0 };
	struct rkt_http_result res = { 0 };
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(fetch_to_buf("/files/blob", "\"old\"", &b, &res, &err), 0);
	assert_false(res.not_modified);
	assert_int_equal(b.len, BLOB_SIZE);
	rkt_http_result_release(&res);
	free(b.data);
}

static void no_cache_gives_max_age_zero(void **state)
{
	struct buf b = { 0 };
	struct rkt_http_result res = { 0 };
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(fetch_to_buf("/nocache/blob", NULL, &b, &res, &err), 0);
	assert_int_equal(res.max_age, 0);
	rkt_http_result_release(&res);
	free(b.data);
}

static void resume_appends_the_rest_after_206(void **state)
{
	_cleanup_close_ int fd = partial_file(1000);
	struct rkt_http_result res = { 0 };
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(resume_fd("/files/blob", fd, &res, &err), 0);
	assert_true(res.resumed);
	assert_int_equal(res.status, 206);
	assert_int_equal(res.size, BLOB_SIZE);
	assert_fd_holds_blob(fd);
	rkt_http_result_release(&res);
}

static void resume_starts_over_when_server_ignores_range(void **state)
{
	_cleanup_close_ int fd = partial_file(1000);
	struct rkt_http_result res = { 0 };
	struct rkt_error err = { 0 };

	(void)state;
	/* Scribble over the partial content: a 200 must replace it, not append. */
	assert_int_equal(pwrite(fd, "XXXX", 4, 0), 4);
	assert_int_equal(resume_fd("/norange/blob", fd, &res, &err), 0);
	assert_false(res.resumed);
	assert_int_equal(res.status, 200);
	assert_fd_holds_blob(fd);
	rkt_http_result_release(&res);
}

static void resume_of_complete_file_downloads_again_after_416(void **state)
{
	_cleanup_close_ int fd = partial_file(BLOB_SIZE);
	struct rkt_http_result res = { 0 };
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(resume_fd("/files/blob", fd, &res, &err), 0);
	assert_int_equal(res.status, 200);
	assert_fd_holds_blob(fd);
	rkt_http_result_release(&res);
}

static void dropped_connection_fails_then_resumes(void **state)
{
	_cleanup_close_ int fd = partial_file(0);
	_cleanup_free_ char *u = url("/drop/blob");
	struct rkt_http_request req = { .url = u, .flags = RKT_HTTP_ALLOW_HTTP, .fd = fd };
	struct rkt_http_result res = { 0 };
	struct rkt_error err = { 0 };
	struct stat st;

	(void)state;
	assert_int_equal(rkt_http_fetch(&req, &res, &err), -EIO);
	assert_non_null(strstr(err.msg, u));
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, BLOB_SIZE / 2);
	req.resume = true;
	assert_int_equal(rkt_http_fetch(&req, &res, &err), 0);
	assert_true(res.resumed);
	assert_fd_holds_blob(fd);
	rkt_http_result_release(&res);
}

static void redirect_is_followed(void **state)
{
	struct buf b = { 0 };
	struct rkt_http_result res = { 0 };
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(fetch_to_buf("/redirect?to=/files/blob", NULL, &b, &res, &err), 0);
	assert_int_equal(b.len, BLOB_SIZE);
	assert_non_null(strstr(res.effective_url, "/files/blob"));
	rkt_http_result_release(&res);
	free(b.data);
}

static void redirect_loop_is_eloop(void **state)
{
	_cleanup_free_ char *u = url("/loop");
	struct buf b = { 0 };
	struct rkt_http_request req = {
		.url = u,
		.flags = RKT_HTTP_ALLOW_HTTP,
		.write = buf_write,
		.write_userdata = &b,
		.fd = -1,
		.max_redirects = 3,
	};
	struct rkt_http_result res = { 0 };
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(rkt_http_fetch(&req, &res, &err), -ELOOP);
	assert_non_null(strstr(err.msg, "more than 3 redirects"));
	free(b.data);
}

static void plain_http_is_refused_without_flag(void **state)
{
	struct buf b = { 0 };
	struct rkt_http_request req = {
		.url = "http://127.0.0.1:1/x", .write = buf_write, .write_userdata = &b, .fd = -1
	};
	struct rkt_http_result res = { 0 };
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(rkt_http_fetch(&req, &res, &err), -EPROTONOSUPPORT);
	assert_string_equal(err.msg, "GET 'http://127.0.0.1:1/x': plain http is not allowed");
}

static void not_found_names_url_and_status(void **state)
{
	struct buf b = { 0 };
	struct rkt_http_result res = { 0 };
	struct rkt_error err = { 0 };
	_cleanup_free_ char *want = NULL, *u = url("/files/missing");

	(void)state;
	assert_int_equal(fetch_to_buf("/files/missing", NULL, &b, &res, &err), -ENOENT);
	want = xasprintf("GET '%s': HTTP status 404", u);
	assert_string_equal(err.msg, want);
	assert_int_equal(b.len, 0);
}

static void server_error_is_eio(void **state)
{
	struct buf b = { 0 };
	struct rkt_http_result res = { 0 };
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(fetch_to_buf("/status/503", NULL, &b, &res, &err), -EIO);
	assert_non_null(strstr(err.msg, "HTTP status 503"));
	assert_int_equal(fetch_to_buf("/status/403", NULL, &b, &res, &err), -EACCES);
}

static void write_error_aborts_with_its_errno(void **state)
{
	struct buf b = { .fail = -ENOSPC };
	struct rkt_http_result res = { 0 };
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(fetch_to_buf("/files/blob", NULL, &b, &res, &err), -ENOSPC);
}

struct progress_seen {
	uint64_t last_bytes, total;
	unsigned calls;
};

static void on_progress(void *userdata, const struct rkt_http_progress *p)
{
	struct progress_seen *s = userdata;

	assert_true(p->bytes >= s->last_bytes);
	s->last_bytes = p->bytes;
	if (p->total)
		s->total = p->total;
	s->calls++;
}

static void progress_reports_bytes_and_total(void **state)
{
	_cleanup_close_ int fd = partial_file(100);
	_cleanup_free_ char *u = url("/files/blob");
	struct progress_seen seen = { 0 };
	struct rkt_http_request req = {
		.url = u,
		.flags = RKT_HTTP_ALLOW_HTTP,
		.fd = fd,
		.resume = true,
		.progress = on_progress,
		.progress_userdata = &seen,
	};
	struct rkt_http_result res = { 0 };
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(rkt_http_fetch(&req, &res, &err), 0);
	assert_true(seen.calls > 0);
	/* Totals count the resumed prefix too. */
	assert_int_equal(seen.total, BLOB_SIZE);
	assert_int_equal(seen.last_bytes, BLOB_SIZE);
	rkt_http_result_release(&res);
}

static void test_resolve_maps_a_name_to_the_server(void **state)
{
	_cleanup_free_ char *map = xasprintf("other.test:1:127.0.0.1,rkt.test:%d:127.0.0.1", port);
	_cleanup_free_ char *u = xasprintf("http://rkt.test:%d/files/blob", port);
	struct buf b = { 0 };
	struct rkt_http_request req = {
		.url = u,
		.flags = RKT_HTTP_ALLOW_HTTP,
		.write = buf_write,
		.write_userdata = &b,
		.fd = -1,
	};
	struct rkt_http_result res = { 0 };
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(setenv("RKT_TEST_RESOLVE", map, 1), 0);
	assert_int_equal(rkt_http_fetch(&req, &res, &err), 0);
	assert_int_equal(unsetenv("RKT_TEST_RESOLVE"), 0);
	assert_int_equal(b.len, BLOB_SIZE);
	rkt_http_result_release(&res);
	free(b.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fetch_streams_body_with_etag_and_max_age),
		cmocka_unit_test(matching_etag_gives_not_modified),
		cmocka_unit_test(stale_etag_downloads_again),
		cmocka_unit_test(no_cache_gives_max_age_zero),
		cmocka_unit_test(resume_appends_the_rest_after_206),
		cmocka_unit_test(resume_starts_over_when_server_ignores_range),
		cmocka_unit_test(resume_of_complete_file_downloads_again_after_416),
		cmocka_unit_test(dropped_connection_fails_then_resumes),
		cmocka_unit_test(redirect_is_followed),
		cmocka_unit_test(redirect_loop_is_eloop),
		cmocka_unit_test(plain_http_is_refused_without_flag),
		cmocka_unit_test(not_found_names_url_and_status),
		cmocka_unit_test(server_error_is_eio),
		cmocka_unit_test(write_error_aborts_with_its_errno),
		cmocka_unit_test(progress_reports_bytes_and_total),
		cmocka_unit_test(test_resolve_maps_a_name_to_the_server),
	};

	return cmocka_run_group_tests(tests, start_server, stop_server);
}
