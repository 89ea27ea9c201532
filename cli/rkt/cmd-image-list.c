/* rkt image list: the images in the store as a table (upstream's columns ID NAME SIZE
 * IMPORT TIME LAST USED, tab-aligned like Go's tabwriter) or as JSON. */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rkt.h"
#include "util/json-util.h"
#include "util/time.h"

enum field { F_ID, F_NAME, F_IMPORTTIME, F_LASTUSED, F_SIZE, F_LATEST, F_ORIGIN, _F_MAX };
static const char *const field_names[_F_MAX] = { "id",   "name",   "importtime", "lastused",
	                                         "size", "latest", "origin" };
static const char *const field_titles[_F_MAX] = { "ID",   "NAME",   "IMPORT TIME", "LAST USED",
	                                          "SIZE", "LATEST", "ORIGIN" };

struct list_opts {
	bool no_legend, full, desc;
	enum cli_format format;
	enum field fields[_F_MAX];
	size_t n_fields;
	enum field sort[_F_MAX];
	size_t n_sort;
};

static int parse_fields(const char *s, enum field *out, size_t *n, const char *opt,
                        struct rkt_error *err)
{
	_cleanup_free_ char *copy = xstrdup(s);
	char *save = NULL;

	*n = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		size_t f;

		for (f = 0; f < _F_MAX; f++)
			if (strcmp(t, field_names[f]) == 0)
				break;
		if (f == _F_MAX || *n >= _F_MAX)
			return rkt_error_set(err, EINVAL,
			                     "image list: --%s: unknown field '%s' (id, name, "
			                     "importtime, lastused, size, latest, origin)",
			                     opt, t);
		out[(*n)++] = (enum field)f;
	}
	if (*n == 0)
		return rkt_error_set(err, EINVAL, "image list: --%s: no fields", opt);
	return 0;
}

enum { OPT_FIELDS = 1, OPT_SORT };

static int parse_field_flag(void *opts, const struct cli_flag *f, const char *value,
                            struct rkt_error *err)
{
	struct list_opts *o = opts;

	if (f->id == OPT_FIELDS)
		return parse_fields(value, o->fields, &o->n_fields, f->name, err);
	return parse_fields(value, o->sort, &o->n_sort, f->name, err);
}

static int parse_order(void *opts, const struct cli_flag *f, const char *value,
                       struct rkt_error *err)
{
	struct list_opts *o = opts;

	if (strcmp(value, "asc") && strcmp(value, "desc"))
		return rkt_error_set(err, EINVAL, "image list: --order: '%s' is not asc or desc",
		                     value);
	o->desc = strcmp(value, "desc") == 0;
	return 0;
}

const struct cli_flag image_list_flags[] = {
	{ .name = "fields",
	  .type = CLI_FLAG_CUSTOM,
	  .def = "id,name,size,importtime,lastused",
	  .help = "comma-separated list of fields to display. Accepted values: id, name, "
	          "importtime, lastused, size, latest, origin",
	  .parse = parse_field_flag,
	  .id = OPT_FIELDS },
	CLI_FORMAT_FLAG(struct list_opts, format, "a table"),
	FLAG("full", CLI_FLAG_BOOL, struct list_opts, full, "false", "use long output format"),
	FLAG("no-legend", CLI_FLAG_BOOL, struct list_opts, no_legend, "false",
	     "suppress a legend with the list"),
	{ .name = "order",
	  .type = CLI_FLAG_CUSTOM,
	  .def = "asc",
	  .help = "choose the sorting order if at least one sort field is provided (--sort). "
	          "Accepted values: \"asc\", \"desc\"",
	  .parse = parse_order,
	  .values = "asc desc" },
	{ .name = "sort",
	  .type = CLI_FLAG_CUSTOM,
	  .def = "importtime",
	  .help = "sort the output according to the provided comma-separated list of fields. "
	          "Accepted values: id, name, importtime, lastused, size, latest, origin",
	  .parse = parse_field_flag,
	  .id = OPT_SORT },
	{},
};

static int parse_args(int argc, char **argv, struct list_opts *o, struct rkt_error *err)
{
	int r = cli_flags_parse(image_list_flags, "image list", CLI_PARSE_INTERSPERSED, argc, argv,
	                        o, err);

	if (r > 0)
		return rkt_error_set(err, EINVAL, "image list: unexpected argument '%s'", argv[1]);
	return r;
}

static const struct list_opts *sort_opts;

/* Upstream's SIZE: the ACI as stored plus its extracted tree. */
static uint64_t total_size(const struct rkt_image_info *img)
{
	return img->size + img->tree_size;
}

static int cmp_field(const struct rkt_image_info *a, const struct rkt_image_info *b, enum field f)
{
	switch (f) {
	case F_ID:
		return strcmp(a->id, b->id);
	case F_NAME:
		return strcmp(a->name, b->name);
	case F_IMPORTTIME:
		return (a->import_time > b->import_time) - (a->import_time < b->import_time);
	case F_LASTUSED:
		return (a->last_used > b->last_used) - (a->last_used < b->last_used);
	case F_SIZE:
		return (total_size(a) > total_size(b)) - (total_size(a) < total_size(b));
	case F_ORIGIN:
		return strcmp(a->origin ?: "", b->origin ?: "");
	default:
		return (int)a->latest - (int)b->latest;
	}
}

static int cmp_images(const void *pa, const void *pb)
{
	for (size_t i = 0; i < sort_opts->n_sort; i++) {
		int c = cmp_field(pa, pb, sort_opts->sort[i]);

		if (c)
			return sort_opts->desc ? -c : c;
	}
	return 0;
}

/* go-humanize's IBytes. */
static char *human_size(uint64_t s)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)s;
	size_t e = 0;

	if (s < 10)
		return xasprintf("%" PRIu64 " B", s);
	while (v >= 1024 && e + 1 < ELEMENTSOF(units)) {
		v /= 1024;
		e++;
	}
	v = floor(v * 10 + 0.5) / 10;
	return xasprintf(v < 10 ? "%.1f %s" : "%.0f %s", v, units[e]);
}

/* go-humanize's Time: "3 minutes ago". */
static char *human_time(int64_t ns, int64_t now)
{
	static const struct {
		int64_t limit;
		int64_t div; /* 0: TEXT is the whole answer */
		const char *text;
	} steps[] = {
		{ 1, 0, "now" },
		{ 2, 0, "1 second ago" },
		{ 60, 1, "seconds" },
		{ 120, 0, "1 minute ago" },
		{ 3600, 60, "minutes" },
		{ 7200, 0, "1 hour ago" },
		{ 86400, 3600, "hours" },
		{ 172800, 0, "1 day ago" },
		{ 604800, 86400, "days" },
		{ 1209600, 0, "1 week ago" },
		{ 2592000, 604800, "weeks" },
		{ 5184000, 0, "1 month ago" },
		{ 31104000, 2592000, "months" },
		{ 46656000, 0, "1 year ago" },
		{ 62208000, 0, "2 years ago" },
		{ INT64_MAX, 31104000, "years" },
	};
	int64_t d = (now - ns) / 1000000000;

	if (d < 0)
		d = 0;
	for (size_t i = 0;; i++)
		if (d < steps[i].limit)
			return steps[i].div ? xasprintf("%" PRId64 " %s ago", d / steps[i].div,
			                                steps[i].text)
			                    : xstrdup(steps[i].text);
}

/* Go's "2006-01-02 15:04:05.999 -0700 MST". */
static char *full_time(int64_t ns)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;
	char date[64], zone[32], frac[8] = "";
	int ms = (int)(ns % 1000000000 / 1000000);

	localtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z %Z", &tm);
	if (ms) {
		(void)snprintf(frac, sizeof(frac), ".%03d", ms);
		for (size_t n = strlen(frac); frac[n - 1] == '0'; n--)
			frac[n - 1] = '\0';
	}
	return xasprintf("%s%s %s", date, frac, zone);
}

static char *display_name(const struct rkt_image_info *img)
{
	const char *version = rkt_kv_list_get(&img->labels, "version");

	return version ? xasprintf("%s:%s", img->name, version) : xstrdup(img->name);
}

static char *cell(const struct list_opts *o, const struct rkt_image_info *img, enum field f,
                  int64_t now)
{
	switch (f) {
	case F_ID:
		if (o->full)
			return xstrdup(img->id);
		/* upstream lists "sha512-" + 12 hex digits (rkt/rkt
		 * Documentation/subcommands/image.md) */
		return xasprintf("%.19s", img->id);
	case F_NAME:
		return display_name(img);
	case F_IMPORTTIME:
		return o->full ? full_time(img->import_time) : human_time(img->import_time, now);
	case F_LASTUSED:
		return o->full ? full_time(img->last_used) : human_time(img->last_used, now);
	case F_SIZE:
		return o->full ? xasprintf("%" PRIu64, total_size(img))
		               : human_size(total_size(img));
	case F_ORIGIN:
		return xstrdup(img->origin ?: "-");
	default:
		return xstrdup(img->latest ? "true" : "false");
	}
}

/* Go's tabwriter(minwidth 0, tabwidth 8, padding 1, padchar '\t'): every column but the last
 * is padded with tabs to a multiple of 8 at least one wider than its widest cell. */
static void print_table(const struct list_opts *o, char **cells, size_t rows)
{
	size_t width[_F_MAX] = { 0 };
	_cleanup_(cli_strv_freep) char **esc = cli_escape_cells(cells, rows * o->n_fields);

	cells = esc;
	for (size_t r = 0; r < rows; r++)
		for (size_t c = 0; c < o->n_fields; c++) {
			size_t len = strlen(cells[r * o->n_fields + c]);
			if (len > width[c])
				width[c] = len;
		}
	for (size_t r = 0; r < rows; r++) {
		for (size_t c = 0; c < o->n_fields; c++) {
			const char *s = cells[r * o->n_fields + c];

			fputs(s, stdout);
			if (c + 1 == o->n_fields)
				break;
			size_t col = (width[c] + 1 + 7) / 8 * 8;
			for (size_t at = strlen(s); at < col; at = (at / 8 + 1) * 8)
				putchar('\t');
		}
		putchar('\n');
	}
}

static void print_json(const struct rkt_image_info *imgs, size_t n, bool pretty)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();
		_cleanup_free_ char *name = display_name(&imgs[i]);

		json_object_object_add(o, "id", json_object_new_string(imgs[i].id));
		json_object_object_add(o, "name", json_object_new_string(name));
		json_object_object_add(o, "import_time",
		                       json_object_new_int64(imgs[i].import_time));
		json_object_object_add(o, "last_used_time",
		                       json_object_new_int64(imgs[i].last_used));
		json_object_object_add(o, "size",
		                       json_object_new_int64((int64_t)total_size(&imgs[i])));
		json_object_array_add(arr, o);
	}
	_cleanup_free_ char *s = rkt_json_format(arr, pretty);
	printf("%s\n", s);
	json_object_put(arr);
}

int cmd_image_list(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	struct list_opts o = {
		.fields = { F_ID, F_NAME, F_SIZE, F_IMPORTTIME, F_LASTUSED },
		.n_fields = 5,
		.sort = { F_IMPORTTIME },
		.n_sort = 1,
	};
	struct rkt_image_info *imgs = NULL;
	struct rkt_store *s;
	size_t n = 0;
	int r;

	r = parse_args(argc, argv, &o, err);
	if (r < 0)
		return r;
	r = cli_store(ctx, &s, err);
	if (r < 0)
		return r;
	r = rkt_store_list(s, &imgs, &n, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "image list");
	sort_opts = &o;
	if (n)
		qsort(imgs, n, sizeof(*imgs), cmp_images);

	if (o.format != CLI_FORMAT_TABBED) {
		print_json(imgs, n, o.format == CLI_FORMAT_JSON_PRETTY);
	} else {
		size_t rows = n + !o.no_legend, k = 0;
		char **cells = xmalloc_array(rows * o.n_fields + 1, sizeof(*cells));
		int64_t now = rkt_now_ns();

		if (!o.no_legend)
			for (size_t c = 0; c < o.n_fields; c++)
				cells[k++] = xstrdup(field_titles[o.fields[c]]);
		for (size_t i = 0; i < n; i++)
			for (size_t c = 0; c < o.n_fields; c++)
				cells[k++] = cell(&o, &imgs[i], o.fields[c], now);
		print_table(&o, cells, rows);
		for (size_t i = 0; i < k; i++)
			free(cells[i]);
		free(cells);
	}
	rkt_image_info_array_free(imgs, n);
	return 0;
}
