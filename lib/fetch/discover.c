/* Images and keys by name: appc meta discovery (docs/trust.md, "Discovery"). The walk and the
 * templates are lib/appc/discovery.c's (DISC-1); this file gives it the network (lib/net, with
 * the auth.d headers of the host on every https request, DISC-15) and fetches what it finds as
 * any https URL (url.c): the discovered signature checked with the keys trusted for the name
 * (DISC-13), the manifest against the name and labels asked for (DISC-14). Only meta discovery
 * exists: no URL is guessed from the name (DISC-16). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "appc/discovery.h"
#include "appc/types.h"
#include "fetch/fetch-internal.h"
#include "net/http.h"
#include "trust/trust.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/* A discovery page is a small HTML document. */
#define PAGE_MAX (1u << 20)

struct page {
	char *data;
	size_t len, cap;
};

static int page_write(void *userdata, const void *buf, size_t len)
{
	struct page *p = userdata;

	if (len > PAGE_MAX - p->len)
		return -EFBIG;
	xgrow((void **)&p->data, &p->cap, p->len + len + 1, 1);
	memcpy(p->data + p->len, buf, len);
	p->len += len;
	return 0;
}

/* rkt_discovery_get_fn over lib/net: USERDATA is the struct rkt_fetch_opts (insecure options,
 * auth.d). Redirects are followed as for any download (DISC-11), never from https to http unless
 * plain http is allowed, and TLS is verified unless --insecure-options=tls (DISC-12). */
static int discovery_get(void *userdata, const char *url, char **ret_body, size_t *ret_len,
                         struct rkt_error *err)
{
	const struct rkt_fetch_opts *opts = userdata;
	_cleanup_(rkt_http_result_release) struct rkt_http_result res = { 0 };
	_cleanup_(rkt_fetch_auth_headers_release) char *headers[2] = { 0 };
	struct page p = { 0 };
	struct rkt_http_request req = {
		.url = url,
		.flags = rkt_fetch_http_flags(opts->insecure),
		.headers = rkt_fetch_auth_headers(opts, url, headers),
		.write = page_write,
		.write_userdata = &p,
		.fd = -EBADF,
	};
	int r = rkt_http_fetch(&req, &res, err);

	if (r < 0) {
		free(p.data);
		return r;
	}
	*ret_body = p.data ? p.data : xstrdup("");
	*ret_len = p.len;
	return 0;
}

int rkt_fetch_expect_check(void *userdata, int fd, const struct rkt_aci_info *info,
                           struct rkt_error *err)
{
	const struct rkt_fetch_expect *ex = userdata;
	const struct rkt_image_manifest *m = info->manifest;

	(void)fd;
	if (strcmp(m->name, ex->name) != 0)
		return rkt_error_input(err, EBADMSG,
		                       "discovered image is called '%s', not '%s' as asked for",
		                       m->name, ex->name);
	for (size_t i = 0; ex->labels && i < ex->labels->n; i++) {
		const struct rkt_kv *kv = &ex->labels->items[i];
		const char *have = rkt_kv_list_get(&m->labels, kv->name);

		if (!have || strcmp(have, kv->value) != 0)
			return rkt_error_input(
			        err, EBADMSG,
			        "discovered image '%s' has %s '%s', not '%s' as asked "
			        "for",
			        m->name, kv->name, have ? have : "(none)", kv->value);
	}
	/* The host's os and arch, used when the name did not give them, rule out an image made
	 * for another platform; an image without the label does not depend on it. */
	const char *host[][2] = { { "os", RKT_HOST_OS }, { "arch", rkt_host_arch() } };
	for (size_t i = 0; i < ELEMENTSOF(host); i++) {
		const char *have = rkt_kv_list_get(&m->labels, host[i][0]);

		if (ex->labels && rkt_kv_list_get(ex->labels, host[i][0]))
			continue;
		if (have && strcmp(have, host[i][1]) != 0)
			return rkt_error_input(
			        err, EBADMSG,
			        "discovered image '%s' has %s '%s', not this host's '%s'", m->name,
			        host[i][0], have, host[i][1]);
	}
	return 0;
}

static int discover(const char *name, const struct rkt_kv_list *labels, unsigned want,
                    const struct rkt_fetch_opts *opts, struct rkt_discovery_result *ret,
                    struct rkt_error *err)
{
	return rkt_discover_want(name, labels, want, opts->insecure & RKT_INSECURE_HTTP,
	                         discovery_get, (void *)opts, ret, err);
}

static void note(const struct rkt_fetch_opts *opts, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static void note(const struct rkt_fetch_opts *opts, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	if (!opts->note)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg)
		opts->note(opts->note_userdata, msg);
}

/* The key at the https URL trusted for NAME, without review. */
static int trust_key(const char *name, const char *url, const struct rkt_fetch_opts *opts,
                     struct rkt_error *err)
{
	/* https only (upstream: keys over http need --insecure-options=pubkey and a review) */
	struct rkt_fetch_opts https = { .insecure = opts->insecure & RKT_INSECURE_TLS,
		                        .config = opts->config };
	_cleanup_(rkt_trust_key_freep) struct rkt_trust_key *key = NULL;
	_cleanup_free_ char *body = NULL, *path = NULL, *what = xasprintf("key '%s'", url);
	size_t len = 0;
	int r;

	if (strncmp(url, "https://", 8) != 0)
		return rkt_error_input(err, EPROTONOSUPPORT, "key '%s': not an https URL", url);
	r = discovery_get(&https, url, &body, &len, err);
	if (r >= 0)
		r = rkt_trust_key_parse(body, len, what, &key, err);
	if (r >= 0)
		r = rkt_keystore_add(opts->keystore, name, key, &path, err);
	if (r < 0)
		return r;
	note(opts, "Trusting \"%s\" for prefix \"%s\" without fingerprint review.", url, name);
	note(opts, "Added key for prefix \"%s\" at \"%s\" (fingerprint %s%s%s)", name, path,
	     key->fingerprint, key->n_uids ? ", " : "", key->n_uids ? key->uids[0] : "");
	return 0;
}

/* Upstream's maybeFetchPubKeys: failures are told, and the fetch goes on (the signature check
 * then says which key is missing). */
static void maybe_trust_keys(const char *name, const struct rkt_fetch_opts *opts)
{
	struct rkt_error err = { 0 };
	char **keys = NULL;
	size_t n = 0;
	int r;

	if (!opts->trust_keys_from_https || (opts->insecure & RKT_INSECURE_IMAGE) ||
	    !opts->keystore)
		return;
	r = rkt_keystore_prefix_has_keys(opts->keystore, name, &err);
	if (r != 0) {
		if (r < 0)
			note(opts, "error checking for existing keys: %s", err.msg);
		return;
	}
	r = rkt_discover_pubkeys(name, opts->insecure & RKT_INSECURE_TLS, opts->config, &keys, &n,
	                         &err);
	if (r < 0)
		note(opts, "error determining key location: %s", err.msg);
	for (size_t i = 0; i < n; i++) {
		rkt_error_clear(&err);
		if (trust_key(name, keys[i], opts, &err) < 0)
			note(opts, "error adding keys: %s", err.msg);
		free(keys[i]);
	}
	free(keys);
}

int rkt_fetch_discovered(struct rkt_store *s, const char *image, const char *name,
                         const struct rkt_kv_list *labels, const struct rkt_fetch_opts *opts,
                         char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err)
{
	_cleanup_(rkt_discovery_result_release) struct rkt_discovery_result res = { 0 };
	_cleanup_(rkt_kv_list_release) struct rkt_kv_list l = { 0 };
	const char *version = labels ? rkt_kv_list_get(labels, "version") : NULL;
	struct rkt_error first = { 0 };
	int r, first_r = 0;

	/* upstream: os and arch default to the host's; version to latest (discovery.c) */
	for (size_t i = 0; labels && i < labels->n; i++)
		rkt_kv_list_set(&l, labels->items[i].name, labels->items[i].value);
	if (!rkt_kv_list_get(&l, "os"))
		rkt_kv_list_set(&l, "os", RKT_HOST_OS);
	if (!rkt_kv_list_get(&l, "arch"))
		rkt_kv_list_set(&l, "arch", rkt_host_arch());

	maybe_trust_keys(name, opts);
	r = discover(name, &l, RKT_DISCOVER_ACI, opts, &res, err);
	if (r < 0)
		/* the message names the name discovered */
		return strcmp(image, name) != 0 ? rkt_error_wrap(err, r, "image '%s'", image) : r;
	struct rkt_fetch_expect ex = {
		.image = image,
		.name = name,
		.labels = labels,
		.latest = !version || !*version,
	};
	/* DISC-8: the templates in document order, until one gives a good image. */
	for (size_t i = 0; i < res.n_aci; i++) {
		rkt_error_clear(err);
		r = rkt_fetch_url_as(s, res.aci_endpoints[i].aci, res.aci_endpoints[i].asc, &ex,
		                     opts, ret_id, err);
		if (r >= 0)
			return 0;
		if (i == 0) {
			first = *err;
			first_r = r;
		}
	}
	/* The first template's failure says most: it is the one the server prefers. */
	*err = first;
	if (res.n_aci > 1)
		rkt_error_append(err, " (and %zu other discovered location%s failed)",
		                 res.n_aci - 1, res.n_aci > 2 ? "s" : "");
	return rkt_error_wrap(err, first_r, "image '%s'", image);
}

int rkt_discover_pubkeys(const char *prefix, unsigned insecure, const struct rkt_config *config,
                         char ***ret, size_t *ret_n, struct rkt_error *err)
{
	_cleanup_(rkt_discovery_result_release) struct rkt_discovery_result res = { 0 };
	struct rkt_fetch_opts opts = { .insecure = insecure, .config = config };
	int r = discover(prefix, NULL, RKT_DISCOVER_KEYS, &opts, &res, err);

	if (r < 0)
		return r;
	*ret = TAKE_PTR(res.pubkeys);
	*ret_n = res.n_pubkeys;
	res.n_pubkeys = 0;
	return 0;
}
