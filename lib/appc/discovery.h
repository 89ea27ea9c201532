/* appc meta discovery (docs/conformance.md: DISC-1..10) as a pure function: the caller supplies the
 * HTTP GET, so this module does no I/O of its own and never blocks except inside that callback.
 *
 * Given an image name and labels, discovery fetches https://{prefix}?ac-discovery=1 for the name
 * and each of its parent paths down to the bare host, reads the <meta name="ac-discovery"> and
 * <meta name="ac-discovery-pubkeys"> tags whose prefix starts the name, and renders the URL
 * templates. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "appc/manifest.h"
#include "util/error.h"

/* Fetches URL. On a 200 answer returns 0 and a malloc()ed body of *RET_LEN bytes (need not be
 * NUL-terminated; the caller frees it). Otherwise returns -ENOENT (404 and other non-200
 * answers) or another -errno (network errors), leaving *RET_BODY alone; ERR may be filled. */
typedef int (*rkt_discovery_get_fn)(void *userdata, const char *url, char **ret_body,
                                    size_t *ret_len, struct rkt_error *err);

struct rkt_discovery_endpoint {
	char *aci; /* image URL ({ext} = aci) */
	char *asc; /* signature URL ({ext} = aci.asc) */
};

struct rkt_discovery_result {
	struct rkt_discovery_endpoint *aci_endpoints; /* document order (DISC-8) */
	size_t n_aci;                                 /* 0: image discovery failed */
	char **pubkeys;                               /* document order */
	size_t n_pubkeys;                             /* 0: key discovery failed */
};

/* Discovers NAME (an AC Identifier, no scheme) with LABELS (may be NULL; "version" defaults to
 * "latest", a label called "name" is ignored). Every level is fetched over https; if
 * INSECURE_HTTP, over http when https fails (DISC-12). Image endpoints and public keys are
 * searched independently, each walk stopping at the deepest level that yields something
 * (DISC-10); a failed fetch counts as a level without tags. GET is called synchronously with
 * USERDATA.
 *
 * Returns 0 and fills *RET (release with rkt_discovery_result_release()) if image endpoints or
 * public keys were found; either list may then be empty. Returns -EINVAL if NAME is not an AC
 * Identifier, -ENOENT if nothing was found at any level (the message adds the first failure
 * other than a 404 that a fetch reported, such as a refused redirect). *RET is untouched on
 * failure. Templates are ordered by their prefix, longest first, then in document order
 * (DISC-8). */
int rkt_discover(const char *name, const struct rkt_kv_list *labels, bool insecure_http,
                 rkt_discovery_get_fn get, void *userdata, struct rkt_discovery_result *ret,
                 struct rkt_error *err);

enum rkt_discovery_want {
	RKT_DISCOVER_ACI = 1u << 0,  /* image and signature templates (ac-discovery) */
	RKT_DISCOVER_KEYS = 1u << 1, /* public keys (ac-discovery-pubkeys) */
};

/* rkt_discover() for what WANT (enum rkt_discovery_want bits) asks for only: the walk stops
 * once each wanted kind was found at some level, and -ENOENT means none was found. */
int rkt_discover_want(const char *name, const struct rkt_kv_list *labels, unsigned want,
                      bool insecure_http, rkt_discovery_get_fn get, void *userdata,
                      struct rkt_discovery_result *ret, struct rkt_error *err);

/* Frees what R owns and zeroes it. R may be NULL. */
void rkt_discovery_result_release(struct rkt_discovery_result *r);
