/* Making pods from the command line and starting them (see pod-run.h). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isolate/isolate.h"
#include "mds/client.h"
#include "mds/mds.h"
#include "mds/server.h"
#include "pod-run.h"
#include "net/cni.h"
#include "pod/network.h"
#include "pod/prepare.h"
#include "pod/private-users.h"
#include "pod/spec.h"
#include "pod/stage1.h"
#include "store/tree.h"
#include "util/io.h"
#include "util/json-util.h"

extern char **environ;

#define POD_FLAG(n, t, i, d, h) ID_FLAG(n, t, i, d, h, 0)
#define MAKE_FLAGS                                                                               \
	POD_FLAG("stage1-path", CLI_FLAG_STRING, RUN_STAGE1_PATH, "",                            \
	         "path to a stage1 image (absolute or relative to the current directory)"),      \
	        POD_FLAG("stage1-name", CLI_FLAG_STRING, RUN_STAGE1_NAME, "",                    \
	                 "name of a stage1 image in the store or to discover"),                  \
	        POD_FLAG("stage1-hash", CLI_FLAG_STRING, RUN_STAGE1_HASH, "",                    \
	                 "hash (image ID) of a stage1 image in the store"),                      \
	        POD_FLAG("stage1-url", CLI_FLAG_STRING, RUN_STAGE1_URL, "",                      \
	                 "URL of a stage1 image"),                                               \
	        POD_FLAG("stage1-from-dir", CLI_FLAG_STRING, RUN_STAGE1_FROM_DIR, "",            \
	                 "file name of a stage1 image in the stage1 images directory"),          \
	        POD_FLAG("set-env", CLI_FLAG_STRING, RUN_SET_ENV, "",                            \
	                 "an environment variable to set for apps (NAME=VALUE)"),                \
	        POD_FLAG("set-env-file", CLI_FLAG_STRING, RUN_SET_ENV_FILE, "",                  \
	                 "path to an environment variables file"),                               \
	        POD_FLAG("inherit-env", CLI_FLAG_BOOL, RUN_INHERIT_ENV, "false",                 \
	                 "inherit all environment variables not set by apps"),                   \
	        POD_FLAG("volume", CLI_FLAG_STRING, RUN_VOLUME, "",                              \
	                 "volumes to make available in the pod (NAME,kind=host|empty,...)"),     \
	        POD_FLAG("no-overlay", CLI_FLAG_BOOL, RUN_NO_OVERLAY, "false",                   \
	                 "disable the overlay filesystem"),                                      \
	        POD_FLAG("private-users", CLI_FLAG_BOOL, RUN_PRIVATE_USERS, "false",             \
	                 "run the apps in a user namespace of their own (an unprivileged "       \
	                 "range of host ids)"),                                                  \
	        POD_FLAG("pod-manifest", CLI_FLAG_STRING, RUN_POD_MANIFEST, "",                  \
	                 "the path to the pod manifest; if not empty, other flags are ignored"), \
	        POD_FLAG("uuid-file-save", CLI_FLAG_STRING, RUN_UUID_FILE_SAVE, "",              \
	                 "write out the pod UUID to the specified file"),                        \
	        POD_FLAG("port", CLI_FLAG_STRING, RUN_PORT, "",                                  \
	                 "ports to forward: NAME:[HOSTIP:]HOSTPORT (a port of an image) or "     \
	                 "HOSTPORT:PODPORT[/tcp|udp]"),                                          \
	        POD_FLAG("pull-policy", CLI_FLAG_STRING, RUN_PULL_POLICY, "new",                 \
	                 "when to fetch an image: never (only the store), new (if not in the "   \
	                 "store), update (always)"),                                             \
	        POD_FLAG("store-only", CLI_FLAG_BOOL, RUN_STORE_ONLY, "false",                   \
	                 "use only available images in the store (deprecated: "                  \
	                 "--pull-policy=never)"),                                                \
	        POD_FLAG("no-store", CLI_FLAG_BOOL, RUN_NO_STORE, "false",                       \
	                 "fetch images, ignoring the local store (deprecated: "                  \
	                 "--pull-policy=update)")

#define RUNTIME_FLAGS                                                                         \
	{ .name = "net",                                                                      \
	  .type = CLI_FLAG_STRING,                                                            \
	  .def = "default",                                                                   \
	  .noopt = "default",                                                                 \
	  .help = "configure the pod's networking: default, default-restricted, host, none, " \
		  "all, or networks of net.d (NAME[:K=V;K2=V2],...)",                         \
	  .id = RUN_NET,                                                                      \
	  .values = "default default-restricted host none all" },                             \
	        POD_FLAG("hostname", CLI_FLAG_STRING, RUN_HOSTNAME, "",                       \
	                 "pod's hostname (default \"rkt-$PODUUID\")"),                        \
	        POD_FLAG("hosts-entry", CLI_FLAG_STRING, RUN_HOSTS_ENTRY, "",                 \
	                 "entries to add to the pod-wide /etc/hosts (IP=HOSTNAME, or host)"), \
	        POD_FLAG("dns", CLI_FLAG_STRING, RUN_DNS, "",                                 \
	                 "name servers to write in /etc/resolv.conf (IP, host or none)"),     \
	        POD_FLAG("dns-search", CLI_FLAG_STRING, RUN_DNS_SEARCH, "",                   \
	                 "DNS search domains to write in /etc/resolv.conf"),                  \
	        POD_FLAG("dns-opt", CLI_FLAG_STRING, RUN_DNS_OPT, "",                         \
	                 "DNS options to write in /etc/resolv.conf"),                         \
	        POD_FLAG("dns-domain", CLI_FLAG_STRING, RUN_DNS_DOMAIN, "",                   \
	                 "DNS domain to write in /etc/resolv.conf"),                          \
	        POD_FLAG("interactive", CLI_FLAG_BOOL, RUN_INTERACTIVE, "false",              \
	                 "run the pod interactively (one image only)"),                       \
	        POD_FLAG("mds-register", CLI_FLAG_BOOL, RUN_MDS_REGISTER, "false",            \
	                 "register the pod with the metadata service")

const struct cli_flag run_flags[] = { MAKE_FLAGS, RUNTIME_FLAGS, CLI_APP_FLAGS, {} };
const struct cli_flag prepare_flags[] = {
	MAKE_FLAGS,
	POD_FLAG("quiet", CLI_FLAG_BOOL, RUN_QUIET, "false", "suppress superfluous output"),
	CLI_APP_FLAGS,
	{},
};
const struct cli_flag run_prepared_flags[] = { RUNTIME_FLAGS, {} };

void runtime_opts_release(struct runtime_opts *o)
{
	free(o->net);
	free(o->hostname);
	rkt_strv_release(&o->dns);
	rkt_strv_release(&o->dns_search);
	rkt_strv_release(&o->dns_opt);
	rkt_strv_release(&o->dns_domain);
	rkt_strv_release(&o->hosts_entries);
}

void make_opts_release(struct make_opts *o)
{
	free(o->stage1_path);
	free(o->stage1_name);
	free(o->stage1_hash);
	free(o->stage1_url);
	free(o->stage1_from_dir);
	rkt_kv_list_release(&o->set_env);
	free(o->set_env_file);
	for (size_t i = 0; i < o->n_volumes; i++)
		json_object_put(o->volumes[i]);
	free(o->volumes);
	free(o->pod_manifest);
	free(o->uuid_file_save);
	for (size_t i = 0; i < o->n_ports; i++) {
		free(o->ports[i].name);
		free(o->ports[i].host_ip);
		if (o->ports[i].pod_port) {
			free(o->ports[i].pod_port->name);
			free(o->ports[i].pod_port->protocol);
			free(o->ports[i].pod_port);
		}
	}
	free(o->ports);
	app_list_release(&o->apps);
	runtime_opts_release(&o->rt);
}

/* Repeatable flags taking comma lists. */
static void push_list(struct rkt_strv *v, const char *s)
{
	_cleanup_free_ char *copy = xstrdup(s);
	char *save = NULL;

	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		rkt_strv_push(v, t);
}

static void replace(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

int runtime_flag(struct runtime_opts *o, const char *cmd, int id, const char *v,
                 struct rkt_error *err)
{
	switch (id) {
	case RUN_NET:
		replace(&o->net, v[0] ? v : "default");
		return 0;
	case RUN_HOSTNAME:
		replace(&o->hostname, v);
		return 0;
	case RUN_HOSTS_ENTRY:
		push_list(&o->hosts_entries, v);
		return 0;
	case RUN_DNS:
		push_list(&o->dns, v);
		return 0;
	case RUN_DNS_SEARCH:
		push_list(&o->dns_search, v);
		return 0;
	case RUN_DNS_OPT:
		push_list(&o->dns_opt, v);
		return 0;
	case RUN_DNS_DOMAIN:
		rkt_strv_push(&o->dns_domain, v);
		return 0;
	case RUN_INTERACTIVE:
		o->interactive = strcmp(v, "true") == 0;
		return 0;
	case RUN_MDS_REGISTER:
		o->mds_register = strcmp(v, "true") == 0;
		return 0;
	default:
		return rkt_error_set(err, EINVAL, "%s: flag %d not handled", cmd, id);
	}
}

static int make_flag(void *userdata, int id, const char *v, struct rkt_error *err)
{
	struct make_opts *o = userdata;
	struct json_object *vol = NULL;
	const char *eq;
	int r;

	switch (id) {
	case RUN_STAGE1_PATH:
		replace(&o->stage1_path, v);
		return 0;
	case RUN_STAGE1_NAME:
		replace(&o->stage1_name, v);
		return 0;
	case RUN_STAGE1_HASH:
		replace(&o->stage1_hash, v);
		return 0;
	case RUN_STAGE1_URL:
		replace(&o->stage1_url, v);
		return 0;
	case RUN_STAGE1_FROM_DIR:
		replace(&o->stage1_from_dir, v);
		return 0;
	case RUN_SET_ENV: {
		_cleanup_free_ char *name = NULL;

		eq = strchr(v, '=');
		if (!eq || eq == v)
			return rkt_error_set(err, EINVAL, "%s: --set-env '%s' is not NAME=VALUE",
			                     o->cmd, v);
		name = xstrndup(v, (size_t)(eq - v));
		rkt_kv_list_set(&o->set_env, name, eq + 1);
		return 0;
	}
	case RUN_SET_ENV_FILE:
		replace(&o->set_env_file, v);
		return 0;
	case RUN_INHERIT_ENV:
		o->inherit_env = strcmp(v, "true") == 0;
		return 0;
	case RUN_VOLUME:
		r = rkt_volume_arg_parse(v, &vol, err);
		if (r < 0)
			return rkt_error_wrap(err, r, "%s", o->cmd);
		o->volumes = xrealloc_array(o->volumes, o->n_volumes + 1, sizeof(*o->volumes));
		o->volumes[o->n_volumes++] = vol;
		return 0;
	case RUN_NO_OVERLAY:
		o->no_overlay = strcmp(v, "true") == 0;
		return 0;
	case RUN_PRIVATE_USERS:
		o->private_users = strcmp(v, "true") == 0;
		return 0;
	case RUN_POD_MANIFEST:
		replace(&o->pod_manifest, v);
		return 0;
	case RUN_UUID_FILE_SAVE:
		replace(&o->uuid_file_save, v);
		return 0;
	case RUN_PORT: {
		struct rkt_exposed_port p;
		r = rkt_port_arg_parse(v, &p, err);
		if (r < 0)
			return rkt_error_wrap(err, r, "%s", o->cmd);
		o->ports = xrealloc_array(o->ports, o->n_ports + 1, sizeof(*o->ports));
		o->ports[o->n_ports++] = p;
		return 0;
	}
	case RUN_PULL_POLICY:
		r = rkt_pull_policy_from_name(v, &o->pull_policy, err);
		return r < 0 ? rkt_error_wrap(err, r, "%s", o->cmd) : 0;
	case RUN_STORE_ONLY: /* deprecated: --pull-policy=never */
		o->store_only = strcmp(v, "true") == 0;
		return 0;
	case RUN_NO_STORE: /* deprecated: --pull-policy=update */
		o->no_store = strcmp(v, "true") == 0;
		return 0;
	case RUN_QUIET:
		o->quiet = strcmp(v, "true") == 0;
		return 0;
	default:
		return runtime_flag(&o->rt, o->cmd, id, v, err);
	}
}

int make_opts_parse(struct make_opts *o, int argc, char **argv, const struct cli_flag *flags,
                    struct rkt_error *err)
{
	int r;

	r = app_args_parse(o->cmd, argc, argv, flags, make_flag, o, true, &o->apps, err);
	if (r < 0)
		return r;
	if (o->pod_manifest && (o->apps.n || o->n_volumes || o->n_ports || o->set_env.n ||
	                        o->inherit_env || o->set_env_file || o->apps.n_mounts))
		return rkt_error_set(
		        err, EINVAL,
		        "%s: --pod-manifest conflicts with images, --volume, --port, --mount "
		        "and --*env* flags",
		        o->cmd);
	if (!o->pod_manifest && !o->apps.n)
		return rkt_error_set(err, EINVAL, "%s: expected at least one image", o->cmd);
	/* upstream: the deprecated flags override --pull-policy */
	if (o->store_only && o->no_store)
		return rkt_error_set(err, EINVAL, "%s: both --store-only and --no-store specified",
		                     o->cmd);
	if (o->store_only)
		o->pull_policy = RKT_PULL_POLICY_NEVER;
	if (o->no_store)
		o->pull_policy = RKT_PULL_POLICY_UPDATE;
	if (o->rt.interactive && o->apps.n > 1)
		return rkt_error_set(err, EINVAL, "%s: --interactive needs exactly one image",
		                     o->cmd);
	return runtime_opts_check(&o->rt, o->cmd, err);
}

static void dns_opts(const struct runtime_opts *o, struct rkt_pod_dns_opts *ret)
{
	*ret = (struct rkt_pod_dns_opts){ .dns = &o->dns,
		                          .search = &o->dns_search,
		                          .opt = &o->dns_opt,
		                          .domain = &o->dns_domain,
		                          .hosts_entries = &o->hosts_entries };
}

int runtime_opts_check(const struct runtime_opts *o, const char *cmd, struct rkt_error *err)
{
	struct rkt_pod_dns_opts d;
	struct rkt_pod_dns_plan p = { 0 };
	int r;

	if (o->net) {
		r = rkt_net_arg_check(o->net, o->local_config, err);
		if (r < 0)
			return rkt_error_wrap(err, r, "%s", cmd);
	}

	r = rkt_pod_hostname_check(o->hostname, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "%s", cmd);
	/* upstream: before anything is made, so that a pod is not left behind for nothing */
	if (o->mds_register) {
		r = rkt_mds_check(rkt_mds_socket_path(), err);
		if (r < 0)
			return rkt_error_wrap(err, r, "%s: --mds-register", cmd);
	}
	dns_opts(o, &d);
	r = rkt_pod_dns_plan(&d, &p, err);
	rkt_pod_dns_plan_release(&p);
	return r < 0 ? rkt_error_wrap(err, r, "%s", cmd) : 0;
}

/* ---- stage1 image ---- */

/* Directory of the running rkt binary. */
static char *exe_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0)
		return xstrdup(".");
	buf[n] = '\0';
	return xstrdup(dirname(buf));
}

/* The default stage1 ACI named FILE: next to the rkt binary, in the build tree
 * (<build>/cli/rkt/rkt -> <build>/stage1/), in the stage1 images directory of an installed rkt
 * found from the binary's own directory (BINDIR/../LIBDIR/rkt/stage1-images, so that a
 * `meson install --destdir` tree works where it is), or in that directory's compiled-in path. */
static char *find_stage1_file(const char *file)
{
	_cleanup_free_ char *dir = exe_dir();
	_cleanup_free_ char *installed = rkt_config_installed_stage1_images_dir(dir);
	char *candidates[] = {
		xasprintf("%s/%s", dir, file),
		xasprintf("%s/../../stage1/%s", dir, file),
		installed ? xasprintf("%s/%s", installed, file) : NULL,
		xasprintf("%s/%s", rkt_config_default_stage1_images_dir(), file),
	};
	char *found = NULL;

	for (size_t i = 0; i < ELEMENTSOF(candidates); i++) {
		if (!found && candidates[i] && access(candidates[i], R_OK) == 0)
			found = TAKE_PTR(candidates[i]);
		free(candidates[i]);
	}
	return found;
}

/* Upstream trusts the stage1 images of its own default locations without a signature, also
 * when a --stage1-* flag names them: PATH is trusted if the default lookup finds the very same
 * file under its name. */
static bool stage1_trusted_path(const char *path)
{
	_cleanup_free_ char *base = xstrdup(path), *found = NULL, *a = NULL, *b = NULL;

	found = find_stage1_file(basename(base));
	if (!found)
		return false;
	a = realpath(path, NULL);
	b = realpath(found, NULL);
	return a && b && strcmp(a, b) == 0;
}

static int stage1_resolve_image(struct cli_ctx *ctx, struct rkt_store *s, const char *image,
                                enum rkt_pull_policy policy, bool trusted,
                                char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err)
{
	_cleanup_(rkt_image_manifest_freep) struct rkt_image_manifest *m = NULL;
	_cleanup_free_ char *file_path = NULL;
	struct rkt_fetch_opts fo;
	enum rkt_image_kind kind;

	cli_fetch_opts(ctx, policy, &fo);
	/* upstream: the stage1 of rkt's own directories need not be signed */
	if (trusted || (rkt_image_classify(image, &kind, &file_path, NULL) == 0 &&
	                kind == RKT_IMAGE_KIND_FILE && stage1_trusted_path(file_path)))
		fo.insecure |= RKT_INSECURE_IMAGE;
	return rkt_image_resolve(s, image, &fo, ret_id, &m, err);
}

/* The default stage1 of stage1.d (docs/config.md): NAME:VERSION if the store has it, else
 * LOCATION; an absolute LOCATION that cannot be read falls back to the file of that name next
 * to the rkt binary (upstream's order). Returns 1 if stage1.d names no stage1 that could be
 * tried (neither is set, or only a name that is not in the store): the built-in default
 * applies. */
static int stage1_from_config(struct cli_ctx *ctx, struct rkt_store *s,
                              char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err)
{
	const struct rkt_config *c = ctx->config;
	int r;

	if (c->stage1_name) {
		_cleanup_free_ char *ref = xasprintf("%s:%s", c->stage1_name, c->stage1_version);

		r = stage1_resolve_image(ctx, s, ref, RKT_PULL_POLICY_NEVER, false, ret_id, err);
		if (r >= 0)
			return 0;
		rkt_error_clear(err);
	}
	if (!c->stage1_location)
		return 1;
	r = stage1_resolve_image(ctx, s, c->stage1_location, RKT_PULL_POLICY_NEW, false, ret_id,
	                         err);
	if (r >= 0 || c->stage1_location[0] != '/')
		return r;

	_cleanup_free_ char *loc = xstrdup(c->stage1_location), *dir = exe_dir();
	_cleanup_free_ char *beside = xasprintf("%s/%s", dir, basename(loc));
	struct rkt_error e2 = { 0 };

	if (access(beside, R_OK) < 0)
		return r;
	/* upstream: the stage1 next to the rkt binary need not be signed */
	if (stage1_resolve_image(ctx, s, beside, RKT_PULL_POLICY_NEW, true, ret_id, &e2) < 0)
		return r;
	rkt_error_clear(err);
	return 0;
}

static int stage1_resolve(struct cli_ctx *ctx, const struct make_opts *o,
                          char ret_id[RKT_IMAGE_ID_SIZE], struct rkt_error *err)
{
	_cleanup_free_ char *path = NULL;
	const char *image = o->stage1_path ?: o->stage1_name ?: o->stage1_hash ?: o->stage1_url;
	const char *images_dir = ctx->config->stage1_images_dir;
	/* upstream: the stage1 is looked up with the pull policy new, whatever --pull-policy
	 * says; --stage1-hash only in the store */
	enum rkt_pull_policy policy = o->stage1_hash ? RKT_PULL_POLICY_NEVER : RKT_PULL_POLICY_NEW;
	bool trusted = false;
	struct rkt_store *s;
	int given = !!o->stage1_path + !!o->stage1_name + !!o->stage1_hash + !!o->stage1_url +
	            !!o->stage1_from_dir;
	int r;

	if (given > 1)
		return rkt_error_set(err, EINVAL, "%s: --stage1-* flags are mutually exclusive",
		                     o->cmd);
	r = cli_store(ctx, &s, err);
	if (r < 0)
		return r;
	/* Flags win over stage1.d, which wins over the built-in default. */
	if (!given) {
		r = stage1_from_config(ctx, s, ret_id, err);
		if (r <= 0)
			return r < 0 ? rkt_error_wrap(err, r, "%s: stage1 of stage1.d", o->cmd) : 0;
	}
	if (!image) {
		const char *file = o->stage1_from_dir ?: "stage1-default.aci";

		if (strchr(file, '/'))
			return rkt_error_set(err, EINVAL,
			                     "%s: --stage1-from-dir: '%s' is not a file "
			                     "name",
			                     o->cmd, file);
		/* paths.d "stage1-images" is where --stage1-from-dir looks (upstream) */
		if (o->stage1_from_dir && images_dir) {
			path = xasprintf("%s/%s", images_dir, file);
			if (access(path, R_OK) < 0)
				return rkt_error_input(err, ENOENT,
				                       "%s: stage1 image '%s' not found in '%s' "
				                       "(paths.d stage1-images)",
				                       o->cmd, file, images_dir);
			image = path;
		} else {
			path = find_stage1_file(file);
			if (!path)
				return rkt_error_input(
				        err, ENOENT,
				        "%s: stage1 image '%s' not found next to rkt, in "
				        "the build tree or in '%s'",
				        o->cmd, file, rkt_config_default_stage1_images_dir());
			image = path;
			trusted = true;
		}
	}
	r = stage1_resolve_image(ctx, s, image, policy, trusted, ret_id, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "%s: stage1", o->cmd);
	return 0;
}

/* ---- the pod manifest ---- */

struct resolved {
	char id[RKT_IMAGE_ID_SIZE];
	struct rkt_image_manifest *manifest;
};

static int manifest_from_args(struct cli_ctx *ctx, struct make_opts *o, struct rkt_store *s,
                              struct rkt_pod_manifest **ret, struct rkt_error *err)
{
	_cleanup_(rkt_kv_list_release) struct rkt_kv_list env_file = { 0 };
	struct resolved *imgs = xzalloc(sizeof(*imgs) * o->apps.n);
	struct rkt_app_spec *apps = xzalloc(sizeof(*apps) * o->apps.n);
	int r = 0;

	if (o->set_env_file) {
		_cleanup_free_ char *buf = NULL;

		r = rkt_read_file_at(AT_FDCWD, o->set_env_file, &buf, NULL, err);
		if (r >= 0)
			r = rkt_env_file_parse(buf, o->set_env_file, &env_file, err);
		if (r < 0)
			r = rkt_error_wrap(err, r, "%s: --set-env-file", o->cmd);
	}
	for (size_t i = 0; i < o->apps.n && r >= 0; i++) {
		const struct app_arg *a = &o->apps.apps[i];
		struct rkt_fetch_opts fo;

		cli_fetch_opts(ctx, o->pull_policy, &fo);
		fo.signature = a->signature;
		r = rkt_image_resolve(s, a->image, &fo, imgs[i].id, &imgs[i].manifest, err);
		if (r < 0) {
			r = rkt_error_wrap(err, r, "%s", o->cmd);
			break;
		}
		apps[i] = (struct rkt_app_spec){
			.image = a->image,
			.image_id = imgs[i].id,
			.manifest = imgs[i].manifest,
			.name = a->name,
			.exec = a->exec,
			.args = a->args,
			.n_args = a->n_args,
			.user = a->user,
			.group = a->group,
			.working_dir = a->working_dir,
			.supplementary_gids = a->supplementary_gids,
			.n_supplementary_gids = a->n_supplementary_gids,
			.has_supplementary_gids = a->has_supplementary_gids,
			.readonly_rootfs = a->readonly_rootfs,
			.environment = &a->environment,
			.mounts = a->mounts,
			.n_mounts = a->n_mounts,
			.isolators = a->isolators,
			.n_isolators = a->n_isolators,
		};
	}
	if (r >= 0) {
		const struct rkt_pod_spec spec = {
			.apps = apps,
			.n_apps = o->apps.n,
			.volumes = o->volumes,
			.n_volumes = o->n_volumes,
			.mounts = o->apps.mounts,
			.n_mounts = o->apps.n_mounts,
			.env_file = &env_file,
			.set_env = &o->set_env,
			.host_env = environ,
			.inherit_env = o->inherit_env,
			.uid = getuid(),
			.gid = getgid(),
		};

		r = rkt_pod_spec_build(&spec, ret, err);
		if (r < 0)
			r = rkt_error_wrap(err, r, "%s", o->cmd);
	}
	for (size_t i = 0; i < o->apps.n; i++)
		rkt_image_manifest_free(imgs[i].manifest);
	free(imgs);
	free(apps);
	return r;
}

/* --pod-manifest: images named without an ID are looked up in the store (upstream: the
 * manifest's images must already be there). */
static int manifest_from_file(struct make_opts *o, struct rkt_store *s,
                              struct rkt_pod_manifest **ret, struct rkt_error *err)
{
	_cleanup_(rkt_pod_manifest_freep) struct rkt_pod_manifest *m = NULL;
	_cleanup_free_ char *buf = NULL, *what = xasprintf("pod manifest '%s'", o->pod_manifest);
	size_t len;
	int r;

	r = rkt_read_file_at(AT_FDCWD, o->pod_manifest, &buf, &len, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "%s: --pod-manifest", o->cmd);
	r = rkt_pod_manifest_parse(buf, len, what, &m, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "%s", o->cmd);
	for (size_t i = 0; i < m->n_apps; i++) {
		struct rkt_runtime_image *img = &m->apps[i].image;
		char id[RKT_IMAGE_ID_SIZE];

		if (img->id)
			r = rkt_store_resolve(s, img->id, id, err);
		else if (img->name)
			r = rkt_store_find_by_name(s, img->name, &img->labels, id, err);
		else
			r = rkt_error_set(err, EINVAL, "apps[%zu].image: no name and no id", i);
		if (r < 0)
			return rkt_error_wrap(err, r, "%s: %s: app '%s'", o->cmd, what,
			                      m->apps[i].name);
		free(img->id);
		img->id = xstrdup(id);
	}
	r = rkt_pod_manifest_check_reified(m, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "%s: %s", o->cmd, what);
	*ret = TAKE_PTR(m);
	return 0;
}

void pod_discard(struct rkt_pod *pod)
{
	(void)rkt_umount_below(pod->path, NULL);
	(void)rkt_rm_rf_at(AT_FDCWD, pod->path, NULL);
}

static int save_uuid(const char *path, const char *uuid, struct rkt_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *line = xasprintf("%s", uuid);
	int r;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return rkt_error_set(err, errno, "--uuid-file-save: open '%s'", path);
	r = rkt_write_all(fd, line, strlen(line));
	if (r < 0)
		return rkt_error_set(err, r, "--uuid-file-save: write '%s'", path);
	return 0;
}

/* Whether the stored stage1 image ID is the fly flavor (its rootfs/flavor links to "fly"). */
static bool stage1_is_fly(struct rkt_store *s, const char *id)
{
	_cleanup_close_ int fd = -1;

	return rkt_store_open_tree(s, id, &fd, NULL) >= 0 &&
	       rkt_stage1_flavor_is_fly(fd, "rootfs/flavor");
}

int pod_make(struct cli_ctx *ctx, struct make_opts *o, struct rkt_pod **ret, struct rkt_error *err)
{
	_cleanup_(rkt_pod_manifest_freep) struct rkt_pod_manifest *m = NULL;
	_cleanup_(rkt_pod_freep) struct rkt_pod *pod = NULL;
	_cleanup_free_ struct rkt_prepare_app *apps = NULL;
	char stage1_id[RKT_IMAGE_ID_SIZE];
	struct rkt_store *s;
	int r;

	if (geteuid() != 0)
		return rkt_error_set(err, EPERM, "%s: must be run as root", o->cmd);
	r = cli_store(ctx, &s, err);
	if (r < 0)
		return r;
	r = o->pod_manifest ? manifest_from_file(o, s, &m, err)
	                    : manifest_from_args(ctx, o, s, &m, err);
	if (r < 0)
		return r;
	r = rkt_pod_apps_check(s, m, err);
	if (r >= 0)
		r = rkt_pod_volumes_check(m, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "%s", o->cmd);
	/* ports: those of the command line, after the pod manifest's own */
	for (size_t i = 0; i < o->n_ports; i++) {
		m->ports = xrealloc_array(m->ports, m->n_ports + 1, sizeof(*m->ports));
		m->ports[m->n_ports++] = o->ports[i];
	}
	o->n_ports = 0;
	r = rkt_pod_ports_check(m, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "%s", o->cmd);
	/* ISO-18: a sysctl the pod cannot own is refused before its directory exists (run knows
	 * the network; a prepared pod is checked by run-prepared, before it leaves prepared/). */
	struct rkt_cni_net_arg na = { 0 };
	bool host_net = strcmp(o->cmd, "run") == 0 &&
	                rkt_cni_net_arg_parse(o->rt.net, &na, NULL) == 0 &&
	                na.mode == RKT_CNI_MODE_HOST;
	rkt_cni_net_arg_release(&na);
	if (host_net && m->n_ports)
		return rkt_error_set(
		        err, EINVAL,
		        "%s: --port needs a pod network (--net=host shares the host's)", o->cmd);
	r = rkt_sysctl_check(&m->isolators, !host_net, true, true, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "%s", o->cmd);
	r = stage1_resolve(ctx, o, stage1_id, err);
	if (r < 0)
		return r;
	/* the fly stage1 shares every namespace with the host: no sysctl is the pod's own */
	if (stage1_is_fly(s, stage1_id)) {
		r = rkt_sysctl_check(&m->isolators, false, false, false, err);
		if (r < 0)
			return rkt_error_wrap(err, r, "%s: stage1 fly", o->cmd);
	}
	if (o->private_users) {
		r = rkt_pod_private_users_check(s, ctx->dir, stage1_id, m, !o->no_overlay, err);
		if (r < 0)
			return rkt_error_wrap(err, r, "%s", o->cmd);
	}

	r = rkt_pod_create(ctx->dir, NULL, &pod, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "%s", o->cmd);
	struct rkt_id_range ids;
	if (o->private_users && (r = rkt_pod_private_users_allocate(pod, &ids, err)) < 0) {
		pod_discard(pod);
		return rkt_error_wrap(err, r, "%s", o->cmd);
	}
	apps = xzalloc(sizeof(*apps) * (m->n_apps + 1));
	for (size_t i = 0; i < m->n_apps; i++)
		apps[i] = (struct rkt_prepare_app){ .name = m->apps[i].name,
			                            .image_id = m->apps[i].image.id };
	const struct rkt_prepare_opts po = {
		.manifest = m,
		.stage1_id = stage1_id,
		.apps = apps,
		.n_apps = m->n_apps,
		.no_overlay = o->no_overlay,
		.shift_ids = o->private_users && o->no_overlay ? &ids : NULL,
	};
	r = rkt_pod_prepare(pod, s, &po, err);
	if (r >= 0 && o->uuid_file_save)
		r = save_uuid(o->uuid_file_save, pod->uuid, err);
	if (r < 0) {
		pod_discard(pod);
		return rkt_error_wrap(err, r, "%s", o->cmd);
	}
	*ret = TAKE_PTR(pod);
	return 0;
}

/* ---- starting ---- */

int pod_exec_stage1(struct cli_ctx *ctx, struct rkt_pod *pod, const struct runtime_opts *o,
                    const char *cmd, struct rkt_error *err)
{
	_cleanup_(rkt_stage1_entry_release) struct rkt_stage1_entry run = { 0 };
	_cleanup_(rkt_strv_free_arrayp) char **argv = NULL;
	_cleanup_free_ char *lockfd = NULL;
	struct rkt_pod_dns_plan dns = { 0 };
	struct rkt_pod_dns_opts d;
	char token[33];
	bool registered = false;
	int r, fd;

	struct rkt_id_range ids;
	int has_ids = rkt_pod_private_users(pod->fd, &ids, err);
	if (has_ids < 0)
		return rkt_error_wrap(err, has_ids, "%s: pod '%s'", cmd, pod->uuid);
	dns_opts(o, &d);
	r = rkt_pod_dns_plan(&d, &dns, err);
	/* before stage1 starts: the apps may ask at once (upstream: a random 128-bit token) */
	if (r >= 0 && o->mds_register) {
		r = rkt_mds_token_new(token, err);
		if (r >= 0)
			r = rkt_mds_register_pod(rkt_mds_socket_path(), pod, token, err);
		if (r < 0)
			r = rkt_error_wrap(err, r, "--mds-register");
		else
			registered = true;
	}
	if (r >= 0)
		r = rkt_pod_start(pod, &dns, &run, err);
	if (r >= 0) {
		const struct rkt_stage1_run_opts ro = {
			.debug = ctx->debug,
			.net = o->net,
			.local_config = ctx->local_config,
			.hostname = o->hostname,
			.interactive = o->interactive,
			.insecure = ctx->insecure,
			.dns = &dns,
			.private_users = has_ids ? &ids : NULL,
			.mds_token = registered ? token : NULL,
		};

		argv = rkt_stage1_run_argv(&run, pod, &ro);
	}
	rkt_pod_dns_plan_release(&dns);
	if (r < 0 && registered)
		(void)rkt_mds_unregister_pod(rkt_mds_socket_path(), pod, NULL);
	if (r < 0)
		return rkt_error_wrap(err, r, "%s", cmd);

	fd = rkt_pod_lock_fd_for_exec(pod, err);
	if (fd < 0)
		return fd;
	lockfd = xasprintf("%d", fd);
	if (setenv("RKT_LOCK_FD", lockfd, 1) < 0 || chdir(pod->path) < 0)
		return rkt_error_set(err, errno, "%s: prepare to run stage1", cmd);
	fflush(stdout);
	fflush(stderr);
	r = rkt_stage1_exec(run.path, argv, err);
	return rkt_error_wrap(err, r, "%s", cmd);
}
