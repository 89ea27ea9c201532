/* Unit tests for lib/mds and the helpers it added to lib/util: request routing and answers of
 * the metadata service (mds.c), HMAC-SHA512 and base64 (hash.c), form values, the registration
 * messages (client.c), AC_METADATA_URL (url.c) and string-set removal (strset.c). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mds/client.h"
#include "mds/mds.h"
#include "mds/url.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/strset.h"
#include "util/xalloc.h"

#define UUID_A  "6f8b1d42-0d0f-4c43-9d9c-3c5b8b7e0a01"
#define UUID_B  "7a1c2e53-1e10-4d54-8e8d-4d6c9c8f1b12"
#define TOKEN_A "0123456789abcdef0123456789abcdef"
#define TOKEN_B "fedcba9876543210fedcba9876543210"
#define AB16    "abababababababab"
#define ID      "sha512-" AB16 AB16 AB16 AB16 AB16 AB16 AB16 AB16

static const char pod_a[] =
        "{\"acKind\":\"PodManifest\",\"acVersion\":\"0.8.11\",\"apps\":["
        "{\"name\":\"web\",\"image\":{\"name\":\"example.com/web\",\"id\":\"" ID "\"},"
        "\"annotations\":[{\"name\":\"b\",\"value\":\"pod\"},{\"name\":\"c\",\"value\":\"new\"}]}],"
        "\"annotations\":[]}";
static const char pod_b[] =
        "{\"acKind\":\"PodManifest\",\"acVersion\":\"0.8.11\",\"apps\":["
        "{\"name\":\"other\",\"image\":{\"name\":\"example.com/o\",\"id\":\"" ID "\"}}]}";
static const char image_web[] =
        "{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\",\"name\":\"example.com/web\","
        "\"annotations\":[{\"name\":\"a\",\"value\":\"1\"},{\"name\":\"b\",\"value\":\"2\"}]}";

struct answer {
	unsigned status;
	const char *type;
	char *body;
};

static struct answer call(struct rkt_mds *m, bool public, const char *method, const char *path,
                          const char *token, const char *type, const char *body)
{
	const struct rkt_mds_request req = { .method = method,
		                             .path = path,
		                             .token = token,
		                             .content_type = type,
		                             .body = body ?: "",
		                             .body_len = body ? strlen(body) : 0 };
	struct rkt_mds_response resp = { 0 };
	struct answer a;

	if (public)
		rkt_mds_serve_public(m, &req, &resp);
	else
		rkt_mds_serve_registration(m, &req, &resp);
	a = (struct answer){ resp.status, resp.content_type, xstrdup(resp.body) };
	assert_int_equal(strlen(resp.body), resp.body_len);
	rkt_mds_response_release(&resp);
	return a;
}

static unsigned status_of(struct answer a)
{
	free(a.body);
	return a.status;
}

static struct rkt_mds *registry(void)
{
	static const uint8_t key[] = "a fixed key for the tests";
	struct rkt_mds *m = NULL;

	assert_int_equal(rkt_mds_new(key, sizeof(key) - 1, &m, NULL), 0);
	assert_int_equal(status_of(call(m, false, "PUT", "/pods/" UUID_A, TOKEN_A, NULL, pod_a)),
	                 200);
	assert_int_equal(
	        status_of(call(m, false, "PUT", "/pods/" UUID_A "/web", NULL, NULL, image_web)),
	        200);
	assert_int_equal(status_of(call(m, false, "PUT", "/pods/" UUID_B, TOKEN_B, NULL, pod_b)),
	                 200);
	return m;
}

static void expect_get(struct rkt_mds *m, const char *path, unsigned status, const char *type,
                       const char *body)
{
	struct answer a = call(m, true, "GET", path, NULL, NULL, NULL);

	if (a.status != status)
		fail_msg("GET %s: %u, expected %u (%s)", path, a.status, status, a.body);
	if (type)
		assert_string_equal(a.type, type);
	if (body)
		assert_string_equal(a.body, body);
	free(a.body);
}

#define P "/" TOKEN_A "/acMetadata/v1"

static void public_routes_answer_in_the_exact_formats(void **state)
{
	_cleanup_(rkt_mds_freep) struct rkt_mds *m = registry();

	(void)state;
	expect_get(m, P "/pod/uuid", 200, RKT_MDS_TEXT_ASCII, UUID_A);
	expect_get(m, P "/pod/manifest", 200, RKT_MDS_JSON, pod_a);
	expect_get(m, P "/pod/annotations", 200, RKT_MDS_JSON, "[]");
	expect_get(m, "/" TOKEN_B "/acMetadata/v1/pod/annotations", 200, RKT_MDS_JSON, "null");
	expect_get(m, P "/apps/web/image/manifest", 200, RKT_MDS_JSON, image_web);
	expect_get(m, P "/apps/web/image/id", 200, RKT_MDS_TEXT_ASCII, ID);
	/* MDS-8: image order, the pod's value in place, the pod's new names appended */
	expect_get(m, P "/apps/web/annotations", 200, RKT_MDS_JSON,
	           "[{\"name\":\"a\",\"value\":\"1\"},{\"name\":\"b\",\"value\":\"pod\"},"
	           "{\"name\":\"c\",\"value\":\"new\"}]");
	expect_get(m, P "/apps/web/annotations/b", 200, RKT_MDS_TEXT_ASCII, "pod");
	expect_get(m, P "/apps/web/annotations/zz", 404, RKT_MDS_TEXT_ASCII, NULL);
	expect_get(m, P "/apps/web/annotations/Bad_Name", 400, NULL, NULL);
	expect_get(m, P "/pod/annotations/none", 404, NULL, NULL);
}

static void public_routes_refuse_unknown_paths_methods_and_tokens(void **state)
{
	_cleanup_(rkt_mds_freep) struct rkt_mds *m = registry();

	(void)state;
	expect_get(m, "/", 404, NULL, NULL);
	expect_get(m, "/" TOKEN_A, 404, NULL, NULL);
	expect_get(m, P, 404, NULL, NULL);
	expect_get(m, P "/pod", 404, NULL, NULL);
	expect_get(m, P "/pod/uuid/x", 404, NULL, NULL);
	expect_get(m, P "/apps/web", 404, NULL, NULL);
	expect_get(m, P "/apps/web/image", 404, NULL, NULL);
	expect_get(m, "/" TOKEN_A "/acMetadata/v2/pod/uuid", 404, NULL, NULL);
	expect_get(m, "/nobody/acMetadata/v1/pod/uuid", 401, NULL, NULL);
	expect_get(m, "/" TOKEN_A "x/acMetadata/v1/pod/uuid", 401, NULL, NULL);
	expect_get(m, "//acMetadata/v1/pod/uuid", 401, NULL, NULL);
	expect_get(m, P "/pod/hmac/sign", 405, NULL, NULL);
	assert_int_equal(status_of(call(m, true, "POST", P "/pod/uuid", NULL, NULL, NULL)), 405);
	assert_int_equal(status_of(call(m, true, "HEAD", P "/pod/manifest", NULL, NULL, NULL)),
	                 405);
	/* MDS-18: another pod's app is not found with this token */
	expect_get(m, P "/apps/other/image/id", 404, NULL, NULL);
	expect_get(m, "/" TOKEN_B "/acMetadata/v1/apps/web/image/manifest", 404, NULL, NULL);
}

static void sign_then_verify_and_tampering_is_refused(void **state)
{
	_cleanup_(rkt_mds_freep) struct rkt_mds *m = registry();
	static const char form[] = "application/x-www-form-urlencoded";
	struct answer a;
	_cleanup_free_ char *ok = NULL, *bad = NULL, *other = NULL;

	(void)state;
	a = call(m, true, "POST", P "/pod/hmac/sign", NULL, form, "content=Old+MacDonald%21");
	assert_int_equal(a.status, 200);
	assert_string_equal(a.type, RKT_MDS_TEXT_ASCII);
	assert_int_equal(strlen(a.body), 88);
	/* base64 has '+' and '/': the form escapes them */
	_cleanup_free_ char *sig = xstrdup(a.body);
	free(a.body);
	_cleanup_free_ char *esc = xmalloc(3 * strlen(sig) + 1);
	char *e = esc;
	for (const char *s = sig; *s; s++)
		e += *s == '+' || *s == '/' || *s == '=' ? sprintf(e, "%%%02X", *s)
		                                         : sprintf(e, "%c", *s);
	ok = xasprintf("content=Old+MacDonald%%21&uuid=%s&signature=%s", UUID_A, esc);
	a = call(m, true, "POST", "/" TOKEN_B "/acMetadata/v1/pod/hmac/verify", NULL,
	         "application/x-www-form-urlencoded; charset=utf-8", ok);
	assert_int_equal(a.status, 200);
	assert_string_equal(a.type, RKT_MDS_TEXT_ASCII);
	assert_string_equal(a.body, "");
	free(a.body);
	bad = xasprintf("content=Old+MacDonald&uuid=%s&signature=%s", UUID_A, esc);
	assert_int_equal(status_of(call(m, true, "POST", P "/pod/hmac/verify", NULL, form, bad)),
	                 403);
	other = xasprintf("content=Old+MacDonald%%21&uid=%s&signature=%s", UUID_B, esc);
	assert_int_equal(status_of(call(m, true, "POST", P "/pod/hmac/verify", NULL, form, other)),
	                 403);
	/* the signature is the documented construction */
	uint8_t u[16] = { 0x6f, 0x8b, 0x1d, 0x42, 0x0d, 0x0f, 0x4c, 0x43,
		          0x9d, 0x9c, 0x3c, 0x5b, 0x8b, 0x7e, 0x0a, 0x01 };
	_cleanup_free_ char *again = rkt_mds_sign(m, u, "Old MacDonald!", 14);
	assert_string_equal(again, sig);
	/* malformed forms */
	assert_int_equal(status_of(call(m, true, "POST", P "/pod/hmac/sign", NULL, form, "x=1")),
	                 400);
	assert_int_equal(
	        status_of(call(m, true, "POST", P "/pod/hmac/sign", NULL, form, "content=%zz")),
	        400);
	assert_int_equal(status_of(call(m, true, "POST", P "/pod/hmac/sign", NULL, "text/plain",
	                                "content=x")),
	                 400);
	assert_int_equal(status_of(call(m, true, "POST", P "/pod/hmac/verify", NULL, form,
	                                "content=x&uuid=" UUID_A "&signature=AAA")),
	                 400);
	assert_int_equal(status_of(call(m, true, "POST", P "/pod/hmac/verify", NULL, form,
	                                "content=x&uuid=nope&signature=AAAA")),
	                 400);
}

static void registration_checks_its_input_and_unregisters(void **state)
{
	_cleanup_(rkt_mds_freep) struct rkt_mds *m = registry();
	static const char u3[] = "/pods/11111111-2222-4333-8444-555555555555";

	(void)state;
	assert_int_equal(rkt_mds_n_pods(m), 2);
	assert_int_equal(status_of(call(m, false, "PUT", "/pods/zz", "t", NULL, pod_a)), 400);
	assert_int_equal(status_of(call(m, false, "PUT", u3, NULL, NULL, pod_a)), 400);
	assert_int_equal(status_of(call(m, false, "PUT", u3, "bad token!", NULL, pod_a)), 400);
	assert_int_equal(status_of(call(m, false, "PUT", u3, "t", NULL, image_web)), 400);
	assert_int_equal(status_of(call(m, false, "PUT", u3, "t", NULL, "{")), 400);
	/* a pod without image IDs is not reified (POD-15) */
	assert_int_equal(
	        status_of(call(m, false, "PUT", u3, "t", NULL,
	                       "{\"acKind\":\"PodManifest\",\"acVersion\":\"0.8.11\",\"apps\":["
	                       "{\"name\":\"x\",\"image\":{\"name\":\"example.com/x\"}}]}")),
	        400);
	assert_int_equal(status_of(call(m, false, "PUT", u3, TOKEN_A, NULL, pod_a)), 409);
	assert_int_equal(
	        status_of(call(m, false, "PUT", "/pods/" UUID_A "/nope", NULL, NULL, image_web)),
	        404);
	assert_int_equal(status_of(call(m, false, "GET", "/pods/" UUID_A, NULL, NULL, NULL)), 405);
	assert_int_equal(
	        status_of(call(m, false, "DELETE", "/pods/" UUID_A "/web", NULL, NULL, NULL)), 405);
	assert_int_equal(status_of(call(m, false, "PUT", "/other", NULL, NULL, NULL)), 404);
	assert_int_equal(rkt_mds_n_pods(m), 2);
	/* registering a UUID again replaces it, with its new token */
	assert_int_equal(status_of(call(m, false, "PUT", "/pods/" UUID_A, "newtoken", NULL, pod_a)),
	                 200);
	assert_int_equal(rkt_mds_n_pods(m), 2);
	expect_get(m, P "/pod/uuid", 401, NULL, NULL);
	expect_get(m, "/newtoken/acMetadata/v1/pod/uuid", 200, NULL, UUID_A);
	assert_int_equal(status_of(call(m, false, "DELETE", "/pods/" UUID_A, NULL, NULL, NULL)),
	                 200);
	assert_int_equal(status_of(call(m, false, "DELETE", "/pods/" UUID_A, NULL, NULL, NULL)),
	                 404);
	expect_get(m, "/newtoken/acMetadata/v1/pod/uuid", 401, NULL, NULL);
	assert_int_equal(rkt_mds_n_pods(m), 1);
}

static void form_values_decode_and_find_the_first(void **state)
{
	_cleanup_free_ char *v = NULL;
	size_t n;

	(void)state;
	assert_int_equal(rkt_mds_form_value("a=1&b=x+y%2Bz&b=2", 17, "b", &v, &n), 1);
	assert_string_equal(v, "x y+z");
	free(v);
	v = NULL;
	assert_int_equal(rkt_mds_form_value("a%62=1&ab", 9, "ab", &v, &n), 1);
	assert_string_equal(v, "1");
	free(v);
	v = NULL;
	assert_int_equal(rkt_mds_form_value("x=%00y", 6, "x", &v, &n), 1);
	assert_int_equal(n, 2);
	free(v);
	v = NULL;
	assert_int_equal(rkt_mds_form_value("a=1", 3, "b", &v, &n), 0);
	assert_int_equal(rkt_mds_form_value("a=%4", 4, "a", &v, &n), -EBADMSG);
	assert_int_equal(rkt_mds_form_value("", 0, "a", &v, &n), 0);
	assert_null(v);
}

static void hmac_sha512_matches_rfc4231(void **state)
{
	/* RFC 4231 test cases 1 and 6 (a key longer than the block) */
	uint8_t key1[20], key6[131], out[64];
	static const char want1[] =
	        "h6p83qXvYZ1P8LQkGh1ssCN59OLOTsJ4etCzBUXhfN7aqDO31rinAgOLJ06uo/Tk"
	        "vp2RTuth8XAuaWwgOhJoVA==";
	static const char data6[] = "Test Using Larger Than Block-Size Key - Hash Key First";
	const struct rkt_bytes p1[] = { { "Hi ", 3 }, { "There", 5 } };
	const struct rkt_bytes p6[] = { { data6, sizeof(data6) - 1 } };

	(void)state;
	memset(key1, 0x0b, sizeof(key1));
	memset(key6, 0xaa, sizeof(key6));
	rkt_hmac_sha512(key1, sizeof(key1), p1, 2, out);
	_cleanup_free_ char *b1 = rkt_base64_encode(out, sizeof(out));
	assert_string_equal(b1, want1);
	rkt_hmac_sha512(key6, sizeof(key6), p6, 1, out);
	assert_int_equal(out[0], 0x80);
	assert_int_equal(out[1], 0xb2);
	assert_int_equal(out[63], 0x98);
}

static void hmac_sha512_takes_an_empty_key(void **state)
{
	/* rkt_mds_new accepts a key of length 0; Python's hmac module gives the expected value */
	static const char want[] =
	        "92iKEEMm02wZQPbSjXRsBmHTg+DRT+igRklER3dhD13ZVlo2hGq56ec0zzgNOgcNjvAhtfO"
	        "lDEgXEKRklo40GQ==";
	const struct rkt_bytes p[] = { { "Hi There", 8 } };
	uint8_t out[64];

	(void)state;
	rkt_hmac_sha512(NULL, 0, p, 1, out);
	_cleanup_free_ char *b = rkt_base64_encode(out, sizeof(out));
	assert_string_equal(b, want);
}

static void base64_decode_is_strict(void **state)
{
	_cleanup_free_ uint8_t *d = NULL;
	size_t n;

	(void)state;
	assert_int_equal(rkt_base64_decode("aGk=", 4, &d, &n), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(d, "hi", 2);
	free(d);
	d = NULL;
	assert_int_equal(rkt_base64_decode("aGVsbG8h", 8, &d, &n), 0);
	assert_int_equal(n, 6);
	free(d);
	d = NULL;
	assert_int_equal(rkt_base64_decode("", 0, &d, &n), 0);
	assert_int_equal(n, 0);
	free(d);
	d = NULL;
	assert_int_equal(rkt_base64_decode("aGk", 3, &d, &n), -EBADMSG);
	assert_int_equal(rkt_base64_decode("aGl=", 4, &d, &n), -EBADMSG); /* pad bits set */
	assert_int_equal(rkt_base64_decode("a=Gk", 4, &d, &n), -EBADMSG);
	assert_int_equal(rkt_base64_decode("aG*=", 4, &d, &n), -EBADMSG);
	assert_int_equal(rkt_base64_decode("aGk=aGk=", 8, &d, &n), -EBADMSG);
	assert_int_equal(rkt_base64_decode("aB==", 4, &d, &n), -EBADMSG); /* pad bits set */
	assert_int_equal(rkt_base64_decode(" aGk", 4, &d, &n), -EBADMSG); /* no white space */
	assert_int_equal(rkt_base64_decode("aGk\n", 4, &d, &n), -EBADMSG);
	assert_int_equal(rkt_base64_decode("aGk=", 3, &d, &n), -EBADMSG); /* LEN, not the NUL */
	assert_null(d);
}

static void registration_messages_format_and_parse(void **state)
{
	_cleanup_free_ char *req = NULL;
	size_t len;
	unsigned status;
	uint16_t port;
	const char *body;

	(void)state;
	req = rkt_mds_request_format("PUT", "/pods/u?token=t", "{}", 2, &len);
	assert_string_equal(req, "PUT /pods/u?token=t HTTP/1.1\r\nHost: localhost\r\n"
	                         "Content-Type: application/json\r\nContent-Length: 2\r\n"
	                         "Connection: close\r\n\r\n{}");
	assert_int_equal(len, strlen(req));
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	                         "rkt-metadata-port:  18113\r\n\r\nregistered\n";
	assert_int_equal(rkt_mds_response_parse(ok, sizeof(ok) - 1, &status, &port, &body), 0);
	assert_int_equal(status, 200);
	assert_int_equal(port, 18113);
	assert_string_equal(body, "registered\n");
	static const char noport[] = "HTTP/1.0 404 Not Found\r\n\r\n";
	assert_int_equal(rkt_mds_response_parse(noport, sizeof(noport) - 1, &status, &port, &body),
	                 0);
	assert_int_equal(status, 404);
	assert_int_equal(port, 0);
	static const char *const bad[] = { "", "HTTP/1.1 2x0 OK\r\n\r\n", "SMTP 220\r\n\r\n",
		                           "HTTP/1.1 200 OK\r\nno end",
		                           "HTTP/1.1 200 OK\r\nRkt-Metadata-Port: 99999\r\n\r\n" };
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		assert_int_equal(
		        rkt_mds_response_parse(bad[i], strlen(bad[i]), &status, &port, &body),
		        -EBADMSG);
}

static void tokens_are_128_random_bits_in_hex(void **state)
{
	char a[33], b[33];

	(void)state;
	assert_int_equal(rkt_mds_token_new(a, NULL), 0);
	assert_int_equal(rkt_mds_token_new(b, NULL), 0);
	assert_int_equal(strlen(a), 32);
	assert_int_equal(strspn(a, "0123456789abcdef"), 32);
	assert_string_not_equal(a, b);
	assert_true(rkt_mds_token_is_valid(a));
	assert_false(rkt_mds_token_is_valid(""));
	assert_false(rkt_mds_token_is_valid("a/b"));
	assert_false(rkt_mds_token_is_valid(".."));
}

static void url_from_the_pod_directory(void **state)
{
	char dir[] = "/tmp/test-mds.XXXXXX";
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *u1 = NULL, *u2 = NULL, *u3 = NULL, *u4 = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	/* nothing recorded: upstream's port, loopback */
	u1 = rkt_mds_url(fd, true, "tok", NULL, NULL);
	assert_string_equal(u1, "http://127.0.0.1:18112/tok");
	assert_int_equal(
	        rkt_write_file_atomic_at(fd, RKT_POD_MDS_REGISTERED, "18200\n", 6, 0644, NULL), 0);
	assert_int_equal(
	        rkt_write_file_atomic_at(fd, RKT_POD_NET_INFO,
	                                 "[{\"netName\":\"none\"},{\"netName\":\"default\","
	                                 "\"ip\":\"172.16.28.2\",\"hostIP\":\"172.16.28.1\"}]",
	                                 84, 0644, NULL),
	        0);
	u2 = rkt_mds_url(fd, false, "tok", NULL, NULL);
	assert_string_equal(u2, "http://172.16.28.1:18200/tok");
	u3 = rkt_mds_url(fd, true, "tok", NULL, NULL);
	assert_string_equal(u3, "http://127.0.0.1:18200/tok");
	assert_int_equal(rkt_write_file_atomic_at(fd, RKT_POD_NET_INFO,
	                                          "[{\"hostIP\":\"fd00::1\"}]", 22, 0644, NULL),
	                 0);
	u4 = rkt_mds_url(fd, false, "tok", NULL, NULL);
	assert_string_equal(u4, "http://[fd00::1]:18200/tok");
	assert_int_equal(unlinkat(fd, RKT_POD_NET_INFO, 0), 0);
	free(u4);
	u4 = rkt_mds_url(fd, false, "tok", NULL, NULL);
	assert_string_equal(u4, "http://127.0.0.1:18200/tok");
	(void)unlinkat(fd, RKT_POD_MDS_REGISTERED, 0);
	(void)rmdir(dir);
}

static void strset_remove_keeps_every_other_key_reachable(void **state)
{
	_cleanup_(rkt_strset_freep) struct rkt_strset *s = rkt_strset_new();
	char key[32];
	uintptr_t v;

	(void)state;
	for (int round = 0; round < 3; round++) {
		for (unsigned i = 0; i < 3000; i++) {
			snprintf(key, sizeof(key), "k%u", i);
			assert_int_equal(rkt_strset_add(s, key, i), 0);
		}
		for (unsigned i = 0; i < 3000; i += 2) {
			snprintf(key, sizeof(key), "k%u", i);
			assert_true(rkt_strset_remove(s, key));
			assert_false(rkt_strset_remove(s, key));
		}
		for (unsigned i = 0; i < 3000; i++) {
			snprintf(key, sizeof(key), "k%u", i);
			assert_int_equal(rkt_strset_get(s, key, &v), i % 2 == 1);
			if (i % 2)
				assert_int_equal(v, i);
		}
		size_t pos = 0, n = 0;
		while (rkt_strset_next(s, &pos, NULL, NULL))
			n++;
		assert_int_equal(n, 1500);
		for (unsigned i = 1; i < 3000; i += 2) {
			snprintf(key, sizeof(key), "k%u", i);
			assert_true(rkt_strset_remove(s, key));
		}
		assert_int_equal(rkt_strset_size(s), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(public_routes_answer_in_the_exact_formats),
		cmocka_unit_test(public_routes_refuse_unknown_paths_methods_and_tokens),
		cmocka_unit_test(sign_then_verify_and_tampering_is_refused),
		cmocka_unit_test(registration_checks_its_input_and_unregisters),
		cmocka_unit_test(form_values_decode_and_find_the_first),
		cmocka_unit_test(hmac_sha512_matches_rfc4231),
		cmocka_unit_test(hmac_sha512_takes_an_empty_key),
		cmocka_unit_test(base64_decode_is_strict),
		cmocka_unit_test(registration_messages_format_and_parse),
		cmocka_unit_test(tokens_are_128_random_bits_in_hex),
		cmocka_unit_test(url_from_the_pod_directory),
		cmocka_unit_test(strset_remove_keeps_every_other_key_reachable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
