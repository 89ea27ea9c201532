/* CNI configurations, the --net argument, plugin input and results (see cni.h). Pure: no
 * process is run here (cni-exec.c runs plugins). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "net/cni.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json-util.h"
#include "util/xalloc.h"

#define CNI_CONF_MAX (256 * 1024)

/* upstream's 99-default.conf and 99-default-restricted.conf (stage1's net.d), as conflists */
static const struct {
	const char *file, *json;
} builtins[] = {
	{ "99-default.conf",
	  "{\"cniVersion\":\"1.0.0\",\"name\":\"default\",\"type\":\"ptp\",\"ipMasq\":true,"
	  "\"ipam\":{\"type\":\"host-local\",\"subnet\":\"172.16.28.0/24\","
	  "\"routes\":[{\"dst\":\"0.0.0.0/0\"}]}}" },
	{ "99-default-restricted.conf",
	  "{\"cniVersion\":\"1.0.0\",\"name\":\"default-restricted\",\"type\":\"ptp\","
	  "\"ipMasq\":false,\"ipam\":{\"type\":\"host-local\",\"subnet\":\"172.31.0.0/16\"}}" },
};

void rkt_cni_net_release(struct rkt_cni_net *n)
{
	free(n->name);
	free(n->file);
	free(n->sort_key);
	free(n->cni_version);
	json_object_put(n->list);
	*n = (struct rkt_cni_net){ 0 };
}

void rkt_cni_netlist_release(struct rkt_cni_netlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		rkt_cni_net_release(&l->items[i]);
	free(l->items);
	*l = (struct rkt_cni_netlist){ 0 };
}

static const char *get_string(struct json_object *o, const char *key)
{
	struct json_object *v;
	return rkt_json_get(o, key, json_type_string, &v) ? json_object_get_string(v) : NULL;
}

/* A network name: what libcni accepts (and what fits a file and an iptables comment). */
static bool name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
			return false;
	return true;
}

int rkt_cni_net_parse(const char *buf, size_t len, const char *file, bool conflist,
                      struct rkt_cni_net *ret, struct rkt_error *err)
{
	_cleanup_(json_object_putp) struct json_object *o = NULL;
	_cleanup_free_ char *what = xasprintf("network conf '%s'", file);
	struct json_object *plugins;
	const char *name, *version;
	int r;

	r = rkt_json_parse(buf, len, what, &o, err);
	if (r < 0)
		return r;
	if (!json_object_is_type(o, json_type_object))
		return rkt_error_set(err, EBADMSG, "%s: not a JSON object", what);
	name = get_string(o, "name");
	if (!name || !name_ok(name))
		return rkt_error_set(err, EBADMSG, "%s: \"name\" missing or not a network name",
		                     what);
	if (strcmp(name, "host") == 0 || strcmp(name, "none") == 0 || strcmp(name, "all") == 0)
		return rkt_error_set(err, EBADMSG, "%s: \"%s\" is a reserved network name", what,
		                     name);
	version = get_string(o, "cniVersion") ?: "0.1.0";
	struct json_object *list = json_object_new_object();
	json_object_object_add(list, "cniVersion", json_object_new_string(version));
	json_object_object_add(list, "name", json_object_new_string(name));
	if (conflist) {
		if (!rkt_json_get(o, "plugins", json_type_array, &plugins) ||
		    json_object_array_length(plugins) == 0) {
			json_object_put(list);
			return rkt_error_set(err, EBADMSG, "%s: \"plugins\" missing or empty",
			                     what);
		}
		for (size_t i = 0; i < json_object_array_length(plugins); i++) {
			struct json_object *p = json_object_array_get_idx(plugins, i);
			if (!json_object_is_type(p, json_type_object) || !get_string(p, "type")) {
				json_object_put(list);
				return rkt_error_set(err, EBADMSG,
				                     "%s: plugins[%zu]: \"type\" missing", what, i);
			}
		}
		json_object_object_add(list, "plugins", json_object_get(plugins));
	} else {
		if (!get_string(o, "type")) {
			json_object_put(list);
			return rkt_error_set(err, EBADMSG, "%s: \"type\" missing", what);
		}
		plugins = json_object_new_array();
		json_object_array_add(plugins, json_object_get(o));
		json_object_object_add(list, "plugins", plugins);
	}
	const char *slash = strrchr(file, '/');
	*ret = (struct rkt_cni_net){
		.name = xstrdup(name),
		.file = xstrdup(file),
		.sort_key = xstrdup(slash ? slash + 1 : file),
		.cni_version = xstrdup(version),
		.list = list,
	};
	return 0;
}

static int cmp_net(const void *a, const void *b)
{
	const struct rkt_cni_net *x = a, *y = b;
	return strcmp(x->sort_key, y->sort_key);
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a > b && strcmp(s + a - b, suffix) == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static ssize_t find_net(const struct rkt_cni_netlist *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].name, name) == 0)
			return (ssize_t)i;
	return -1;
}

static void push_net(struct rkt_cni_netlist *l, struct rkt_cni_net *n)
{
	l->items = xrealloc_array(l->items, l->n + 1, sizeof(*l->items));
	l->items[l->n++] = *n;
}

int rkt_cni_load(const char *dir, struct rkt_cni_netlist *ret, struct rkt_error *err)
{
	struct rkt_cni_netlist l = { 0 };
	char **files = NULL;
	size_t n_files = 0;
	int r = 0;

	if (dir) {
		_cleanup_closedir_ DIR *d = opendir(dir);
		struct dirent *de;
		if (!d && errno != ENOENT && errno != ENOTDIR)
			return rkt_error_set(err, errno, "network confs '%s'", dir);
		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.' || !(has_suffix(de->d_name, ".conf") ||
			                              has_suffix(de->d_name, ".conflist")))
				continue;
			files = xrealloc_array(files, n_files + 1, sizeof(*files));
			files[n_files++] = xstrdup(de->d_name);
		}
		if (n_files)
			qsort(files, n_files, sizeof(*files), cmp_str);
	}
	for (size_t i = 0; i < n_files && r >= 0; i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s", dir, files[i]), *buf = NULL;
		struct rkt_cni_net n;
		size_t len;

		r = rkt_read_file_at(AT_FDCWD, path, &buf, &len, err);
		if (r >= 0)
			r = rkt_cni_net_parse(buf, len, path, has_suffix(files[i], ".conflist"), &n,
			                      err);
		if (r < 0)
			break;
		if (find_net(&l, n.name) >= 0)
			rkt_cni_net_release(&n); /* the first file by name wins */
		else
			push_net(&l, &n);
	}
	for (size_t i = 0; i < n_files; i++)
		free(files[i]);
	free(files);
	if (r < 0) {
		rkt_cni_netlist_release(&l);
		return r;
	}
	for (size_t i = 0; i < ELEMENTSOF(builtins); i++) {
		struct rkt_cni_net n;
		r = rkt_cni_net_parse(builtins[i].json, strlen(builtins[i].json), builtins[i].file,
		                      false, &n, err);
		if (r < 0) {
			rkt_cni_netlist_release(&l);
			return r;
		}
		free(n.file);
		n.file = xasprintf("builtin:%s", builtins[i].file);
		if (find_net(&l, n.name) >= 0)
			rkt_cni_net_release(&n); /* a user network overrides ours */
		else
			push_net(&l, &n);
	}
	qsort(l.items, l.n, sizeof(*l.items), cmp_net);
	*ret = l;
	return 0;
}

void rkt_cni_net_arg_release(struct rkt_cni_net_arg *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->reqs[i].name);
		free(a->reqs[i].args);
	}
	free(a->reqs);
	*a = (struct rkt_cni_net_arg){ 0 };
}

/* K=V;K2=V2: each item has a key and '='. */
static bool cni_args_ok(const char *s)
{
	_cleanup_free_ char *copy = xstrdup(s);
	char *save = NULL;
	size_t n = 0;
	for (char *t = strtok_r(copy, ";", &save); t; t = strtok_r(NULL, ";", &save), n++) {
		char *eq = strchr(t, '=');
		if (!eq || eq == t)
			return false;
	}
	return n > 0;
}

int rkt_cni_net_arg_parse(const char *arg, struct rkt_cni_net_arg *ret, struct rkt_error *err)
{
	struct rkt_cni_net_arg a = { .mode = RKT_CNI_MODE_LIST };
	const char *s = arg && arg[0] ? arg : RKT_CNI_DEFAULT_NET;
	_cleanup_free_ char *copy = xstrdup(s);
	char *save = NULL;
	bool host = false, none = false;
	int r = 0;

	if (s[0] == ',' || s[strlen(s) - 1] == ',' || strstr(s, ",,"))
		return rkt_error_set(err, EINVAL, "--net=%s: empty network name", s);
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(t, ':');
		if (colon)
			*colon++ = '\0';
		if (!name_ok(t) && !(strcmp(t, "all") == 0)) {
			r = rkt_error_set(err, EINVAL, "--net=%s: '%s' is not a network name", s,
			                  t);
			break;
		}
		if (colon &&
		    (strcmp(t, "host") == 0 || strcmp(t, "none") == 0 || strcmp(t, "all") == 0)) {
			r = rkt_error_set(err, EINVAL, "--net=%s: '%s' takes no arguments", s, t);
			break;
		}
		if (colon && !cni_args_ok(colon)) {
			r = rkt_error_set(err, EINVAL,
			                  "--net=%s: arguments of '%s' are not K=V;K2=V2", s, t);
			break;
		}
		host |= strcmp(t, "host") == 0;
		none |= strcmp(t, "none") == 0;
		for (size_t i = 0; i < a.n; i++)
			if (strcmp(a.reqs[i].name, t) == 0)
				r = rkt_error_set(err, EINVAL, "--net=%s: network '%s' given twice",
				                  s, t);
		if (r < 0)
			break;
		a.reqs = xrealloc_array(a.reqs, a.n + 1, sizeof(*a.reqs));
		a.reqs[a.n++] = (struct rkt_cni_request){ .name = xstrdup(t),
			                                  .args = colon ? xstrdup(colon) : NULL };
	}
	if (r >= 0 && none && !host && a.n > 1)
		r = rkt_error_set(err, EINVAL, "--net=%s: none cannot be combined with networks",
		                  s);
	if (r < 0) {
		rkt_cni_net_arg_release(&a);
		return r;
	}
	/* upstream: host anywhere in the list means host, the rest is ignored */
	if (host || none) {
		rkt_cni_net_arg_release(&a);
		a.mode = host ? RKT_CNI_MODE_HOST : RKT_CNI_MODE_NONE;
	}
	*ret = a;
	return 0;
}

int rkt_cni_select(const struct rkt_cni_netlist *avail, const struct rkt_cni_net_arg *a,
                   struct rkt_cni_netlist *ret, const char ***ret_args, struct rkt_error *err)
{
	struct rkt_cni_netlist l = { 0 };
	const char **args = NULL;
	bool all = false;

	for (size_t i = 0; i < a->n; i++) {
		if (strcmp(a->reqs[i].name, "all") == 0) {
			all = true;
			continue;
		}
		if (find_net(avail, a->reqs[i].name) < 0)
			return rkt_error_input(err, ENOENT,
			                       "--net: unknown network '%s' (not built in, not in "
			                       "net.d of the local configuration)",
			                       a->reqs[i].name);
	}
	args = xzalloc(sizeof(*args) * (avail->n + 1));
	for (size_t i = 0; i < avail->n; i++) {
		const struct rkt_cni_request *req = NULL;
		for (size_t j = 0; j < a->n && !req; j++)
			if (strcmp(a->reqs[j].name, avail->items[i].name) == 0)
				req = &a->reqs[j];
		if (!req && !all)
			continue;
		struct rkt_cni_net n = {
			.name = xstrdup(avail->items[i].name),
			.file = xstrdup(avail->items[i].file),
			.sort_key = xstrdup(avail->items[i].sort_key),
			.cni_version = xstrdup(avail->items[i].cni_version),
			.list = NULL,
		};
		/* a deep copy: callers append plugins */
		if (json_object_deep_copy(avail->items[i].list, &n.list, NULL) < 0)
			abort();
		args[l.n] = req ? req->args : NULL;
		push_net(&l, &n);
	}
	*ret = l;
	*ret_args = args;
	return 0;
}

static struct json_object *plugins_of(const struct rkt_cni_net *n)
{
	struct json_object *p = NULL;
	(void)rkt_json_get(n->list, "plugins", json_type_array, &p);
	return p;
}

bool rkt_cni_net_masq(const struct rkt_cni_net *n)
{
	struct json_object *p = plugins_of(n), *v;
	for (size_t i = 0; p && i < json_object_array_length(p); i++)
		if (rkt_json_get(json_object_array_get_idx(p, i), "ipMasq", json_type_boolean,
		                 &v) &&
		    json_object_get_boolean(v))
			return true;
	return false;
}

bool rkt_cni_net_has_type(const struct rkt_cni_net *n, const char *type)
{
	struct json_object *p = plugins_of(n);
	for (size_t i = 0; p && i < json_object_array_length(p); i++) {
		const char *t = get_string(json_object_array_get_idx(p, i), "type");
		if (t && strcmp(t, type) == 0)
			return true;
	}
	return false;
}

bool rkt_cni_net_has_capability(const struct rkt_cni_net *n, const char *cap)
{
	struct json_object *p = plugins_of(n), *caps, *v;
	for (size_t i = 0; p && i < json_object_array_length(p); i++)
		if (rkt_json_get(json_object_array_get_idx(p, i), "capabilities", json_type_object,
		                 &caps) &&
		    rkt_json_get(caps, cap, json_type_boolean, &v) && json_object_get_boolean(v))
			return true;
	return false;
}

char *rkt_cni_args_without(const char *args, const char *key)
{
	_cleanup_free_ char *copy = xstrdup(args ?: "");
	char *out = xstrdup(""), *save = NULL;
	size_t k = strlen(key);
	for (char *t = strtok_r(copy, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
		if (strncmp(t, key, k) == 0 && t[k] == '=')
			continue;
		char *o = xasprintf("%s%s%s", out, out[0] ? ";" : "", t);
		free(out);
		out = o;
	}
	if (!out[0]) {
		free(out);
		return NULL;
	}
	return out;
}

void rkt_cni_net_append(struct rkt_cni_net *n, struct json_object *plugin)
{
	json_object_array_add(plugins_of(n), plugin);
}

char *rkt_cni_plugin_input(struct json_object *list, size_t i, struct json_object *prev,
                           struct json_object *runtime)
{
	struct json_object *plugins = NULL, *caps = NULL, *copy = NULL, *v;

	(void)rkt_json_get(list, "plugins", json_type_array, &plugins);
	if (json_object_deep_copy(json_object_array_get_idx(plugins, i), &copy, NULL) < 0)
		abort();
	json_object_object_add(copy, "name", json_object_new_string(get_string(list, "name")));
	json_object_object_add(copy, "cniVersion",
	                       json_object_new_string(get_string(list, "cniVersion")));
	if (prev)
		json_object_object_add(copy, "prevResult", json_object_get(prev));
	if (runtime && rkt_json_get(copy, "capabilities", json_type_object, &caps)) {
		struct json_object *rc = json_object_new_object();
		json_object_object_foreach (caps, key, val) {
			if (json_object_is_type(val, json_type_boolean) &&
			    json_object_get_boolean(val) &&
			    json_object_object_get_ex(runtime, key, &v))
				json_object_object_add(rc, key, json_object_get(v));
		}
		if (json_object_object_length(rc))
			json_object_object_add(copy, "runtimeConfig", rc);
		else
			json_object_put(rc);
	}
	char *s = rkt_json_format(copy, false);
	json_object_put(copy);
	return s;
}

/* ADDR (no prefix) in SUBNET ("a.b.c.d/n", "x::/n")? Its prefix length, or -1. */
static int subnet_prefix(const char *addr, const char *subnet)
{
	_cleanup_free_ char *net = xstrdup(subnet);
	unsigned char a[16], b[16];
	char *slash = strchr(net, '/'), *end;
	int fam = strchr(addr, ':') ? AF_INET6 : AF_INET, bytes = fam == AF_INET6 ? 16 : 4;

	if (!slash)
		return -1;
	*slash++ = '\0';
	long bits = strtol(slash, &end, 10);
	if (*end || bits < 0 || bits > bytes * 8 || inet_pton(fam, addr, a) != 1 ||
	    inet_pton(fam, net, b) != 1)
		return -1;
	for (long i = 0; i < bits; i++)
		if ((a[i / 8] ^ b[i / 8]) & (0x80 >> (i % 8)))
			return -1;
	return (int)bits;
}

/* The prefix length of the IPAM subnet of N that holds ADDR ("subnet", or a "ranges" item). */
static int ipam_prefix(const struct rkt_cni_net *n, const char *addr)
{
	struct json_object *p = plugins_of(n), *ipam, *ranges;
	for (size_t i = 0; p && i < json_object_array_length(p); i++) {
		if (!rkt_json_get(json_object_array_get_idx(p, i), "ipam", json_type_object, &ipam))
			continue;
		const char *sub = get_string(ipam, "subnet");
		int bits = sub ? subnet_prefix(addr, sub) : -1;
		if (bits >= 0)
			return bits;
		if (!rkt_json_get(ipam, "ranges", json_type_array, &ranges))
			continue;
		for (size_t k = 0; k < json_object_array_length(ranges); k++) {
			struct json_object *set = json_object_array_get_idx(ranges, k);
			for (size_t j = 0; json_object_is_type(set, json_type_array) &&
			                   j < json_object_array_length(set);
			     j++) {
				sub = get_string(json_object_array_get_idx(set, j), "subnet");
				bits = sub ? subnet_prefix(addr, sub) : -1;
				if (bits >= 0)
					return bits;
			}
		}
	}
	return -1;
}

int rkt_cni_ips_arg(const struct rkt_cni_net *n, const char *args, struct json_object **ret,
                    struct rkt_error *err)
{
	_cleanup_free_ char *copy = xstrdup(args ?: "");
	struct json_object *a = NULL;
	char *save = NULL;

	*ret = NULL;
	for (char *t = strtok_r(copy, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
		char *save2 = NULL;
		if (strncmp(t, "IP=", 3) != 0)
			continue;
		for (char *ip = strtok_r(t + 3, ",", &save2); ip;
		     ip = strtok_r(NULL, ",", &save2)) {
			_cleanup_free_ char *addr = xstrdup(ip);
			char *slash = strchr(addr, '/');
			unsigned char bin[16];
			int fam, bits = -1;

			if (slash)
				*slash++ = '\0';
			fam = strchr(addr, ':') ? AF_INET6 : AF_INET;
			if (inet_pton(fam, addr, bin) == 1 && slash) {
				char *end;
				long b = strtol(slash, &end, 10);
				bits = slash[0] >= '0' && slash[0] <= '9' && !*end && b >= 0 &&
				                       b <= (fam == AF_INET6 ? 128 : 32)
				               ? (int)b
				               : -2;
			}
			if (inet_pton(fam, addr, bin) != 1 || bits == -2) {
				json_object_put(a);
				return rkt_error_input(err, EINVAL,
				                       "--net=%s:%s: '%s' is not an IP address",
				                       n->name, args, ip);
			}
			if (bits < 0)
				bits = ipam_prefix(n, addr);
			if (bits < 0)
				bits = fam == AF_INET6 ? 128 : 32;
			if (!a)
				a = json_object_new_array();
			_cleanup_free_ char *cidr = xasprintf("%s/%d", addr, bits);
			json_object_array_add(a, json_object_new_string(cidr));
		}
	}
	*ret = a;
	return 0;
}

static void free_strv(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void rkt_cni_result_release(struct rkt_cni_result *r)
{
	for (size_t i = 0; i < r->n_ips; i++) {
		free(r->ips[i].address);
		free(r->ips[i].gateway);
	}
	free(r->ips);
	free_strv(r->nameservers);
	free(r->domain);
	free_strv(r->search);
	free_strv(r->options);
	*r = (struct rkt_cni_result){ 0 };
}

static char **string_array(struct json_object *o, const char *key)
{
	struct json_object *a;
	char **v;
	size_t n = 0;
	if (!rkt_json_get(o, key, json_type_array, &a))
		return NULL;
	v = xzalloc(sizeof(*v) * (json_object_array_length(a) + 1));
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *s = json_object_array_get_idx(a, i);
		if (json_object_is_type(s, json_type_string))
			v[n++] = xstrdup(json_object_get_string(s));
	}
	return v;
}

static int add_ip(struct rkt_cni_result *r, struct json_object *ip, const char *addr_key,
                  const char *what, size_t i, struct rkt_error *err)
{
	const char *a = get_string(ip, addr_key), *gw = get_string(ip, "gateway");
	if (!a || !strchr(a, '/'))
		return rkt_error_set(err, EBADMSG, "%s: ips[%zu]: no address in CIDR form", what,
		                     i);
	r->ips = xrealloc_array(r->ips, r->n_ips + 1, sizeof(*r->ips));
	r->ips[r->n_ips++] = (struct rkt_cni_ip){ .address = xstrdup(a),
		                                  .gateway = gw ? xstrdup(gw) : NULL,
		                                  .v6 = strchr(a, ':') != NULL };
	return 0;
}

int rkt_cni_result_parse(struct json_object *obj, const char *what, struct rkt_cni_result *ret,
                         struct rkt_error *err)
{
	struct rkt_cni_result r = { 0 };
	struct json_object *ips, *dns, *ip;
	int e = 0;

	if (!json_object_is_type(obj, json_type_object))
		return rkt_error_set(err, EBADMSG, "%s: not a JSON object", what);
	if (rkt_json_get(obj, "ips", json_type_array, &ips)) {
		for (size_t i = 0; i < json_object_array_length(ips) && e >= 0; i++)
			e = add_ip(&r, json_object_array_get_idx(ips, i), "address", what, i, err);
	} else { /* 0.1.0, 0.2.0 */
		if (e >= 0 && rkt_json_get(obj, "ip4", json_type_object, &ip))
			e = add_ip(&r, ip, "ip", what, 0, err);
		if (e >= 0 && rkt_json_get(obj, "ip6", json_type_object, &ip))
			e = add_ip(&r, ip, "ip", what, 1, err);
	}
	if (e < 0) {
		rkt_cni_result_release(&r);
		return e;
	}
	if (rkt_json_get(obj, "dns", json_type_object, &dns)) {
		const char *d = get_string(dns, "domain");
		r.nameservers = string_array(dns, "nameservers");
		r.domain = d && d[0] ? xstrdup(d) : NULL;
		r.search = string_array(dns, "search");
		r.options = string_array(dns, "options");
	}
	*ret = r;
	return 0;
}
