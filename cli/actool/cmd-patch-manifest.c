/* actool patch-manifest: copy an ACI with its manifest edited or replaced.
 *
 * Flags follow the reference tool (appc actool/manifest.go): --mounts, --ports and --isolators
 * add entries, --capability/--revoke-capability and --seccomp-mode replace the isolators of
 * their kind, and an empty flag value means "unchanged". Differences: every edit is validated
 * (the new manifest goes through the same checks as any manifest, and isolator values through
 * rkt_isolator_parse()), "default=true" in --isolators is a JSON boolean, --manifest files are
 * validated too, empty words in --exec are dropped, and the output may be written with any
 * compression. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "actool.h"

#define CAPS_RETAIN    "os/linux/capabilities-retain-set"
#define CAPS_REMOVE    "os/linux/capabilities-remove-set"
#define SECCOMP_REMOVE "os/linux/seccomp-remove-set"
#define SECCOMP_RETAIN "os/linux/seccomp-retain-set"

struct patch_manifest_opts {
	const char *manifest_file;
	const char *name;
	const char *exec;
	const char *user;
	const char *group;
	const char *supplementary_gids;
	const char *capability;
	const char *revoke_capability;
	const char *mounts;
	const char *ports;
	const char *isolators;
	const char *seccomp_mode;
	const char *seccomp_set;
	bool replace;
	struct rkt_aci_build_opts aci;
	const char *input;
	const char *output;
};

static bool is_set(const char *s)
{
	return s && *s;
}

/* Edits of the app, which need one to exist. */
static bool has_app_edits(const struct patch_manifest_opts *o)
{
	return is_set(o->user) || is_set(o->group) || is_set(o->supplementary_gids) ||
	       is_set(o->capability) || is_set(o->revoke_capability) || is_set(o->mounts) ||
	       is_set(o->ports) || is_set(o->isolators) || is_set(o->seccomp_mode) ||
	       is_set(o->seccomp_set);
}

static bool has_edits(const struct patch_manifest_opts *o)
{
	return is_set(o->name) || is_set(o->exec) || has_app_edits(o);
}

static int patch_manifest_parse_args(int argc, char **argv, struct patch_manifest_opts *opts,
                                     struct rkt_error *err)
{
	enum {
		OPT_MANIFEST = 0x100,
		OPT_NAME,
		OPT_EXEC,
		OPT_USER,
		OPT_GROUP,
		OPT_GIDS,
		OPT_CAPS,
		OPT_REVOKE_CAPS,
		OPT_MOUNTS,
		OPT_PORTS,
		OPT_ISOLATORS,
		OPT_SECCOMP_MODE,
		OPT_SECCOMP_SET,
		OPT_REPLACE,
		OPT_OVERWRITE,
		OPT_COMPRESSION,
		OPT_NO_COMPRESSION,
	};
	static const struct option options[] = {
		{ "manifest", required_argument, NULL, OPT_MANIFEST },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "exec", required_argument, NULL, OPT_EXEC },
		{ "user", required_argument, NULL, OPT_USER },
		{ "group", required_argument, NULL, OPT_GROUP },
		{ "supplementary-groups", required_argument, NULL, OPT_GIDS },
		{ "supplementary-gids", required_argument, NULL, OPT_GIDS },
		{ "capability", required_argument, NULL, OPT_CAPS },
		{ "revoke-capability", required_argument, NULL, OPT_REVOKE_CAPS },
		{ "mounts", required_argument, NULL, OPT_MOUNTS },
		{ "ports", required_argument, NULL, OPT_PORTS },
		{ "isolators", required_argument, NULL, OPT_ISOLATORS },
		{ "seccomp-mode", required_argument, NULL, OPT_SECCOMP_MODE },
		{ "seccomp-set", required_argument, NULL, OPT_SECCOMP_SET },
		{ "replace", no_argument, NULL, OPT_REPLACE },
		{ "overwrite", no_argument, NULL, OPT_OVERWRITE },
		{ "compression", required_argument, NULL, OPT_COMPRESSION },
		{ "no-compression", no_argument, NULL, OPT_NO_COMPRESSION },
		{}
	};
	int c, r;

	while ((c = actool_getopt(argc, argv, options)) != -1) {
		switch (c) {
		case OPT_MANIFEST:
			opts->manifest_file = optarg;
			break;
		case OPT_NAME:
			opts->name = optarg;
			break;
		case OPT_EXEC:
			opts->exec = optarg;
			break;
		case OPT_USER:
			opts->user = optarg;
			break;
		case OPT_GROUP:
			opts->group = optarg;
			break;
		case OPT_GIDS:
			opts->supplementary_gids = optarg;
			break;
		case OPT_CAPS:
			opts->capability = optarg;
			break;
		case OPT_REVOKE_CAPS:
			opts->revoke_capability = optarg;
			break;
		case OPT_MOUNTS:
			opts->mounts = optarg;
			break;
		case OPT_PORTS:
			opts->ports = optarg;
			break;
		case OPT_ISOLATORS:
			opts->isolators = optarg;
			break;
		case OPT_SECCOMP_MODE:
			opts->seccomp_mode = optarg;
			break;
		case OPT_SECCOMP_SET:
			opts->seccomp_set = optarg;
			break;
		case OPT_REPLACE:
			opts->replace = true;
			break;
		case OPT_OVERWRITE:
			opts->aci.overwrite = true;
			break;
		case OPT_COMPRESSION:
		case OPT_NO_COMPRESSION:
			r = actool_parse_compression(c == OPT_COMPRESSION ? optarg : "none",
			                             &opts->aci.compression, err);
			if (r != 0)
				return r;
			break;
		default:
			return actool_getopt_error("patch-manifest", c, argc, argv, err);
		}
	}

	if (opts->replace && opts->aci.overwrite)
		return actool_usage_error(err, "patch-manifest: --replace and --overwrite exclude "
		                               "each other");
	if (opts->replace && argc - optind != 1)
		return actool_usage_error(err, "patch-manifest: expected one file with --replace");
	if (!opts->replace && argc - optind != 2)
		return actool_usage_error(err, "patch-manifest: expected an input and an output "
		                               "file (or --replace)");
	if (is_set(opts->manifest_file) && has_edits(opts))
		return actool_usage_error(err, "patch-manifest: --manifest excludes the other "
		                               "manifest editing options");
	if (is_set(opts->capability) && is_set(opts->revoke_capability))
		return actool_usage_error(err, "patch-manifest: --capability and "
		                               "--revoke-capability exclude each other");
	if (is_set(opts->seccomp_set) && !is_set(opts->seccomp_mode))
		return actool_usage_error(err,
		                          "patch-manifest: --seccomp-set needs --seccomp-mode");

	opts->input = argv[optind];
	opts->output = opts->replace ? argv[optind] : argv[optind + 1];
	/* The library writes a temporary file and renames it over the input. */
	if (opts->replace)
		opts->aci.overwrite = true;
	return 0;
}

/* A "NAME,key=value,..." word of --mounts, --ports or --isolators (the reference tool's
 * syntax: the first part is the name, every other part a key=value pair). */
#define SPEC_MAX_KEYS 8
struct spec {
	char *buf; /* the word, split in place */
	size_t n;
	const char *keys[SPEC_MAX_KEYS];
	const char *values[SPEC_MAX_KEYS];
};

static void spec_release(struct spec *s)
{
	free(s->buf);
}

static int spec_parse(const char *flag, const char *word, struct spec *ret, struct rkt_error *err)
{
	char *part, *next;

	ret->buf = xstrdup(word);
	ret->n = 0;
	for (part = ret->buf; part; part = next) {
		char *eq;

		next = strchr(part, ',');
		if (next)
			*next++ = '\0';
		if (ret->n == SPEC_MAX_KEYS)
			return rkt_error_set(err, EINVAL, "%s: '%s': too many parameters", flag,
			                     word);
		if (part == ret->buf) {
			ret->keys[0] = "name";
			ret->values[0] = part;
			ret->n = 1;
			continue;
		}
		eq = strchr(part, '=');
		if (!eq || eq == part)
			return rkt_error_set(err, EINVAL, "%s: '%s': '%s' is not key=value", flag,
			                     word, part);
		*eq = '\0';
		for (size_t i = 0; i < ret->n; i++)
			if (strcmp(ret->keys[i], part) == 0)
				return rkt_error_set(err, EINVAL, "%s: '%s': '%s' given twice",
				                     flag, word, part);
		ret->keys[ret->n] = part;
		ret->values[ret->n] = eq + 1;
		ret->n++;
	}
	return 0;
}

/* Splits S at SEP into a new string list; empty words are kept only if KEEP_EMPTY. */
static void split(const char *s, char sep, bool keep_empty, struct rkt_strv *ret)
{
	while (s) {
		const char *end = strchr(s, sep);
		size_t len = end ? (size_t)(end - s) : strlen(s);

		if (len > 0 || keep_empty) {
			_cleanup_free_ char *word = xstrndup(s, len);

			rkt_strv_push(ret, word);
		}
		s = end ? end + 1 : NULL;
	}
}

static void replace_string(char **dst, const char *s)
{
	free(*dst);
	*dst = xstrdup(s);
}

static void isolators_append(struct rkt_isolator_list *l, struct rkt_isolator *iso)
{
	l->items = xrealloc_array(l->items, l->n + 1, sizeof(*l->items));
	l->items[l->n++] = *iso;
	memset(iso, 0, sizeof(*iso));
}

/* What the reference tool's Isolators.ReplaceIsolatorsByName() does: drop every isolator named
 * A or B, then append ISO. */
static void isolators_replace(struct rkt_isolator_list *l, const char *a, const char *b,
                              struct rkt_isolator *iso)
{
	size_t j = 0;

	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->items[i].name, a) == 0 || strcmp(l->items[i].name, b) == 0)
			rkt_isolator_release(&l->items[i]);
		else
			l->items[j++] = l->items[i];
	}
	l->n = j;
	isolators_append(l, iso);
}

/* Runs {"name": NAME, "value": VALUE} (VALUE consumed) through the isolator parser. */
static int isolator_new(const char *flag, const char *name, struct json_object *value,
                        struct rkt_isolator *ret, struct rkt_error *err)
{
	_cleanup_(json_object_putp) struct json_object *obj = json_object_new_object();
	int r;

	json_object_object_add(obj, "name", json_object_new_string(name));
	json_object_object_add(obj, "value", value);
	r = rkt_isolator_parse(obj, flag, ret, err);
	return r < 0 ? r : 0;
}

static struct json_object *json_string_array(const char *list)
{
	struct json_object *a = json_object_new_array();
	_cleanup_(rkt_strv_release) struct rkt_strv v = { 0 };

	split(list, ',', true, &v);
	for (size_t i = 0; i < v.n; i++)
		json_object_array_add(a, json_object_new_string(v.items[i]));
	return a;
}

static int patch_capabilities(const struct patch_manifest_opts *opts, struct rkt_app *app,
                              struct rkt_error *err)
{
	bool is_retain = is_set(opts->capability);
	const char *flag = is_retain ? "--capability" : "--revoke-capability";
	struct json_object *value = json_object_new_object();
	struct rkt_isolator iso = { 0 };
	int r;

	json_object_object_add(
	        value, "set",
	        json_string_array(is_retain ? opts->capability : opts->revoke_capability));
	r = isolator_new(flag, is_retain ? CAPS_RETAIN : CAPS_REMOVE, value, &iso, err);
	if (r < 0)
		return r;
	isolators_replace(&app->isolators, CAPS_RETAIN, CAPS_REMOVE, &iso);
	return 0;
}

static int patch_seccomp(const struct patch_manifest_opts *opts, struct rkt_app *app,
                         struct rkt_error *err)
{
	_cleanup_(rkt_strv_release) struct rkt_strv args = { 0 };
	const char *mode = NULL, *errno_name = "";
	struct json_object *value;
	struct rkt_isolator iso = { 0 };
	int r;

	split(opts->seccomp_mode, ',', true, &args);
	for (size_t i = 0; i < args.n; i++) {
		const char *a = args.items[i];

		if (strncmp(a, "errno=", 6) == 0)
			errno_name = a + 6;
		else if (strchr(a, '='))
			return rkt_error_set(err, EINVAL, "--seccomp-mode: unknown argument '%s'",
			                     a);
		else
			mode = a;
	}
	if (!mode || (strcmp(mode, "remove") != 0 && strcmp(mode, "retain") != 0))
		return rkt_error_set(err, EINVAL,
		                     "--seccomp-mode: '%s': the mode must be remove or retain",
		                     opts->seccomp_mode);
	value = json_object_new_object();
	json_object_object_add(value, "set", json_string_array(opts->seccomp_set ?: ""));
	json_object_object_add(value, "errno", json_object_new_string(errno_name));
	r = isolator_new("--seccomp-mode",
	                 strcmp(mode, "remove") == 0 ? SECCOMP_REMOVE : SECCOMP_RETAIN, value, &iso,
	                 err);
	if (r < 0)
		return r;
	isolators_replace(&app->isolators, SECCOMP_REMOVE, SECCOMP_RETAIN, &iso);
	return 0;
}

static int patch_mount(const char *word, struct rkt_app *app, struct rkt_error *err)
{
	_cleanup_(spec_release) struct spec spec = { 0 };
	struct rkt_mount_point mp = { 0 };
	const char *name = NULL, *path = NULL;
	int r;

	r = spec_parse("--mounts", word, &spec, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < spec.n; i++) {
		const char *k = spec.keys[i], *v = spec.values[i];

		if (strcmp(k, "name") == 0)
			name = v;
		else if (strcmp(k, "path") == 0)
			path = v;
		else if (strcmp(k, "readOnly") == 0) {
			if (rkt_parse_bool(v, &mp.read_only) < 0)
				return rkt_error_set(err, EINVAL,
				                     "--mounts: '%s': readOnly: '%s' is not a "
				                     "boolean",
				                     word, v);
		} else
			return rkt_error_set(err, EINVAL, "--mounts: '%s': unknown parameter '%s'",
			                     word, k);
	}
	r = rkt_ac_name_check(name, "--mounts", err);
	if (r < 0)
		return r;
	if (!is_set(path))
		return rkt_error_set(err, EINVAL, "--mounts: '%s': path must be set", word);
	mp.name = xstrdup(name);
	mp.path = xstrdup(path);
	app->mount_points = xrealloc_array(app->mount_points, app->n_mount_points + 1, sizeof(mp));
	app->mount_points[app->n_mount_points++] = mp;
	return 0;
}

static int port_number(const char *word, const char *key, const char *v, uint32_t *ret,
                       struct rkt_error *err)
{
	uint64_t n;

	if (actool_parse_uint(v, UINT16_MAX, &n) < 0)
		return rkt_error_set(err, EINVAL, "--ports: '%s': %s: '%s' is not a number 0..%u",
		                     word, key, v, UINT16_MAX);
	*ret = (uint32_t)n;
	return 0;
}

static int patch_port(const char *word, struct rkt_app *app, struct rkt_error *err)
{
	_cleanup_(spec_release) struct spec spec = { 0 };
	struct rkt_port port = { 0 };
	const char *name = NULL, *protocol = "";
	int r;

	r = spec_parse("--ports", word, &spec, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < spec.n; i++) {
		const char *k = spec.keys[i], *v = spec.values[i];

		r = 0;
		if (strcmp(k, "name") == 0)
			name = v;
		else if (strcmp(k, "protocol") == 0)
			protocol = v;
		else if (strcmp(k, "port") == 0)
			r = port_number(word, k, v, &port.port, err);
		else if (strcmp(k, "count") == 0)
			r = port_number(word, k, v, &port.count, err);
		else if (strcmp(k, "socketActivated") == 0) {
			if (rkt_parse_bool(v, &port.socket_activated) < 0)
				r = rkt_error_set(err, EINVAL,
				                  "--ports: '%s': socketActivated: '%s' is not a "
				                  "boolean",
				                  word, v);
		} else
			r = rkt_error_set(err, EINVAL, "--ports: '%s': unknown parameter '%s'",
			                  word, k);
		if (r < 0)
			return r;
	}
	r = rkt_ac_name_check(name, "--ports", err);
	if (r < 0)
		return r;
	if (port.port < 1 || port.port + (port.count ? port.count : 1) - 1 > UINT16_MAX)
		return rkt_error_set(err, EINVAL, "--ports: '%s': the ports must be in 1..65535",
		                     word);
	port.name = xstrdup(name);
	port.protocol = xstrdup(protocol);
	app->ports = xrealloc_array(app->ports, app->n_ports + 1, sizeof(port));
	app->ports[app->n_ports++] = port;
	return 0;
}

/* Parses the JSON value S (true, -500) of the --isolators word WORD. */
static int parse_json_value(const char *word, const char *s, struct json_object **ret,
                            struct rkt_error *err)
{
	_cleanup_(json_object_putp) struct json_object *array = NULL;
	_cleanup_free_ char *text = NULL;
	int r;

	/* Inside an array, so that a bare number or literal at the end of the input parses. */
	text = xasprintf("[%s]", s);
	r = rkt_json_parse(text, strlen(text), "--isolators", &array, err);
	if (r < 0 || json_object_array_length(array) != 1)
		return rkt_error_set(err, EINVAL, "--isolators: '%s': '%s' is not a JSON value",
		                     word, s);
	*ret = json_object_get(json_object_array_get_idx(array, 0));
	return 0;
}

/* "resource/NAME,key=value,..." or "os/linux/no-new-privileges,true" and
 * "os/linux/oom-score-adj,N", whose one parameter is a JSON value. */
static int patch_isolator(const char *word, struct rkt_app *app, struct rkt_error *err)
{
	_cleanup_(spec_release) struct spec spec = { 0 };
	_cleanup_free_ char *name = NULL;
	struct json_object *value = NULL;
	struct rkt_isolator iso = { 0 };
	enum rkt_isolator_type type;
	const char *comma = strchr(word, ',');
	int r;

	name = comma ? xstrndup(word, (size_t)(comma - word)) : xstrdup(word);
	r = rkt_ac_identifier_check(name, "--isolators", err);
	if (r < 0)
		return r;
	type = rkt_isolator_type_from_name(name);
	switch (type) {
	case RKT_ISOLATOR_NO_NEW_PRIVILEGES:
	case RKT_ISOLATOR_OOM_SCORE_ADJ:
		if (!comma || strchr(comma + 1, ','))
			return rkt_error_set(err, EINVAL, "--isolators: '%s': expected %s,VALUE",
			                     word, name);
		r = parse_json_value(word, comma + 1, &value, err);
		if (r < 0)
			return r;
		break;
	case RKT_ISOLATOR_RESOURCE_CPU:
	case RKT_ISOLATOR_RESOURCE_MEMORY:
	case RKT_ISOLATOR_RESOURCE_BLOCK_BANDWIDTH:
	case RKT_ISOLATOR_RESOURCE_BLOCK_IOPS:
	case RKT_ISOLATOR_RESOURCE_NETWORK_BANDWIDTH:
		r = spec_parse("--isolators", word, &spec, err);
		if (r < 0)
			return r;
		value = json_object_new_object();
		for (size_t i = 1; i < spec.n; i++) {
			bool b;

			if (strcmp(spec.keys[i], "default") != 0) {
				json_object_object_add(value, spec.keys[i],
				                       json_object_new_string(spec.values[i]));
				continue;
			}
			if (rkt_parse_bool(spec.values[i], &b) < 0) {
				json_object_put(value);
				return rkt_error_set(err, EINVAL,
				                     "--isolators: '%s': default: '%s' is not a "
				                     "boolean",
				                     word, spec.values[i]);
			}
			json_object_object_add(value, "default", json_object_new_boolean(b));
		}
		break;
	default:
		return rkt_error_set(err, EINVAL,
		                     "--isolators: isolator '%s' is not supported for patching "
		                     "(resource/*, os/linux/no-new-privileges and "
		                     "os/linux/oom-score-adj are)",
		                     name);
	}
	r = isolator_new("--isolators", name, value, &iso, err);
	if (r < 0)
		return r;
	isolators_append(&app->isolators, &iso);
	return 0;
}

/* Calls FN for each ':'-separated word of LIST. */
static int for_each_word(const char *list,
                         int (*fn)(const char *, struct rkt_app *, struct rkt_error *),
                         struct rkt_app *app, struct rkt_error *err)
{
	_cleanup_(rkt_strv_release) struct rkt_strv words = { 0 };
	int r;

	split(list, ':', true, &words);
	for (size_t i = 0; i < words.n; i++) {
		r = fn(words.items[i], app, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int patch_supplementary_gids(const char *list, struct rkt_app *app, struct rkt_error *err)
{
	_cleanup_(rkt_strv_release) struct rkt_strv words = { 0 };
	_cleanup_free_ uint32_t *gids = NULL;

	split(list, ',', true, &words);
	gids = xmalloc_array(words.n, sizeof(*gids));
	for (size_t i = 0; i < words.n; i++) {
		uint64_t v;

		if (actool_parse_uint(words.items[i], UINT32_MAX, &v) < 0)
			return rkt_error_set(err, EINVAL,
			                     "--supplementary-groups: '%s' is not a group ID",
			                     words.items[i]);
		gids[i] = (uint32_t)v;
	}
	free(app->supplementary_gids);
	app->supplementary_gids = TAKE_PTR(gids);
	app->n_supplementary_gids = words.n;
	return 0;
}

static int patch(const struct patch_manifest_opts *opts, struct rkt_image_manifest *m,
                 struct rkt_error *err)
{
	struct rkt_app *app;
	int r;

	if (is_set(opts->name)) {
		r = rkt_ac_identifier_check(opts->name, "--name", err);
		if (r < 0)
			return r;
		replace_string(&m->name, opts->name);
	}
	if (is_set(opts->exec)) {
		/* An image without an app gets one, as with the reference tool. */
		if (!m->app)
			m->app = xzalloc(sizeof(*m->app));
		rkt_strv_release(&m->app->exec);
		split(opts->exec, ' ', false, &m->app->exec);
		m->app->has_exec = true;
	}
	app = m->app;
	if (!app) {
		if (has_app_edits(opts))
			return rkt_error_set(err, EINVAL,
			                     "the manifest has no app, and no --exec to add one");
		return 0;
	}
	if (is_set(opts->user))
		replace_string(&app->user, opts->user);
	if (is_set(opts->group))
		replace_string(&app->group, opts->group);
	if (is_set(opts->supplementary_gids)) {
		r = patch_supplementary_gids(opts->supplementary_gids, app, err);
		if (r < 0)
			return r;
	}
	if (is_set(opts->capability) || is_set(opts->revoke_capability)) {
		r = patch_capabilities(opts, app, err);
		if (r < 0)
			return r;
	}
	if (is_set(opts->mounts)) {
		r = for_each_word(opts->mounts, patch_mount, app, err);
		if (r < 0)
			return r;
	}
	if (is_set(opts->ports)) {
		r = for_each_word(opts->ports, patch_port, app, err);
		if (r < 0)
			return r;
	}
	if (is_set(opts->seccomp_mode)) {
		r = patch_seccomp(opts, app, err);
		if (r < 0)
			return r;
	}
	if (is_set(opts->isolators)) {
		r = for_each_word(opts->isolators, patch_isolator, app, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int read_manifest_file(const char *path, struct rkt_image_manifest **ret,
                              struct rkt_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL, *what = NULL;
	size_t len;
	int r;

	fd = actool_open_input(path, err);
	if (fd < 0)
		return fd;
	r = actool_read_manifest(fd, path, &buf, &len, err);
	if (r < 0)
		return r;
	what = xasprintf("manifest '%s'", path);
	return rkt_image_manifest_parse(buf, len, what, ret, err);
}

int cmd_patch_manifest(int argc, char **argv, struct rkt_error *err)
{
	struct patch_manifest_opts opts = { .aci = { .compression = RKT_COMPRESSION_GZIP } };
	_cleanup_(rkt_aci_info_releasep) struct rkt_aci_info info = { 0 };
	_cleanup_(rkt_image_manifest_freep) struct rkt_image_manifest *m = NULL;
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *what = NULL;
	char id[RKT_IMAGE_ID_SIZE];
	int r;

	r = patch_manifest_parse_args(argc, argv, &opts, err);
	if (r != 0)
		return r;
	if (!opts.replace) {
		r = actool_check_aci_name(opts.output, err);
		if (r < 0)
			return r;
	}

	fd = actool_open_input(opts.input, err);
	if (fd < 0)
		return fd;
	what = xasprintf("'%s'", opts.input);
	r = rkt_aci_read(fd, what, NULL, &info, err);
	if (r < 0)
		return r;

	if (is_set(opts.manifest_file)) {
		r = read_manifest_file(opts.manifest_file, &m, err);
		if (r < 0)
			return r;
	} else {
		m = TAKE_PTR(info.manifest);
		r = patch(&opts, m, err);
		if (r < 0)
			return rkt_error_wrap(err, r, "patch the manifest of '%s'", opts.input);
		r = rkt_image_manifest_check(m, err);
		if (r < 0)
			return rkt_error_wrap(err, r, "patched manifest of '%s'", opts.input);
	}

	if (lseek(fd, 0, SEEK_SET) < 0)
		return rkt_error_set(err, errno, "rewind '%s'", opts.input);
	r = rkt_aci_rewrite_manifest(fd, what, opts.output, m, &opts.aci, id, err);
	if (r == -EEXIST)
		return rkt_error_set(err, EEXIST, "'%s' exists (use --overwrite to replace it)",
		                     opts.output);
	return r < 0 ? r : 0;
}
