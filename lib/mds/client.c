/* Registration with the metadata service (client.h). */
#include "mds/client.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "appc/manifest.h"
#include "mds/mds.h"
#include "mds/url.h"
#include "pod/layout.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/io.h"
#include "util/xalloc.h"

#define RESPONSE_MAX (64 * 1024)

char *rkt_mds_request_format(const char *method, const char *path, const char *body, size_t len,
                             size_t *ret_len)
{
	_cleanup_free_ char *head = xasprintf("%s %s HTTP/1.1\r\n"
	                                      "Host: localhost\r\n"
	                                      "Content-Type: application/json\r\n"
	                                      "Content-Length: %zu\r\n"
	                                      "Connection: close\r\n"
	                                      "\r\n",
	                                      method, path, body ? len : 0);
	size_t hlen = strlen(head), blen = body ? len : 0;
	char *out = xmalloc(hlen + blen + 1);

	memcpy(out, head, hlen);
	if (blen)
		memcpy(out + hlen, body, blen);
	out[hlen + blen] = '\0';
	*ret_len = hlen + blen;
	return out;
}

int rkt_mds_response_parse(const char *buf, size_t len, unsigned *ret_status, uint16_t *ret_port,
                           const char **ret_body)
{
	const char *end = buf + len, *p, *eol;
	unsigned status = 0, port = 0;

	if (len < 12 || strncmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ')
		return -EBADMSG;
	for (p = buf + 9; p < buf + 12; p++) {
		if (*p < '0' || *p > '9')
			return -EBADMSG;
		status = status * 10 + (unsigned)(*p - '0');
	}
	eol = memmem(buf, len, "\r\n", 2);
	if (!eol)
		return -EBADMSG;
	for (p = eol + 2; p < end; p = eol + 2) {
		static const char hdr[] = "Rkt-Metadata-Port:";

		eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (!eol)
			return -EBADMSG;
		if (eol == p) {
			*ret_status = status;
			*ret_port = (uint16_t)port;
			*ret_body = eol + 2;
			return 0;
		}
		if ((size_t)(eol - p) > sizeof(hdr) - 1 &&
		    strncasecmp(p, hdr, sizeof(hdr) - 1) == 0) {
			const char *v = p + sizeof(hdr) - 1;

			while (v < eol && *v == ' ')
				v++;
			port = 0;
			for (; v < eol && *v >= '0' && *v <= '9' && port <= 65535; v++)
				port = port * 10 + (unsigned)(*v - '0');
			if (v != eol || port > 65535)
				return -EBADMSG;
		}
	}
	return -EBADMSG;
}

static int connect_socket(const char *path, struct rkt_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 10 };

	if (strlen(path) >= sizeof(sa.sun_path))
		return rkt_error_set(err, ENAMETOOLONG, "metadata service socket '%s'", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return rkt_error_set(err, errno, "socket");
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		rkt_error_set(err, e, "cannot reach the metadata service at '%s'", path);
		rkt_error_append(err, " (start it with 'rkt metadata-service', or run without "
		                      "--mds-register)");
		return -e;
	}
	return TAKE_FD(fd);
}

int rkt_mds_check(const char *socket_path, struct rkt_error *err)
{
	int fd = connect_socket(socket_path, err);

	if (fd < 0)
		return fd;
	(void)close(fd);
	return 0;
}

/* One request; its status and announced port. A non-2xx status is returned as is. */
static int request(const char *socket_path, const char *method, const char *path, const char *body,
                   size_t len, unsigned *ret_status, uint16_t *ret_port, struct rkt_error *err)
{
	_cleanup_close_ int fd = connect_socket(socket_path, err);
	_cleanup_free_ char *req = NULL, *resp = NULL;
	size_t req_len, resp_len;
	const char *resp_body;
	int r;

	if (fd < 0)
		return fd;
	req = rkt_mds_request_format(method, path, body, len, &req_len);
	r = rkt_write_all(fd, req, req_len);
	if (r < 0)
		return rkt_error_set(err, r, "metadata service: send %s %s", method, path);
	r = rkt_read_fd(fd, RESPONSE_MAX, &resp, &resp_len);
	if (r < 0)
		return rkt_error_set(err, r, "metadata service: read the answer to %s %s", method,
		                     path);
	if (rkt_mds_response_parse(resp, resp_len, ret_status, ret_port, &resp_body) < 0)
		return rkt_error_set(err, EBADMSG, "metadata service: malformed answer to %s %s",
		                     method, path);
	if (*ret_status != 200)
		return rkt_error_set(err, EPROTO, "metadata service: %s %s: %u %.*s", method, path,
		                     *ret_status, (int)strcspn(resp_body, "\n"), resp_body);
	return 0;
}

int rkt_mds_register_pod(const char *socket_path, const struct rkt_pod *pod, const char *token,
                         struct rkt_error *err)
{
	_cleanup_(rkt_pod_manifest_freep) struct rkt_pod_manifest *pm = NULL;
	_cleanup_free_ char *manifest = NULL, *path = NULL, *port_line = NULL;
	size_t len;
	unsigned status;
	uint16_t port = 0, p;
	int r;

	r = rkt_read_file_at(pod->fd, RKT_POD_MANIFEST, &manifest, &len, err);
	if (r >= 0)
		r = rkt_pod_manifest_parse(manifest, len, "pod manifest", &pm, err);
	if (r < 0)
		return r;
	path = xasprintf("/pods/%s?token=%s", pod->uuid, token);
	r = request(socket_path, "PUT", path, manifest, len, &status, &port, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < pm->n_apps && r >= 0; i++) {
		_cleanup_free_ char *file =
		        rkt_pod_app_file(pm->apps[i].name, RKT_POD_APP_MANIFEST);
		_cleanup_free_ char *im = NULL, *app_path = NULL;
		size_t im_len;

		r = rkt_read_file_at(pod->fd, file, &im, &im_len, err);
		if (r < 0)
			break;
		app_path = xasprintf("/pods/%s/%s", pod->uuid, pm->apps[i].name);
		r = request(socket_path, "PUT", app_path, im, im_len, &status, &p, err);
	}
	/* upstream's file; ours records the port for stage1 (url.h) */
	port_line = xasprintf("%u\n", port ? port : RKT_MDS_DEFAULT_PORT);
	if (r >= 0)
		r = rkt_write_file_atomic_at(pod->fd, RKT_POD_MDS_REGISTERED, port_line,
		                             strlen(port_line), 0644, err);
	if (r < 0) {
		_cleanup_free_ char *del = xasprintf("/pods/%s", pod->uuid);

		(void)request(socket_path, "DELETE", del, NULL, 0, &status, &p, NULL);
		(void)unlinkat(pod->fd, RKT_POD_MDS_REGISTERED, 0);
		return r;
	}
	return 0;
}

int rkt_mds_unregister_pod(const char *socket_path, const struct rkt_pod *pod,
                           struct rkt_error *err)
{
	_cleanup_free_ char *path = xasprintf("/pods/%s", pod->uuid);
	unsigned status = 0;
	uint16_t port;
	int r;

	if (faccessat(pod->fd, RKT_POD_MDS_REGISTERED, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	r = request(socket_path, "DELETE", path, NULL, 0, &status, &port, err);
	if (r < 0 && status == 404) {
		rkt_error_clear(err);
		return 0;
	}
	return r;
}
