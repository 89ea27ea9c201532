/* rkt list [--full] [--no-legend] [--format=json|json-pretty]: every pod, one row per app, the
 * pod's columns on its first row only (rkt/rkt Documentation/subcommands/list.md). NETWORKS:
 * "NAME:ip4=ADDR" of each network address in net-info.json (docs/networking.md). */
#include <errno.h>
#include <string.h>

#include "pod-util.h"
#include "pod/network.h"

struct list_opts {
	bool full, no_legend;
	enum cli_format format;
};

const struct cli_flag list_flags[] = {
	CLI_FORMAT_FLAG(struct list_opts, format, "a table"),
	FLAG("full", CLI_FLAG_BOOL, struct list_opts, full, "false", "use long output format"),
	FLAG("no-legend", CLI_FLAG_BOOL, struct list_opts, no_legend, "false",
	     "suppress a legend with the list"),
	{},
};

static int parse_args(int argc, char **argv, struct list_opts *o, struct rkt_error *err)
{
	int r = cli_flags_parse(list_flags, "list", CLI_PARSE_INTERSPERSED, argc, argv, o, err);

	if (r > 0)
		return rkt_error_set(err, EINVAL, "list: unexpected argument '%s'", argv[1]);
	return r;
}

struct table {
	char **cells;
	size_t n, cap, cols;
};

static void put(struct table *t, char *s)
{
	xgrow((void **)&t->cells, &t->cap, t->n + 1, sizeof(*t->cells));
	t->cells[t->n++] = s;
}

static void add_pod_rows(struct table *t, const struct list_opts *o, const struct rkt_pod *pod,
                         const struct rkt_pod_manifest *m, int64_t now)
{
	int64_t created = 0, started = rkt_pod_started_time(pod);
	size_t n_apps = m && m->n_apps ? m->n_apps : 1;

	(void)rkt_pod_created_time(pod, &created, NULL);
	struct json_object *info =
	        pod->state == RKT_POD_STATE_RUNNING ? rkt_pod_net_info(pod) : NULL;
	_cleanup_free_ char *nets = rkt_pod_net_summary(info);
	json_object_put(info);
	for (size_t i = 0; i < n_apps; i++) {
		const struct rkt_runtime_app *ra = m && m->n_apps ? &m->apps[i] : NULL;
		bool first = i == 0;

		put(t,
		    first ? (o->full ? xstrdup(pod->uuid) : xstrndup(pod->uuid, 8)) : xstrdup(""));
		put(t, xstrdup(ra ? ra->name : "-"));
		put(t, ra ? cli_runtime_image_name(pod, ra) : xstrdup("-"));
		if (o->full)
			put(t, ra && ra->image.id ? xstrndup(ra->image.id, 19) : xstrdup("-"));
		put(t, xstrdup(first ? rkt_pod_state_name(pod->state) : ""));
		if (!first || !created)
			put(t, xstrdup(""));
		else
			put(t, o->full ? cli_time_go(created) : cli_time_ago(created, now));
		if (!first || !started)
			put(t, xstrdup(""));
		else
			put(t, o->full ? cli_time_go(started) : cli_time_ago(started, now));
		put(t, xstrdup(first ? nets : ""));
	}
}

int cmd_list(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	static const char *const legend[] = { "UUID",  "APP",     "IMAGE NAME", "IMAGE ID",
		                              "STATE", "CREATED", "STARTED",    "NETWORKS" };
	_cleanup_(rkt_strv_free_arrayp) char **uuids = NULL;
	struct list_opts o = { 0 };
	struct table t = { 0 };
	struct json_object *arr = NULL;
	int64_t now = rkt_now_ns();
	int r;

	r = parse_args(argc, argv, &o, err);
	if (r < 0)
		return r;
	r = rkt_pod_list_uuids(ctx->dir, &uuids, NULL, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "list");

	t.cols = o.full ? 8 : 7;
	if (o.format != CLI_FORMAT_TABBED)
		arr = json_object_new_array();
	else if (!o.no_legend)
		for (size_t i = 0; i < ELEMENTSOF(legend); i++)
			if (o.full || i != 3)
				put(&t, xstrdup(legend[i]));
	for (char **u = uuids; *u; u++) {
		_cleanup_(rkt_pod_freep) struct rkt_pod *pod = NULL;
		struct rkt_pod_manifest *m = NULL;

		if (rkt_pod_load(ctx->dir, *u, &pod, NULL) < 0)
			continue; /* removed while we looked */
		(void)rkt_pod_read_manifest(pod, &m, NULL);
		if (arr)
			json_object_array_add(arr, cli_pod_json(pod, m));
		else
			add_pod_rows(&t, &o, pod, m, now);
		rkt_pod_manifest_free(m);
	}
	if (arr) {
		cli_print_json(arr, o.format == CLI_FORMAT_JSON_PRETTY);
	} else {
		cli_print_cells(t.cells, t.n / t.cols, t.cols);
		for (size_t i = 0; i < t.n; i++)
			free(t.cells[i]);
		free(t.cells);
	}
	return 0;
}
