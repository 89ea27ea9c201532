/* The metadata service's registry and its answers (mds.h). */
#include "mds/mds.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "appc/manifest.h"
#include "appc/types.h"
#include "util/json-util.h"
#include "util/strset.h"
#include "util/xalloc.h"

#define HMAC_KEY_LEN 64

struct mds_app {
	char *name;
	char *image_id;
	struct rkt_kv_list pod_annotations; /* the pod manifest's, for the merge */
	/* set when the app's image manifest is registered: */
	char *image_manifest;
	size_t image_manifest_len;
	struct rkt_kv_list annotations; /* merged (MDS-8) */
	char *annotations_json;
};

struct mds_pod {
	uint8_t uuid[16];
	char uuid_str[37];
	char *token;
	char *manifest;
	size_t manifest_len;
	struct rkt_kv_list annotations;
	char *annotations_json; /* the manifest's member as it is, or null (MDS-15) */
	struct mds_app *apps;
	size_t n_apps;
};

struct rkt_mds {
	uint8_t key[HMAC_KEY_LEN];
	size_t key_len;
	struct rkt_strset *by_token; /* token -> struct mds_pod * */
	struct rkt_strset *by_uuid;  /* canonical UUID -> the same (MDS-4: one pod per UUID) */
};

void rkt_mds_response_release(struct rkt_mds_response *r)
{
	free(r->body);
	*r = (struct rkt_mds_response){ 0 };
}

static void app_release(struct mds_app *a)
{
	free(a->name);
	free(a->image_id);
	rkt_kv_list_release(&a->pod_annotations);
	free(a->image_manifest);
	rkt_kv_list_release(&a->annotations);
	free(a->annotations_json);
}

static struct mds_pod *pod_free(struct mds_pod *p)
{
	if (!p)
		return NULL;
	for (size_t i = 0; i < p->n_apps; i++)
		app_release(&p->apps[i]);
	free(p->apps);
	free(p->token);
	free(p->manifest);
	rkt_kv_list_release(&p->annotations);
	free(p->annotations_json);
	free(p);
	return NULL;
}
RKT_DEFINE_CLEANUP(struct mds_pod *, pod_free)

int rkt_mds_new(const void *key, size_t key_len, struct rkt_mds **ret, struct rkt_error *err)
{
	_cleanup_free_ struct rkt_mds *m = xzalloc(sizeof(*m));
	int r;

	if (key) {
		if (key_len > sizeof(m->key))
			return rkt_error_set(err, EINVAL, "metadata service: HMAC key too long");
		memcpy(m->key, key, key_len);
		m->key_len = key_len;
	} else {
		r = rkt_random_bytes(m->key, sizeof(m->key), err);
		if (r < 0)
			return rkt_error_wrap(err, r, "metadata service: HMAC key");
		m->key_len = sizeof(m->key);
	}
	m->by_token = rkt_strset_new();
	m->by_uuid = rkt_strset_new();
	*ret = TAKE_PTR(m);
	return 0;
}

static struct mds_pod *pod_by(const struct rkt_strset *s, const char *key)
{
	uintptr_t v;

	return rkt_strset_get(s, key, &v) ? (struct mds_pod *)v : NULL;
}

static void pod_unlink(struct rkt_mds *m, struct mds_pod *p)
{
	(void)rkt_strset_remove(m->by_token, p->token);
	(void)rkt_strset_remove(m->by_uuid, p->uuid_str);
}

struct rkt_mds *rkt_mds_free(struct rkt_mds *m)
{
	if (!m)
		return NULL;
	size_t pos = 0;
	uintptr_t v;

	/* the sets own their keys only: the pods are freed through by_uuid */
	while (rkt_strset_next(m->by_uuid, &pos, NULL, &v))
		pod_free((struct mds_pod *)v);
	rkt_strset_free(m->by_token);
	rkt_strset_free(m->by_uuid);
	explicit_bzero(m->key, sizeof(m->key));
	free(m);
	return NULL;
}

size_t rkt_mds_n_pods(const struct rkt_mds *m)
{
	return rkt_strset_size(m->by_uuid);
}

/* ---- responses ---- */

static void respond(struct rkt_mds_response *r, unsigned status, const char *type, char *body,
                    size_t len)
{
	*r = (struct rkt_mds_response){
		.status = status, .content_type = type, .body = body, .body_len = len
	};
}

static void respond_copy(struct rkt_mds_response *r, unsigned status, const char *type,
                         const char *body, size_t len)
{
	char *b = xmalloc(len + 1);

	memcpy(b, body, len);
	b[len] = '\0';
	respond(r, status, type, b, len);
}

/* An error or a plain answer: one line of text. */
static void __attribute__((format(printf, 3, 4)))
respond_text(struct rkt_mds_response *r, unsigned status, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	respond(r, status, RKT_MDS_TEXT_ASCII, s, strlen(s));
}

static void respond_405(struct rkt_mds_response *r, const char *allow)
{
	respond_text(r, 405, "method not allowed (use %s)\n", allow);
	r->allow = allow;
}

/* ---- names in paths ---- */

/* The next path segment of *P (up to '/' or the end) as a new string; *P moves past it and
 * past one '/'. */
static char *segment(const char **p)
{
	size_t n = strcspn(*p, "/");
	char *s = xstrndup(*p, n);

	*p += n;
	if (**p == '/')
		(*p)++;
	return s;
}

/* Whether P starts with the segment S, which ends there or at a '/'; *P moves past it (and the
 * '/'). */
static bool eat(const char **p, const char *s)
{
	size_t n = strlen(s);

	if (strncmp(*p, s, n) != 0 || ((*p)[n] != '\0' && (*p)[n] != '/'))
		return false;
	*p += n;
	if (**p == '/')
		(*p)++;
	return true;
}

bool rkt_mds_token_is_valid(const char *t)
{
	size_t n = strspn(t, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-");

	return n > 0 && n <= RKT_MDS_TOKEN_MAX && t[n] == '\0';
}

int rkt_mds_token_new(char ret[33], struct rkt_error *err)
{
	uint8_t b[16];
	int r = rkt_random_bytes(b, sizeof(b), err);

	if (r < 0)
		return rkt_error_wrap(err, r, "metadata service token");
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(ret + 2 * i, 3, "%02x", b[i]);
	return 0;
}

/* ---- JSON ---- */

static char *kv_list_json(const struct rkt_kv_list *l)
{
	_cleanup_(json_object_putp) struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < l->n; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(l->items[i].name));
		json_object_object_add(o, "value", json_object_new_string(l->items[i].value));
		json_object_array_add(a, o);
	}
	return rkt_json_format(a, false);
}

static void kv_list_copy(struct rkt_kv_list *dst, const struct rkt_kv_list *src)
{
	for (size_t i = 0; i < src->n; i++)
		rkt_kv_list_set(dst, src->items[i].name, src->items[i].value);
}

/* ---- registration ---- */

static int pod_new(const char *uuid_str, const char *token, const char *body, size_t len,
                   struct mds_pod **ret, struct rkt_error *err)
{
	_cleanup_(json_object_putp) struct json_object *obj = NULL;
	_cleanup_(rkt_pod_manifest_freep) struct rkt_pod_manifest *pm = NULL;
	_cleanup_(pod_freep) struct mds_pod *p = xzalloc(sizeof(*p));
	struct json_object *ann;
	int r;

	r = rkt_uuid_parse(uuid_str, p->uuid, "uuid", err);
	if (r < 0)
		return r;
	rkt_uuid_format(p->uuid, p->uuid_str);
	r = rkt_json_parse(body, len, "pod manifest", &obj, err);
	if (r < 0)
		return r;
	r = rkt_pod_manifest_from_json(obj, "pod manifest", &pm, err);
	if (r < 0)
		return r;
	r = rkt_pod_manifest_check_reified(pm, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "pod manifest");
	/* MDS-15: /pod/annotations decodes to what the manifest has, [] and null alike */
	p->annotations_json = json_object_object_get_ex(obj, "annotations", &ann)
	                              ? rkt_json_format(ann, false)
	                              : xstrdup("null");
	kv_list_copy(&p->annotations, &pm->annotations);
	p->apps = xzalloc(sizeof(*p->apps) * (pm->n_apps + 1));
	for (size_t i = 0; i < pm->n_apps; i++, p->n_apps++) {
		p->apps[i].name = xstrdup(pm->apps[i].name);
		p->apps[i].image_id = xstrdup(pm->apps[i].image.id);
		kv_list_copy(&p->apps[i].pod_annotations, &pm->apps[i].annotations);
	}
	p->token = xstrdup(token);
	p->manifest = xstrndup(body, len);
	p->manifest_len = len;
	*ret = TAKE_PTR(p);
	return 0;
}

static struct mds_app *pod_app(struct mds_pod *p, const char *name)
{
	for (size_t i = 0; i < p->n_apps; i++)
		if (strcmp(p->apps[i].name, name) == 0)
			return &p->apps[i];
	return NULL;
}

static void register_pod(struct rkt_mds *m, const char *uuid, const struct rkt_mds_request *req,
                         struct rkt_mds_response *ret)
{
	_cleanup_(pod_freep) struct mds_pod *p = NULL;
	struct rkt_error err = { 0 };
	struct mds_pod *old, *holder;

	if (!req->token || !rkt_mds_token_is_valid(req->token))
		return respond_text(ret, 400, "token missing or malformed\n");
	if (pod_new(uuid, req->token, req->body, req->body_len, &p, &err) < 0)
		return respond_text(ret, 400, "%s\n", err.msg);
	holder = pod_by(m->by_token, p->token);
	if (holder && strcmp(holder->uuid_str, p->uuid_str) != 0)
		return respond_text(ret, 409, "token in use by another pod\n");
	/* registering a UUID again replaces it (upstream) */
	old = pod_by(m->by_uuid, p->uuid_str);
	if (!old && rkt_mds_n_pods(m) >= RKT_MDS_MAX_PODS)
		return respond_text(ret, 503, "too many pods registered\n");
	if (old) {
		pod_unlink(m, old);
		pod_free(old);
	}
	(void)rkt_strset_add(m->by_uuid, p->uuid_str, (uintptr_t)p);
	(void)rkt_strset_add(m->by_token, p->token, (uintptr_t)p);
	TAKE_PTR(p);
	respond_text(ret, 200, "registered\n");
}

static void register_app(struct mds_pod *p, const char *name, const struct rkt_mds_request *req,
                         struct rkt_mds_response *ret)
{
	_cleanup_(rkt_image_manifest_freep) struct rkt_image_manifest *im = NULL;
	struct mds_app *a = pod_app(p, name);
	struct rkt_error err = { 0 };

	if (!a)
		return respond_text(ret, 404, "pod has no app '%s'\n",
		                    rkt_ac_name_is_valid(name) ? name : "(invalid)");
	if (rkt_image_manifest_parse(req->body, req->body_len, "image manifest", &im, &err) < 0)
		return respond_text(ret, 400, "%s\n", err.msg);
	free(a->image_manifest);
	a->image_manifest = xstrndup(req->body, req->body_len);
	a->image_manifest_len = req->body_len;
	/* MDS-8: the image's, in its order, with the pod's values in place or appended */
	rkt_kv_list_release(&a->annotations);
	kv_list_copy(&a->annotations, &im->annotations);
	kv_list_copy(&a->annotations, &a->pod_annotations);
	free(a->annotations_json);
	a->annotations_json = kv_list_json(&a->annotations);
	respond_text(ret, 200, "registered\n");
}

void rkt_mds_serve_registration(struct rkt_mds *m, const struct rkt_mds_request *req,
                                struct rkt_mds_response *ret)
{
	const char *p = req->path;
	_cleanup_free_ char *uuid = NULL, *app = NULL;
	uint8_t u[16];
	char canon[37];
	struct mds_pod *pod;

	if (*p++ != '/' || !eat(&p, "pods") || !*p)
		return respond_text(ret, 404, "not found\n");
	uuid = segment(&p);
	if (*p)
		app = segment(&p);
	if (*p)
		return respond_text(ret, 404, "not found\n");
	if (!app && strcmp(req->method, "DELETE") != 0 && strcmp(req->method, "PUT") != 0)
		return respond_405(ret, "PUT, DELETE");
	if (app && strcmp(req->method, "PUT") != 0)
		return respond_405(ret, "PUT");
	if (rkt_uuid_parse(uuid, u, "uuid", NULL) < 0)
		return respond_text(ret, 400, "malformed pod UUID\n");
	rkt_uuid_format(u, canon);
	if (!app && strcmp(req->method, "PUT") == 0)
		return register_pod(m, uuid, req, ret);
	pod = pod_by(m->by_uuid, canon);
	if (!pod)
		return respond_text(ret, 404, "pod %s is not registered\n", canon);
	if (app)
		return register_app(pod, app, req, ret);
	pod_unlink(m, pod);
	pod_free(pod);
	respond_text(ret, 200, "unregistered\n");
}

/* ---- public ---- */

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes S (LEN bytes) of a form into a new string. */
static int form_decode(const char *s, size_t len, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *out = xmalloc(len + 1);
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '+') {
			out[n++] = ' ';
		} else if (s[i] == '%') {
			int hi = i + 2 < len ? hexval((unsigned char)s[i + 1]) : -1;
			int lo = i + 2 < len ? hexval((unsigned char)s[i + 2]) : -1;

			if (hi < 0 || lo < 0)
				return -EBADMSG;
			out[n++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[n++] = s[i];
		}
	}
	out[n] = '\0';
	*ret = TAKE_PTR(out);
	*ret_len = n;
	return 0;
}

int rkt_mds_form_value(const char *body, size_t len, const char *name, char **ret, size_t *ret_len)
{
	const char *p = body, *end = body + len;

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p)) ?: end;
		const char *eq = memchr(p, '=', (size_t)(amp - p)) ?: amp;
		_cleanup_free_ char *key = NULL;
		size_t key_len;
		int r;

		r = form_decode(p, (size_t)(eq - p), &key, &key_len);
		if (r < 0)
			return r;
		if (key_len == strlen(name) && memcmp(key, name, key_len) == 0) {
			const char *v = eq < amp ? eq + 1 : amp;

			r = form_decode(v, (size_t)(amp - v), ret, ret_len);
			return r < 0 ? r : 1;
		}
		p = amp + 1;
	}
	return 0;
}

/* MDS-13: the 16 raw bytes of the UUID, then the content */
char *rkt_mds_sign(const struct rkt_mds *m, const uint8_t uuid[16], const char *content, size_t len)
{
	const struct rkt_bytes parts[] = { { uuid, 16 }, { content, len } };
	uint8_t mac[RKT_SHA512_LEN];

	rkt_hmac_sha512(m->key, m->key_len, parts, ELEMENTSOF(parts), mac);
	return rkt_base64_encode(mac, sizeof(mac));
}

static bool is_form(const struct rkt_mds_request *req)
{
	static const char t[] = "application/x-www-form-urlencoded";
	const char *ct = req->content_type;

	return ct && strncasecmp(ct, t, sizeof(t) - 1) == 0 &&
	       (ct[sizeof(t) - 1] == '\0' || ct[sizeof(t) - 1] == ';');
}

/* A form field the handler needs: 1 with the value, or 0 after answering 400. */
static int need_field(const struct rkt_mds_request *req, const char *name, char **ret,
                      size_t *ret_len, struct rkt_mds_response *resp)
{
	int r;

	if (!is_form(req)) {
		respond_text(resp, 400, "expected an application/x-www-form-urlencoded body\n");
		return 0;
	}
	r = rkt_mds_form_value(req->body, req->body_len, name, ret, ret_len);
	if (r < 0) {
		respond_text(resp, 400, "malformed form\n");
		return 0;
	}
	if (r == 0 || *ret_len == 0) {
		if (r > 0) {
			free(*ret);
			*ret = NULL;
		}
		respond_text(resp, 400, "%s form value not found\n", name);
		return 0;
	}
	return 1;
}

static void sign(const struct rkt_mds *m, const struct mds_pod *p,
                 const struct rkt_mds_request *req, struct rkt_mds_response *ret)
{
	_cleanup_free_ char *content = NULL;
	size_t len;

	if (!need_field(req, "content", &content, &len, ret))
		return;
	char *sig = rkt_mds_sign(m, p->uuid, content, len);
	respond(ret, 200, RKT_MDS_TEXT_ASCII, sig, strlen(sig));
}

static void verify(const struct rkt_mds *m, const struct rkt_mds_request *req,
                   struct rkt_mds_response *ret)
{
	_cleanup_free_ char *content = NULL, *uuid = NULL, *sig = NULL;
	_cleanup_free_ uint8_t *raw = NULL;
	size_t len, uuid_len, sig_len, raw_len;
	uint8_t u[16];
	int r;

	if (!need_field(req, "content", &content, &len, ret))
		return;
	/* the spec's field is "uuid"; early rkt read "uid" */
	r = is_form(req) ? rkt_mds_form_value(req->body, req->body_len, "uuid", &uuid, &uuid_len)
	                 : 0;
	if (r == 0)
		r = rkt_mds_form_value(req->body, req->body_len, "uid", &uuid, &uuid_len);
	if (r <= 0 || strlen(uuid) != uuid_len || rkt_uuid_parse(uuid, u, "uuid", NULL) < 0)
		return respond_text(ret, 400, "uuid field missing or malformed\n");
	if (!need_field(req, "signature", &sig, &sig_len, ret))
		return;
	if (rkt_base64_decode(sig, sig_len, &raw, &raw_len) < 0)
		return respond_text(ret, 400, "signature field corrupt (not base64)\n");
	const struct rkt_bytes parts[] = { { u, sizeof(u) }, { content, len } };
	uint8_t mac[RKT_SHA512_LEN];

	rkt_hmac_sha512(m->key, m->key_len, parts, ELEMENTSOF(parts), mac);
	if (raw_len != sizeof(mac) || !rkt_memeq_const(raw, mac, sizeof(mac)))
		return respond_text(ret, 403, "signature does not match\n");
	/* MDS-15: the validator wants the content type on the empty success too */
	respond_copy(ret, 200, RKT_MDS_TEXT_ASCII, "", 0);
}

/* A single annotation, /…/annotations/<name>. */
static void annotation(const struct rkt_kv_list *l, const char *name, const char *what,
                       struct rkt_mds_response *ret)
{
	const char *v;

	if (!rkt_ac_identifier_is_valid(name))
		return respond_text(ret, 400, "%s annotation name is not a valid AC Identifier\n",
		                    what);
	v = rkt_kv_list_get(l, name);
	if (!v)
		return respond_text(ret, 404, "%s annotation '%s' not found\n", what, name);
	respond_copy(ret, 200, RKT_MDS_TEXT_ASCII, v, strlen(v));
}

enum route {
	R_NONE = 0,
	R_POD_ANNOTATIONS,
	R_POD_ANNOTATION,
	R_POD_MANIFEST,
	R_POD_UUID,
	R_SIGN,
	R_VERIFY,
	R_APP_ANNOTATIONS,
	R_APP_ANNOTATION,
	R_APP_MANIFEST,
	R_APP_ID,
};

/* Routes REST (what follows /<token>/acMetadata/v1/); *APP and *NAME point into REST (APP is
 * a new string). */
static enum route route(const char *rest, char **app, const char **name)
{
	const char *p = rest;

	if (eat(&p, "pod")) {
		if (eat(&p, "annotations")) {
			*name = p;
			return *p ? R_POD_ANNOTATION : R_POD_ANNOTATIONS;
		}
		if (strcmp(p, "manifest") == 0)
			return R_POD_MANIFEST;
		if (strcmp(p, "uuid") == 0)
			return R_POD_UUID;
		if (strcmp(p, "hmac/sign") == 0)
			return R_SIGN;
		if (strcmp(p, "hmac/verify") == 0)
			return R_VERIFY;
		return R_NONE;
	}
	if (!eat(&p, "apps") || !*p)
		return R_NONE;
	*app = segment(&p);
	if (eat(&p, "annotations")) {
		*name = p;
		return *p ? R_APP_ANNOTATION : R_APP_ANNOTATIONS;
	}
	if (strcmp(p, "image/manifest") == 0)
		return R_APP_MANIFEST;
	if (strcmp(p, "image/id") == 0)
		return R_APP_ID;
	return R_NONE;
}

void rkt_mds_serve_public(struct rkt_mds *m, const struct rkt_mds_request *req,
                          struct rkt_mds_response *ret)
{
	_cleanup_free_ char *token = NULL, *app_name = NULL;
	const char *p = req->path, *name = NULL, *method;
	struct mds_pod *pod;
	struct mds_app *app = NULL;
	enum route rt;

	if (*p++ != '/' || !*p)
		return respond_text(ret, 404, "not found\n");
	token = segment(&p);
	if (!eat(&p, "acMetadata") || !eat(&p, "v1"))
		return respond_text(ret, 404, "not found\n");
	rt = route(p, &app_name, &name);
	/* MDS-18: unknown paths 404, wrong methods 405 */
	if (rt == R_NONE)
		return respond_text(ret, 404, "not found\n");
	method = rt == R_SIGN || rt == R_VERIFY ? "POST" : "GET";
	if (strcmp(req->method, method) != 0)
		return respond_405(ret, method);
	/* MDS-2, MDS-18: the token is the pod's identity, and reaches only its data */
	pod = rkt_mds_token_is_valid(token) ? pod_by(m->by_token, token) : NULL;
	if (!pod)
		return respond_text(ret, 401, "unknown token\n"); /* MDS-14 */
	if (app_name) {
		app = pod_app(pod, app_name);
		if (!app || !app->image_manifest)
			return respond_text(ret, 404, "pod has no app '%s'\n",
			                    rkt_ac_name_is_valid(app_name) ? app_name
			                                                   : "(invalid)");
	}
	switch (rt) {
	case R_POD_ANNOTATIONS: /* MDS-5 */
		return respond_copy(ret, 200, RKT_MDS_JSON, pod->annotations_json,
		                    strlen(pod->annotations_json));
	case R_POD_ANNOTATION:
		return annotation(&pod->annotations, name, "pod", ret);
	case R_POD_MANIFEST: /* MDS-6: the reified manifest, as stage0 wrote it */
		return respond_copy(ret, 200, RKT_MDS_JSON, pod->manifest, pod->manifest_len);
	case R_POD_UUID: /* MDS-7, MDS-15: no newline */
		return respond_copy(ret, 200, RKT_MDS_TEXT_ASCII, pod->uuid_str, 36);
	case R_SIGN: /* MDS-11 */
		return sign(m, pod, req, ret);
	case R_VERIFY: /* MDS-12: any registered pod may verify */
		return verify(m, req, ret);
	case R_APP_ANNOTATIONS: /* MDS-8 */
		return respond_copy(ret, 200, RKT_MDS_JSON, app->annotations_json,
		                    strlen(app->annotations_json));
	case R_APP_ANNOTATION:
		return annotation(&app->annotations, name, "app", ret);
	case R_APP_MANIFEST: /* MDS-9 */
		return respond_copy(ret, 200, RKT_MDS_JSON, app->image_manifest,
		                    app->image_manifest_len);
	case R_APP_ID: /* MDS-10 */
		return respond_copy(ret, 200, RKT_MDS_TEXT_ASCII, app->image_id,
		                    strlen(app->image_id));
	case R_NONE:
		break;
	}
	respond_text(ret, 404, "not found\n");
}
