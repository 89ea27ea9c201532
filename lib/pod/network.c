/* stage0's side of pod networking (see network.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "net/cni.h"
#include "pod/layout.h"
#include "pod/network.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json-util.h"
#include "util/xalloc.h"

int rkt_net_arg_check(const char *net, const char *local_config, struct rkt_error *err)
{
	_cleanup_(rkt_cni_net_arg_release) struct rkt_cni_net_arg a = { 0 };
	_cleanup_(rkt_cni_netlist_release) struct rkt_cni_netlist avail = { 0 }, sel = { 0 };
	_cleanup_free_ const char **args = NULL;
	_cleanup_free_ char *dir = NULL;
	int r;

	r = rkt_cni_net_arg_parse(net, &a, err);
	if (r < 0 || a.mode != RKT_CNI_MODE_LIST)
		return r;
	dir = local_config ? xasprintf("%s/net.d", local_config) : NULL;
	r = rkt_cni_load(dir, &avail, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "--net=%s", net);
	r = rkt_cni_select(&avail, &a, &sel, &args, err);
	if (r < 0)
		return r;
	if (sel.n == 0)
		return rkt_error_set(err, EINVAL, "--net=%s: no network to join", net);
	for (size_t i = 0; i < sel.n; i++) {
		struct json_object *ips = NULL;
		r = rkt_cni_ips_arg(&sel.items[i], args[i], &ips, err);
		json_object_put(ips);
		if (r < 0)
			return r;
	}
	return 0;
}

static int port_number(const char *s, const char *arg, const char *what, uint32_t *ret,
                       struct rkt_error *err)
{
	char *end;
	unsigned long v;

	if (s[0] < '0' || s[0] > '9')
		return rkt_error_set(err, EINVAL, "--port=%s: %s '%s' is not a number", arg, what,
		                     s);
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < 1 || v > 65535)
		return rkt_error_set(err, EINVAL, "--port=%s: %s '%s' is not in 1..65535", arg,
		                     what, s);
	*ret = (uint32_t)v;
	return 0;
}

int rkt_port_arg_parse(const char *s, struct rkt_exposed_port *ret, struct rkt_error *err)
{
	_cleanup_free_ char *copy = xstrdup(s);
	char *colon = strchr(copy, ':');
	uint32_t host, pod;
	int r;

	if (!colon)
		return rkt_error_set(err, EINVAL,
		                     "--port=%s: expected NAME:[HOSTIP:]HOSTPORT or "
		                     "HOSTPORT:PODPORT[/tcp|udp]",
		                     s);
	*colon++ = '\0';
	/* all digits: a host port; otherwise a name, which may start with one (docker images'
	 * ports are named like "80-tcp") */
	if (copy[strspn(copy, "0123456789")] == '\0') {
		const char *proto = "tcp";
		char *slash = strchr(colon, '/');
		if (slash) {
			*slash++ = '\0';
			if (strcmp(slash, "tcp") != 0 && strcmp(slash, "udp") != 0)
				return rkt_error_set(err, EINVAL,
				                     "--port=%s: protocol '%s' is not tcp or udp",
				                     s, slash);
			proto = slash;
		}
		if ((r = port_number(copy, s, "host port", &host, err)) < 0 ||
		    (r = port_number(colon, s, "pod port", &pod, err)) < 0)
			return r;
		struct rkt_port *p = xzalloc(sizeof(*p));
		*p = (struct rkt_port){ .name = xasprintf("%s-%u", proto, host),
			                .protocol = xstrdup(proto),
			                .port = pod,
			                .count = 1 };
		*ret = (struct rkt_exposed_port){ .name = xstrdup(p->name),
			                          .host_port = host,
			                          .pod_port = p };
		return 0;
	}
	char *hostport = strrchr(colon, ':');
	const char *ip = NULL;
	if (hostport) {
		unsigned char bin[16];
		*hostport++ = '\0';
		ip = colon;
		if (inet_pton(AF_INET, ip, bin) != 1)
			return rkt_error_set(err, EINVAL, "--port=%s: '%s' is not an IPv4 address",
			                     s, ip);
	} else {
		hostport = colon;
	}
	if ((r = port_number(hostport, s, "host port", &host, err)) < 0)
		return r;
	for (const char *p = copy; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return rkt_error_set(err, EINVAL, "--port=%s: '%s' is not a port name", s,
			                     copy);
	*ret = (struct rkt_exposed_port){ .name = xstrdup(copy),
		                          .host_port = host,
		                          .host_ip = ip ? xstrdup(ip) : NULL };
	return 0;
}

static const struct rkt_port *find_port(const struct rkt_pod_manifest *m,
                                        const struct rkt_exposed_port *ep)
{
	if (ep->pod_port)
		return ep->pod_port;
	for (size_t i = 0; i < m->n_apps; i++) {
		const struct rkt_app *app = m->apps[i].app;
		for (size_t k = 0; app && k < app->n_ports; k++)
			if (strcmp(app->ports[k].name, ep->name) == 0)
				return &app->ports[k];
	}
	return NULL;
}

int rkt_pod_ports_check(const struct rkt_pod_manifest *m, struct rkt_error *err)
{
	for (size_t i = 0; i < m->n_ports; i++) {
		const struct rkt_exposed_port *ep = &m->ports[i];
		const struct rkt_port *p = find_port(m, ep);
		if (!p)
			return rkt_error_set(err, EINVAL,
			                     "--port %s:%u: no app of the pod has a port named "
			                     "'%s'",
			                     ep->name, ep->host_port, ep->name);
		for (size_t j = 0; j < i; j++) {
			const struct rkt_port *q = find_port(m, &m->ports[j]);
			if (m->ports[j].host_port == ep->host_port &&
			    strcmp(q->protocol, p->protocol) == 0)
				return rkt_error_set(err, EINVAL,
				                     "--port: host port %u/%s forwarded twice",
				                     ep->host_port, p->protocol);
		}
	}
	return 0;
}

struct json_object *rkt_pod_net_info(const struct rkt_pod *pod)
{
	_cleanup_free_ char *buf = NULL;
	struct json_object *o = NULL;
	size_t len;

	if (rkt_read_file_at(pod->fd, RKT_POD_NET_INFO, &buf, &len, NULL) < 0)
		return NULL;
	if (rkt_json_parse(buf, len, RKT_POD_NET_INFO, &o, NULL) < 0)
		return NULL;
	if (!json_object_is_type(o, json_type_array)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

char *rkt_pod_net_summary(struct json_object *info)
{
	char *s = xstrdup("");
	for (size_t i = 0; info && i < json_object_array_length(info); i++) {
		struct json_object *n = json_object_array_get_idx(info, i), *v, *ips;
		const char *name = rkt_json_get(n, "netName", json_type_string, &v)
		                           ? json_object_get_string(v)
		                           : "?";
		if (!rkt_json_get(n, "ips", json_type_array, &ips))
			continue;
		for (size_t k = 0; k < json_object_array_length(ips); k++) {
			struct json_object *a;
			if (!rkt_json_get(json_object_array_get_idx(ips, k), "address",
			                  json_type_string, &a))
				continue;
			_cleanup_free_ char *addr = xstrdup(json_object_get_string(a));
			addr[strcspn(addr, "/")] = '\0';
			char *t = xasprintf("%s%s%s:%s=%s", s, s[0] ? "," : "", name,
			                    strchr(addr, ':') ? "ip6" : "ip4", addr);
			free(s);
			s = t;
		}
	}
	return s;
}
