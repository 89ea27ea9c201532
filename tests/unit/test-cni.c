/* lib/net/cni: network confs, the --net argument, plugin input, results, running a plugin. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "net/cni.h"
#include "util/cleanup.h"
#include "util/json-util.h"
#include "util/xalloc.h"

static void write_file(const char *dir, const char *name, const char *s)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "we");
	assert_non_null(f);
	fputs(s, f);
	fclose(f);
}

static void conf_and_conflist(void **state)
{
	struct rkt_error err = { 0 };
	struct rkt_cni_net n;
	const char *conf = "{\"cniVersion\":\"0.4.0\",\"name\":\"a\",\"type\":\"bridge\"}";
	const char *list = "{\"cniVersion\":\"1.0.0\",\"name\":\"b\",\"plugins\":[{\"type\":"
	                   "\"ptp\"},{\"type\":\"portmap\"}]}";

	(void)state;
	assert_int_equal(rkt_cni_net_parse(conf, strlen(conf), "d/10-a.conf", false, &n, &err), 0);
	assert_string_equal(n.name, "a");
	assert_string_equal(n.sort_key, "10-a.conf");
	assert_string_equal(n.cni_version, "0.4.0");
	assert_true(rkt_cni_net_has_type(&n, "bridge"));
	assert_false(rkt_cni_net_masq(&n));
	rkt_cni_net_release(&n);
	assert_int_equal(rkt_cni_net_parse(list, strlen(list), "b.conflist", true, &n, &err), 0);
	assert_true(rkt_cni_net_has_type(&n, "portmap"));
	rkt_cni_net_release(&n);
	/* errors name the file */
	assert_int_equal(rkt_cni_net_parse("{\"name\":\"x\"}", 12, "x.conf", false, &n, &err),
	                 -EBADMSG);
	assert_non_null(strstr(err.msg, "'x.conf'"));
	assert_int_equal(rkt_cni_net_parse("{\"name\":\"host\",\"type\":\"ptp\"}", 29, "h.conf",
	                                   false, &n, &err),
	                 -EBADMSG);
	assert_int_equal(rkt_cni_net_parse("{\"name\":\"x\",\"plugins\":[]}", 25, "x.conflist",
	                                   true, &n, &err),
	                 -EBADMSG);
}

static void load_order_and_override(void **state)
{
	char dir[] = "/tmp/test-cni.XXXXXX";
	struct rkt_cni_netlist l = { 0 };
	struct rkt_error err = { 0 };

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_file(dir, "20-z.conf", "{\"name\":\"z\",\"type\":\"ptp\"}");
	write_file(dir, "10-y.conflist", "{\"name\":\"y\",\"plugins\":[{\"type\":\"bridge\"}]}");
	write_file(dir, "50-default.conf",
	           "{\"name\":\"default\",\"type\":\"bridge\",\"ipMasq\":true}");
	write_file(dir, "60-z.conf", "{\"name\":\"z\",\"type\":\"macvlan\"}"); /* loses */
	write_file(dir, "README", "not a conf");
	assert_int_equal(rkt_cni_load(dir, &l, &err), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.items[0].name, "y");
	assert_string_equal(l.items[1].name, "z");
	assert_true(rkt_cni_net_has_type(&l.items[1], "ptp"));
	assert_string_equal(l.items[2].name, "default");
	assert_true(rkt_cni_net_has_type(&l.items[2], "bridge"));
	assert_string_equal(l.items[3].name, "default-restricted");
	assert_string_equal(l.items[3].file, "builtin:99-default-restricted.conf");

	struct rkt_cni_net_arg a = { 0 };
	struct rkt_cni_netlist sel = { 0 };
	const char **args = NULL;
	assert_int_equal(rkt_cni_net_arg_parse("default,y:IP=1.2.3.4;X=y", &a, &err), 0);
	assert_int_equal(rkt_cni_select(&l, &a, &sel, &args, &err), 0);
	assert_int_equal(sel.n, 2);
	assert_string_equal(sel.items[0].name, "y");
	assert_string_equal(args[0], "IP=1.2.3.4;X=y");
	assert_null(args[1]);
	rkt_cni_netlist_release(&sel);
	free(args);
	rkt_cni_net_arg_release(&a);
	assert_int_equal(rkt_cni_net_arg_parse("all", &a, &err), 0);
	assert_int_equal(rkt_cni_select(&l, &a, &sel, &args, &err), 0);
	assert_int_equal(sel.n, 4);
	rkt_cni_netlist_release(&sel);
	free(args);
	rkt_cni_net_arg_release(&a);
	assert_int_equal(rkt_cni_net_arg_parse("nope", &a, &err), 0);
	assert_int_equal(rkt_cni_select(&l, &a, &sel, &args, &err), -ENOENT);
	rkt_cni_net_arg_release(&a);
	rkt_cni_netlist_release(&l);

	/* a broken conf is an error naming it */
	write_file(dir, "30-bad.conf", "{");
	assert_int_equal(rkt_cni_load(dir, &l, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "30-bad.conf"));
	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void net_arg_modes(void **state)
{
	struct rkt_cni_net_arg a = { 0 };
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(rkt_cni_net_arg_parse(NULL, &a, &err), 0);
	assert_int_equal(a.mode, RKT_CNI_MODE_LIST);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.reqs[0].name, "default");
	rkt_cni_net_arg_release(&a);
	assert_int_equal(rkt_cni_net_arg_parse("default,host", &a, &err), 0);
	assert_int_equal(a.mode, RKT_CNI_MODE_HOST);
	rkt_cni_net_arg_release(&a);
	assert_int_equal(rkt_cni_net_arg_parse("none", &a, &err), 0);
	assert_int_equal(a.mode, RKT_CNI_MODE_NONE);
	rkt_cni_net_arg_release(&a);
	assert_int_equal(rkt_cni_net_arg_parse("host:X=1", &a, &err), -EINVAL);
	assert_int_equal(rkt_cni_net_arg_parse("a,a", &a, &err), -EINVAL);
	assert_int_equal(rkt_cni_net_arg_parse("a b", &a, &err), -EINVAL);
	assert_int_equal(rkt_cni_net_arg_parse("a:=1", &a, &err), -EINVAL);
}

static void plugin_input_and_result(void **state)
{
	const char *list = "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[{\"type\":"
	                   "\"ptp\"},{\"type\":\"portmap\",\"capabilities\":{\"portMappings\":"
	                   "true,\"ips\":false}}]}";
	_cleanup_(json_object_putp) struct json_object *l = NULL, *rt = NULL, *prev = NULL;
	_cleanup_(json_object_putp) struct json_object *in0 = NULL, *in1 = NULL;
	struct rkt_error err = { 0 };
	struct json_object *v;

	(void)state;
	assert_int_equal(rkt_json_parse(list, strlen(list), "l", &l, &err), 0);
	const char *r = "{\"portMappings\":[{\"hostPort\":1,\"containerPort\":2}],\"ips\":[\"x\"],"
	                "\"bandwidth\":{}}";
	assert_int_equal(rkt_json_parse(r, strlen(r), "r", &rt, &err), 0);
	const char *p = "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.2/24\","
	                "\"gateway\":\"10.0.0.1\"},{\"address\":\"fd00::2/64\"}],"
	                "\"dns\":{\"nameservers\":[\"10.0.0.1\"],\"search\":[\"a\",\"b\"]}}";
	assert_int_equal(rkt_json_parse(p, strlen(p), "p", &prev, &err), 0);

	_cleanup_free_ char *s0 = rkt_cni_plugin_input(l, 0, NULL, rt);
	_cleanup_free_ char *s1 = rkt_cni_plugin_input(l, 1, prev, rt);
	assert_int_equal(rkt_json_parse(s0, strlen(s0), "s0", &in0, &err), 0);
	assert_int_equal(rkt_json_parse(s1, strlen(s1), "s1", &in1, &err), 0);
	assert_true(rkt_json_get(in0, "name", json_type_string, &v));
	assert_string_equal(json_object_get_string(v), "n");
	assert_true(rkt_json_get(in0, "cniVersion", json_type_string, &v));
	assert_false(rkt_json_get(in0, "prevResult", json_type_object, &v));
	assert_false(rkt_json_get(in0, "runtimeConfig", json_type_object, &v));
	assert_true(rkt_json_get(in1, "prevResult", json_type_object, &v));
	assert_true(rkt_json_get(in1, "runtimeConfig", json_type_object, &v));
	/* only the capabilities the plugin declares (and true) */
	assert_int_equal(json_object_object_length(v), 1);
	assert_true(json_object_object_get_ex(v, "portMappings", NULL));

	struct rkt_cni_result res = { 0 };
	assert_int_equal(rkt_cni_result_parse(prev, "p", &res, &err), 0);
	assert_int_equal(res.n_ips, 2);
	assert_string_equal(res.ips[0].address, "10.0.0.2/24");
	assert_string_equal(res.ips[0].gateway, "10.0.0.1");
	assert_false(res.ips[0].v6);
	assert_true(res.ips[1].v6);
	assert_null(res.ips[1].gateway);
	assert_string_equal(res.nameservers[0], "10.0.0.1");
	assert_string_equal(res.search[1], "b");
	rkt_cni_result_release(&res);

	/* 0.2.0 */
	_cleanup_(json_object_putp) struct json_object *old = NULL;
	const char *o = "{\"ip4\":{\"ip\":\"10.1.0.2/16\",\"gateway\":\"10.1.0.1\"}}";
	assert_int_equal(rkt_json_parse(o, strlen(o), "o", &old, &err), 0);
	assert_int_equal(rkt_cni_result_parse(old, "o", &res, &err), 0);
	assert_int_equal(res.n_ips, 1);
	assert_string_equal(res.ips[0].address, "10.1.0.2/16");
	rkt_cni_result_release(&res);
	_cleanup_(json_object_putp) struct json_object *bad = NULL;
	const char *b = "{\"ips\":[{\"address\":\"10.1.0.2\"}]}";
	assert_int_equal(rkt_json_parse(b, strlen(b), "b", &bad, &err), 0);
	assert_int_equal(rkt_cni_result_parse(bad, "b", &res, &err), -EBADMSG);
}

/* A plugin is a program: a shell script standing for one shows the protocol's environment and
 * stdin, and its error object becomes our message. */
static void exec_protocol(void **state)
{
	char dir[] = "/tmp/test-cni-exec.XXXXXX";
	struct rkt_error err = { 0 };

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_file(dir, "echo",
	           "#!/bin/sh\nread -r in\nprintf '{\"cmd\":\"%s\",\"id\":\"%s\",\"ns\":\"%s\","
	           "\"if\":\"%s\",\"args\":\"%s\",\"in\":%s}' \"$CNI_COMMAND\" "
	           "\"$CNI_CONTAINERID\" \"$CNI_NETNS\" \"$CNI_IFNAME\" \"$CNI_ARGS\" \"$in\"\n");
	write_file(
	        dir, "fail",
	        "#!/bin/sh\necho '{\"code\":7,\"msg\":\"no luck\",\"details\":\"d\"}'\nexit 1\n");
	_cleanup_free_ char *p1 = xasprintf("%s/echo", dir), *p2 = xasprintf("%s/fail", dir);
	assert_int_equal(chmod(p1, 0755), 0);
	assert_int_equal(chmod(p2, 0755), 0);
	_cleanup_free_ char *path = xasprintf("/nonexistent:%s", dir);
	const struct rkt_cni_exec e = { .command = "ADD",
		                        .container_id = "c1",
		                        .netns = "/var/run/netns/x",
		                        .ifname = "eth0",
		                        .args = "A=1;B=2",
		                        .path = path,
		                        .keep_fds = { -1, -1 } };
	_cleanup_free_ char *out = NULL, *found = rkt_cni_find_plugin(path, "echo");
	assert_string_equal(found, p1);
	assert_null(rkt_cni_find_plugin(path, "../echo"));
	assert_int_equal(rkt_cni_exec(&e, "echo", "{\"x\":1}\n", &out, &err), 0);
	assert_string_equal(out, "{\"cmd\":\"ADD\",\"id\":\"c1\",\"ns\":\"/var/run/netns/x\","
	                         "\"if\":\"eth0\",\"args\":\"A=1;B=2\",\"in\":{\"x\":1}}");
	assert_int_equal(rkt_cni_exec(&e, "fail", "{}\n", NULL, &err), -EIO);
	assert_non_null(strstr(err.msg, "no luck (d; CNI error 7)"));
	assert_int_equal(rkt_cni_exec(&e, "missing", "{}\n", NULL, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "'missing' not found"));

	/* a chain that fails half-way deletes what it added: DEL runs for both plugins */
	_cleanup_free_ char *log = xasprintf("%s/log", dir);
	_cleanup_free_ char *rec = xasprintf("#!/bin/sh\ncat >/dev/null\necho \"$CNI_COMMAND "
	                                     "ok\" >>%s\necho '{\"cniVersion\":\"1.0.0\"}'\n",
	                                     log);
	_cleanup_free_ char *brk = xasprintf("#!/bin/sh\ncat >/dev/null\necho \"$CNI_COMMAND "
	                                     "bad\" >>%s\n[ \"$CNI_COMMAND\" = DEL ] && exit 0\n"
	                                     "exit 3\n",
	                                     log);
	write_file(dir, "ok", rec);
	write_file(dir, "bad", brk);
	_cleanup_free_ char *p3 = xasprintf("%s/ok", dir), *p4 = xasprintf("%s/bad", dir);
	assert_int_equal(chmod(p3, 0755), 0);
	assert_int_equal(chmod(p4, 0755), 0);
	const char *l = "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[{\"type\":\"ok\"},"
	                "{\"type\":\"bad\"}]}";
	_cleanup_(json_object_putp) struct json_object *list = NULL, *res = NULL;
	assert_int_equal(rkt_json_parse(l, strlen(l), "l", &list, &err), 0);
	assert_int_equal(rkt_cni_add(&e, list, NULL, &res, &err), -EIO);
	assert_non_null(strstr(err.msg, "network 'n'"));
	_cleanup_free_ char *cmd = xasprintf("cat %s", log);
	FILE *f = popen(cmd, "r");
	char buf[256] = { 0 };
	assert_true(fread(buf, 1, sizeof(buf) - 1, f) > 0);
	pclose(f);
	assert_string_equal(buf, "ADD ok\nADD bad\nDEL bad\nDEL ok\n");
	free(cmd);
	cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void ips_capability_arg(void **state)
{
	const char *conf = "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"ptp\",\"ipam\":{"
	                   "\"type\":\"host-local\",\"ranges\":[[{\"subnet\":\"10.1.0.0/16\"}],"
	                   "[{\"subnet\":\"fd00:1::/64\"}]]}}";
	struct rkt_cni_net n = { 0 };
	struct rkt_error err = { 0 };
	struct json_object *ips = NULL;

	(void)state;
	assert_int_equal(rkt_cni_net_parse(conf, strlen(conf), "n.conf", false, &n, &err), 0);
	/* no IP: nothing */
	assert_int_equal(rkt_cni_ips_arg(&n, NULL, &ips, &err), 0);
	assert_null(ips);
	assert_int_equal(rkt_cni_ips_arg(&n, "FOO=1", &ips, &err), 0);
	assert_null(ips);
	/* the prefix of the range that holds it; given prefixes kept; others /32, /128 */
	assert_int_equal(
	        rkt_cni_ips_arg(&n, "FOO=1;IP=10.1.2.3,fd00:1::5;IP=192.168.0.1", &ips, &err), 0);
	_cleanup_free_ char *s = rkt_json_format(ips, false);
	assert_string_equal(s, "[\"10.1.2.3/16\",\"fd00:1::5/64\",\"192.168.0.1/32\"]");
	json_object_put(ips);
	assert_int_equal(rkt_cni_ips_arg(&n, "IP=10.9.0.1/24,fd00:2::1", &ips, &err), 0);
	free(s);
	s = rkt_json_format(ips, false);
	assert_string_equal(s, "[\"10.9.0.1/24\",\"fd00:2::1/128\"]");
	json_object_put(ips);
	/* not an address */
	assert_int_equal(rkt_cni_ips_arg(&n, "IP=10.1.2", &ips, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "'10.1.2' is not an IP address"));
	assert_true(err.input); /* bad input: printed without a strerror */
	assert_int_equal(rkt_cni_ips_arg(&n, "IP=10.1.2.3/33", &ips, &err), -EINVAL);
	assert_int_equal(rkt_cni_ips_arg(&n, "IP=10.1.2.3/", &ips, &err), -EINVAL);
	assert_false(rkt_cni_net_has_capability(&n, "ips"));
	rkt_cni_net_release(&n);
	const char *caps = "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"bridge\","
	                   "\"capabilities\":{\"ips\":true,\"mac\":false}}";
	assert_int_equal(rkt_cni_net_parse(caps, strlen(caps), "n.conf", false, &n, &err), 0);
	assert_true(rkt_cni_net_has_capability(&n, "ips"));
	assert_false(rkt_cni_net_has_capability(&n, "mac"));
	rkt_cni_net_release(&n);
	free(s);
	s = rkt_cni_args_without("IP=1.2.3.4;A=1;IPX=2;IP=5.6.7.8", "IP");
	assert_string_equal(s, "A=1;IPX=2");
	assert_null(rkt_cni_args_without("IP=1.2.3.4", "IP"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(conf_and_conflist), cmocka_unit_test(load_order_and_override),
		cmocka_unit_test(net_arg_modes),     cmocka_unit_test(plugin_input_and_result),
		cmocka_unit_test(exec_protocol),     cmocka_unit_test(ips_capability_arg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
