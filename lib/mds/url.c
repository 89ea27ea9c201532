/* AC_METADATA_URL (url.h). */
#include "mds/url.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json-util.h"
#include "util/xalloc.h"

#define MDS_DEFAULT_PORT 18112

uint16_t rkt_mds_pod_port(int pod_fd)
{
	_cleanup_free_ char *buf = NULL;
	char *end = NULL;
	unsigned long v;

	if (rkt_read_file_at(pod_fd, RKT_POD_MDS_REGISTERED, &buf, NULL, NULL) < 0)
		return MDS_DEFAULT_PORT;
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (errno || end == buf || (*end && strcmp(end, "\n") != 0) || v == 0 || v > 65535)
		return MDS_DEFAULT_PORT;
	return (uint16_t)v;
}

int rkt_mds_host_address(int pod_fd, char **ret, struct rkt_error *err)
{
	_cleanup_(json_object_putp) struct json_object *info = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	r = rkt_read_file_at(pod_fd, RKT_POD_NET_INFO, &buf, &len, err);
	if (r == -ENOENT)
		return rkt_error_input(err, ENOENT, "the pod has no %s", RKT_POD_NET_INFO);
	if (r < 0)
		return r;
	r = rkt_json_parse(buf, len, RKT_POD_NET_INFO, &info, err);
	if (r < 0)
		return r;
	if (!json_object_is_type(info, json_type_array))
		return rkt_error_set(err, EBADMSG, "%s: not an array", RKT_POD_NET_INFO);
	for (size_t i = 0; i < json_object_array_length(info); i++) {
		struct json_object *net = json_object_array_get_idx(info, i), *ip;
		unsigned char bin[16];
		const char *s;

		if (!rkt_json_get(net, "hostIP", json_type_string, &ip))
			continue;
		s = json_object_get_string(ip);
		if (inet_pton(AF_INET, s, bin) == 1) {
			*ret = xstrdup(s);
			return 0;
		}
		if (inet_pton(AF_INET6, s, bin) == 1) {
			*ret = xasprintf("[%s]", s); /* a URL's host (RFC 3986) */
			return 0;
		}
		return rkt_error_set(err, EBADMSG, "%s: [%zu].hostIP: '%s' is not an IP address",
		                     RKT_POD_NET_INFO, i, s);
	}
	return rkt_error_input(err, ENOENT, "no network in %s has a host-side address",
	                       RKT_POD_NET_INFO);
}

char *rkt_mds_url(int pod_fd, bool host_net, const char *token, rkt_warn_fn warn, void *userdata)
{
	_cleanup_free_ char *host = NULL;
	struct rkt_error err = { 0 };

	/* MDS-17: an IP literal, reachable from inside the pod's network namespace */
	if (!host_net && rkt_mds_host_address(pod_fd, &host, &err) < 0 && warn) {
		_cleanup_free_ char *msg = xasprintf(
		        "metadata service: %s; AC_METADATA_URL uses 127.0.0.1, which the apps "
		        "reach only with --net=host",
		        err.msg);
		warn(userdata, msg);
	}
	/* MDS-16: no trailing slash */
	return xasprintf("http://%s:%u/%s", host ?: "127.0.0.1", rkt_mds_pod_port(pod_fd), token);
}
