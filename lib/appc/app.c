/* The app object of image manifests and pod overrides (MAN-14..23, POD-4): event handlers,
 * mount points, ports, isolator lists. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "appc/json-dispatch.h"
#include "appc/manifest-internal.h"
#include "appc/manifest.h"
#include "appc/types.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static int parse_exec(struct json_object *v, const char *field, void *dst, struct rkt_error *err)
{
	struct rkt_app *app = dst;

	app->has_exec = true;
	return appc_json_parse_strv(v, field, &app->exec, err);
}

static void event_handler_release(struct rkt_event_handler *h)
{
	free(h->name);
	rkt_strv_release(&h->exec);
}

static int event_handler_parse(struct json_object *v, const char *field, void *dst,
                               struct rkt_error *err)
{
	static const struct json_field fields[] = {
		{ "name", json_type_string, appc_json_parse_string,
		  offsetof(struct rkt_event_handler, name), JSON_FIELD_REQUIRED },
		{ "exec", json_type_array, appc_json_parse_strv,
		  offsetof(struct rkt_event_handler, exec), 0 },
		{},
	};

	return appc_json_dispatch(v, field, fields, dst, err);
}

static int parse_event_handlers(struct json_object *v, const char *field, void *dst,
                                struct rkt_error *err)
{
	struct rkt_app *app = dst;

	return appc_json_parse_array(v, field, (void **)&app->event_handlers,
	                             &app->n_event_handlers, sizeof(*app->event_handlers),
	                             event_handler_parse, err);
}

static int parse_gids(struct json_object *v, const char *field, void *dst, struct rkt_error *err)
{
	struct rkt_app *app = dst;
	size_t n = json_object_array_length(v);

	free(app->supplementary_gids);
	app->supplementary_gids = xmalloc_array(n + 1, sizeof(uint32_t));
	app->n_supplementary_gids = 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);
		_cleanup_free_ char *path = appc_json_path_index(field, i);
		int64_t gid = 0;
		int r;

		/* MAN-16: Go stores []int and takes -1; a GID is unsigned */
		if (json_object_is_type(e, json_type_int) && json_object_get_int64(e) < 0)
			return rkt_error_set(err, EINVAL,
			                     "%s: %" PRId64 " is negative, group IDs are unsigned",
			                     path, json_object_get_int64(e));
		r = appc_json_get_int(e, path, 0, UINT32_MAX, &gid, err);
		if (r < 0)
			return r;
		app->supplementary_gids[app->n_supplementary_gids++] = (uint32_t)gid;
	}
	return 0;
}

static void mount_point_release(struct rkt_mount_point *m)
{
	free(m->name);
	free(m->path);
}

static int mount_point_parse(struct json_object *v, const char *field, void *dst,
                             struct rkt_error *err)
{
	/* MAN-21: name and path are required; Go checks them only in its CLI parser */
	static const struct json_field fields[] = {
		{ "name", json_type_string, appc_json_parse_string,
		  offsetof(struct rkt_mount_point, name), JSON_FIELD_REQUIRED },
		{ "path", json_type_string, appc_json_parse_string,
		  offsetof(struct rkt_mount_point, path), JSON_FIELD_REQUIRED },
		{ "readOnly", json_type_boolean, appc_json_parse_bool,
		  offsetof(struct rkt_mount_point, read_only), 0 },
		{},
	};

	return appc_json_dispatch(v, field, fields, dst, err);
}

static int parse_mount_points(struct json_object *v, const char *field, void *dst,
                              struct rkt_error *err)
{
	struct rkt_app *app = dst;

	return appc_json_parse_array(v, field, (void **)&app->mount_points, &app->n_mount_points,
	                             sizeof(*app->mount_points), mount_point_parse, err);
}

void appc_port_release(struct rkt_port *p)
{
	free(p->name);
	free(p->protocol);
}

int appc_port_parse(struct json_object *v, const char *field, void *dst, struct rkt_error *err)
{
	/* MAN-22: name, protocol and port are required; Go checks only the port range */
	static const struct json_field fields[] = {
		{ "name", json_type_string, appc_json_parse_string, offsetof(struct rkt_port, name),
		  JSON_FIELD_REQUIRED },
		{ "protocol", json_type_string, appc_json_parse_string,
		  offsetof(struct rkt_port, protocol), JSON_FIELD_REQUIRED },
		{ "port", json_type_int, appc_json_parse_u32, offsetof(struct rkt_port, port),
		  JSON_FIELD_REQUIRED },
		{ "count", json_type_int, appc_json_parse_u32, offsetof(struct rkt_port, count),
		  0 },
		{ "socketActivated", json_type_boolean, appc_json_parse_bool,
		  offsetof(struct rkt_port, socket_activated), 0 },
		{},
	};
	struct rkt_port *p = dst;
	int r;

	r = appc_json_dispatch(v, field, fields, dst, err);
	if (r < 0)
		return r;
	if (p->count == 0)
		p->count = 1;
	return 0;
}

static int parse_ports(struct json_object *v, const char *field, void *dst, struct rkt_error *err)
{
	struct rkt_app *app = dst;

	return appc_json_parse_array(v, field, (void **)&app->ports, &app->n_ports,
	                             sizeof(*app->ports), appc_port_parse, err);
}

static int isolator_parse(struct json_object *v, const char *field, void *dst,
                          struct rkt_error *err)
{
	return rkt_isolator_parse(v, field, dst, err);
}

int appc_isolators_parse(struct json_object *v, const char *field, void *dst, struct rkt_error *err)
{
	struct rkt_isolator_list *l = dst;

	rkt_isolator_list_release(l);
	return appc_json_parse_array(v, field, (void **)&l->items, &l->n, sizeof(*l->items),
	                             isolator_parse, err);
}

static const struct json_field app_fields[] = {
	{ "exec", json_type_array, parse_exec, 0, 0 },
	{ "eventHandlers", json_type_array, parse_event_handlers, 0, 0 },
	{ "user", json_type_string, appc_json_parse_string, offsetof(struct rkt_app, user),
	  JSON_FIELD_REQUIRED },
	{ "group", json_type_string, appc_json_parse_string, offsetof(struct rkt_app, group),
	  JSON_FIELD_REQUIRED },
	{ "supplementaryGIDs", json_type_array, parse_gids, 0, 0 },
	/* the spelling of the aci.md example (GEN-3, MAN-25) */
	{ "supplementaryGids", json_type_array, parse_gids, 0, JSON_FIELD_ALIAS },
	{ "workingDirectory", json_type_string, appc_json_parse_string,
	  offsetof(struct rkt_app, working_directory), 0 },
	{ "environment", json_type_array, appc_kv_list_parse, offsetof(struct rkt_app, environment),
	  0 },
	{ "mountPoints", json_type_array, parse_mount_points, 0, 0 },
	{ "ports", json_type_array, parse_ports, 0, 0 },
	{ "isolators", json_type_array, appc_isolators_parse, offsetof(struct rkt_app, isolators),
	  0 },
	{ "userAnnotations", json_type_object, appc_string_map_parse,
	  offsetof(struct rkt_app, user_annotations), 0 },
	{ "userLabels", json_type_object, appc_string_map_parse,
	  offsetof(struct rkt_app, user_labels), 0 },
	{},
};

int appc_app_parse(struct json_object *v, const char *field, void *dst, struct rkt_error *err)
{
	struct rkt_app **ret = dst;
	_cleanup_(rkt_app_freep) struct rkt_app *app = xzalloc(sizeof(*app));
	int r;

	r = appc_json_dispatch(v, field, app_fields, app, err);
	if (r < 0)
		return r;
	/* Go writes "" as absent (omitempty) */
	if (app->working_directory && !*app->working_directory) {
		free(app->working_directory);
		app->working_directory = NULL;
	}
	rkt_app_free(*ret);
	*ret = TAKE_PTR(app);
	return 0;
}

int rkt_app_parse(struct json_object *obj, const char *field, struct rkt_app **ret,
                  struct rkt_error *err)
{
	_cleanup_(rkt_app_freep) struct rkt_app *app = NULL;
	int r;

	r = appc_app_parse(obj, field, &app, err);
	if (r < 0)
		return r;
	r = rkt_app_check(app, field, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(app);
	return 0;
}

static int required_string(const char *s, const char *field, const char *member,
                           struct rkt_error *err)
{
	if (!s)
		return rkt_error_set(err, EINVAL, "%s.%s: required field is missing", field,
		                     member);
	if (!*s)
		return rkt_error_set(err, EINVAL, "%s.%s: required field is empty", field, member);
	return 0;
}

static int event_handlers_check(const struct rkt_app *app, const char *field, struct rkt_error *err)
{
	for (size_t i = 0; i < app->n_event_handlers; i++) {
		const char *name = app->event_handlers[i].name;

		if (!name || (strcmp(name, "pre-start") != 0 && strcmp(name, "post-stop") != 0))
			return rkt_error_set(err, EINVAL,
			                     "%s.eventHandlers[%zu].name: \"%s\" is not an event "
			                     "(pre-start, post-stop)",
			                     field, i, name ? name : "");
		/* MAN-17: one handler per event */
		for (size_t j = 0; j < i; j++)
			if (strcmp(app->event_handlers[j].name, name) == 0)
				return rkt_error_set(err, EINVAL,
				                     "%s.eventHandlers[%zu].name: duplicate "
				                     "handler \"%s\" (see eventHandlers[%zu])",
				                     field, i, name, j);
	}
	return 0;
}

static int mount_points_check(const struct rkt_app *app, const char *field, struct rkt_error *err)
{
	_cleanup_free_ char *list = xasprintf("%s.mountPoints", field);

	for (size_t i = 0; i < app->n_mount_points; i++) {
		const struct rkt_mount_point *m = &app->mount_points[i];
		_cleanup_free_ char *path = appc_json_path_index(list, i);
		int r;

		r = appc_check_at(rkt_ac_name_check, m->name ? m->name : "", list, i, "name", err);
		if (r < 0)
			return r;
		r = required_string(m->path, path, "path", err);
		if (r < 0)
			return r;
	}
	return 0;
}

int appc_port_check(const struct rkt_port *p, const char *field, struct rkt_error *err)
{
	_cleanup_free_ char *name = appc_json_path_member(field, "name");
	uint32_t count = p->count ? p->count : 1;
	int r;

	r = rkt_ac_name_check(p->name ? p->name : "", name, err);
	if (r < 0)
		return r;
	r = required_string(p->protocol, field, "protocol", err);
	if (r < 0)
		return r;
	if (p->port < 1 || p->port > 65535)
		return rkt_error_set(err, EINVAL, "%s.port: %" PRIu32 " is not in 1..65535", field,
		                     p->port);
	if ((uint64_t)p->port + count - 1 > 65535)
		return rkt_error_set(err, EINVAL,
		                     "%s.count: %" PRIu32 " ports from %" PRIu32 " go beyond 65535",
		                     field, count, p->port);
	return 0;
}

static int ports_check(const struct rkt_app *app, const char *field, struct rkt_error *err)
{
	_cleanup_free_ char *list = xasprintf("%s.ports", field);

	for (size_t i = 0; i < app->n_ports; i++) {
		_cleanup_free_ char *path = appc_json_path_index(list, i);
		int r = appc_port_check(&app->ports[i], path, err);

		if (r < 0)
			return r;
	}
	return 0;
}

int rkt_app_check(const struct rkt_app *app, const char *field, struct rkt_error *err)
{
	_cleanup_free_ char *env = xasprintf("%s.environment", field);
	_cleanup_free_ char *isolators = xasprintf("%s.isolators", field);
	int r;

	/* MAN-14: exec may be absent or empty and its strings are not judged */
	r = event_handlers_check(app, field, err);
	if (r < 0)
		return r;
	r = required_string(app->user, field, "user", err);
	if (r < 0)
		return r;
	r = required_string(app->group, field, "group", err);
	if (r < 0)
		return r;
	if (app->working_directory && *app->working_directory) {
		_cleanup_free_ char *path = xasprintf("%s.workingDirectory", field);

		r = rkt_abs_path_check(app->working_directory, path, err);
		if (r < 0)
			return r;
	}
	r = appc_environment_check(&app->environment, env, err);
	if (r < 0)
		return r;
	r = mount_points_check(app, field, err);
	if (r < 0)
		return r;
	r = ports_check(app, field, err);
	if (r < 0)
		return r;
	return rkt_isolator_list_check(&app->isolators, isolators, err);
}

struct json_object *appc_port_to_json(const struct rkt_port *p)
{
	struct json_object *o = appc_json_new_object();

	/* Go's Port has no omitempty: every member is written */
	appc_json_add_string(o, "name", p->name ? p->name : "");
	appc_json_add_string(o, "protocol", p->protocol ? p->protocol : "");
	appc_json_add(o, "port", appc_json_new_int(p->port));
	appc_json_add(o, "count", appc_json_new_int(p->count ? p->count : 1));
	appc_json_add(o, "socketActivated", appc_json_new_bool(p->socket_activated));
	return o;
}

struct json_object *appc_isolators_to_json(const struct rkt_isolator_list *l)
{
	struct json_object *a;

	if (!l->items)
		return NULL;
	a = appc_json_new_array(l->n);
	for (size_t i = 0; i < l->n; i++) {
		struct json_object *o = appc_json_new_object();

		appc_json_add_string(o, "name", l->items[i].name ? l->items[i].name : "");
		/* the value as written (Go keeps a json.RawMessage) */
		appc_json_add(o, "value", json_object_get(l->items[i].value));
		appc_json_array_add(a, o);
	}
	return a;
}

static struct json_object *exec_to_json(const struct rkt_strv *exec, bool present)
{
	if (!present)
		return NULL;
	if (!exec->items)
		return appc_json_new_array(0); /* present but empty */
	return appc_strv_to_json(exec);
}

struct json_object *rkt_app_to_json(const struct rkt_app *app)
{
	struct json_object *o = appc_json_new_object();

	/* member order and omitempty as in Go's types.App; exec is not omitempty */
	appc_json_add(o, "exec", exec_to_json(&app->exec, app->has_exec));
	if (app->n_event_handlers > 0) {
		struct json_object *a = appc_json_new_array(app->n_event_handlers);

		for (size_t i = 0; i < app->n_event_handlers; i++) {
			struct json_object *h = appc_json_new_object();

			appc_json_add_string(h, "name", app->event_handlers[i].name);
			appc_json_add(h, "exec", appc_strv_to_json(&app->event_handlers[i].exec));
			appc_json_array_add(a, h);
		}
		appc_json_add(o, "eventHandlers", a);
	}
	appc_json_add_string(o, "user", app->user ? app->user : "");
	appc_json_add_string(o, "group", app->group ? app->group : "");
	if (app->n_supplementary_gids > 0) {
		struct json_object *a = appc_json_new_array(app->n_supplementary_gids);

		for (size_t i = 0; i < app->n_supplementary_gids; i++)
			appc_json_array_add(a, appc_json_new_int(app->supplementary_gids[i]));
		appc_json_add(o, "supplementaryGIDs", a);
	}
	if (app->working_directory && *app->working_directory)
		appc_json_add_string(o, "workingDirectory", app->working_directory);
	if (app->environment.n > 0)
		appc_json_add(o, "environment", appc_kv_list_to_json(&app->environment));
	if (app->n_mount_points > 0) {
		struct json_object *a = appc_json_new_array(app->n_mount_points);

		for (size_t i = 0; i < app->n_mount_points; i++) {
			const struct rkt_mount_point *m = &app->mount_points[i];
			struct json_object *mp = appc_json_new_object();

			appc_json_add_string(mp, "name", m->name ? m->name : "");
			appc_json_add_string(mp, "path", m->path ? m->path : "");
			if (m->read_only)
				appc_json_add(mp, "readOnly", appc_json_new_bool(true));
			appc_json_array_add(a, mp);
		}
		appc_json_add(o, "mountPoints", a);
	}
	if (app->n_ports > 0) {
		struct json_object *a = appc_json_new_array(app->n_ports);

		for (size_t i = 0; i < app->n_ports; i++)
			appc_json_array_add(a, appc_port_to_json(&app->ports[i]));
		appc_json_add(o, "ports", a);
	}
	if (app->isolators.n > 0)
		appc_json_add(o, "isolators", appc_isolators_to_json(&app->isolators));
	if (app->user_annotations.n > 0)
		appc_json_add(o, "userAnnotations",
		              appc_string_map_to_json(&app->user_annotations));
	if (app->user_labels.n > 0)
		appc_json_add(o, "userLabels", appc_string_map_to_json(&app->user_labels));
	return o;
}

struct rkt_app *rkt_app_free(struct rkt_app *app)
{
	if (!app)
		return NULL;
	rkt_strv_release(&app->exec);
	for (size_t i = 0; i < app->n_event_handlers; i++)
		event_handler_release(&app->event_handlers[i]);
	free(app->event_handlers);
	free(app->user);
	free(app->group);
	free(app->supplementary_gids);
	free(app->working_directory);
	rkt_kv_list_release(&app->environment);
	for (size_t i = 0; i < app->n_mount_points; i++)
		mount_point_release(&app->mount_points[i]);
	free(app->mount_points);
	for (size_t i = 0; i < app->n_ports; i++)
		appc_port_release(&app->ports[i]);
	free(app->ports);
	rkt_isolator_list_release(&app->isolators);
	rkt_kv_list_release(&app->user_annotations);
	rkt_kv_list_release(&app->user_labels);
	free(app);
	return NULL;
}
