/* ImageManifest (MAN-1..24): parse, validate, serialize as Go's schema.ImageManifest. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "appc/json-dispatch.h"
#include "appc/manifest-internal.h"
#include "appc/manifest.h"
#include "appc/types.h"
#include "util/cleanup.h"
#include "util/json-util.h"
#include "util/xalloc.h"

static int parse_size(struct json_object *v, const char *field, void *dst, struct rkt_error *err)
{
	return appc_json_get_u64(v, field, dst, err);
}

static int dependency_parse(struct json_object *v, const char *field, void *dst,
                            struct rkt_error *err)
{
	static const struct json_field fields[] = {
		{ "imageName", json_type_string, appc_json_parse_string,
		  offsetof(struct rkt_dependency, image_name), JSON_FIELD_REQUIRED },
		{ "imageID", json_type_string, appc_json_parse_string,
		  offsetof(struct rkt_dependency, image_id), 0 },
		{ "labels", json_type_array, appc_kv_list_parse,
		  offsetof(struct rkt_dependency, labels), 0 },
		{ "size", json_type_int, parse_size, offsetof(struct rkt_dependency, size), 0 },
		{},
	};

	return appc_json_dispatch(v, field, fields, dst, err);
}

static int parse_dependencies(struct json_object *v, const char *field, void *dst,
                              struct rkt_error *err)
{
	struct rkt_image_manifest *m = dst;

	return appc_json_parse_array(v, field, (void **)&m->dependencies, &m->n_dependencies,
	                             sizeof(*m->dependencies), dependency_parse, err);
}

static const struct json_field image_manifest_fields[] = {
	/* acKind is read before, by appc_kind_expect() */
	{ "acVersion", json_type_string, appc_json_parse_string,
	  offsetof(struct rkt_image_manifest, ac_version), JSON_FIELD_REQUIRED },
	{ "name", json_type_string, appc_json_parse_string,
	  offsetof(struct rkt_image_manifest, name), JSON_FIELD_REQUIRED },
	{ "labels", json_type_array, appc_kv_list_parse,
	  offsetof(struct rkt_image_manifest, labels), 0 },
	{ "app", json_type_object, appc_app_parse, offsetof(struct rkt_image_manifest, app), 0 },
	{ "annotations", json_type_array, appc_kv_list_parse,
	  offsetof(struct rkt_image_manifest, annotations), 0 },
	{ "dependencies", json_type_array, parse_dependencies, 0, 0 },
	{ "pathWhitelist", json_type_array, appc_json_parse_strv,
	  offsetof(struct rkt_image_manifest, path_whitelist), 0 },
	{},
};

static int check_manifest(const void *m, struct rkt_error *err)
{
	return rkt_image_manifest_check(m, err);
}

int rkt_image_manifest_from_json(struct json_object *obj, const char *what,
                                 struct rkt_image_manifest **ret, struct rkt_error *err)
{
	_cleanup_(rkt_image_manifest_freep) struct rkt_image_manifest *m = NULL;
	int r;

	m = xzalloc(sizeof(*m));
	r = appc_manifest_decode(obj, what, RKT_MANIFEST_IMAGE, image_manifest_fields, m,
	                         check_manifest, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(m);
	return 0;
}

int rkt_image_manifest_parse(const char *buf, size_t len, const char *what,
                             struct rkt_image_manifest **ret, struct rkt_error *err)
{
	_cleanup_(json_object_putp) struct json_object *obj = NULL;
	int r;

	r = rkt_json_parse(buf, len, what ? what : "manifest", &obj, err);
	if (r < 0)
		return r;
	return rkt_image_manifest_from_json(obj, what, ret, err);
}

static int dependency_check(const struct rkt_dependency *d, const char *field,
                            struct rkt_error *err)
{
	_cleanup_free_ char *name = appc_json_path_member(field, "imageName");
	_cleanup_free_ char *labels = appc_json_path_member(field, "labels");
	int r;

	if (!d->image_name)
		return rkt_error_set(err, EINVAL, "%s: required field is missing", name);
	r = rkt_ac_identifier_check(d->image_name, name, err);
	if (r < 0)
		return r;
	if (d->image_id) {
		_cleanup_free_ char *id = appc_json_path_member(field, "imageID");

		/* TYPE-7: the spec example's "sha512-..." must parse */
		r = rkt_image_id_check(d->image_id, false, id, err);
		if (r < 0)
			return r;
	}
	return appc_labels_check(&d->labels, labels, err);
}

int rkt_image_manifest_check(const struct rkt_image_manifest *m, struct rkt_error *err)
{
	int r;

	if (!m->ac_version)
		return rkt_error_set(err, EINVAL, "acVersion: required field is missing");
	r = rkt_ac_version_check(m->ac_version, "acVersion", err);
	if (r < 0)
		return r;
	if (!m->name)
		return rkt_error_set(err, EINVAL, "name: required field is missing");
	r = rkt_ac_identifier_check(m->name, "name", err);
	if (r < 0)
		return r;
	r = appc_labels_check(&m->labels, "labels", err);
	if (r < 0)
		return r;
	if (m->app) {
		r = rkt_app_check(m->app, "app", err);
		if (r < 0)
			return r;
	}
	r = appc_annotations_check(&m->annotations, "annotations", err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < m->n_dependencies; i++) {
		_cleanup_free_ char *path = appc_json_path_index("dependencies", i);

		r = dependency_check(&m->dependencies[i], path, err);
		if (r < 0)
			return r;
	}
	/* MAN-10: Go does not check that the entries are absolute; the spec says they are */
	for (size_t i = 0; i < m->path_whitelist.n; i++) {
		_cleanup_free_ char *path = appc_json_path_index("pathWhitelist", i);

		r = rkt_abs_path_check(m->path_whitelist.items[i], path, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static struct json_object *dependency_to_json(const struct rkt_dependency *d)
{
	struct json_object *o = appc_json_new_object();

	appc_json_add_string(o, "imageName", d->image_name ? d->image_name : "");
	if (d->image_id)
		appc_json_add_string(o, "imageID", d->image_id);
	if (d->labels.n > 0)
		appc_json_add(o, "labels", appc_kv_list_to_json(&d->labels));
	if (d->size > 0)
		appc_json_add(o, "size", json_object_new_uint64(d->size));
	return o;
}

struct json_object *rkt_image_manifest_to_json(const struct rkt_image_manifest *m)
{
	struct json_object *o = appc_json_new_object();

	/* member order and omitempty of Go's schema.ImageManifest */
	appc_json_add_string(o, "acKind", "ImageManifest");
	appc_json_add_string(o, "acVersion", m->ac_version ? m->ac_version : "");
	appc_json_add_string(o, "name", m->name ? m->name : "");
	if (m->labels.n > 0)
		appc_json_add(o, "labels", appc_kv_list_to_json(&m->labels));
	if (m->app)
		appc_json_add(o, "app", rkt_app_to_json(m->app));
	if (m->annotations.n > 0)
		appc_json_add(o, "annotations", appc_kv_list_to_json(&m->annotations));
	if (m->n_dependencies > 0) {
		struct json_object *a = appc_json_new_array(m->n_dependencies);

		for (size_t i = 0; i < m->n_dependencies; i++)
			appc_json_array_add(a, dependency_to_json(&m->dependencies[i]));
		appc_json_add(o, "dependencies", a);
	}
	if (m->path_whitelist.n > 0)
		appc_json_add(o, "pathWhitelist", appc_strv_to_json(&m->path_whitelist));
	return o;
}

char *rkt_image_manifest_format(const struct rkt_image_manifest *m, bool pretty)
{
	_cleanup_(json_object_putp) struct json_object *obj = rkt_image_manifest_to_json(m);

	return rkt_json_format(obj, pretty);
}

struct rkt_image_manifest *rkt_image_manifest_free(struct rkt_image_manifest *m)
{
	if (!m)
		return NULL;
	free(m->ac_version);
	free(m->name);
	rkt_kv_list_release(&m->labels);
	rkt_app_free(m->app);
	rkt_kv_list_release(&m->annotations);
	for (size_t i = 0; i < m->n_dependencies; i++) {
		free(m->dependencies[i].image_name);
		free(m->dependencies[i].image_id);
		rkt_kv_list_release(&m->dependencies[i].labels);
	}
	free(m->dependencies);
	rkt_strv_release(&m->path_whitelist);
	free(m);
	return NULL;
}

int rkt_image_manifest_host_check(const struct rkt_image_manifest *m, struct rkt_error *err)
{
	const char *os = rkt_kv_list_get(&m->labels, "os");
	const char *arch = rkt_kv_list_get(&m->labels, "arch");

	if ((os && strcmp(os, RKT_HOST_OS) != 0) || (arch && strcmp(arch, rkt_host_arch()) != 0))
		return rkt_error_input(
		        err, ENOEXEC, "image '%s' is for os=%s arch=%s, this host is os=%s arch=%s",
		        m->name, os ?: "(any)", arch ?: "(any)", RKT_HOST_OS, rkt_host_arch());
	return 0;
}
