/* libFuzzer target for appc meta discovery (DISC-3..10): the input is the HTML page every
 * discovery URL answers with, so the meta-tag scanner and the template rendering see hostile
 * markup. Whatever is found must be a URL built from a template: no braces left (DISC-7). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "appc/discovery.h"

struct page {
	const uint8_t *data;
	size_t size;
};

static int serve(void *userdata, const char *url, char **ret_body, size_t *ret_len,
                 struct rkt_error *err)
{
	const struct page *p = userdata;
	char *body = malloc(p->size ? p->size : 1);

	(void)url;
	(void)err;
	if (!body)
		abort();
	memcpy(body, p->data, p->size);
	*ret_body = body;
	*ret_len = p->size;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct page p = { data, size };
	struct rkt_kv_list labels = { 0 };
	struct rkt_discovery_result r = { 0 };
	struct rkt_error err = { 0 };

	rkt_kv_list_set(&labels, "version", "1.0.0");
	rkt_kv_list_set(&labels, "os", "linux");
	rkt_kv_list_set(&labels, "arch", "amd64");
	if (rkt_discover("example.com/app/sub", &labels, true, serve, &p, &r, &err) == 0) {
		for (size_t i = 0; i < r.n_aci; i++)
			if (strpbrk(r.aci_endpoints[i].aci, "{}") ||
			    strpbrk(r.aci_endpoints[i].asc, "{}"))
				abort();
	} else if (err.msg[0] == '\0') {
		abort(); /* every failure says why */
	}
	rkt_discovery_result_release(&r);
	rkt_kv_list_release(&labels);
	return 0;
}
