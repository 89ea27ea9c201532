/* Unit tests for the app-argument grammar (cli/rkt/app-args.c) and for building the pod
 * manifest from it (lib/pod/spec.c): per-app flags, "--" and "---", --mount scope, volumes,
 * environment precedence, app names. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../cli/rkt/app-args.h"
#include "isolate/isolate.h"
#include "pod/network.h"
#include "pod/spec.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

enum { POD_HOSTNAME = 1, POD_NET, POD_VERBOSE };

static const struct cli_flag pod_flags[] = {
	{ .name = "hostname", .type = CLI_FLAG_STRING, .id = POD_HOSTNAME },
	{ .name = "net", .type = CLI_FLAG_STRING, .noopt = "default", .id = POD_NET },
	{ .name = "verbose", .type = CLI_FLAG_BOOL, .id = POD_VERBOSE },
	CLI_APP_FLAGS,
	{},
};

struct seen {
	char hostname[64];
	char net[64];
	char verbose[8];
};

static int on_pod_flag(void *userdata, int id, const char *v, struct rkt_error *err)
{
	struct seen *s = userdata;

	(void)err;
	if (id == POD_HOSTNAME)
		snprintf(s->hostname, sizeof(s->hostname), "%s", v);
	else if (id == POD_NET)
		snprintf(s->net, sizeof(s->net), "%s", v);
	else
		snprintf(s->verbose, sizeof(s->verbose), "%s", v);
	return 0;
}

/* Parses the NULL-terminated words after "run". */
static int parse(struct app_list *l, struct seen *s, struct rkt_error *err, ...)
{
	char *argv[64] = { "run" };
	int argc = 1;
	va_list ap;

	va_start(ap, err);
	for (char *w; (w = va_arg(ap, char *));)
		argv[argc++] = w;
	va_end(ap);
	return app_args_parse("run", argc, argv, pod_flags, on_pod_flag, s, true, l, err);
}

static void per_app_flags_apply_to_the_preceding_image(void **state)
{
	struct app_list l = { 0 };
	struct seen s = { 0 };

	(void)state;
	assert_int_equal(parse(&l, &s, NULL, "a.aci", "--exec", "/bin/a", "--name=x", "b.aci",
	                       "--exec=/bin/b", "--readonly-rootfs", NULL),
	                 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.apps[0].image, "a.aci");
	assert_string_equal(l.apps[0].exec, "/bin/a");
	assert_string_equal(l.apps[0].name, "x");
	assert_false(l.apps[0].readonly_rootfs);
	assert_string_equal(l.apps[1].exec, "/bin/b");
	assert_true(l.apps[1].readonly_rootfs);
	app_list_release(&l);
}

static void double_dash_starts_and_triple_dash_ends_arguments(void **state)
{
	struct app_list l = { 0 };
	struct seen s = { 0 };

	(void)state;
	assert_int_equal(
	        parse(&l, &s, NULL, "a.aci", "--", "-x", "--exec", "---", "b.aci", "--", "y", NULL),
	        0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.apps[0].n_args, 2);
	assert_string_equal(l.apps[0].args[0], "-x");
	assert_string_equal(l.apps[0].args[1], "--exec"); /* not a flag inside the list */
	assert_null(l.apps[0].exec);
	assert_int_equal(l.apps[1].n_args, 1);
	assert_string_equal(l.apps[1].args[0], "y");
	app_list_release(&l);
}

static void arguments_need_an_image_and_come_once(void **state)
{
	struct app_list l = { 0 };
	struct seen s = { 0 };
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(parse(&l, &s, &err, "--", "x", NULL), -EINVAL);
	assert_non_null(strstr(err.msg, "image is required"));
	assert_int_equal(parse(&l, &s, &err, "a.aci", "--", "x", "---", "--", "y", NULL), -EINVAL);
	assert_non_null(strstr(err.msg, "only one set"));
}

static void mount_before_any_image_is_for_every_app(void **state)
{
	struct app_list l = { 0 };
	struct seen s = { 0 };

	(void)state;
	assert_int_equal(parse(&l, &s, NULL, "--mount", "volume=v,target=/all", "a.aci", "--mount",
	                       "volume=w,target=/one", NULL),
	                 0);
	assert_int_equal(l.n_mounts, 1);
	assert_string_equal(l.mounts[0].target, "/all");
	assert_int_equal(l.apps[0].n_mounts, 1);
	assert_string_equal(l.apps[0].mounts[0].volume, "w");
	app_list_release(&l);
}

static void pod_flags_anywhere_outside_argument_lists(void **state)
{
	struct app_list l = { 0 };
	struct seen s = { 0 };

	(void)state;
	assert_int_equal(parse(&l, &s, NULL, "--hostname", "h", "a.aci", "--verbose", "--net",
	                       "b.aci", NULL),
	                 0);
	assert_string_equal(s.hostname, "h");
	assert_string_equal(s.verbose, "true");
	/* an optional-value flag never takes the next word: b.aci stays an image */
	assert_string_equal(s.net, "default");
	assert_int_equal(l.n, 2);
	app_list_release(&l);
}

static void per_app_flag_before_an_image_is_an_error(void **state)
{
	struct app_list l = { 0 };
	struct seen s = { 0 };
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(parse(&l, &s, &err, "--exec", "/x", "a.aci", NULL), -EINVAL);
	assert_non_null(strstr(err.msg, "--exec must follow an image"));
	assert_int_equal(parse(&l, &s, &err, "a.aci", "--bogus", NULL), -EINVAL);
	assert_non_null(strstr(err.msg, "'--bogus'"));
	assert_int_equal(parse(&l, &s, &err, "a.aci", "--exec", NULL), -EINVAL);
	assert_int_equal(parse(&l, &s, &err, "a.aci", "--supplementary-gids=1,x", NULL), -EINVAL);
	assert_int_equal(parse(&l, &s, &err, "a.aci", "--verbose=maybe", NULL), -EINVAL);
}

static void supplementary_gids_and_environment(void **state)
{
	struct app_list l = { 0 };
	struct seen s = { 0 };

	(void)state;
	assert_int_equal(parse(&l, &s, NULL, "a.aci", "--supplementary-gids=10,20",
	                       "--environment=K=v=w", NULL),
	                 0);
	assert_int_equal(l.apps[0].n_supplementary_gids, 2);
	assert_int_equal(l.apps[0].supplementary_gids[1], 20);
	assert_string_equal(rkt_kv_list_get(&l.apps[0].environment, "K"), "v=w");
	app_list_release(&l);
}

static void volume_arguments(void **state)
{
	struct json_object *v = NULL;
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(rkt_volume_arg_parse("data,kind=host,source=/srv,readOnly=true", &v, &err),
	                 0);
	assert_string_equal(json_object_to_json_string_ext(
	                            v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
	                    "{\"name\":\"data\",\"kind\":\"host\",\"source\":\"/srv\","
	                    "\"readOnly\":true}");
	json_object_put(v);
	assert_int_equal(rkt_volume_arg_parse("e,kind=empty,uid=5", &v, &err), 0);
	assert_string_equal(json_object_get_string(json_object_object_get(v, "mode")), "0755");
	assert_int_equal(json_object_get_int(json_object_object_get(v, "uid")), 5);
	json_object_put(v);
	assert_int_equal(rkt_volume_arg_parse("x,kind=host,bogus=1", &v, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "bogus"));
	assert_int_equal(rkt_volume_arg_parse("x,source=/a", &v, &err), -EINVAL);
	assert_int_equal(rkt_volume_arg_parse("x,kind=host,readOnly=maybe", &v, &err), -EINVAL);
}

static struct rkt_image_manifest *image(const char *name, const char *app)
{
	struct rkt_image_manifest *m = NULL;
	char *json = xasprintf("{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\","
	                       "\"name\":\"%s\"%s%s}",
	                       name, app ? ",\"app\":" : "", app ? app : "");

	assert_int_equal(rkt_image_manifest_parse(json, strlen(json), "test", &m, NULL), 0);
	free(json);
	return m;
}

#define ID                                                                 \
	"sha512-"                                                          \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void spec_merges_environment_in_upstream_order(void **state)
{
	_cleanup_(rkt_image_manifest_freep) struct rkt_image_manifest *img =
	        image("example.com/my_app.v2",
	              "{\"exec\":[\"/bin/x\"],\"user\":\"0\",\"group\":\"0\",\"environment\":["
	              "{\"name\":\"A\",\"value\":\"image\"},{\"name\":\"B\",\"value\":\"image\"},"
	              "{\"name\":\"H\",\"value\":\"image\"}]}");
	struct rkt_kv_list file = { 0 }, set = { 0 }, app_env = { 0 };
	char *host[] = { "H=host", "NEW=host", "BASH_FUNC_f%%=() { :; }", "ML=a\nb", NULL };
	struct rkt_pod_manifest *m = NULL;
	struct rkt_error err = { 0 };
	const struct rkt_kv_list *env;

	(void)state;
	rkt_kv_list_set(&file, "B", "file");
	rkt_kv_list_set(&file, "C", "file");
	rkt_kv_list_set(&set, "C", "set");
	rkt_kv_list_set(&set, "D", "set");
	rkt_kv_list_set(&app_env, "D", "app");
	const struct rkt_app_spec a = {
		.image = "img", .image_id = ID, .manifest = img, .environment = &app_env
	};
	const struct rkt_pod_spec spec = { .apps = &a,
		                           .n_apps = 1,
		                           .env_file = &file,
		                           .set_env = &set,
		                           .host_env = host,
		                           .inherit_env = true };

	if (rkt_pod_spec_build(&spec, &m, &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(m->apps[0].name, "my-app-v2"); /* last component, sanitized */
	env = &m->apps[0].app->environment;
	assert_string_equal(rkt_kv_list_get(env, "A"), "image");
	assert_string_equal(rkt_kv_list_get(env, "B"), "file");
	assert_string_equal(rkt_kv_list_get(env, "C"), "set");
	assert_string_equal(rkt_kv_list_get(env, "D"), "app");
	assert_string_equal(rkt_kv_list_get(env, "H"), "image"); /* host never overrides */
	assert_string_equal(rkt_kv_list_get(env, "NEW"), "host");
	assert_null(rkt_kv_list_get(env, "ML"));
	assert_int_equal(env->n, 6);
	rkt_pod_manifest_free(m);
	rkt_kv_list_release(&file);
	rkt_kv_list_release(&set);
	rkt_kv_list_release(&app_env);
}

/* Issue 10: 24,000 environment entries cost 9.4 s of CPU per run. Every step that merges or
 * checks them (the image manifest's duplicate check, an env file, the merge of the pod
 * manifest, its duplicate check, stage1's environment) is linear: counted in name comparisons,
 * not timed. A quadratic step would make about N * N / 2 = 288 million. */
static void spec_environment_is_linear(void **state)
{
	enum { N = 24000 };
	char *json = NULL, *file_text = NULL;
	size_t json_len = 0, file_len = 0;
	FILE *jf = open_memstream(&json, &json_len), *ff = open_memstream(&file_text, &file_len);
	struct rkt_image_manifest *img = NULL;
	struct rkt_kv_list file = { 0 }, set = { 0 };
	struct rkt_pod_manifest *m = NULL;
	struct rkt_error err = { 0 };
	char **envp = NULL;

	(void)state;
	assert_non_null(jf);
	assert_non_null(ff);
	fprintf(jf, "{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\","
	            "\"name\":\"example.com/env\",\"app\":{\"exec\":[\"/x\"],"
	            "\"user\":\"0\",\"group\":\"0\",\"environment\":[");
	for (size_t i = 0; i < N; i++) {
		fprintf(jf, "%s{\"name\":\"V%zu\",\"value\":\"image\"}", i ? "," : "", i);
		fprintf(ff, "V%zu=file\n", i + N / 2);
	}
	fprintf(jf, "]}}");
	assert_int_equal(fclose(jf), 0);
	assert_int_equal(fclose(ff), 0);

	unsigned long before = rkt_kv_compares;
	if (rkt_image_manifest_parse(json, json_len, "test", &img, &err) != 0)
		fail_msg("%s", err.msg);
	if (rkt_env_file_parse(file_text, "env", &file, &err) != 0)
		fail_msg("%s", err.msg);
	for (size_t i = 0; i < N; i += 1000) {
		char name[32];
		snprintf(name, sizeof(name), "V%zu", i);
		rkt_kv_list_set(&set, name, "set");
	}
	const struct rkt_app_spec a = { .image = "img", .image_id = ID, .manifest = img };
	const struct rkt_pod_spec spec = {
		.apps = &a, .n_apps = 1, .env_file = &file, .set_env = &set
	};
	if (rkt_pod_spec_build(&spec, &m, &err) != 0)
		fail_msg("%s", err.msg);
	const struct rkt_env_opts eo = { .app_name = "env" };
	if (rkt_env_build(&m->apps[0].app->environment, &eo, &envp, &err) != 0)
		fail_msg("%s", err.msg);
	unsigned long compares = rkt_kv_compares - before;

	assert_int_equal(m->apps[0].app->environment.n, N + N / 2);
	assert_string_equal(rkt_kv_list_get(&m->apps[0].app->environment, "V0"), "set");
	assert_string_equal(rkt_envp_get(envp, "V1"), "image");
	assert_string_equal(rkt_envp_get(envp, "V12001"), "file");
	assert_string_equal(rkt_envp_get(envp, "V35999"), "file");
	if (compares > 40UL * N)
		fail_msg("%lu name comparisons for %d entries", compares, N);
	rkt_envp_free(envp);
	rkt_pod_manifest_free(m);
	rkt_image_manifest_free(img);
	rkt_kv_list_release(&file);
	rkt_kv_list_release(&set);
	free(json);
	free(file_text);
}

static void spec_exec_override_and_arguments(void **state)
{
	_cleanup_(rkt_image_manifest_freep) struct rkt_image_manifest *img = image(
	        "example.com/a", "{\"exec\":[\"/bin/x\",\"-v\"],\"user\":\"0\",\"group\":\"0\"}");
	char *args[] = { "1", "2" };
	struct rkt_pod_manifest *m = NULL;
	struct rkt_app_spec a = {
		.image = "img", .image_id = ID, .manifest = img, .args = args, .n_args = 2
	};
	const struct rkt_pod_spec spec = { .apps = &a, .n_apps = 1 };

	(void)state;
	assert_int_equal(rkt_pod_spec_build(&spec, &m, NULL), 0);
	assert_int_equal(m->apps[0].app->exec.n, 4); /* image exec + arguments */
	assert_string_equal(m->apps[0].app->exec.items[2], "1");
	rkt_pod_manifest_free(m);
	a.exec = "/bin/y";
	assert_int_equal(rkt_pod_spec_build(&spec, &m, NULL), 0);
	assert_int_equal(m->apps[0].app->exec.n, 3); /* --exec replaces it */
	assert_string_equal(m->apps[0].app->exec.items[0], "/bin/y");
	rkt_pod_manifest_free(m);
}

static void spec_image_without_app_needs_exec_and_runs_as_caller(void **state)
{
	_cleanup_(rkt_image_manifest_freep) struct rkt_image_manifest *img =
	        image("example.com/noapp", NULL);
	struct rkt_pod_manifest *m = NULL;
	struct rkt_error err = { 0 };
	struct rkt_app_spec a = { .image = "noapp.aci", .image_id = ID, .manifest = img };
	const struct rkt_pod_spec spec = { .apps = &a, .n_apps = 1, .uid = 1000, .gid = 100 };

	(void)state;
	assert_int_equal(rkt_pod_spec_build(&spec, &m, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "--exec is required"));
	a.exec = "/bin/sh";
	assert_int_equal(rkt_pod_spec_build(&spec, &m, &err), 0);
	assert_string_equal(m->apps[0].app->user, "1000");
	assert_string_equal(m->apps[0].app->group, "100");
	rkt_pod_manifest_free(m);
}

static void spec_refuses_duplicate_names_and_unknown_volumes(void **state)
{
	_cleanup_(rkt_image_manifest_freep) struct rkt_image_manifest *img =
	        image("example.com/a", "{\"exec\":[\"/bin/x\"],\"user\":\"0\",\"group\":\"0\"}");
	struct rkt_pod_manifest *m = NULL;
	struct rkt_error err = { 0 };
	const struct rkt_mount_arg mnt = { .volume = "nope", .target = "/x" };
	const struct rkt_app_spec two[] = {
		{ .image = "a", .image_id = ID, .manifest = img },
		{ .image = "b", .image_id = ID, .manifest = img },
	};
	const struct rkt_app_spec one = {
		.image = "a", .image_id = ID, .manifest = img, .mounts = &mnt, .n_mounts = 1
	};
	const struct rkt_pod_spec dup = { .apps = two, .n_apps = 2 };
	const struct rkt_pod_spec vol = { .apps = &one, .n_apps = 1 };

	(void)state;
	assert_int_equal(rkt_pod_spec_build(&dup, &m, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "used twice"));
	assert_int_equal(rkt_pod_spec_build(&vol, &m, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "nope"));
	assert_null(m);
}

static void spec_isolator_flags_replace_the_images(void **state)
{
	_cleanup_(rkt_image_manifest_freep) struct rkt_image_manifest *img =
	        image("example.com/a",
	              "{\"exec\":[\"/bin/x\"],\"user\":\"0\",\"group\":\"0\",\"isolators\":["
	              "{\"name\":\"os/linux/"
	              "capabilities-remove-set\",\"value\":{\"set\":[\"CAP_KILL\"]}},"
	              "{\"name\":\"os/linux/oom-score-adj\",\"value\":5}]}");
	struct json_object *isos[2] = { NULL, NULL };
	struct rkt_pod_manifest *m = NULL;
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(rkt_isolator_arg_parse("caps-retain", "CAP_CHOWN", &isos[0], &err), 0);
	assert_int_equal(rkt_isolator_arg_parse("memory", "50M", &isos[1], &err), 0);
	const struct rkt_app_spec a = {
		.image = "a", .image_id = ID, .manifest = img, .isolators = isos, .n_isolators = 2
	};
	const struct rkt_pod_spec spec = { .apps = &a, .n_apps = 1 };
	if (rkt_pod_spec_build(&spec, &m, &err) != 0)
		fail_msg("%s", err.msg);
	const struct rkt_isolator_list *l = &m->apps[0].app->isolators;
	assert_int_equal(l->n, 3); /* remove-set replaced by retain-set; oom kept; memory added */
	assert_string_equal(l->items[0].name, "os/linux/oom-score-adj");
	assert_string_equal(l->items[1].name, "os/linux/capabilities-retain-set");
	assert_string_equal(l->items[2].name, "resource/memory");
	assert_int_equal(l->items[2].u.resource.limit.value, 50000000);
	rkt_pod_manifest_free(m);
	json_object_put(isos[0]);
	json_object_put(isos[1]);
	assert_int_equal(
	        rkt_isolator_arg_parse("seccomp", "mode=remove,errno=EPERM,reboot", &isos[0], &err),
	        0);
	assert_string_equal(
	        json_object_to_json_string_ext(isos[0], JSON_C_TO_STRING_PLAIN |
	                                                        JSON_C_TO_STRING_NOSLASHESCAPE),
	        "{\"name\":\"os/linux/seccomp-remove-set\",\"value\":{\"set\":[\"reboot\"],"
	        "\"errno\":\"EPERM\"}}");
	json_object_put(isos[0]);
	assert_int_equal(rkt_isolator_arg_parse("seccomp", "read", &isos[0], &err), -EINVAL);
	assert_int_equal(rkt_isolator_arg_parse("oom-score-adj", "x", &isos[0], &err), -EINVAL);
}

static void env_file_lines(void **state)
{
	struct rkt_kv_list l = { 0 };
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(rkt_env_file_parse("# c\n\nA=1\n; c\n  B=x=y\r\n", "f", &l, &err), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(rkt_kv_list_get(&l, "B"), "x=y");
	rkt_kv_list_release(&l);
	assert_int_equal(rkt_env_file_parse("A=1\nnovalue\n", "f", &l, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "f:2"));
}

static void net_names_checked_before_the_pod(void **state)
{
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(rkt_net_arg_check("host", NULL, &err), 0);
	assert_int_equal(rkt_net_arg_check("none", NULL, &err), 0);
	assert_int_equal(rkt_net_arg_check("default", NULL, &err), 0);
	assert_int_equal(rkt_net_arg_check("default-restricted,default", NULL, &err), 0);
	assert_int_equal(rkt_net_arg_check("all", NULL, &err), 0);
	assert_int_equal(rkt_net_arg_check("default:IP=172.16.28.9", NULL, &err), 0);
	/* upstream: host anywhere wins */
	assert_int_equal(rkt_net_arg_check("host,none", NULL, &err), 0);
	assert_int_equal(rkt_net_arg_check("mynet", "/nonexistent", &err), -ENOENT);
	assert_non_null(strstr(err.msg, "unknown network 'mynet'"));
	assert_int_equal(rkt_net_arg_check("default,mynet:IP=10.1.1.1", NULL, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "'mynet'"));
	assert_int_equal(rkt_net_arg_check("default,default", NULL, &err), -EINVAL);
	assert_int_equal(rkt_net_arg_check("all:X=1", NULL, &err), -EINVAL);
	assert_int_equal(rkt_net_arg_check("default:novalue", NULL, &err), -EINVAL);
	assert_int_equal(rkt_net_arg_check("none,default", NULL, &err), -EINVAL);
	assert_int_equal(rkt_net_arg_check("default,", NULL, &err), -EINVAL);
}

static void port_args(void **state)
{
	struct rkt_error err = { 0 };
	struct rkt_exposed_port p;

	(void)state;
	assert_int_equal(rkt_port_arg_parse("www:8080", &p, &err), 0);
	assert_string_equal(p.name, "www");
	assert_int_equal(p.host_port, 8080);
	assert_null(p.host_ip);
	assert_null(p.pod_port);
	free(p.name);
	assert_int_equal(rkt_port_arg_parse("www:127.0.0.1:8080", &p, &err), 0);
	assert_string_equal(p.host_ip, "127.0.0.1");
	free(p.name);
	free(p.host_ip);
	assert_int_equal(rkt_port_arg_parse("8081:80/udp", &p, &err), 0);
	assert_int_equal(p.host_port, 8081);
	assert_non_null(p.pod_port);
	assert_int_equal(p.pod_port->port, 80);
	assert_string_equal(p.pod_port->protocol, "udp");
	assert_string_equal(p.name, "udp-8081");
	free(p.name);
	free(p.pod_port->name);
	free(p.pod_port->protocol);
	free(p.pod_port);
	/* the ports of docker images are named "<port>-<proto>": a name, not a host port */
	assert_int_equal(rkt_port_arg_parse("80-tcp:8080", &p, &err), 0);
	assert_string_equal(p.name, "80-tcp");
	assert_int_equal(p.host_port, 8080);
	assert_null(p.pod_port);
	free(p.name);
	assert_int_equal(rkt_port_arg_parse("www", &p, &err), -EINVAL);
	assert_int_equal(rkt_port_arg_parse("www:0", &p, &err), -EINVAL);
	assert_int_equal(rkt_port_arg_parse("www:65536", &p, &err), -EINVAL);
	assert_int_equal(rkt_port_arg_parse("www:1.2.3:80", &p, &err), -EINVAL);
	assert_int_equal(rkt_port_arg_parse("80:x", &p, &err), -EINVAL);
	assert_int_equal(rkt_port_arg_parse("80:81/sctp", &p, &err), -EINVAL);
	assert_int_equal(rkt_port_arg_parse("Www:80", &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "--port=Www:80"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(per_app_flags_apply_to_the_preceding_image),
		cmocka_unit_test(double_dash_starts_and_triple_dash_ends_arguments),
		cmocka_unit_test(arguments_need_an_image_and_come_once),
		cmocka_unit_test(mount_before_any_image_is_for_every_app),
		cmocka_unit_test(pod_flags_anywhere_outside_argument_lists),
		cmocka_unit_test(per_app_flag_before_an_image_is_an_error),
		cmocka_unit_test(supplementary_gids_and_environment),
		cmocka_unit_test(volume_arguments),
		cmocka_unit_test(spec_merges_environment_in_upstream_order),
		cmocka_unit_test(spec_exec_override_and_arguments),
		cmocka_unit_test(spec_image_without_app_needs_exec_and_runs_as_caller),
		cmocka_unit_test(spec_refuses_duplicate_names_and_unknown_volumes),
		cmocka_unit_test(spec_isolator_flags_replace_the_images),
		cmocka_unit_test(env_file_lines),
		cmocka_unit_test(spec_environment_is_linear),
		cmocka_unit_test(net_names_checked_before_the_pod),
		cmocka_unit_test(port_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
