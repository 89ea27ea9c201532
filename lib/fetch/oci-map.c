/* An OCI/Docker image config as an ACI manifest, as upstream's docker2aci mapped it (rkt/rkt
 * Documentation/running-docker-images.md): Entrypoint + Cmd -> exec, Env -> environment,
 * WorkingDir -> workingDirectory, User "u[:g]" -> user u, group g (default 0), ExposedPorts
 * "80/tcp" -> port "80-tcp", Volumes -> mount points "volume-<path>", and the appc.io/docker
 * annotations. */
#include "fetch/oci.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "appc/types.h"
#include "util/cleanup.h"
#include "util/json-util.h"
#include "util/xalloc.h"

char *oci_sanitize_name(const char *s)
{
	char *out = xstrdup(s);

	for (char *p = out; *p; p++) {
		*p = (char)tolower((unsigned char)*p);
		if (!(isalnum((unsigned char)*p) || strchr("._~/-", *p)))
			*p = '-';
	}
	return out;
}

const char *oci_host_arch(void)
{
	static const struct {
		const char *machine, *arch;
	} map[] = { { "x86_64", "amd64" }, { "aarch64", "arm64" },   { "i686", "386" },
		    { "armv7l", "arm" },   { "ppc64le", "ppc64le" }, { "s390x", "s390x" } };
	struct utsname u;

	if (uname(&u) == 0)
		for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (strcmp(u.machine, map[i].machine) == 0)
				return map[i].arch;
	return "amd64";
}

static void add_kv(struct json_object *arr, const char *k1, const char *v1, const char *k2,
                   const char *v2)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, k1, json_object_new_string(v1));
	json_object_object_add(o, k2, json_object_new_string(v2));
	json_object_array_add(arr, o);
}

static void annotate(struct json_object *arr, const char *name, const char *value)
{
	if (value)
		add_kv(arr, "name", name, "value", value);
}

/* A JSON array of strings, or NULL if absent/null; -EINVAL if it is something else. */
static int string_array(struct json_object *cfg, const char *key, struct json_object **ret,
                        struct rkt_error *err)
{
	struct json_object *v = NULL;

	*ret = NULL;
	if (!json_object_object_get_ex(cfg, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return rkt_error_input(err, EINVAL, "image config: '%s' is not a list", key);
	for (size_t i = 0; i < json_object_array_length(v); i++)
		if (!json_object_is_type(json_object_array_get_idx(v, i), json_type_string))
			return rkt_error_input(err, EINVAL, "image config: '%s' has a non-string",
			                       key);
	*ret = v;
	return 0;
}

static int map_ports(struct json_object *cfg, struct json_object *app, struct rkt_error *err)
{
	struct json_object *ports = NULL, *out;

	if (!json_object_object_get_ex(cfg, "ExposedPorts", &ports) || !ports)
		return 0;
	if (!json_object_is_type(ports, json_type_object))
		return rkt_error_input(err, EINVAL,
		                       "image config: 'ExposedPorts' is not an object");
	out = json_object_new_array();
	json_object_object_foreach (ports, key, val) {
		_cleanup_free_ char *name = xstrdup(key);
		char *slash = strchr(name, '/'), *end = NULL;
		const char *proto = slash ? slash + 1 : "tcp";
		struct json_object *p;
		long port;

		(void)val;
		if (slash)
			*slash = '\0';
		port = strtol(name, &end, 10);
		if (!name[0] || *end || port < 1 || port > 65535 ||
		    (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0)) {
			json_object_put(out);
			return rkt_error_input(err, EINVAL, "image config: exposed port '%s'", key);
		}
		p = json_object_new_object();
		_cleanup_free_ char *pname = xasprintf("%ld-%s", port, proto);
		json_object_object_add(p, "name", json_object_new_string(pname));
		json_object_object_add(p, "protocol", json_object_new_string(proto));
		json_object_object_add(p, "port", json_object_new_int((int)port));
		json_object_object_add(p, "count", json_object_new_int(1));
		json_object_object_add(p, "socketActivated", json_object_new_boolean(0));
		json_object_array_add(out, p);
	}
	json_object_object_add(app, "ports", out);
	return 0;
}

static int map_volumes(struct json_object *cfg, struct json_object *app, struct rkt_error *err)
{
	struct json_object *vols = NULL, *out;

	if (!json_object_object_get_ex(cfg, "Volumes", &vols) || !vols)
		return 0;
	if (!json_object_is_type(vols, json_type_object))
		return rkt_error_input(err, EINVAL, "image config: 'Volumes' is not an object");
	out = json_object_new_array();
	json_object_object_foreach (vols, key, val) {
		_cleanup_free_ char *san = NULL, *name = NULL;
		struct json_object *mp;
		const char *p = key;

		(void)val;
		if (key[0] != '/') {
			json_object_put(out);
			return rkt_error_input(err, EINVAL,
			                       "image config: volume '%s' is not absolute", key);
		}
		while (*p == '/')
			p++;
		san = oci_sanitize_name(p);
		for (char *c = san; *c; c++)
			if (*c == '/')
				*c = '-';
		name = xasprintf("volume-%s", san[0] ? san : "root");
		mp = json_object_new_object();
		json_object_object_add(mp, "name", json_object_new_string(name));
		json_object_object_add(mp, "path", json_object_new_string(key));
		json_object_object_add(mp, "readOnly", json_object_new_boolean(0));
		json_object_array_add(out, mp);
	}
	json_object_object_add(app, "mountPoints", out);
	return 0;
}

int oci_map_config(const char *config, size_t len, const char *config_digest,
                   const struct oci_ref *ref, char **ret, struct rkt_error *err)
{
	_cleanup_(json_object_putp) struct json_object *root = NULL, *m = NULL;
	struct json_object *cfg = NULL, *v, *entry = NULL, *cmd = NULL, *labels, *ann, *app, *exec;
	const char *os = "linux", *arch = oci_host_arch(), *user = NULL;
	_cleanup_free_ char *name = oci_sanitize_name(ref->name), *ugroup = NULL;
	int r;

	r = rkt_json_parse(config, len, "image config", &root, err);
	if (r < 0)
		return r;
	if (!json_object_is_type(root, json_type_object))
		return rkt_error_input(err, EINVAL, "image config is not an object");
	if (rkt_json_get(root, "os", json_type_string, &v))
		os = json_object_get_string(v);
	if (rkt_json_get(root, "architecture", json_type_string, &v))
		arch = json_object_get_string(v);
	if (strcmp(os, "linux") != 0)
		return rkt_error_input(err, EINVAL, "image is for '%s', not linux", os);
	(void)rkt_json_get(root, "config", json_type_object, &cfg);

	m = json_object_new_object();
	json_object_object_add(m, "acKind", json_object_new_string("ImageManifest"));
	json_object_object_add(m, "acVersion", json_object_new_string(RKT_APPC_VERSION));
	json_object_object_add(m, "name", json_object_new_string(name));
	labels = json_object_new_array();
	add_kv(labels, "name", "version", "value", ref->tag ?: "latest");
	add_kv(labels, "name", "os", "value", os);
	add_kv(labels, "name", "arch", "value", arch);
	json_object_object_add(m, "labels", labels);

	app = json_object_new_object();
	exec = json_object_new_array();
	if (cfg && ((r = string_array(cfg, "Entrypoint", &entry, err)) < 0 ||
	            (r = string_array(cfg, "Cmd", &cmd, err)) < 0))
		return r;
	for (size_t i = 0; entry && i < json_object_array_length(entry); i++)
		json_object_array_add(exec, json_object_get(json_object_array_get_idx(entry, i)));
	for (size_t i = 0; cmd && i < json_object_array_length(cmd); i++)
		json_object_array_add(exec, json_object_get(json_object_array_get_idx(cmd, i)));
	if (json_object_array_length(exec) > 0)
		json_object_object_add(app, "exec", exec);
	else
		json_object_put(exec);

	if (cfg && rkt_json_get(cfg, "User", json_type_string, &v))
		user = json_object_get_string(v);
	ugroup = xstrdup(user && user[0] ? user : "0");
	char *colon = strchr(ugroup, ':');
	if (colon)
		*colon = '\0';
	json_object_object_add(app, "user", json_object_new_string(ugroup[0] ? ugroup : "0"));
	json_object_object_add(app, "group",
	                       json_object_new_string(colon && colon[1] ? colon + 1 : "0"));

	struct json_object *envs = NULL;
	if (cfg && (r = string_array(cfg, "Env", &envs, err)) < 0)
		return r;
	if (envs && json_object_array_length(envs) > 0) {
		struct json_object *out = json_object_new_array();

		for (size_t i = 0; i < json_object_array_length(envs); i++) {
			const char *e = json_object_get_string(json_object_array_get_idx(envs, i));
			const char *eq = strchr(e, '=');
			_cleanup_free_ char *k = eq ? xstrndup(e, (size_t)(eq - e)) : xstrdup(e);

			if (!k[0])
				continue;
			add_kv(out, "name", k, "value", eq ? eq + 1 : "");
		}
		json_object_object_add(app, "environment", out);
	}
	if (cfg && rkt_json_get(cfg, "WorkingDir", json_type_string, &v) &&
	    json_object_get_string(v)[0])
		json_object_object_add(app, "workingDirectory",
		                       json_object_new_string(json_object_get_string(v)));
	if (cfg && ((r = map_ports(cfg, app, err)) < 0 || (r = map_volumes(cfg, app, err)) < 0))
		return r;
	json_object_object_add(m, "app", app);

	ann = json_object_new_array();
	annotate(ann, "appc.io/docker/registryurl", ref->registry);
	annotate(ann, "appc.io/docker/repository", ref->repository);
	annotate(ann, "appc.io/docker/tag", ref->tag ?: "latest");
	annotate(ann, "appc.io/docker/imageid", config_digest);
	annotate(ann, "appc.io/docker/manifesthash", ref->manifest_hash);
	if (entry) {
		_cleanup_free_ char *s = rkt_json_format(entry, false);
		annotate(ann, "appc.io/docker/entrypoint", s);
	}
	if (cmd) {
		_cleanup_free_ char *s = rkt_json_format(cmd, false);
		annotate(ann, "appc.io/docker/cmd", s);
	}
	json_object_object_add(m, "annotations", ann);
	*ret = rkt_json_format(m, false);
	return 0;
}
