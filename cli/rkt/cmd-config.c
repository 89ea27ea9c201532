/* rkt config [--pretty-print=BOOL]: the configuration merged from --system-config,
 * --local-config and --user-config (rkt/rkt Documentation/configuration.md) as {"stage0": [...]}:
 * one auth entry per domain, one dockerAuth entry per registry, then paths and stage1. Later
 * directories override earlier ones per domain, registry or field; --dir overrides paths "data". */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rkt.h"
#include "util/json-util.h"

struct config {
	struct json_object *auth;   /* domain -> entry */
	struct json_object *docker; /* registry -> entry */
	struct json_object *paths;
	struct json_object *stage1;
};

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return rkt_json_get(o, key, json_type_string, &v) ? json_object_get_string(v) : NULL;
}

/* Adds one entry per name of ARRAY_KEY ("domains", "registries") to MAP, copying ENTRY with
 * that single name. */
static void split_entry(struct json_object *map, struct json_object *entry, const char *array_key)
{
	struct json_object *names;

	if (!rkt_json_get(entry, array_key, json_type_array, &names))
		return;
	for (size_t i = 0; i < json_object_array_length(names); i++) {
		struct json_object *n = json_object_array_get_idx(names, i), *copy = NULL;

		if (!json_object_is_type(n, json_type_string))
			continue;
		json_object_deep_copy(entry, &copy, NULL);
		struct json_object *one = json_object_new_array();
		json_object_array_add(one, json_object_get(n));
		json_object_object_add(copy, array_key, one);
		json_object_object_add(map, json_object_get_string(n), copy);
	}
}

static void merge_fields(struct json_object *into, struct json_object *from,
                         const char *const *keys)
{
	for (; *keys; keys++) {
		const char *v = get_str(from, *keys);

		if (v)
			json_object_object_add(into, *keys, json_object_new_string(v));
	}
}

static int read_entry(struct config *c, int dir_fd, const char *name, const char *path,
                      struct rkt_error *err)
{
	static const char *const path_keys[] = { "data", "stage1-images", NULL };
	static const char *const stage1_keys[] = { "name", "version", "location", NULL };
	_cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL, *what = xasprintf("config '%s/%s'", path, name);
	struct json_object *o = NULL;
	struct stat st;
	const char *kind;
	int r;

	if (fd < 0 || fstat(fd, &st) < 0)
		return rkt_error_set(err, errno, "%s", what);
	if (st.st_size > RKT_JSON_MAX_SIZE)
		return rkt_error_set(err, EINVAL, "%s: too large", what);
	buf = xmalloc((size_t)st.st_size + 1);
	ssize_t n = read(fd, buf, (size_t)st.st_size);
	if (n < 0)
		return rkt_error_set(err, errno, "%s", what);
	r = rkt_json_parse(buf, (size_t)n, what, &o, err);
	if (r < 0)
		return r;
	kind = get_str(o, "rktKind");
	if (!kind || !get_str(o, "rktVersion") || strcmp(get_str(o, "rktVersion"), "v1") != 0)
		r = rkt_error_set(err, EINVAL, "%s: needs rktKind and rktVersion \"v1\"", what);
	else if (strcmp(kind, "auth") == 0)
		split_entry(c->auth, o, "domains");
	else if (strcmp(kind, "dockerAuth") == 0)
		split_entry(c->docker, o, "registries");
	else if (strcmp(kind, "paths") == 0)
		merge_fields(c->paths, o, path_keys);
	else if (strcmp(kind, "stage1") == 0)
		merge_fields(c->stage1, o, stage1_keys);
	else
		r = rkt_error_set(err, EINVAL, "%s: unknown rktKind \"%s\"", what, kind);
	json_object_put(o);
	return r;
}

static int read_dir(struct config *c, const char *base, const char *sub, struct rkt_error *err)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", base, sub);
	_cleanup_closedir_ DIR *d = opendir(path);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int r = 0;

	if (!d)
		return errno == ENOENT || errno == ENOTDIR
		               ? 0
		               : rkt_error_set(err, errno, "'%s'", path);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		/* Only *.json files directly inside the kind's directory. */
		if (len <= 5 || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		xgrow((void **)&names, &cap, n + 1, sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		if (r >= 0)
			r = read_entry(c, dirfd(d), names[i], path, err);
		free(names[i]);
	}
	free(names);
	return r;
}

static void append_values(struct json_object *arr, struct json_object *map)
{
	json_object_object_foreach (map, key, val) {
		(void)key;
		json_object_array_add(arr, json_object_get(val));
	}
}

static struct json_object *entry(const char *kind, struct json_object *fields)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "rktVersion", json_object_new_string("v1"));
	json_object_object_add(o, "rktKind", json_object_new_string(kind));
	json_object_object_foreach (fields, key, val)
		json_object_object_add(o, key, json_object_get(val));
	return o;
}

int cmd_config(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	enum { OPT_PRETTY = 256 };
	static const struct option options[] = {
		{ "pretty-print", optional_argument, NULL, OPT_PRETTY }, {}
	};
	const char *dirs[] = { ctx->system_config, ctx->local_config, ctx->user_config };
	struct config c = {
		.auth = json_object_new_object(),
		.docker = json_object_new_object(),
		.paths = json_object_new_object(),
		.stage1 = json_object_new_object(),
	};
	bool pretty = true;
	int ch, r = 0;

	optind = 0;
	while ((ch = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (ch != OPT_PRETTY)
			r = cli_getopt_error("config", ch, argc, argv, err);
		else if (optarg && rkt_parse_bool(optarg, &pretty) < 0)
			r = rkt_error_set(err, EINVAL,
			                  "config: --pretty-print: '%s' is not a boolean", optarg);
		if (r < 0)
			break;
	}
	json_object_object_add(c.paths, "data", json_object_new_string(RKT_DEFAULT_DIR));
	json_object_object_add(c.paths, "stage1-images",
	                       json_object_new_string(RKT_DEFAULT_STAGE1_IMAGES));
	for (size_t i = 0; r >= 0 && i < ELEMENTSOF(dirs); i++) {
		static const char *const subs[] = { "auth.d", "paths.d", "stage1.d" };

		for (size_t j = 0; r >= 0 && dirs[i] && dirs[i][0] && j < ELEMENTSOF(subs); j++)
			r = read_dir(&c, dirs[i], subs[j], err);
	}
	if (r >= 0) {
		struct json_object *root = json_object_new_object(), *arr = json_object_new_array();

		if (ctx->dir_set)
			json_object_object_add(c.paths, "data", json_object_new_string(ctx->dir));
		append_values(arr, c.auth);
		append_values(arr, c.docker);
		json_object_array_add(arr, entry("paths", c.paths));
		if (json_object_object_length(c.stage1))
			json_object_array_add(arr, entry("stage1", c.stage1));
		json_object_object_add(root, "stage0", arr);
		_cleanup_free_ char *s = rkt_json_format(root, pretty);
		printf("%s\n", s);
		json_object_put(root);
	}
	json_object_put(c.auth);
	json_object_put(c.docker);
	json_object_put(c.paths);
	json_object_put(c.stage1);
	return r;
}
