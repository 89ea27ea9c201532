/* Shared by the pod commands: lookups, times, tables, JSON (see pod-util.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>

#include "pod/layout.h"
#include "pod/network.h"
#include <time.h>

#include "pod-util.h"
#include "util/json-util.h"

int cli_pod_find(struct cli_ctx *ctx, const char *cmd, const char *arg, const char *uuid_file,
                 struct rkt_pod **ret, struct rkt_error *err)
{
	_cleanup_free_ char *buf = NULL;
	int r;

	if (!arg) {
		if (!uuid_file)
			return rkt_error_set(err, EINVAL, "%s: expected a pod UUID", cmd);
		r = rkt_read_file_at(AT_FDCWD, uuid_file, &buf, NULL, err);
		if (r < 0)
			return rkt_error_wrap(err, r, "%s: --uuid-file", cmd);
		buf[strcspn(buf, "\r\n")] = '\0';
		arg = buf;
	}
	r = rkt_pod_find(ctx->dir, arg, ret, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "%s", cmd);
	return 0;
}

int cli_each_pod(struct cli_ctx *ctx, const char *cmd, char **args, int n, const char *uuid_file,
                 cli_pod_fn fn, void *userdata, struct rkt_error *err)
{
	struct rkt_error first = { 0 };
	size_t failed = 0;

	if ((n > 0) == !!uuid_file)
		return rkt_error_set(err, EINVAL, "%s: expected pod UUIDs or --uuid-file", cmd);
	for (int i = 0; i < (n ? n : 1); i++) {
		_cleanup_(rkt_pod_freep) struct rkt_pod *pod = NULL;
		struct rkt_error e = { 0 };
		int r;

		r = cli_pod_find(ctx, cmd, n ? args[i] : NULL, uuid_file, &pod, &e);
		if (r >= 0)
			r = fn(ctx, pod, userdata, &e);
		if (r < 0 && failed++ == 0)
			first = e;
	}
	if (!failed)
		return 0;
	*err = first;
	if (failed == 1)
		return -first.code;
	return rkt_error_wrap(err, -first.code, "%s: %zu pods failed", cmd, failed);
}

char *cli_time_ago(int64_t ns, int64_t now)
{
	/* go-humanize's default magnitudes: below LIMIT seconds, print SECONDS / UNIT UNITs. */
	static const struct {
		int64_t limit, unit;
		const char *one, *many;
	} mags[] = {
		{ 1, 1, "now", NULL },
		{ 60, 1, "1 second ago", "seconds" },
		{ 3600, 60, "1 minute ago", "minutes" },
		{ 86400, 3600, "1 hour ago", "hours" },
		{ 604800, 86400, "1 day ago", "days" },
		{ 2592000, 604800, "1 week ago", "weeks" },
		{ 31104000, 2592000, "1 month ago", "months" },
		{ INT64_MAX, 31104000, "1 year ago", "years" },
	};
	int64_t s = (now - ns) / 1000000000;
	size_t i = 0;

	if (s < 0)
		s = 0;
	while (s >= mags[i].limit)
		i++;
	if (!mags[i].many || s / mags[i].unit < 2)
		return xstrdup(mags[i].one);
	return xasprintf("%" PRId64 " %s ago", s / mags[i].unit, mags[i].many);
}

char *cli_time_go(int64_t ns)
{
	time_t sec = (time_t)(ns / 1000000000);
	int ms = (int)(ns / 1000000 % 1000);
	char day[32], zone[32], frac[5] = "";
	struct tm tm;

	localtime_r(&sec, &tm);
	(void)strftime(day, sizeof(day), "%Y-%m-%d %H:%M:%S", &tm);
	(void)strftime(zone, sizeof(zone), "%z %Z", &tm);
	/* ".999": up to three digits, trailing zeros dropped, nothing for zero */
	if (ms > 0) {
		int len = snprintf(frac, sizeof(frac), ".%03d", ms);

		while (len > 1 && frac[len - 1] == '0')
			frac[--len] = '\0';
	}
	return xasprintf("%s%s %s", day, frac, zone);
}

void cli_print_cells(char *const *cells, size_t rows, size_t cols)
{
	_cleanup_free_ size_t *w = xzalloc(sizeof(*w) * (cols ? cols : 1));
	_cleanup_(cli_strv_freep) char **esc = cli_escape_cells(cells, rows * cols);

	cells = esc;
	for (size_t i = 0; i < rows * cols; i++) {
		size_t len = strlen(cells[i]);

		if (len > w[i % cols])
			w[i % cols] = len;
	}
	for (size_t r = 0; r < rows; r++) {
		for (size_t c = 0; c < cols; c++) {
			const char *s = cells[r * cols + c];
			size_t at = strlen(s), end = (w[c] + 1 + 7) / 8 * 8;

			fputs(s, stdout);
			if (c + 1 < cols)
				for (; at < end; at = at / 8 * 8 + 8)
					putchar('\t');
		}
		putchar('\n');
	}
}

static char *name_version(const char *name, const struct rkt_kv_list *labels)
{
	const char *version = rkt_kv_list_get(labels, "version");

	return version ? xasprintf("%s:%s", name, version) : xstrdup(name);
}

char *cli_runtime_image_name(const struct rkt_pod *pod, const struct rkt_runtime_app *ra)
{
	const struct rkt_runtime_image *img = &ra->image;
	_cleanup_(rkt_image_manifest_freep) struct rkt_image_manifest *m = NULL;
	_cleanup_free_ char *path = NULL, *buf = NULL;
	size_t len = 0;

	if (img->name)
		return name_version(img->name, &img->labels);
	path = xasprintf("%s/%s/%s", RKT_POD_APPSINFO, ra->name, RKT_POD_APP_MANIFEST);
	if (rkt_read_file_at(pod->fd, path, &buf, &len, NULL) == 0 &&
	    rkt_image_manifest_parse(buf, len, path, &m, NULL) == 0 && m->name)
		return name_version(m->name, &m->labels);
	return xstrdup(img->id ? img->id : "");
}

static struct json_object *kv_object(const struct rkt_kv_list *l)
{
	struct json_object *o = json_object_new_object();

	for (size_t i = 0; i < l->n; i++)
		json_object_object_add(o, l->items[i].name,
		                       json_object_new_string(l->items[i].value));
	return o;
}

static struct json_object *app_json(const struct rkt_pod *pod, const struct rkt_runtime_app *ra)
{
	struct json_object *o = json_object_new_object();
	int code;
	bool has_code = rkt_pod_app_exit_code(pod, ra->name, &code, NULL) == 0;
	const char *state;

	if (pod->state == RKT_POD_STATE_RUNNING)
		state = has_code ? "exited" : "running";
	else if (has_code)
		state = "exited";
	else if (pod->state == RKT_POD_STATE_PREPARED || pod->state == RKT_POD_STATE_PREPARING)
		state = "created";
	else
		state = "unknown";
	json_object_object_add(o, "name", json_object_new_string(ra->name));
	json_object_object_add(o, "state", json_object_new_string(state));
	if (has_code)
		json_object_object_add(o, "exit_code", json_object_new_int(code));
	if (ra->image.id)
		json_object_object_add(o, "image_id", json_object_new_string(ra->image.id));
	if (ra->app && ra->app->user_annotations.n)
		json_object_object_add(o, "user_annotations",
		                       kv_object(&ra->app->user_annotations));
	if (ra->app && ra->app->user_labels.n)
		json_object_object_add(o, "user_labels", kv_object(&ra->app->user_labels));
	return o;
}

struct json_object *cli_pod_json(const struct rkt_pod *pod, const struct rkt_pod_manifest *m)
{
	struct json_object *o = json_object_new_object();
	int64_t created = 0, started = rkt_pod_started_time(pod);

	json_object_object_add(o, "name", json_object_new_string(pod->uuid));
	json_object_object_add(o, "state", json_object_new_string(rkt_pod_state_name(pod->state)));
	if (m && m->n_apps) {
		struct json_object *names = json_object_new_array();
		struct json_object *apps = json_object_new_array();

		for (size_t i = 0; i < m->n_apps; i++) {
			json_object_array_add(names, json_object_new_string(m->apps[i].name));
			json_object_array_add(apps, app_json(pod, &m->apps[i]));
		}
		json_object_object_add(o, "app_names", names);
		json_object_object_add(o, "apps", apps);
	}
	if (rkt_pod_created_time(pod, &created, NULL) == 0)
		json_object_object_add(o, "created_at", json_object_new_int64(created));
	if (started)
		json_object_object_add(o, "started_at", json_object_new_int64(started));
	struct json_object *nets = rkt_pod_net_info(pod);
	if (nets) {
		/* upstream's fields; the plugins' raw result stays in the pod */
		for (size_t i = 0; i < json_object_array_length(nets); i++)
			json_object_object_del(json_object_array_get_idx(nets, i), "result");
		json_object_object_add(o, "networks", nets);
	}
	if (m && m->user_annotations.n)
		json_object_object_add(o, "user_annotations", kv_object(&m->user_annotations));
	if (m && m->user_labels.n)
		json_object_object_add(o, "user_labels", kv_object(&m->user_labels));
	return o;
}

void cli_print_json(struct json_object *obj, bool pretty)
{
	_cleanup_free_ char *s = rkt_json_format(obj, pretty);

	printf("%s\n", s);
	json_object_put(obj);
}
