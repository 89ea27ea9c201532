/* appc meta discovery (DISC-1..10): a small tolerant scanner for <meta> tags, template
 * rendering, and the walk up the name's path. The HTTP GET is the caller's. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "appc/discovery.h"
#include "appc/types.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#define DEFAULT_VERSION "latest"

struct meta {
	char *name;
	char *prefix;
	char *uri;
};

struct meta_list {
	struct meta *items;
	size_t n, cap;
};

static void meta_list_release(struct meta_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->items[i].name);
		free(l->items[i].prefix);
		free(l->items[i].uri);
	}
	free(l->items);
	*l = (struct meta_list){ 0 };
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static void put_utf8(char *out, size_t *o, uint32_t cp)
{
	if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	if (cp < 0x80) {
		out[(*o)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*o)++] = (char)(0xC0 | (cp >> 6));
		out[(*o)++] = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		out[(*o)++] = (char)(0xE0 | (cp >> 12));
		out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[(*o)++] = (char)(0x80 | (cp & 0x3F));
	} else {
		out[(*o)++] = (char)(0xF0 | (cp >> 18));
		out[(*o)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
		out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[(*o)++] = (char)(0x80 | (cp & 0x3F));
	}
}

/* Decodes the character references an attribute value commonly carries (the named five and
 * numeric ones), as an HTML tokenizer would; anything else stays literal. Decoding never grows
 * the text: the shortest reference (&#N;) is 4 bytes, the longest UTF-8 sequence 4 bytes. */
static char *attr_decode(const char *s, size_t n)
{
	static const struct {
		const char *ref;
		char c;
	} named[] = {
		{ "amp;", '&' }, { "lt;", '<' }, { "gt;", '>' }, { "quot;", '"' }, { "apos;", '\'' }
	};
	char *out = xmalloc(n + 1);
	size_t o = 0;

	for (size_t i = 0; i < n;) {
		bool done = false;

		if (s[i] != '&') {
			out[o++] = s[i++];
			continue;
		}
		for (size_t k = 0; k < ELEMENTSOF(named) && !done; k++) {
			size_t l = strlen(named[k].ref);

			if (n - i - 1 >= l && strncmp(s + i + 1, named[k].ref, l) == 0) {
				out[o++] = named[k].c;
				i += 1 + l;
				done = true;
			}
		}
		if (!done && n - i > 3 && s[i + 1] == '#') {
			bool hex = s[i + 2] == 'x' || s[i + 2] == 'X';
			size_t j = i + (hex ? 3 : 2), start = j;
			uint32_t cp = 0;

			while (j < n && j - start < 8 &&
			       (hex ? strchr("0123456789abcdefABCDEF", s[j]) != NULL
			            : (s[j] >= '0' && s[j] <= '9')) &&
			       s[j] != '\0') {
				char c = s[j];
				uint32_t d = c <= '9' ? (uint32_t)(c - '0')
				                      : (uint32_t)((c | 0x20) - 'a' + 10);

				cp = cp * (hex ? 16 : 10) + d;
				j++;
			}
			if (j > start && j < n && s[j] == ';') {
				put_utf8(out, &o, cp);
				i = j + 1;
				done = true;
			}
		}
		if (!done)
			out[o++] = s[i++];
	}
	out[o] = '\0';
	return out;
}

static bool starts_with_ci(const char *buf, size_t len, size_t i, const char *lit)
{
	size_t l = strlen(lit);

	return len - i >= l && strncasecmp(buf + i, lit, l) == 0;
}

static void meta_add(struct meta_list *l, char *name, char *prefix, char *uri)
{
	/* DISC-4: only ac-* names with both parts of the content are kept. */
	if (!name || strncmp(name, "ac-", 3) != 0 || !prefix || !*prefix || !uri || !*uri) {
		free(name);
		free(prefix);
		free(uri);
		return;
	}
	xgrow((void **)&l->items, &l->cap, l->n + 1, sizeof(*l->items));
	l->items[l->n++] = (struct meta){ name, prefix, uri };
}

/* DISC-4: content is trimmed and split at the first space; the URL part is trimmed again. A
 * content without a space leaves what an earlier content attribute set. */
static void content_split(const char *v, char **prefix, char **uri)
{
	const char *end = v + strlen(v), *sp;

	while (*v && is_space(*v))
		v++;
	while (end > v && is_space(end[-1]))
		end--;
	sp = memchr(v, ' ', (size_t)(end - v));
	if (!sp)
		return;
	free(*prefix);
	free(*uri);
	*prefix = xstrndup(v, (size_t)(sp - v));
	sp++;
	while (sp < end && is_space(*sp))
		sp++;
	*uri = xstrndup(sp, (size_t)(end - sp));
}

/* Parses the attributes of a <meta> tag starting at *POS (just after "<meta"); returns false if
 * the document ends inside the tag. */
static bool scan_meta(const char *buf, size_t len, size_t *pos, struct meta_list *out)
{
	_cleanup_free_ char *name = NULL, *prefix = NULL, *uri = NULL;
	size_t p = *pos;

	for (;;) {
		size_t ks, ke;
		_cleanup_free_ char *val = NULL;

		while (p < len && (is_space(buf[p]) || buf[p] == '/'))
			p++;
		if (p >= len)
			return false;
		if (buf[p] == '>') {
			p++;
			break;
		}
		ks = p;
		while (p < len && !is_space(buf[p]) && buf[p] != '=' && buf[p] != '>' &&
		       buf[p] != '/')
			p++;
		ke = p;
		if (ke == ks) {
			/* a stray '=': skip it */
			p++;
			continue;
		}
		while (p < len && is_space(buf[p]))
			p++;
		if (p < len && buf[p] == '=') {
			size_t vs;

			p++;
			while (p < len && is_space(buf[p]))
				p++;
			if (p >= len)
				return false;
			if (buf[p] == '"' || buf[p] == '\'') {
				const char *q = memchr(buf + p + 1, buf[p], len - p - 1);

				if (!q)
					return false;
				vs = p + 1;
				p = (size_t)(q - buf) + 1;
				val = attr_decode(buf + vs, (size_t)(q - buf) - vs);
			} else {
				vs = p;
				while (p < len && !is_space(buf[p]) && buf[p] != '>')
					p++;
				val = attr_decode(buf + vs, p - vs);
			}
		} else {
			val = xstrdup("");
		}
		if (ke - ks == 4 && strncasecmp(buf + ks, "name", 4) == 0) {
			free(name);
			name = TAKE_PTR(val);
		} else if (ke - ks == 7 && strncasecmp(buf + ks, "content", 7) == 0) {
			content_split(val, &prefix, &uri);
		}
	}
	*pos = p;
	meta_add(out, TAKE_PTR(name), TAKE_PTR(prefix), TAKE_PTR(uri));
	return true;
}

/* DISC-3/DISC-4: every <meta> tag anywhere in the document, in order; comments are skipped. */
static void scan_html(const char *buf, size_t len, struct meta_list *out)
{
	size_t i = 0;

	while (i < len) {
		if (buf[i] != '<') {
			i++;
			continue;
		}
		if (starts_with_ci(buf, len, i, "<!--")) {
			size_t j = i + 4;

			while (j + 3 <= len && memcmp(buf + j, "-->", 3) != 0)
				j++;
			if (j + 3 > len)
				return;
			i = j + 3;
			continue;
		}
		if (starts_with_ci(buf, len, i, "<meta") &&
		    (i + 5 == len || is_space(buf[i + 5]) || buf[i + 5] == '/' ||
		     buf[i + 5] == '>')) {
			i += 5;
			if (!scan_meta(buf, len, &i, out))
				return;
			continue;
		}
		i++;
	}
}

/* Literal replacement of every KEY in S (DISC-7: no URL escaping). Frees S. */
static char *replace_all(char *s, const char *key, const char *val)
{
	size_t kl = strlen(key), vl = strlen(val), n = 0, o = 0;
	char *out;

	for (const char *p = strstr(s, key); p; p = strstr(p + kl, key))
		n++;
	if (n == 0)
		return s;
	out = xmalloc_array(strlen(s) - n * kl + n * vl + 1, 1);
	for (const char *p = s;;) {
		const char *q = strstr(p, key);

		if (!q) {
			strcpy(out + o, p);
			break;
		}
		memcpy(out + o, p, (size_t)(q - p));
		o += (size_t)(q - p);
		memcpy(out + o, val, vl);
		o += vl;
		p = q + kl;
	}
	free(s);
	return out;
}

/* DISC-6/DISC-7: renders TPL; false if a variable is left unfilled. */
static bool render(const char *tpl, const char *name, const struct rkt_kv_list *labels,
                   struct rkt_discovery_endpoint *ret)
{
	_cleanup_free_ char *t = replace_all(xstrdup(tpl), "{name}", name);
	_cleanup_free_ char *aci = NULL, *asc = NULL;
	bool have_version = false;

	for (size_t i = 0; labels && i < labels->n; i++) {
		const struct rkt_kv *kv = &labels->items[i];
		_cleanup_free_ char *key = NULL;

		/* a label called name never replaces {name}; an empty version means latest */
		if (strcmp(kv->name, "name") == 0)
			continue;
		if (strcmp(kv->name, "version") == 0) {
			if (!*kv->value)
				continue;
			have_version = true;
		}
		key = xasprintf("{%s}", kv->name);
		t = replace_all(t, key, kv->value);
	}
	if (!have_version)
		t = replace_all(t, "{version}", DEFAULT_VERSION);
	aci = replace_all(xstrdup(t), "{ext}", "aci");
	asc = replace_all(xstrdup(t), "{ext}", "aci.asc");
	if (strpbrk(aci, "{}") || strpbrk(asc, "{}"))
		return false;
	ret->aci = TAKE_PTR(aci);
	ret->asc = TAKE_PTR(asc);
	return true;
}

/* DISC-5: a plain string prefix of the whole name. */
static bool prefix_matches(const char *name, const char *prefix)
{
	return strncmp(name, prefix, strlen(prefix)) == 0;
}

/* Fetches the discovery page of PREFIX (DISC-2, DISC-12). */
static int fetch(const char *prefix, bool insecure_http, rkt_discovery_get_fn get, void *userdata,
                 char **ret_body, size_t *ret_len, struct rkt_error *ret_err)
{
	static const char *const schemes[] = { "https", "http" };
	int r = -ENOENT;

	for (size_t i = 0; i < (insecure_http ? 2u : 1u); i++) {
		_cleanup_free_ char *url = xasprintf("%s://%s?ac-discovery=1", schemes[i], prefix);
		struct rkt_error e = { 0 };
		char *body = NULL;
		size_t len = 0;

		r = get(userdata, url, &body, &len, &e);
		if (r >= 0) {
			*ret_body = body;
			*ret_len = len;
			return 0;
		}
		/* the first failure that is not a plain "not here" is worth telling */
		if (r != -ENOENT && ret_err->code == 0)
			*ret_err = e;
	}
	return r;
}

int rkt_discover(const char *name, const struct rkt_kv_list *labels, bool insecure_http,
                 rkt_discovery_get_fn get, void *userdata, struct rkt_discovery_result *ret,
                 struct rkt_error *err)
{
	return rkt_discover_want(name, labels, RKT_DISCOVER_ACI | RKT_DISCOVER_KEYS, insecure_http,
	                         get, userdata, ret, err);
}

int rkt_discover_want(const char *name, const struct rkt_kv_list *labels, unsigned want,
                      bool insecure_http, rkt_discovery_get_fn get, void *userdata,
                      struct rkt_discovery_result *ret, struct rkt_error *err)
{
	_cleanup_(rkt_discovery_result_release) struct rkt_discovery_result res = { 0 };
	_cleanup_free_ char *prefix = NULL;
	struct rkt_error why = { 0 };
	size_t aci_cap = 0, keys_cap = 0;
	bool aci_done = !(want & RKT_DISCOVER_ACI), keys_done = !(want & RKT_DISCOVER_KEYS);
	int r;

	r = rkt_ac_identifier_check(name, "name", err);
	if (r < 0)
		return rkt_error_wrap(err, r, "discovery of '%s'", name);

	/* DISC-10: the name, then each parent path down to the bare host; the image and key walks
	 * share the fetches but each stops at its own first level that yields something. */
	prefix = xstrdup(name);
	for (;;) {
		_cleanup_(meta_list_release) struct meta_list metas = { 0 };
		_cleanup_free_ char *body = NULL;
		size_t len = 0;
		char *slash;

		if (fetch(prefix, insecure_http, get, userdata, &body, &len, &why) >= 0)
			scan_html(body, len, &metas);
		/* DISC-8: the templates of the longest matching prefix first, then shorter ones;
		 * document order among equals. */
		for (size_t plen = SIZE_MAX; !aci_done;) {
			size_t next = 0;

			for (size_t i = 0; i < metas.n; i++) {
				size_t l = strlen(metas.items[i].prefix);

				if (strcmp(metas.items[i].name, "ac-discovery") == 0 &&
				    prefix_matches(name, metas.items[i].prefix) && l < plen &&
				    l > next)
					next = l;
			}
			if (next == 0)
				break;
			plen = next;
			for (size_t i = 0; i < metas.n; i++) {
				const struct meta *m = &metas.items[i];
				struct rkt_discovery_endpoint ep;

				if (strcmp(m->name, "ac-discovery") != 0 ||
				    strlen(m->prefix) != plen || !prefix_matches(name, m->prefix) ||
				    !render(m->uri, name, labels, &ep))
					continue;
				xgrow((void **)&res.aci_endpoints, &aci_cap, res.n_aci + 1,
				      sizeof(*res.aci_endpoints));
				res.aci_endpoints[res.n_aci++] = ep;
			}
		}
		for (size_t i = 0; i < metas.n; i++) {
			const struct meta *m = &metas.items[i];

			if (!prefix_matches(name, m->prefix))
				continue;
			if (!keys_done && strcmp(m->name, "ac-discovery-pubkeys") == 0) {
				xgrow((void **)&res.pubkeys, &keys_cap, res.n_pubkeys + 1,
				      sizeof(*res.pubkeys));
				res.pubkeys[res.n_pubkeys++] = xstrdup(m->uri);
			}
		}
		aci_done = aci_done || res.n_aci > 0;
		keys_done = keys_done || res.n_pubkeys > 0;
		if (aci_done && keys_done)
			break;
		slash = strrchr(prefix, '/');
		if (!slash)
			break;
		*slash = '\0';
	}

	if (res.n_aci == 0 && res.n_pubkeys == 0) {
		r = rkt_error_input(
		        err, ENOENT, "discovery of '%s': no %s meta tag found for it at any level",
		        name,
		        want == RKT_DISCOVER_ACI    ? "ac-discovery"
		        : want == RKT_DISCOVER_KEYS ? "ac-discovery-pubkeys"
		                                    : "ac-discovery or ac-discovery-pubkeys");
		if (why.code)
			rkt_error_append(err, " (%s)", why.msg);
		return r;
	}
	*ret = res;
	res = (struct rkt_discovery_result){ 0 };
	return 0;
}

void rkt_discovery_result_release(struct rkt_discovery_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_aci; i++) {
		free(r->aci_endpoints[i].aci);
		free(r->aci_endpoints[i].asc);
	}
	free(r->aci_endpoints);
	for (size_t i = 0; i < r->n_pubkeys; i++)
		free(r->pubkeys[i]);
	free(r->pubkeys);
	*r = (struct rkt_discovery_result){ 0 };
}
