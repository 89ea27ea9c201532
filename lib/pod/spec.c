/* Building the reified pod manifest from the command line's apps (see spec.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appc/types.h"
#include "pod/spec.h"
#include "util/cleanup.h"
#include "util/json-util.h"
#include "util/xalloc.h"

#define _cleanup_json_ _cleanup_(json_object_putp)

/* Splits "k=v,k2=v2" (after an optional leading bare NAME) and calls FN for each pair. */
static int each_param(const char *s, const char *what, const char *bare_key,
                      int (*fn)(void *ud, const char *k, const char *v, struct rkt_error *err),
                      void *ud, struct rkt_error *err)
{
	_cleanup_free_ char *copy = xstrdup(s);
	char *save = NULL;
	bool first = true;

	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		int r;

		if (!eq && first && bare_key)
			r = fn(ud, bare_key, tok, err);
		else if (!eq)
			return rkt_error_set(err, EINVAL, "%s '%s': '%s' is not KEY=VALUE", what, s,
			                     tok);
		else {
			*eq = '\0';
			r = fn(ud, tok, eq + 1, err);
		}
		if (r < 0)
			return rkt_error_wrap(err, r, "%s '%s'", what, s);
		first = false;
	}
	return 0;
}

static int mount_param(void *ud, const char *k, const char *v, struct rkt_error *err)
{
	struct rkt_mount_arg *m = ud;
	char **dst = strcmp(k, "volume") == 0   ? &m->volume
	             : strcmp(k, "target") == 0 ? &m->target
	                                        : NULL;

	if (!dst)
		return rkt_error_set(err, EINVAL, "unknown parameter '%s'", k);
	if (*dst)
		return rkt_error_set(err, EINVAL, "'%s' given twice", k);
	*dst = xstrdup(v);
	return 0;
}

void rkt_mount_arg_release(struct rkt_mount_arg *m)
{
	free(m->volume);
	free(m->target);
	*m = (struct rkt_mount_arg){ 0 };
}

int rkt_mount_arg_parse(const char *s, struct rkt_mount_arg *ret, struct rkt_error *err)
{
	struct rkt_mount_arg m = { 0 };
	int r;

	r = each_param(s, "--mount", NULL, mount_param, &m, err);
	if (r >= 0 && (!m.volume || !m.target))
		r = rkt_error_set(err, EINVAL, "--mount '%s': volume= and target= are required", s);
	if (r >= 0 && m.target[0] != '/')
		r = rkt_error_set(err, EINVAL, "--mount '%s': target must be an absolute path", s);
	if (r < 0) {
		rkt_mount_arg_release(&m);
		return r;
	}
	*ret = m;
	return 0;
}

static int bool_value(const char *k, const char *v, bool *ret, struct rkt_error *err)
{
	static const char *const yes[] = { "1", "t", "T", "true", "TRUE", "True" };
	static const char *const no[] = { "0", "f", "F", "false", "FALSE", "False" };

	for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
		if (strcmp(v, yes[i]) == 0 || strcmp(v, no[i]) == 0) {
			*ret = strcmp(v, yes[i]) == 0;
			return 0;
		}
	}
	return rkt_error_set(err, EINVAL, "%s: '%s' is not a boolean", k, v);
}

static int volume_param(void *ud, const char *k, const char *v, struct rkt_error *err)
{
	struct json_object *o = ud, *val;
	int r;

	if (json_object_object_get_ex(o, k, NULL))
		return rkt_error_set(err, EINVAL, "'%s' given twice", k);
	if (strcmp(k, "name") == 0 || strcmp(k, "kind") == 0 || strcmp(k, "source") == 0 ||
	    strcmp(k, "mode") == 0) {
		val = json_object_new_string(v);
	} else if (strcmp(k, "readOnly") == 0 || strcmp(k, "recursive") == 0) {
		bool b = false;

		r = bool_value(k, v, &b, err);
		if (r < 0)
			return r;
		val = json_object_new_boolean(b);
	} else if (strcmp(k, "uid") == 0 || strcmp(k, "gid") == 0) {
		char *end;
		long long n;

		errno = 0;
		n = strtoll(v, &end, 10);
		if (errno || end == v || *end || n < -1 || n > UINT32_MAX)
			return rkt_error_set(err, EINVAL, "%s: '%s' is not a number", k, v);
		val = json_object_new_int64(n);
	} else {
		return rkt_error_set(err, EINVAL, "unknown volume parameter '%s'", k);
	}
	json_object_object_add(o, k, val);
	return 0;
}

int rkt_volume_arg_parse(const char *s, struct json_object **ret, struct rkt_error *err)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	struct json_object *kind;
	int r;

	r = each_param(s, "--volume", "name", volume_param, o, err);
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(o, "name", NULL))
		return rkt_error_set(err, EINVAL, "--volume '%s': no volume name", s);
	if (!json_object_object_get_ex(o, "kind", &kind))
		return rkt_error_set(err, EINVAL,
		                     "--volume '%s': kind= (host or empty) is required", s);
	/* appc's defaults for empty volumes (Volume.maybeSetDefaults) */
	if (strcmp(json_object_get_string(kind), "empty") == 0) {
		if (!json_object_object_get_ex(o, "mode", NULL))
			json_object_object_add(o, "mode", json_object_new_string("0755"));
		if (!json_object_object_get_ex(o, "uid", NULL))
			json_object_object_add(o, "uid", json_object_new_int(0));
		if (!json_object_object_get_ex(o, "gid", NULL))
			json_object_object_add(o, "gid", json_object_new_int(0));
	}
	*ret = TAKE_PTR(o);
	return 0;
}

int rkt_env_file_parse(const char *buf, const char *what, struct rkt_kv_list *ret,
                       struct rkt_error *err)
{
	struct rkt_kv_list l = { 0 };
	_cleanup_(rkt_kv_index_release) struct rkt_kv_index ix = { 0 };
	size_t lineno = 0;

	rkt_kv_index_init(&ix, &l);

	for (const char *p = buf; *p;) {
		size_t len = strcspn(p, "\n");
		_cleanup_free_ char *line = xstrndup(p, len);
		char *s = line, *eq;

		lineno++;
		p += len + (p[len] == '\n');
		if (len && s[len - 1] == '\r')
			s[len - 1] = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#' || *s == ';')
			continue;
		eq = strchr(s, '=');
		if (!eq || eq == s) {
			rkt_kv_list_release(&l);
			return rkt_error_set(err, EINVAL, "%s:%zu: expected KEY=VALUE", what,
			                     lineno);
		}
		*eq = '\0';
		rkt_kv_index_set(&ix, &l, s, eq + 1);
	}
	*ret = l;
	return 0;
}

static struct json_object *string_list(const char *s, const char *skip_prefix)
{
	_cleanup_free_ char *copy = xstrdup(s);
	struct json_object *a = json_object_new_array();
	char *save = NULL;

	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (!skip_prefix || strncmp(t, skip_prefix, strlen(skip_prefix)) != 0)
			json_object_array_add(a, json_object_new_string(t));
	return a;
}

static int integer_value(const char *flag, const char *v, struct json_object **ret,
                         struct rkt_error *err)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno || end == v || *end)
		return rkt_error_set(err, EINVAL, "--%s: '%s' is not an integer", flag, v);
	*ret = json_object_new_int64(n);
	return 0;
}

int rkt_isolator_arg_parse(const char *flag, const char *v, struct json_object **ret,
                           struct rkt_error *err)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	struct json_object *value = NULL;
	const char *name;
	int r = 0;

	if (strcmp(flag, "memory") == 0 || strcmp(flag, "cpu") == 0) {
		name = strcmp(flag, "memory") == 0 ? "resource/memory" : "resource/cpu";
		value = json_object_new_object();
		json_object_object_add(value, "request", json_object_new_string(v));
		json_object_object_add(value, "limit", json_object_new_string(v));
	} else if (strcmp(flag, "cpu-shares") == 0 || strcmp(flag, "oom-score-adj") == 0) {
		name = flag[0] == 'c' ? "os/linux/cpu-shares" : "os/linux/oom-score-adj";
		r = integer_value(flag, v, &value, err);
	} else if (strcmp(flag, "caps-retain") == 0 || strcmp(flag, "caps-remove") == 0) {
		name = strcmp(flag, "caps-retain") == 0 ? "os/linux/capabilities-retain-set"
		                                        : "os/linux/capabilities-remove-set";
		value = json_object_new_object();
		json_object_object_add(value, "set", string_list(v, NULL));
	} else if (strcmp(flag, "seccomp") == 0) {
		bool retain = strncmp(v, "mode=retain", 11) == 0 && (!v[11] || v[11] == ',');
		bool remove = strncmp(v, "mode=remove", 11) == 0 && (!v[11] || v[11] == ',');
		const char *e = strstr(v, ",errno=");

		if (!retain && !remove)
			return rkt_error_set(err, EINVAL,
			                     "--seccomp '%s': must start with mode=retain or "
			                     "mode=remove",
			                     v);
		name = retain ? "os/linux/seccomp-retain-set" : "os/linux/seccomp-remove-set";
		value = json_object_new_object();
		json_object_object_add(value, "set", string_list(v[11] ? v + 12 : "", "errno="));
		if (e) {
			_cleanup_free_ char *en = xstrndup(e + 7, strcspn(e + 7, ","));
			json_object_object_add(value, "errno", json_object_new_string(en));
		}
	} else {
		return rkt_error_set(err, EINVAL, "unknown isolator flag '--%s'", flag);
	}
	if (r < 0)
		return r;
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "value", value);
	*ret = TAKE_PTR(o);
	return 0;
}

/* The isolator names an override replaces: its own and, for the two-sided sets, the other
 * side (upstream: a retain set on the command line drops the image's remove set). */
static bool replaces(const char *new_name, const char *old_name)
{
	static const char *const pairs[][2] = {
		{ "os/linux/capabilities-retain-set", "os/linux/capabilities-remove-set" },
		{ "os/linux/seccomp-retain-set", "os/linux/seccomp-remove-set" },
	};

	if (strcmp(new_name, old_name) == 0)
		return true;
	for (size_t i = 0; i < ELEMENTSOF(pairs); i++)
		if ((strcmp(new_name, pairs[i][0]) == 0 && strcmp(old_name, pairs[i][1]) == 0) ||
		    (strcmp(new_name, pairs[i][1]) == 0 && strcmp(old_name, pairs[i][0]) == 0))
			return true;
	return false;
}

static void override_isolators(struct json_object *app, const struct rkt_app_spec *a)
{
	struct json_object *old = NULL, *out;

	if (!a->n_isolators)
		return;
	out = json_object_new_array();
	if (json_object_object_get_ex(app, "isolators", &old) &&
	    json_object_get_type(old) == json_type_array)
		for (size_t i = 0; i < json_object_array_length(old); i++) {
			struct json_object *iso = json_object_array_get_idx(old, i), *n = NULL;
			bool drop = false;

			json_object_object_get_ex(iso, "name", &n);
			for (size_t j = 0; j < a->n_isolators && n; j++)
				drop |= replaces(json_object_get_string(json_object_object_get(
				                         a->isolators[j], "name")),
				                 json_object_get_string(n));
			if (!drop)
				json_object_array_add(out, json_object_get(iso));
		}
	for (size_t j = 0; j < a->n_isolators; j++)
		json_object_array_add(out, json_object_get(a->isolators[j]));
	json_object_object_add(app, "isolators", out);
}

static struct json_object *kv_array(const struct rkt_kv_list *l)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < l->n; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(l->items[i].name));
		json_object_object_add(o, "value", json_object_new_string(l->items[i].value));
		json_object_array_add(a, o);
	}
	return a;
}

/* Environment precedence, later wins (rkt/rkt Documentation/app-environment.md): the image's,
 * --set-env-file,
 * --set-env, --environment; the host's (--inherit-env) only fills in names still missing.
 * Linear in the number of entries (through an index of the names). */
static struct json_object *merged_env(const struct rkt_pod_spec *spec, const struct rkt_app_spec *a)
{
	_cleanup_(rkt_kv_list_release) struct rkt_kv_list env = { 0 };
	_cleanup_(rkt_kv_index_release) struct rkt_kv_index ix = { 0 };
	struct json_object *out;

	rkt_kv_index_init(&ix, &env);
	if (a->manifest->app)
		rkt_kv_index_merge(&ix, &env, &a->manifest->app->environment);
	rkt_kv_index_merge(&ix, &env, spec->env_file);
	rkt_kv_index_merge(&ix, &env, spec->set_env);
	rkt_kv_index_merge(&ix, &env, a->environment);
	for (char *const *e = spec->inherit_env ? spec->host_env : NULL; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		_cleanup_free_ char *name = NULL;

		if (!eq || eq == *e)
			continue;
		name = xstrndup(*e, (size_t)(eq - *e));
		/* exported shell functions and multi-line values cannot be app environment
		 * (MAN-19; docs/stage1-abi.md 3.2) */
		if (rkt_env_name_check(name, "", NULL) < 0 || strchr(eq + 1, '\n'))
			continue;
		if (rkt_kv_index_find(&ix, &env, name) < 0)
			rkt_kv_index_set(&ix, &env, name, eq + 1);
	}
	out = kv_array(&env);
	return out;
}

static struct json_object *strv_array(const char *first, char *const *rest, size_t n)
{
	struct json_object *a = json_object_new_array();

	if (first)
		json_object_array_add(a, json_object_new_string(first));
	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(rest[i]));
	return a;
}

static int app_json(const struct rkt_pod_spec *spec, const struct rkt_app_spec *a,
                    struct json_object **ret, struct rkt_error *err)
{
	_cleanup_json_ struct json_object *app = NULL;
	struct json_object *exec = NULL;

	if (a->manifest->app) {
		app = rkt_app_to_json(a->manifest->app);
	} else {
		/* upstream: an image without an app runs only with --exec, as the caller */
		if (!a->exec)
			return rkt_error_set(err, EINVAL,
			                     "image '%s' has no app section: --exec is required",
			                     a->image);
		app = json_object_new_object();
		_cleanup_free_ char *u = xasprintf("%u", (unsigned)spec->uid);
		_cleanup_free_ char *g = xasprintf("%u", (unsigned)spec->gid);

		json_object_object_add(app, "user", json_object_new_string(u));
		json_object_object_add(app, "group", json_object_new_string(g));
	}
	if (a->exec) {
		json_object_object_add(app, "exec", strv_array(a->exec, a->args, a->n_args));
	} else if (a->n_args) {
		struct json_object *old = NULL;

		if (!json_object_object_get_ex(app, "exec", &old) ||
		    json_object_get_type(old) != json_type_array)
			return rkt_error_set(err, EINVAL,
			                     "image '%s' has no exec: arguments need --exec",
			                     a->image);
		exec = json_object_new_array();
		for (size_t i = 0; i < json_object_array_length(old); i++)
			json_object_array_add(exec,
			                      json_object_get(json_object_array_get_idx(old, i)));
		for (size_t i = 0; i < a->n_args; i++)
			json_object_array_add(exec, json_object_new_string(a->args[i]));
		json_object_object_add(app, "exec", exec);
	}
	/* ACE-21 refuses it in stage1, after the pod exists: a docker image without
	 * Entrypoint and Cmd is common */
	if (!json_object_object_get_ex(app, "exec", &exec) ||
	    !json_object_is_type(exec, json_type_array) || json_object_array_length(exec) == 0)
		return rkt_error_set(err, EINVAL, "image '%s' has no exec: --exec is required",
		                     a->image);
	if (a->user)
		json_object_object_add(app, "user", json_object_new_string(a->user));
	if (a->group)
		json_object_object_add(app, "group", json_object_new_string(a->group));
	if (a->working_dir)
		json_object_object_add(app, "workingDirectory",
		                       json_object_new_string(a->working_dir));
	if (a->has_supplementary_gids) {
		struct json_object *g = json_object_new_array();

		for (size_t i = 0; i < a->n_supplementary_gids; i++)
			json_object_array_add(g, json_object_new_int64(a->supplementary_gids[i]));
		json_object_object_add(app, "supplementaryGIDs", g);
	}
	json_object_object_add(app, "environment", merged_env(spec, a));
	override_isolators(app, a);
	*ret = TAKE_PTR(app);
	return 0;
}

static void add_mounts(struct json_object *arr, const struct rkt_mount_arg *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "volume", json_object_new_string(m[i].volume));
		json_object_object_add(o, "path", json_object_new_string(m[i].target));
		json_object_array_add(arr, o);
	}
}

static int runtime_app_json(const struct rkt_pod_spec *spec, const struct rkt_app_spec *a,
                            const char *name, struct json_object **ret, struct rkt_error *err)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	struct json_object *image = json_object_new_object(), *app = NULL, *mounts;
	int r;

	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(image, "name", json_object_new_string(a->manifest->name));
	json_object_object_add(image, "id", json_object_new_string(a->image_id));
	json_object_object_add(image, "labels", kv_array(&a->manifest->labels));
	json_object_object_add(o, "image", image);
	r = app_json(spec, a, &app, err);
	if (r < 0)
		return r;
	json_object_object_add(o, "app", app);
	if (a->readonly_rootfs)
		json_object_object_add(o, "readOnlyRootFS", json_object_new_boolean(true));
	mounts = json_object_new_array();
	add_mounts(mounts, spec->mounts, spec->n_mounts);
	add_mounts(mounts, a->mounts, a->n_mounts);
	json_object_object_add(o, "mounts", mounts);
	*ret = TAKE_PTR(o);
	return 0;
}

int rkt_pod_spec_build(const struct rkt_pod_spec *spec, struct rkt_pod_manifest **ret,
                       struct rkt_error *err)
{
	_cleanup_json_ struct json_object *pod = json_object_new_object();
	struct json_object *apps = json_object_new_array(), *vols = json_object_new_array(),
	                   *ann = json_object_new_array(), *mutable;
	char **names = xzalloc(sizeof(*names) * (spec->n_apps + 1));
	int r = 0;

	json_object_object_add(pod, "acVersion", json_object_new_string(RKT_APPC_VERSION));
	json_object_object_add(pod, "acKind", json_object_new_string("PodManifest"));
	json_object_object_add(pod, "apps", apps);
	for (size_t i = 0; i < spec->n_apps && r >= 0; i++) {
		const struct rkt_app_spec *a = &spec->apps[i];
		struct json_object *ra = NULL;

		names[i] = a->name ? xstrdup(a->name) : rkt_ac_name_sanitize(a->manifest->name);
		if (!names[i] || !rkt_ac_name_is_valid(names[i])) {
			r = rkt_error_set(err, EINVAL, "image '%s': '%s' is not a valid app name%s",
			                  a->image, names[i] ? names[i] : a->manifest->name,
			                  a->name ? "" : " (use --name)");
			break;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(names[j], names[i]) == 0)
				r = rkt_error_set(err, EINVAL,
				                  "app name '%s' is used twice (use --name)",
				                  names[i]);
		if (r >= 0)
			r = runtime_app_json(spec, a, names[i], &ra, err);
		if (r >= 0)
			json_object_array_add(apps, ra);
	}
	for (size_t i = 0; i <= spec->n_apps; i++)
		free(names[i]);
	free(names);
	json_object_object_add(pod, "volumes", vols);
	json_object_object_add(pod, "annotations", ann);
	if (r < 0)
		return r;
	for (size_t i = 0; i < spec->n_volumes; i++)
		json_object_array_add(vols, json_object_get(spec->volumes[i]));
	mutable = json_object_new_object();
	json_object_object_add(mutable, "name",
	                       json_object_new_string("coreos.com/rkt/stage1/mutable"));
	json_object_object_add(mutable, "value", json_object_new_string("false"));
	json_object_array_add(ann, mutable);

	_cleanup_(rkt_pod_manifest_freep) struct rkt_pod_manifest *m = NULL;
	r = rkt_pod_manifest_from_json(pod, "pod manifest", &m, err);
	if (r < 0)
		return r;
	r = rkt_pod_manifest_check_reified(m, err);
	if (r < 0)
		return r;
	/* Mount targets name volumes of the pod (POD-6 is checked per app by stage1 too). */
	for (size_t i = 0; i < m->n_apps; i++)
		for (size_t j = 0; j < m->apps[i].n_mounts; j++) {
			const char *v = m->apps[i].mounts[j].volume;
			bool found = false;

			for (size_t k = 0; k < m->n_volumes && !found; k++)
				found = strcmp(m->volumes[k].name, v) == 0;
			if (!found)
				return rkt_error_set(
				        err, EINVAL,
				        "app '%s': --mount names volume '%s', which no "
				        "--volume defines",
				        m->apps[i].name, v);
		}
	*ret = TAKE_PTR(m);
	return 0;
}
