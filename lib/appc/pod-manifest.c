/* PodManifest (POD-1..15): parse, validate, serialize as Go's schema.PodManifest. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appc/json-dispatch.h"
#include "appc/manifest-internal.h"
#include "appc/manifest.h"
#include "appc/types.h"
#include "util/cleanup.h"
#include "util/json-util.h"
#include "util/xalloc.h"

/* Go's defaults for an empty volume (schema/types/volume.go), written out on serialization. */
#define EMPTY_VOLUME_DEFAULT_MODE "0755"

static void volume_release(struct rkt_volume *v)
{
	free(v->name);
	free(v->kind);
	free(v->source);
	free(v->mode);
}

static int parse_read_only(struct json_object *v, const char *field, void *dst,
                           struct rkt_error *err)
{
	struct rkt_volume *vol = dst;

	vol->has_read_only = true;
	return appc_json_parse_bool(v, field, &vol->read_only, err);
}

static int parse_recursive(struct json_object *v, const char *field, void *dst,
                           struct rkt_error *err)
{
	struct rkt_volume *vol = dst;

	vol->has_recursive = true;
	return appc_json_parse_bool(v, field, &vol->recursive, err);
}

/* uid and gid of empty volumes: Go takes any int; IDs are unsigned (as for MAN-16) */
static int parse_id(struct json_object *v, const char *field, int64_t *ret, struct rkt_error *err)
{
	if (json_object_is_type(v, json_type_int) && json_object_get_int64(v) < 0)
		return rkt_error_set(err, EINVAL, "%s: %" PRId64 " is negative, IDs are unsigned",
		                     field, json_object_get_int64(v));
	return appc_json_get_int(v, field, 0, UINT32_MAX, ret, err);
}

static int parse_uid(struct json_object *v, const char *field, void *dst, struct rkt_error *err)
{
	struct rkt_volume *vol = dst;

	vol->has_uid = true;
	return parse_id(v, field, &vol->uid, err);
}

static int parse_gid(struct json_object *v, const char *field, void *dst, struct rkt_error *err)
{
	struct rkt_volume *vol = dst;

	vol->has_gid = true;
	return parse_id(v, field, &vol->gid, err);
}

static int volume_parse(struct json_object *v, const char *field, void *dst, struct rkt_error *err)
{
	static const struct json_field fields[] = {
		{ "name", json_type_string, appc_json_parse_string,
		  offsetof(struct rkt_volume, name), JSON_FIELD_REQUIRED },
		{ "kind", json_type_string, appc_json_parse_string,
		  offsetof(struct rkt_volume, kind), JSON_FIELD_REQUIRED },
		{ "source", json_type_string, appc_json_parse_string,
		  offsetof(struct rkt_volume, source), 0 },
		{ "readOnly", json_type_boolean, parse_read_only, 0, 0 },
		{ "recursive", json_type_boolean, parse_recursive, 0, 0 },
		{ "mode", json_type_string, appc_json_parse_string,
		  offsetof(struct rkt_volume, mode), 0 },
		{ "uid", json_type_int, parse_uid, 0, 0 },
		{ "gid", json_type_int, parse_gid, 0, 0 },
		{},
	};
	struct rkt_volume *vol = dst;
	int r;

	r = appc_json_dispatch(v, field, fields, dst, err);
	if (r < 0)
		return r;
	/* Go writes "" as absent (omitempty) */
	if (vol->source && !*vol->source) {
		free(vol->source);
		vol->source = NULL;
	}
	return 0;
}

static int parse_app_volume(struct json_object *v, const char *field, void *dst,
                            struct rkt_error *err)
{
	struct rkt_volume **ret = dst;

	*ret = xzalloc(sizeof(**ret));
	return volume_parse(v, field, *ret, err);
}

static void mount_release(struct rkt_mount *m)
{
	free(m->volume);
	free(m->path);
	if (m->app_volume) {
		volume_release(m->app_volume);
		free(m->app_volume);
	}
}

static int mount_parse(struct json_object *v, const char *field, void *dst, struct rkt_error *err)
{
	/* POD-6: volume and path are required (Go does not check them) */
	static const struct json_field fields[] = {
		{ "volume", json_type_string, appc_json_parse_string,
		  offsetof(struct rkt_mount, volume), JSON_FIELD_REQUIRED },
		{ "path", json_type_string, appc_json_parse_string,
		  offsetof(struct rkt_mount, path), JSON_FIELD_REQUIRED },
		{ "appVolume", json_type_object, parse_app_volume,
		  offsetof(struct rkt_mount, app_volume), 0 },
		{},
	};

	return appc_json_dispatch(v, field, fields, dst, err);
}

static int parse_mounts(struct json_object *v, const char *field, void *dst, struct rkt_error *err)
{
	struct rkt_runtime_app *ra = dst;

	return appc_json_parse_array(v, field, (void **)&ra->mounts, &ra->n_mounts,
	                             sizeof(*ra->mounts), mount_parse, err);
}

static int runtime_image_parse(struct json_object *v, const char *field, void *dst,
                               struct rkt_error *err)
{
	/* "id" may be missing in a template (POD-15); the check decides when that is fine */
	static const struct json_field fields[] = {
		{ "name", json_type_string, appc_json_parse_string,
		  offsetof(struct rkt_runtime_image, name), 0 },
		{ "id", json_type_string, appc_json_parse_string,
		  offsetof(struct rkt_runtime_image, id), 0 },
		{ "labels", json_type_array, appc_kv_list_parse,
		  offsetof(struct rkt_runtime_image, labels), 0 },
		{},
	};

	return appc_json_dispatch(v, field, fields, dst, err);
}

static void runtime_app_release(struct rkt_runtime_app *ra)
{
	free(ra->name);
	free(ra->image.name);
	free(ra->image.id);
	rkt_kv_list_release(&ra->image.labels);
	rkt_app_free(ra->app);
	for (size_t i = 0; i < ra->n_mounts; i++)
		mount_release(&ra->mounts[i]);
	free(ra->mounts);
	rkt_kv_list_release(&ra->annotations);
}

static int runtime_app_parse(struct json_object *v, const char *field, void *dst,
                             struct rkt_error *err)
{
	/* POD-2: name and image are required (Go does not check them) */
	static const struct json_field fields[] = {
		{ "name", json_type_string, appc_json_parse_string,
		  offsetof(struct rkt_runtime_app, name), JSON_FIELD_REQUIRED },
		{ "image", json_type_object, runtime_image_parse,
		  offsetof(struct rkt_runtime_app, image), JSON_FIELD_REQUIRED },
		{ "app", json_type_object, appc_app_parse, offsetof(struct rkt_runtime_app, app),
		  0 },
		{ "readOnlyRootFS", json_type_boolean, appc_json_parse_bool,
		  offsetof(struct rkt_runtime_app, read_only_rootfs), 0 },
		{ "mounts", json_type_array, parse_mounts, 0, 0 },
		{ "annotations", json_type_array, appc_kv_list_parse,
		  offsetof(struct rkt_runtime_app, annotations), 0 },
		{},
	};

	return appc_json_dispatch(v, field, fields, dst, err);
}

/* Go's net.IP.String() form of an IPv6 address (RFC 5952: lower case, the longest run of two
 * or more zero groups, the first of equal runs, shortened to "::"), into OUT. */
static void ipv6_format(const struct in6_addr *a, char out[INET6_ADDRSTRLEN])
{
	unsigned g[8];
	size_t best = 8, best_len = 0, len = 0;
	char *p = out;

	for (size_t i = 0; i < 8; i++)
		g[i] = (unsigned)a->s6_addr[2 * i] << 8 | a->s6_addr[2 * i + 1];
	for (size_t i = 0; i < 8; i++) {
		len = g[i] == 0 ? len + 1 : 0;
		if (len > best_len) {
			best_len = len;
			best = i + 1 - len;
		}
	}
	if (best_len < 2)
		best = 8;
	for (size_t i = 0; i < 8; i++) {
		size_t left = INET6_ADDRSTRLEN - (size_t)(p - out);

		if (i == best) {
			p += snprintf(p, left, "::");
			i += best_len - 1;
			continue;
		}
		p += snprintf(p, left, "%s%x", i > 0 && i != best + best_len ? ":" : "", g[i]);
	}
}

static int parse_host_ip(struct json_object *v, const char *field, void *dst, struct rkt_error *err)
{
	char **ret = dst;
	const char *s = json_object_get_string(v);
	struct in6_addr a6;
	struct in_addr a4;
	char out[INET6_ADDRSTRLEN];

	/* Go's net.IP: "" is no address; IPv4 and IPv6 are written in canonical form */
	if (!*s)
		return 0;
	if (inet_pton(AF_INET, s, &a4) == 1) {
		if (!inet_ntop(AF_INET, &a4, out, sizeof(out)))
			abort();
	} else if (inet_pton(AF_INET6, s, &a6) == 1) {
		if (IN6_IS_ADDR_V4MAPPED(&a6)) {
			if (!inet_ntop(AF_INET, &a6.s6_addr[12], out, sizeof(out)))
				abort();
		} else {
			ipv6_format(&a6, out);
		}
	} else {
		return rkt_error_set(err, EINVAL, "%s: \"%s\" is not an IP address", field, s);
	}
	free(*ret);
	*ret = xstrdup(out);
	return 0;
}

static int parse_pod_port(struct json_object *v, const char *field, void *dst,
                          struct rkt_error *err)
{
	struct rkt_port **ret = dst;

	*ret = xzalloc(sizeof(**ret));
	return appc_port_parse(v, field, *ret, err);
}

static void exposed_port_release(struct rkt_exposed_port *p)
{
	free(p->name);
	free(p->host_ip);
	if (p->pod_port) {
		appc_port_release(p->pod_port);
		free(p->pod_port);
	}
}

static int exposed_port_parse(struct json_object *v, const char *field, void *dst,
                              struct rkt_error *err)
{
	/* POD-13: hostPort is required (Go does not check it) */
	static const struct json_field fields[] = {
		{ "name", json_type_string, appc_json_parse_string,
		  offsetof(struct rkt_exposed_port, name), JSON_FIELD_REQUIRED },
		{ "hostPort", json_type_int, appc_json_parse_u32,
		  offsetof(struct rkt_exposed_port, host_port), JSON_FIELD_REQUIRED },
		{ "hostIP", json_type_string, parse_host_ip,
		  offsetof(struct rkt_exposed_port, host_ip), 0 },
		{ "podPort", json_type_object, parse_pod_port,
		  offsetof(struct rkt_exposed_port, pod_port), 0 },
		{},
	};

	return appc_json_dispatch(v, field, fields, dst, err);
}

static int parse_apps(struct json_object *v, const char *field, void *dst, struct rkt_error *err)
{
	struct rkt_pod_manifest *m = dst;

	return appc_json_parse_array(v, field, (void **)&m->apps, &m->n_apps, sizeof(*m->apps),
	                             runtime_app_parse, err);
}

static int parse_volumes(struct json_object *v, const char *field, void *dst, struct rkt_error *err)
{
	struct rkt_pod_manifest *m = dst;

	return appc_json_parse_array(v, field, (void **)&m->volumes, &m->n_volumes,
	                             sizeof(*m->volumes), volume_parse, err);
}

static int parse_ports(struct json_object *v, const char *field, void *dst, struct rkt_error *err)
{
	struct rkt_pod_manifest *m = dst;

	return appc_json_parse_array(v, field, (void **)&m->ports, &m->n_ports, sizeof(*m->ports),
	                             exposed_port_parse, err);
}

static const struct json_field pod_manifest_fields[] = {
	/* acKind is read before, by appc_kind_expect() */
	{ "acVersion", json_type_string, appc_json_parse_string,
	  offsetof(struct rkt_pod_manifest, ac_version), JSON_FIELD_REQUIRED },
	{ "apps", json_type_array, parse_apps, 0, 0 },
	{ "volumes", json_type_array, parse_volumes, 0, 0 },
	{ "isolators", json_type_array, appc_isolators_parse,
	  offsetof(struct rkt_pod_manifest, isolators), 0 },
	{ "annotations", json_type_array, appc_kv_list_parse,
	  offsetof(struct rkt_pod_manifest, annotations), 0 },
	{ "ports", json_type_array, parse_ports, 0, 0 },
	{ "userAnnotations", json_type_object, appc_string_map_parse,
	  offsetof(struct rkt_pod_manifest, user_annotations), 0 },
	{ "userLabels", json_type_object, appc_string_map_parse,
	  offsetof(struct rkt_pod_manifest, user_labels), 0 },
	{},
};

static int check_manifest(const void *m, struct rkt_error *err)
{
	return rkt_pod_manifest_check(m, err);
}

int rkt_pod_manifest_from_json(struct json_object *obj, const char *what,
                               struct rkt_pod_manifest **ret, struct rkt_error *err)
{
	_cleanup_(rkt_pod_manifest_freep) struct rkt_pod_manifest *m = NULL;
	int r;

	m = xzalloc(sizeof(*m));
	r = appc_manifest_decode(obj, what, RKT_MANIFEST_POD, pod_manifest_fields, m,
	                         check_manifest, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(m);
	return 0;
}

int rkt_pod_manifest_parse(const char *buf, size_t len, const char *what,
                           struct rkt_pod_manifest **ret, struct rkt_error *err)
{
	_cleanup_(json_object_putp) struct json_object *obj = NULL;
	int r;

	r = rkt_json_parse(buf, len, what ? what : "manifest", &obj, err);
	if (r < 0)
		return r;
	return rkt_pod_manifest_from_json(obj, what, ret, err);
}

static int missing(const char *field, const char *member, struct rkt_error *err)
{
	return rkt_error_set(err, EINVAL, "%s.%s: required field is missing", field, member);
}

/* POD-10: an octal permission string such as "0755" */
static bool is_octal_mode(const char *s)
{
	size_t n = strspn(s, "01234567");

	return n >= 1 && n <= 4 && s[n] == '\0';
}

static int volume_check(const struct rkt_volume *v, const char *field, struct rkt_error *err)
{
	_cleanup_free_ char *name = appc_json_path_member(field, "name");
	_cleanup_free_ char *kind = appc_json_path_member(field, "kind");
	int r;

	if (!v->name)
		return missing(field, "name", err);
	r = rkt_ac_name_check(v->name, name, err);
	if (r < 0)
		return r;
	if (!v->kind)
		return missing(field, "kind", err);
	if (strcmp(v->kind, "host") == 0) {
		_cleanup_free_ char *source = appc_json_path_member(field, "source");

		if (!v->source || !*v->source)
			return rkt_error_set(err, EINVAL,
			                     "%s: required field is missing for a host volume",
			                     source);
		/* POD-9: mode, uid and gid describe the directory of an empty volume only */
		if (v->mode || v->has_uid || v->has_gid)
			return rkt_error_set(err, EINVAL, "%s.%s: not allowed for a host volume",
			                     field,
			                     v->mode      ? "mode"
			                     : v->has_uid ? "uid"
			                                  : "gid");
		return rkt_abs_path_check(v->source, source, err);
	}
	if (strcmp(v->kind, "empty") == 0) {
		if (v->source && *v->source)
			return rkt_error_set(err, EINVAL,
			                     "%s.source: \"%s\" is not allowed for an empty volume",
			                     field, v->source);
		/* Go does not check the mode; a chmod(2) mode is octal */
		if (v->mode && !is_octal_mode(v->mode))
			return rkt_error_set(err, EINVAL,
			                     "%s.mode: \"%s\" is not an octal mode like \"0755\"",
			                     field, v->mode);
		return 0;
	}
	return rkt_error_set(err, EINVAL, "%s: \"%s\" is not a volume kind (empty, host)", kind,
	                     v->kind);
}

/* POD-15, POD-3: a template may leave out an image ID when the image name says what to fetch;
 * with neither there is nothing to run. pod_template.json is such a template; running one
 * needs rkt_pod_manifest_check_reified(). */
static int runtime_image_check(const struct rkt_runtime_image *img, const char *field,
                               struct rkt_error *err)
{
	_cleanup_free_ char *labels = appc_json_path_member(field, "labels");
	int r;

	if (!img->id && !img->name)
		return rkt_error_set(err, EINVAL,
		                     "%s.id: required field is missing (a template may omit it "
		                     "only when image.name is given)",
		                     field);
	if (img->name) {
		_cleanup_free_ char *name = appc_json_path_member(field, "name");

		r = rkt_ac_identifier_check(img->name, name, err);
		if (r < 0)
			return r;
	}
	if (img->id) {
		_cleanup_free_ char *id = appc_json_path_member(field, "id");

		/* TYPE-7: placeholders like "sha512-..." parse; running needs the full ID */
		r = rkt_image_id_check(img->id, false, id, err);
		if (r < 0)
			return r;
	}
	return appc_labels_check(&img->labels, labels, err);
}

static int runtime_app_check(const struct rkt_pod_manifest *m, size_t index, struct rkt_error *err)
{
	const struct rkt_runtime_app *ra = &m->apps[index];
	_cleanup_free_ char *field = appc_json_path_index("apps", index);
	_cleanup_free_ char *name = appc_json_path_member(field, "name");
	_cleanup_free_ char *image = appc_json_path_member(field, "image");
	_cleanup_free_ char *mounts = appc_json_path_member(field, "mounts");
	_cleanup_free_ char *annotations = appc_json_path_member(field, "annotations");
	int r;

	if (!ra->name)
		return missing(field, "name", err);
	r = rkt_ac_name_check(ra->name, name, err);
	if (r < 0)
		return r;
	/* POD-2: several apps may share an image, but not a name */
	for (size_t j = 0; j < index; j++)
		if (m->apps[j].name && strcmp(m->apps[j].name, ra->name) == 0)
			return rkt_error_set(err, EINVAL,
			                     "%s: duplicate app name \"%s\" (see apps[%zu])", name,
			                     ra->name, j);
	r = runtime_image_check(&ra->image, image, err);
	if (r < 0)
		return r;
	if (ra->app) {
		_cleanup_free_ char *app = appc_json_path_member(field, "app");

		r = rkt_app_check(ra->app, app, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < ra->n_mounts; i++) {
		const struct rkt_mount *mnt = &ra->mounts[i];
		_cleanup_free_ char *mount = appc_json_path_index(mounts, i);

		r = appc_check_at(rkt_ac_name_check, mnt->volume ? mnt->volume : "", mounts, i,
		                  "volume", err);
		if (r < 0)
			return r;
		if (!mnt->path || !*mnt->path)
			return missing(mount, "path", err);
		if (mnt->app_volume) {
			_cleanup_free_ char *av = appc_json_path_member(mount, "appVolume");

			r = volume_check(mnt->app_volume, av, err);
			if (r < 0)
				return r;
		}
	}
	/* POD-7: AC Identifiers as in the code, not AC Names as pods.md says */
	return appc_annotations_check(&ra->annotations, annotations, err);
}

static int exposed_port_check(const struct rkt_pod_manifest *m, size_t index, struct rkt_error *err)
{
	const struct rkt_exposed_port *p = &m->ports[index];
	_cleanup_free_ char *field = appc_json_path_index("ports", index);
	_cleanup_free_ char *name = appc_json_path_member(field, "name");
	int r;

	if (!p->name)
		return missing(field, "name", err);
	r = rkt_ac_name_check(p->name, name, err);
	if (r < 0)
		return r;
	/* a name says which app port to expose, so it can be exposed once */
	for (size_t j = 0; j < index; j++)
		if (m->ports[j].name && strcmp(m->ports[j].name, p->name) == 0)
			return rkt_error_set(err, EINVAL,
			                     "%s: duplicate port \"%s\" (see ports[%zu])", name,
			                     p->name, j);
	if (p->host_port < 1 || p->host_port > 65535)
		return rkt_error_set(err, EINVAL, "%s.hostPort: %" PRIu32 " is not in 1..65535",
		                     field, p->host_port);
	if (p->pod_port) {
		_cleanup_free_ char *pp = appc_json_path_member(field, "podPort");

		return appc_port_check(p->pod_port, pp, err);
	}
	return 0;
}

int rkt_pod_manifest_check(const struct rkt_pod_manifest *m, struct rkt_error *err)
{
	int r;

	if (!m->ac_version)
		return rkt_error_set(err, EINVAL, "acVersion: required field is missing");
	r = rkt_ac_version_check(m->ac_version, "acVersion", err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < m->n_apps; i++) {
		r = runtime_app_check(m, i, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < m->n_volumes; i++) {
		_cleanup_free_ char *field = appc_json_path_index("volumes", i);

		r = volume_check(&m->volumes[i], field, err);
		if (r < 0)
			return r;
		for (size_t j = 0; j < i; j++)
			if (strcmp(m->volumes[j].name, m->volumes[i].name) == 0)
				return rkt_error_set(
				        err, EINVAL,
				        "%s.name: duplicate volume \"%s\" (see volumes[%zu])",
				        field, m->volumes[i].name, j);
	}
	r = rkt_isolator_list_check(&m->isolators, "isolators", err);
	if (r < 0)
		return r;
	r = appc_annotations_check(&m->annotations, "annotations", err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < m->n_ports; i++) {
		r = exposed_port_check(m, i, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool has_volume(const struct rkt_pod_manifest *m, const char *name)
{
	for (size_t i = 0; i < m->n_volumes; i++)
		if (strcmp(m->volumes[i].name, name) == 0)
			return true;
	return false;
}

int rkt_pod_manifest_check_reified(const struct rkt_pod_manifest *m, struct rkt_error *err)
{
	for (size_t i = 0; i < m->n_apps; i++) {
		const struct rkt_runtime_app *ra = &m->apps[i];
		_cleanup_free_ char *id = xasprintf("apps[%zu].image.id", i);
		int r;

		if (!ra->image.id)
			return rkt_error_set(
			        err, EINVAL,
			        "%s: missing: the pod is a template, not reified (POD-15)", id);
		r = rkt_image_id_check(ra->image.id, true, id, err);
		if (r < 0)
			return r;
		/* a mount without appVolume takes the pod volume of its name */
		for (size_t j = 0; j < ra->n_mounts; j++)
			if (!ra->mounts[j].app_volume &&
			    !has_volume(m, ra->mounts[j].volume ? ra->mounts[j].volume : ""))
				return rkt_error_set(err, EINVAL,
				                     "apps[%zu].mounts[%zu].volume: \"%s\" is not "
				                     "a volume of the pod",
				                     i, j, ra->mounts[j].volume);
	}
	return 0;
}

static struct json_object *volume_to_json(const struct rkt_volume *v)
{
	struct json_object *o = appc_json_new_object();
	bool is_empty = v->kind && strcmp(v->kind, "empty") == 0;

	appc_json_add_string(o, "name", v->name ? v->name : "");
	appc_json_add_string(o, "kind", v->kind ? v->kind : "");
	if (v->source && *v->source)
		appc_json_add_string(o, "source", v->source);
	if (v->has_read_only)
		appc_json_add(o, "readOnly", appc_json_new_bool(v->read_only));
	if (v->has_recursive)
		appc_json_add(o, "recursive", appc_json_new_bool(v->recursive));
	/* Go fills in the defaults of empty volumes when reading, so it always writes them */
	if (v->mode || is_empty)
		appc_json_add_string(o, "mode", v->mode ? v->mode : EMPTY_VOLUME_DEFAULT_MODE);
	if (v->has_uid || is_empty)
		appc_json_add(o, "uid", appc_json_new_int(v->has_uid ? v->uid : 0));
	if (v->has_gid || is_empty)
		appc_json_add(o, "gid", appc_json_new_int(v->has_gid ? v->gid : 0));
	return o;
}

static struct json_object *runtime_app_to_json(const struct rkt_runtime_app *ra)
{
	struct json_object *o = appc_json_new_object();
	struct json_object *img = appc_json_new_object();

	appc_json_add_string(o, "name", ra->name ? ra->name : "");
	if (ra->image.name)
		appc_json_add_string(img, "name", ra->image.name);
	/* Go cannot write a template's missing ID at all; leaving it out reads back the same */
	if (ra->image.id)
		appc_json_add_string(img, "id", ra->image.id);
	if (ra->image.labels.n > 0)
		appc_json_add(img, "labels", appc_kv_list_to_json(&ra->image.labels));
	appc_json_add(o, "image", img);
	if (ra->app)
		appc_json_add(o, "app", rkt_app_to_json(ra->app));
	if (ra->read_only_rootfs)
		appc_json_add(o, "readOnlyRootFS", appc_json_new_bool(true));
	if (ra->n_mounts > 0) {
		struct json_object *a = appc_json_new_array(ra->n_mounts);

		for (size_t i = 0; i < ra->n_mounts; i++) {
			const struct rkt_mount *mnt = &ra->mounts[i];
			struct json_object *mo = appc_json_new_object();

			appc_json_add_string(mo, "volume", mnt->volume ? mnt->volume : "");
			appc_json_add_string(mo, "path", mnt->path ? mnt->path : "");
			if (mnt->app_volume)
				appc_json_add(mo, "appVolume", volume_to_json(mnt->app_volume));
			appc_json_array_add(a, mo);
		}
		appc_json_add(o, "mounts", a);
	}
	if (ra->annotations.n > 0)
		appc_json_add(o, "annotations", appc_kv_list_to_json(&ra->annotations));
	return o;
}

static struct json_object *exposed_port_to_json(const struct rkt_exposed_port *p)
{
	struct json_object *o = appc_json_new_object();

	appc_json_add_string(o, "name", p->name ? p->name : "");
	appc_json_add(o, "hostPort", appc_json_new_int(p->host_port));
	if (p->host_ip)
		appc_json_add_string(o, "hostIP", p->host_ip);
	if (p->pod_port)
		appc_json_add(o, "podPort", appc_port_to_json(p->pod_port));
	return o;
}

struct json_object *rkt_pod_manifest_to_json(const struct rkt_pod_manifest *m)
{
	struct json_object *o = appc_json_new_object();
	struct json_object *a;

	/* member order of Go's schema.PodManifest; the five lists are not omitempty, so a nil
	 * list (items == NULL) is written as null and an empty one as [] */
	appc_json_add_string(o, "acVersion", m->ac_version ? m->ac_version : "");
	appc_json_add_string(o, "acKind", "PodManifest");
	a = m->apps ? appc_json_new_array(m->n_apps) : NULL;
	for (size_t i = 0; i < m->n_apps; i++)
		appc_json_array_add(a, runtime_app_to_json(&m->apps[i]));
	appc_json_add(o, "apps", a);
	a = m->volumes ? appc_json_new_array(m->n_volumes) : NULL;
	for (size_t i = 0; i < m->n_volumes; i++)
		appc_json_array_add(a, volume_to_json(&m->volumes[i]));
	appc_json_add(o, "volumes", a);
	appc_json_add(o, "isolators", appc_isolators_to_json(&m->isolators));
	appc_json_add(o, "annotations", appc_kv_list_to_json(&m->annotations));
	a = m->ports ? appc_json_new_array(m->n_ports) : NULL;
	for (size_t i = 0; i < m->n_ports; i++)
		appc_json_array_add(a, exposed_port_to_json(&m->ports[i]));
	appc_json_add(o, "ports", a);
	if (m->user_annotations.n > 0)
		appc_json_add(o, "userAnnotations", appc_string_map_to_json(&m->user_annotations));
	if (m->user_labels.n > 0)
		appc_json_add(o, "userLabels", appc_string_map_to_json(&m->user_labels));
	return o;
}

char *rkt_pod_manifest_format(const struct rkt_pod_manifest *m, bool pretty)
{
	_cleanup_(json_object_putp) struct json_object *obj = rkt_pod_manifest_to_json(m);

	return rkt_json_format(obj, pretty);
}

struct rkt_pod_manifest *rkt_pod_manifest_free(struct rkt_pod_manifest *m)
{
	if (!m)
		return NULL;
	free(m->ac_version);
	for (size_t i = 0; i < m->n_apps; i++)
		runtime_app_release(&m->apps[i]);
	free(m->apps);
	for (size_t i = 0; i < m->n_volumes; i++)
		volume_release(&m->volumes[i]);
	free(m->volumes);
	rkt_isolator_list_release(&m->isolators);
	rkt_kv_list_release(&m->annotations);
	for (size_t i = 0; i < m->n_ports; i++)
		exposed_port_release(&m->ports[i]);
	free(m->ports);
	rkt_kv_list_release(&m->user_annotations);
	rkt_kv_list_release(&m->user_labels);
	free(m);
	return NULL;
}
