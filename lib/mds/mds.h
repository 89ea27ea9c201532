/* The appc metadata service (appc spec ace.md "App Container Metadata Service", MDS-1;
 * rkt/rkt Documentation/subcommands/metadata-service.md) without its HTTP server: the registry
 * of pods and the answers of its two interfaces, built in memory from a parsed request.
 *
 *   registration (a Unix socket, root only; rkt run --mds-register, rkt gc):
 *     PUT    /pods/<uuid>?token=<token>   body: the reified pod manifest
 *     PUT    /pods/<uuid>/<app>           body: the app's image manifest
 *     DELETE /pods/<uuid>
 *   public (TCP), under /<token>/acMetadata/v1:
 *     GET  /pod/annotations[/<name>]  /pod/manifest  /pod/uuid
 *     GET  /apps/<app>/annotations[/<name>]  /apps/<app>/image/manifest  /apps/<app>/image/id
 *     POST /pod/hmac/sign (form: content)  /pod/hmac/verify (form: content, uuid, signature)
 *
 * Pure: no I/O and no threads; the caller serialises calls. Every answer that can be is made
 * at registration, so a GET costs one hash lookup and a copy. Memory per pod is bounded by the
 * limits below. server.h runs this behind libmicrohttpd. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/cleanup.h"
#include "util/error.h"
#include "util/hash.h"

#define RKT_MDS_DEFAULT_PORT 18112                        /* upstream's */
#define RKT_MDS_SOCKET_PATH  "/run/rkt/metadata-svc.sock" /* upstream's */
/* Largest request body: a manifest (registration) or a form (public POSTs). */
#define RKT_MDS_REGISTRATION_BODY_MAX (1024 * 1024)
#define RKT_MDS_PUBLIC_BODY_MAX       (64 * 1024)
/* Registered pods at once; beyond it a registration gets 503. */
#define RKT_MDS_MAX_PODS 65536
/* Tokens: 1..128 characters of [0-9A-Za-z_-] (rkt's are 32 hex digits: 128 random bits). */
#define RKT_MDS_TOKEN_MAX 128

/* A request as the HTTP layer received it. PATH is the path without the query, as sent
 * (percent-escapes are not decoded: every name in it is an AC Name, AC Identifier, UUID or
 * token, none of which has a character that needs one). */
struct rkt_mds_request {
	const char *method;
	const char *path;
	const char *token;        /* registration: the "token" query argument, or NULL */
	const char *content_type; /* NULL if absent */
	const char *body;
	size_t body_len;
};

struct rkt_mds_response {
	unsigned status;
	const char *content_type; /* static */
	const char *allow;        /* 405: the allowed method, else NULL */
	char *body;               /* owned; NUL-terminated */
	size_t body_len;
};
void rkt_mds_response_release(struct rkt_mds_response *r);

/* MDS-3: JSON answers unless the spec says otherwise, with no charset (MDS-15) */
#define RKT_MDS_JSON       "application/json"
#define RKT_MDS_TEXT_ASCII "text/plain; charset=us-ascii"

struct rkt_mds;

/* A new, empty registry. KEY (KEY_LEN bytes) is the HMAC key; NULL: 64 random bytes (MDS-13:
 * one key per service start, so a restarted service does not accept old signatures). */
int rkt_mds_new(const void *key, size_t key_len, struct rkt_mds **ret, struct rkt_error *err);
struct rkt_mds *rkt_mds_free(struct rkt_mds *m);
RKT_DEFINE_CLEANUP(struct rkt_mds *, rkt_mds_free)
size_t rkt_mds_n_pods(const struct rkt_mds *m);

/* Answers a registration request (MDS-14; status 200, 400 bad input, 404 no such pod or app, 405,
 * 409 token in use by another pod, 503 registry full). */
void rkt_mds_serve_registration(struct rkt_mds *m, const struct rkt_mds_request *req,
                                struct rkt_mds_response *ret);
/* Answers a public request (200; 400 bad form or name; 401 unknown token; 403 bad signature;
 * 404 unknown path, app or annotation; 405 wrong method). A token reaches only its own pod's
 * data (MDS-18). */
void rkt_mds_serve_public(struct rkt_mds *m, const struct rkt_mds_request *req,
                          struct rkt_mds_response *ret);

/* The signature /pod/hmac/sign returns (MDS-13): base64 of HMAC-SHA512(KEY, the 16 bytes of
 * UUID, then CONTENT). New string. */
char *rkt_mds_sign(const struct rkt_mds *m, const uint8_t uuid[16], const char *content,
                   size_t len);

/* Value of NAME in an application/x-www-form-urlencoded BODY (LEN bytes), decoded ('+' is a
 * space, %XX a byte), as a new string in *RET (its length in *RET_LEN: it may hold NUL bytes).
 * Returns 1 if found (the first occurrence), 0 if not, -EBADMSG for a bad escape. Pure. */
int rkt_mds_form_value(const char *body, size_t len, const char *name, char **ret, size_t *ret_len);

/* A new random token: 32 lower-case hex digits (128 bits, MDS-2). */
int rkt_mds_token_new(char ret[33], struct rkt_error *err);
/* Whether TOKEN has the token syntax above. */
bool rkt_mds_token_is_valid(const char *token);
