/* Pod networking of the default stage1 (docs/networking.md): the pod's network namespace,
 * bind-mounted at /var/run/netns/rkt-<uuid> and recorded in $P/netns, set up from the host by
 * the CNI plugins of every network the pod joins; torn down by the gc entrypoint.
 *
 * Before anything is created, $P/net/plan.json records what will be attached (the network
 * confs as run, their interface names, CNI_ARGS and runtime config, the CNI_PATH), so that gc
 * can undo a setup that was killed half-way. $P/net-info.json holds the results. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app.h"
#include "net.h"
#include "net/cni.h"
#include "pod/layout.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json-util.h"
#include "util/xalloc.h"

#define DEFAULT_LOCAL_CONFIG "/etc/rkt"

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;
	return rkt_json_get(o, key, json_type_string, &v) ? json_object_get_string(v) : NULL;
}

/* upstream's CNI_PATH (<local-config>/net.d, /usr/lib/rkt/plugins/net, the stage1's own
 * plugin dir), then where Debian's containernetworking-plugins live. */
static char *cni_path(const struct pod_ctx *c)
{
	const char *lc = c->opts.local_config ?: DEFAULT_LOCAL_CONFIG;
	return xasprintf("%s/net.d:/usr/lib/rkt/plugins/net:%s/" RKT_POD_STAGE1_ROOTFS
	                 "/usr/lib/rkt/plugins/net:/opt/cni/bin:/usr/lib/cni",
	                 lc, c->pod_dir);
}

/* Port forwards of the pod manifest as CNI portMappings. */
static int port_mappings(const struct pod_ctx *c, struct json_object **ret, struct rkt_error *err)
{
	const struct rkt_pod_manifest *m = c->pod.manifest;
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < m->n_ports; i++) {
		const struct rkt_exposed_port *ep = &m->ports[i];
		const struct rkt_port *p = ep->pod_port;
		for (size_t j = 0; j < c->pod.n_apps && !p; j++) {
			const struct rkt_app *app = c->pod.apps[j].app;
			for (size_t k = 0; app && k < app->n_ports && !p; k++)
				if (strcmp(app->ports[k].name, ep->name) == 0)
					p = &app->ports[k];
		}
		if (!p) {
			json_object_put(a);
			return rkt_error_set(err, EINVAL,
			                     "pod manifest ports: '%s' is no port of any app",
			                     ep->name);
		}
		uint32_t count = p->count ? p->count : 1;
		for (uint32_t k = 0; k < count; k++) {
			struct json_object *pm = json_object_new_object();
			json_object_object_add(pm, "hostPort",
			                       json_object_new_int((int)(ep->host_port + k)));
			json_object_object_add(pm, "containerPort",
			                       json_object_new_int((int)(p->port + k)));
			json_object_object_add(pm, "protocol", json_object_new_string(p->protocol));
			if (ep->host_ip && ep->host_ip[0])
				json_object_object_add(pm, "hostIP",
				                       json_object_new_string(ep->host_ip));
			json_object_array_add(a, pm);
		}
	}
	*ret = a;
	return 0;
}

/* The resource/network-bandwidth limit of the pod or its apps (bytes/s; the smallest), or 0. */
static int64_t bandwidth_limit(const struct pod_ctx *c)
{
	int64_t best = 0;

	for (size_t i = 0; i <= c->pod.n_apps; i++) {
		const struct rkt_isolator_list *l = i == 0 ? &c->pod.manifest->isolators
		                                    : c->pod.apps[i - 1].app
		                                            ? &c->pod.apps[i - 1].app->isolators
		                                            : NULL;
		for (size_t j = 0; l && j < l->n; j++) {
			const struct rkt_isolator *iso = &l->items[j];
			if (iso->type != RKT_ISOLATOR_RESOURCE_NETWORK_BANDWIDTH ||
			    !iso->u.resource.has_limit)
				continue;
			int64_t v = iso->u.resource.limit.value;
			if (v > 0 && (best == 0 || v < best))
				best = v;
		}
	}
	return best;
}

/* The data dir: $P is <data dir>/pods/<state>/<uuid> (getcwd: canonical). */
static char *data_dir(const struct pod_ctx *c)
{
	char *d = xstrdup(c->pod_dir);
	for (int i = 0; i < 3; i++) {
		char *slash = strrchr(d, '/');
		if (slash)
			*slash = '\0';
	}
	return d[0] ? d : (free(d), xstrdup("/"));
}

/* The plan: what setup will attach, and what gc will detach. */
static int make_plan(struct pod_ctx *c, const char *netns, struct json_object **ret,
                     struct rkt_error *err)
{
	_cleanup_(rkt_cni_net_arg_release) struct rkt_cni_net_arg arg = { 0 };
	_cleanup_(rkt_cni_netlist_release) struct rkt_cni_netlist avail = { 0 }, sel = { 0 };
	_cleanup_(json_object_putp) struct json_object *ports = NULL;
	_cleanup_free_ const char **args = NULL;
	_cleanup_free_ char *netd = NULL, *path = cni_path(c);
	const char *lc = c->opts.local_config ?: DEFAULT_LOCAL_CONFIG;
	int r;

	r = rkt_cni_net_arg_parse(c->opts.net_arg, &arg, err);
	if (r < 0)
		return r;
	netd = xasprintf("%s/net.d", lc);
	r = rkt_cni_load(netd, &avail, err);
	if (r < 0)
		return r;
	r = rkt_cni_select(&avail, &arg, &sel, &args, err);
	if (r < 0)
		return r;
	if (sel.n == 0)
		return rkt_error_set(err, EINVAL, "--net=%s: no network to join", c->opts.net_arg);
	r = port_mappings(c, &ports, err);
	if (r < 0)
		return r;
	/* upstream: ports are forwarded on the first network with masquerade, else the last */
	size_t target = sel.n - 1;
	for (size_t i = 0; i < sel.n; i++)
		if (rkt_cni_net_masq(&sel.items[i])) {
			target = i;
			break;
		}
	int64_t bw = bandwidth_limit(c);
	struct json_object *nets = json_object_new_array();
	for (size_t i = 0; i < sel.n; i++) {
		struct rkt_cni_net *n = &sel.items[i];
		struct json_object *rc = json_object_new_object(), *o = json_object_new_object();
		if (i == target && json_object_array_length(ports) > 0) {
			if (!rkt_cni_net_has_type(n, "portmap")) {
				struct json_object *pm = json_object_new_object(), *caps;
				caps = json_object_new_object();
				json_object_object_add(caps, "portMappings",
				                       json_object_new_boolean(1));
				json_object_object_add(pm, "type",
				                       json_object_new_string("portmap"));
				json_object_object_add(pm, "capabilities", caps);
				json_object_object_add(pm, "snat", json_object_new_boolean(1));
				rkt_cni_net_append(n, pm);
			}
			json_object_object_add(rc, "portMappings", json_object_get(ports));
		}
		if (bw > 0) {
			/* ISO-8: bytes/s on every interface but lo; the plugin wants bits */
			int64_t rate = bw * 8, burst = rate / 10 > 192000 ? rate / 10 : 192000;
			struct json_object *b = json_object_new_object();
			if (!rkt_cni_net_has_type(n, "bandwidth")) {
				struct json_object *p = json_object_new_object(), *caps;
				caps = json_object_new_object();
				json_object_object_add(caps, "bandwidth",
				                       json_object_new_boolean(1));
				json_object_object_add(p, "type",
				                       json_object_new_string("bandwidth"));
				json_object_object_add(p, "capabilities", caps);
				rkt_cni_net_append(n, p);
			}
			json_object_object_add(b, "ingressRate", json_object_new_int64(rate));
			json_object_object_add(b, "ingressBurst", json_object_new_int64(burst));
			json_object_object_add(b, "egressRate", json_object_new_int64(rate));
			json_object_object_add(b, "egressBurst", json_object_new_int64(burst));
			json_object_object_add(rc, "bandwidth", b);
		}
		/* --net=NAME:IP=A: also the "ips" capability (static, host-local with
		 * "capabilities": {"ips": true}); CNI_ARGS keeps it for host-local without */
		struct json_object *ips = NULL;
		r = rkt_cni_ips_arg(n, args[i], &ips, err);
		if (r < 0) {
			json_object_put(rc);
			json_object_put(o);
			json_object_put(nets);
			return r;
		}
		_cleanup_free_ char *a = args[i] ? xstrdup(args[i]) : NULL;
		if (ips) {
			json_object_object_add(rc, "ips", ips);
			/* a chain that takes "ips" gets the addresses only so: static reads a
			 * CNI_ARGS IP as CIDR, and would add them twice */
			if (rkt_cni_net_has_capability(n, "ips")) {
				free(a);
				a = rkt_cni_args_without(args[i], "IP");
			}
		}
		json_object_object_add(o, "name", json_object_new_string(n->name));
		json_object_object_add(o, "netConf", json_object_new_string(n->file));
		_cleanup_free_ char *ifname = xasprintf("eth%zu", i);
		json_object_object_add(o, "ifName", json_object_new_string(ifname));
		if (a)
			json_object_object_add(o, "args", json_object_new_string(a));
		json_object_object_add(o, "conf", json_object_get(n->list));
		json_object_object_add(o, "runtimeConfig", rc);
		json_object_array_add(nets, o);
	}
	struct json_object *plan = json_object_new_object();
	json_object_object_add(plan, "netns", json_object_new_string(netns));
	json_object_object_add(plan, "cniPath", json_object_new_string(path));
	json_object_object_add(plan, "containerID", json_object_new_string(c->opts.uuid));
	_cleanup_free_ char *dd = data_dir(c), *rec = rkt_cni_record_path(dd, c->opts.uuid);
	json_object_object_add(plan, "record", json_object_new_string(rec));
	json_object_object_add(plan, "networks", nets);
	*ret = plan;
	return 0;
}

static int write_json(int podfd, const char *name, struct json_object *o, struct rkt_error *err)
{
	_cleanup_free_ char *s = rkt_json_format(o, true);
	int r = rkt_write_file_atomic_at(podfd, name, s, strlen(s), 0644, NULL);
	return r < 0 ? rkt_error_set(err, -r, "'%s'", name) : 0;
}

/* iproute2's way: /var/run/netns a shared mount point, so that a netns unmounted there is
 * unmounted in every mount namespace copied from the host's since. */
static int netns_dir(struct rkt_error *err)
{
	int r = rkt_mkdir_p_at(AT_FDCWD, RKT_CNI_NETNS_DIR, 0755, err);
	if (r < 0)
		return r;
	if (mount("", RKT_CNI_NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
		return 0;
	if (errno != EINVAL)
		return rkt_error_set(err, errno, "make '%s' shared", RKT_CNI_NETNS_DIR);
	if (mount(RKT_CNI_NETNS_DIR, RKT_CNI_NETNS_DIR, "none", MS_BIND | MS_REC, NULL) < 0 ||
	    mount("", RKT_CNI_NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) < 0)
		return rkt_error_set(err, errno, "make '%s' a shared mount point",
		                     RKT_CNI_NETNS_DIR);
	return 0;
}

/* A new network namespace bound at PATH; we stay in ours. */
static int netns_create(const char *path, struct rkt_error *err)
{
	_cleanup_close_ int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int r = netns_dir(err);
	if (r < 0)
		return r;
	if (self < 0)
		return rkt_error_set(err, errno, "/proc/self/ns/net");
	int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0)
		return rkt_error_set(err, errno, "create '%s'", path);
	close(fd);
	if (unshare(CLONE_NEWNET) < 0) {
		r = rkt_error_set(err, errno, "unshare(CLONE_NEWNET)");
		(void)unlink(path);
		return r;
	}
	if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) < 0)
		r = rkt_error_set(err, errno, "bind-mount the network namespace at '%s'", path);
	if (setns(self, CLONE_NEWNET) < 0)
		abort(); /* we would run the plugins in the wrong namespace */
	if (r < 0)
		(void)unlink(path);
	return r;
}

static int lock_fd(void)
{
	const char *s = getenv("RKT_LOCK_FD");
	return s ? atoi(s) : -1;
}

static struct json_object *info_entry(struct json_object *planned, struct json_object *result,
                                      const struct rkt_cni_result *res)
{
	struct json_object *o = json_object_new_object(), *ips = json_object_new_array();
	struct json_object *conf;
	const char *ip4 = NULL, *host4 = NULL, *ip6 = NULL, *host6 = NULL;

	json_object_object_add(o, "netName", json_object_new_string(str(planned, "name")));
	json_object_object_add(o, "netConf", json_object_new_string(str(planned, "netConf")));
	if (rkt_json_get(planned, "conf", json_type_object, &conf)) {
		struct json_object *p, *t;
		if (rkt_json_get(conf, "plugins", json_type_array, &p) &&
		    rkt_json_get(json_object_array_get_idx(p, 0), "type", json_type_string, &t))
			json_object_object_add(o, "pluginPath", json_object_get(t));
	}
	json_object_object_add(o, "ifName", json_object_new_string(str(planned, "ifName")));
	for (size_t i = 0; i < res->n_ips; i++) {
		const struct rkt_cni_ip *ip = &res->ips[i];
		struct json_object *x = json_object_new_object();
		json_object_object_add(x, "address", json_object_new_string(ip->address));
		if (ip->gateway)
			json_object_object_add(x, "gateway", json_object_new_string(ip->gateway));
		json_object_array_add(ips, x);
		if (!ip->v6 && !ip4) {
			ip4 = ip->address;
			host4 = ip->gateway;
		} else if (ip->v6 && !ip6) {
			ip6 = ip->address;
			host6 = ip->gateway;
		}
	}
	/* upstream's fields: ip, mask (of the first IPv4 address) */
	if (ip4) {
		_cleanup_free_ char *a = xstrdup(ip4);
		char *slash = strchr(a, '/');
		int bits = atoi(slash + 1);
		*slash = '\0';
		uint32_t m = bits <= 0 ? 0 : bits >= 32 ? 0xffffffffu : ~((1u << (32 - bits)) - 1);
		_cleanup_free_ char *mask =
		        xasprintf("%u.%u.%u.%u", m >> 24, (m >> 16) & 255, (m >> 8) & 255, m & 255);
		json_object_object_add(o, "ip", json_object_new_string(a));
		json_object_object_add(o, "mask", json_object_new_string(mask));
	}
	/* ours: the host side of the network, where the metadata service is reached */
	if (host4 || host6)
		json_object_object_add(o, "hostIP", json_object_new_string(host4 ?: host6));
	json_object_object_add(o, "ips", ips);
	if (str(planned, "args"))
		json_object_object_add(o, "args", json_object_new_string(str(planned, "args")));
	json_object_object_add(o, "result", json_object_get(result));
	return o;
}

/* resolv.conf from the first result with name servers (upstream), unless --dns said otherwise
 * or stage0 wrote one. */
static void write_resolv(struct pod_ctx *c, const struct rkt_cni_result *res, const char *net)
{
	if (!res->nameservers || !res->nameservers[0] || c->opts.resolv != STAGE1_DNS_DEFAULT ||
	    faccessat(c->podfd, RKT_POD_STAGE1_RESOLV_CONF, F_OK, 0) == 0)
		return;
	_cleanup_free_ char *s =
	        xasprintf("# Generated by rkt from the CNI result of network %s\n", net);
	for (char **p = res->nameservers; *p; p++) {
		char *t = xasprintf("%snameserver %s\n", s, *p);
		free(s);
		s = t;
	}
	if (res->domain) {
		char *t = xasprintf("%sdomain %s\n", s, res->domain);
		free(s);
		s = t;
	}
	for (int k = 0; k < 2; k++) {
		char **v = k == 0 ? res->search : res->options;
		if (!v || !v[0])
			continue;
		char *t = xasprintf("%s%s", s, k == 0 ? "search" : "options");
		free(s);
		s = t;
		for (char **p = v; *p; p++) {
			t = xasprintf("%s %s", s, *p);
			free(s);
			s = t;
		}
		t = xasprintf("%s\n", s);
		free(s);
		s = t;
	}
	(void)rkt_mkdir_p_at(c->podfd, RKT_POD_STAGE1_ETC, 0755, NULL);
	if (rkt_write_file_atomic_at(c->podfd, RKT_POD_STAGE1_RESOLV_CONF, s, strlen(s), 0644,
	                             NULL) < 0)
		stage1_warn("writing resolv.conf from the CNI result failed");
}

int stage1_net_setup(struct pod_ctx *c, int *ret_fd, struct rkt_error *err)
{
	_cleanup_(json_object_putp) struct json_object *plan = NULL, *info = NULL;
	_cleanup_free_ char *netns = xasprintf(RKT_CNI_NETNS_DIR "/rkt-%s", c->opts.uuid);
	struct json_object *nets;
	int r, lfd = lock_fd();

	r = make_plan(c, netns, &plan, err);
	if (r < 0)
		return r;
	if ((r = rkt_mkdir_p_at(c->podfd, RKT_POD_NET_DIR, 0755, err)) < 0)
		return r;
	/* recorded first: gc finds what a killed setup left */
	_cleanup_free_ char *line = xasprintf("%s\n", netns);
	r = rkt_write_file_atomic_at(c->podfd, RKT_POD_NETNS, line, strlen(line), 0644, NULL);
	if (r < 0)
		return rkt_error_set(err, -r, "'" RKT_POD_NETNS "'");
	if ((r = write_json(c->podfd, RKT_POD_NET_PLAN, plan, err)) < 0)
		return r;
	/* and outside the pod directory, for a pod whose directory vanishes; its fd (and lock)
	 * stays open as long as stage1 lives */
	_cleanup_free_ char *dd = data_dir(c);
	static int record_fd = -1;
	r = rkt_cni_record_write(plan, dd, c->opts.uuid, &record_fd, err);
	if (r < 0) {
		(void)unlinkat(c->podfd, RKT_POD_NET_PLAN, 0);
		return r;
	}
	const char *record = str(plan, "record");
	/* held while any chain runs: gc's removal of portmap's chains waits */
	_cleanup_close_ int pmfd =
	        rkt_cni_plan_has_portmap(plan) ? rkt_cni_portmap_lock(LOCK_SH) : -EBADF;
	r = netns_create(netns, err);
	if (r < 0) {
		(void)unlinkat(c->podfd, RKT_POD_NET_PLAN, 0);
		(void)unlink(record);
		return r;
	}
	info = json_object_new_array();
	(void)rkt_json_get(plan, "networks", json_type_array, &nets);
	for (size_t i = 0; i < json_object_array_length(nets); i++) {
		struct json_object *o = json_object_array_get_idx(nets, i), *conf, *rc, *res = NULL;
		struct rkt_cni_result parsed = { 0 };
		(void)rkt_json_get(o, "conf", json_type_object, &conf);
		(void)rkt_json_get(o, "runtimeConfig", json_type_object, &rc);
		const struct rkt_cni_exec e = {
			.command = "ADD",
			.container_id = c->opts.uuid,
			.netns = netns,
			.ifname = str(o, "ifName"),
			.args = str(o, "args"),
			.path = str(plan, "cniPath"),
			.keep_fds = { lfd, record_fd },
		};
		stage1_log("net: attaching network '%s' as %s", str(o, "name"), e.ifname);
		r = rkt_cni_add(&e, conf, rc, &res, err);
		if (r >= 0) {
			_cleanup_free_ char *what = xasprintf("network '%s'", str(o, "name"));
			r = rkt_cni_result_parse(res, what, &parsed, err);
		}
		if (r >= 0) {
			json_object_array_add(info, info_entry(o, res, &parsed));
			write_resolv(c, &parsed, str(o, "name"));
			r = write_json(c->podfd, RKT_POD_NET_INFO, info, err);
		}
		rkt_cni_result_release(&parsed);
		json_object_put(res);
		if (r < 0) {
			struct rkt_error e2 = { 0 };
			/* network I was deleted by rkt_cni_add; the earlier ones in reverse */
			(void)rkt_cni_detach(plan, i, info, lfd, &e2);
			rkt_cni_rules_remove(c->opts.uuid);
			if (pmfd >= 0) {
				close(pmfd);
				pmfd = -EBADF;
				rkt_cni_portmap_chains_remove();
			}
			(void)unlinkat(c->podfd, RKT_POD_NET_PLAN, 0);
			(void)unlinkat(c->podfd, RKT_POD_NET_INFO, 0);
			(void)unlink(record);
			return r;
		}
	}
	int fd = open(netns, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return rkt_error_set(err, errno, "open '%s'", netns);
	*ret_fd = fd;
	return 0;
}
