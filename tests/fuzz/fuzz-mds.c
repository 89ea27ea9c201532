/* libFuzzer target for the metadata service's request handling (lib/mds/mds.h): what a pod (or
 * anything on the network) sends to the public interface, and the registration interface, from
 * one registry that keeps its state across inputs. The input is split at the first two NUL
 * bytes into method, path and body. Besides memory errors it checks that every answer has a
 * status the API documents and a body of the length it says. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mds/mds.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct rkt_mds_response *r)
{
	static const unsigned ok[] = { 200, 400, 401, 403, 404, 405, 409, 413, 503 };
	bool known = false;

	for (size_t i = 0; i < ELEMENTSOF(ok); i++)
		known |= r->status == ok[i];
	if (!known || !r->body || strlen(r->body) > r->body_len || !r->content_type)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rkt_mds *m;
	static const char pod[] =
	        "{\"acKind\":\"PodManifest\",\"acVersion\":\"0.8.11\",\"apps\":[{\"name\":\"a\","
	        "\"image\":{\"name\":\"example.com/a\",\"id\":\"sha512-"
	        "00000000000000000000000000000000000000000000000000000000000000000000000000000000"
	        "000000000000000000000000000000000000000000000000\"}}]}";
	_cleanup_free_ char *buf = xmalloc(size + 3);
	struct rkt_mds_response resp = { 0 };

	if (!m) {
		const struct rkt_mds_request reg = { .method = "PUT",
			                             .path = "/pods/6f8b1d42-0d0f-4c43-9d9c-"
			                                     "3c5b8b7e0a01",
			                             .token = "tok",
			                             .body = pod,
			                             .body_len = sizeof(pod) - 1 };

		if (rkt_mds_new("k", 1, &m, NULL) < 0)
			abort();
		rkt_mds_serve_registration(m, &reg, &resp);
		if (resp.status != 200)
			abort();
		rkt_mds_response_release(&resp);
	}
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = buf[size + 2] = '\0';
	const char *method = buf, *path = method + strlen(method) + 1;
	if (path > buf + size)
		path = buf + size;
	const char *body = path + strlen(path) + 1;
	if (body > buf + size)
		body = buf + size;
	const struct rkt_mds_request req = {
		.method = method,
		.path = path,
		.token = path,
		.content_type = "application/x-www-form-urlencoded",
		.body = body,
		.body_len = (size_t)(buf + size - body),
	};

	rkt_mds_serve_public(m, &req, &resp);
	check(&resp);
	rkt_mds_response_release(&resp);
	/* registrations with fuzzed paths, but never a DELETE of the fixed pod's token holder */
	if (strcmp(method, "PUT") == 0) {
		rkt_mds_serve_registration(m, &req, &resp);
		check(&resp);
		rkt_mds_response_release(&resp);
	}
	return 0;
}
