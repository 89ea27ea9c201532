/* The metadata service daemon: libmicrohttpd glue and the event loop (server.h). */
#include "mds/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "mds/mds.h"
#include "util/cleanup.h"
#include "util/dl.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* libmicrohttpd and, through it, GnuTLS cost every rkt start their relocations if linked:
 * loaded here, by the one command that serves HTTP (performance.md). */
#define MHD_FUNCS(X)                                                    \
	X(MHD_start_daemon, start_daemon)                               \
	X(MHD_stop_daemon, stop_daemon)                                 \
	X(MHD_get_daemon_info, get_daemon_info)                         \
	X(MHD_run, run)                                                 \
	X(MHD_get_timeout, get_timeout)                                 \
	X(MHD_create_response_from_buffer, create_response_from_buffer) \
	X(MHD_add_response_header, add_response_header)                 \
	X(MHD_queue_response, queue_response)                           \
	X(MHD_destroy_response, destroy_response)                       \
	X(MHD_lookup_connection_value, lookup_connection_value)

static struct mhd_api {
#define MHD_FIELD(sym, field) __typeof__(sym) *field;
	MHD_FUNCS(MHD_FIELD)
#undef MHD_FIELD
} H;

static const struct rkt_dl_symbol mhd_syms[] = {
#define MHD_SYMBOL(sym, field) { #sym, (void **)&H.field },
	MHD_FUNCS(MHD_SYMBOL)
#undef MHD_SYMBOL
};
RKT_DL_LIB(mhd_lib, "libmicrohttpd.so.12", mhd_syms);

__attribute__((weak)) bool rkt_mds_test_env(void)
{
	return false;
}

const char *rkt_mds_socket_path(void)
{
	const char *p = rkt_mds_test_env() ? getenv("RKT_TEST_MDS_SOCKET") : NULL;

	return p && *p ? p : RKT_MDS_SOCKET_PATH;
}

int rkt_mds_listen_fd(struct rkt_error *err)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	char *end = NULL;
	long p, n;

	if (!pid || !fds)
		return -1;
	errno = 0;
	p = strtol(pid, &end, 10);
	if (errno || end == pid || *end)
		return rkt_error_set(err, EINVAL, "LISTEN_PID '%s' is not a PID", pid);
	n = strtol(fds, &end, 10);
	if (errno || end == fds || *end || n < 0)
		return rkt_error_set(err, EINVAL, "LISTEN_FDS '%s' is not a count", fds);
	if (p != getpid() || n < 1)
		return -1;
	(void)unsetenv("LISTEN_PID");
	(void)unsetenv("LISTEN_FDS");
	(void)unsetenv("LISTEN_FDNAMES");
	if (fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
		return rkt_error_set(err, errno, "socket activation: fd 3");
	return 3;
}

/* ---- one request ---- */

enum iface { IFACE_REGISTRATION, IFACE_PUBLIC };

struct server {
	struct rkt_mds *mds;
	const struct rkt_mds_server_opts *opts;
	uint16_t port;
};

struct conn_state {
	char *body;
	size_t len, cap, max;
	bool too_big;
};

struct handler {
	struct server *s;
	enum iface iface;
};

static void log_line(const struct server *s, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static void log_line(const struct server *s, const char *fmt, ...)
{
	_cleanup_free_ char *line = NULL;
	va_list ap;

	if (!s->opts->log)
		return;
	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		abort();
	va_end(ap);
	s->opts->log(s->opts->userdata, line);
}

static enum MHD_Result send_response(struct MHD_Connection *c, struct rkt_mds_response *resp,
                                     const struct server *s, enum iface iface)
{
	struct MHD_Response *r;
	enum MHD_Result ok;

	r = H.create_response_from_buffer(resp->body_len, resp->body, MHD_RESPMEM_MUST_FREE);
	if (!r)
		return MHD_NO;
	resp->body = NULL; /* libmicrohttpd frees it (with free(3)) */
	if (resp->content_type)
		(void)H.add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
	if (resp->allow)
		(void)H.add_response_header(r, MHD_HTTP_HEADER_ALLOW, resp->allow);
	if (iface == IFACE_REGISTRATION) {
		/* ours: stage0 learns the public port here and records it for stage1 (the
		 * port of --listen-port; upstream's stage1 assumed 18112) */
		char port[8];

		snprintf(port, sizeof(port), "%u", s->port);
		(void)H.add_response_header(r, "Rkt-Metadata-Port", port);
	}
	ok = H.queue_response(c, resp->status, r);
	H.destroy_response(r);
	return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	const struct handler *h = cls;
	struct conn_state *st = *con_cls;
	struct rkt_mds_response resp = { 0 };
	enum MHD_Result ok;

	if (!st) {
		const char *cl = H.lookup_connection_value(c, MHD_HEADER_KIND,
		                                           MHD_HTTP_HEADER_CONTENT_LENGTH);
		st = xzalloc(sizeof(*st));
		st->max = h->iface == IFACE_PUBLIC ? RKT_MDS_PUBLIC_BODY_MAX
		                                   : RKT_MDS_REGISTRATION_BODY_MAX;
		*con_cls = st;
		/* refuse a body announced too big before reading any of it */
		if (cl && strtoull(cl, NULL, 10) > st->max)
			st->too_big = true;
		if (!st->too_big)
			return MHD_YES;
	} else if (*upload_data_size) {
		if (!st->too_big && st->len + *upload_data_size > st->max) {
			st->too_big = true;
			free(st->body);
			st->body = NULL;
		}
		if (!st->too_big) {
			xgrow((void **)&st->body, &st->cap, st->len + *upload_data_size + 1, 1);
			memcpy(st->body + st->len, upload_data, *upload_data_size);
			st->len += *upload_data_size;
			st->body[st->len] = '\0';
		}
		*upload_data_size = 0;
		return MHD_YES;
	}

	if (st->too_big) {
		resp = (struct rkt_mds_response){ .status = 413,
			                          .content_type = RKT_MDS_TEXT_ASCII,
			                          .body = xstrdup("request body too large\n") };
		resp.body_len = strlen(resp.body);
	} else {
		const struct rkt_mds_request req = {
			.method = method,
			.path = url,
			.token = h->iface == IFACE_REGISTRATION
			                 ? H.lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
			                                             "token")
			                 : NULL,
			.content_type = H.lookup_connection_value(c, MHD_HEADER_KIND,
			                                          MHD_HTTP_HEADER_CONTENT_TYPE),
			.body = st->body ?: "",
			.body_len = st->len,
		};

		if (h->iface == IFACE_PUBLIC)
			rkt_mds_serve_public(h->s->mds, &req, &resp);
		else
			rkt_mds_serve_registration(h->s->mds, &req, &resp);
	}
	if (h->iface == IFACE_REGISTRATION || h->s->opts->log_public)
		log_line(h->s, "%s %s %s - %u",
		         h->iface == IFACE_PUBLIC ? "public" : "registration", method, url,
		         resp.status);
	ok = send_response(c, &resp, h->s, h->iface);
	rkt_mds_response_release(&resp);
	return ok;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct conn_state *st = *con_cls;

	if (st) {
		free(st->body);
		free(st);
		*con_cls = NULL;
	}
}

/* ---- listening sockets ---- */

static int listen_tcp(const char *address, uint16_t port, uint16_t *ret_port, struct rkt_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	socklen_t len = sizeof(sa);
	int one = 1;

	if (address && inet_pton(AF_INET, address, &sa.sin_addr) != 1)
		return rkt_error_set(err, EINVAL, "'%s' is not an IPv4 address", address);
	/* upstream listens on IPv4 only ("tcp4"), on every address unless told */
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return rkt_error_set(err, errno, "socket");
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return rkt_error_set(err, errno, "listen on %s:%u", address ?: "0.0.0.0", port);
	if (listen(fd, 128) < 0)
		return rkt_error_set(err, errno, "listen on %s:%u", address ?: "0.0.0.0", port);
	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return rkt_error_set(err, errno, "getsockname");
	*ret_port = ntohs(sa.sin_port);
	return TAKE_FD(fd);
}

/* The registration socket at PATH: a stale one (nobody accepts) is replaced, a live one is
 * -EADDRINUSE. Mode 0660, as upstream's socket unit. */
static int listen_unix(const char *path, struct rkt_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *dir = xstrdup(path);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return rkt_error_set(err, ENAMETOOLONG, "registration socket '%s'", path);
	strcpy(sa.sun_path, path);
	r = rkt_mkdir_p_at(AT_FDCWD, dirname(dir), 0755, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "registration socket '%s'", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return rkt_error_set(err, errno, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return rkt_error_set(err, EADDRINUSE,
		                     "registration socket '%s': a metadata service is already "
		                     "running",
		                     path);
	(void)close(TAKE_FD(fd));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return rkt_error_set(err, errno, "socket");
	(void)unlink(path); /* stale: nothing accepted on it */
	old = umask(0117);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	(void)umask(old);
	if (r < 0)
		return rkt_error_set(err, errno, "bind registration socket '%s'", path);
	if (listen(fd, 64) < 0)
		return rkt_error_set(err, errno, "listen on registration socket '%s'", path);
	return TAKE_FD(fd);
}

static struct MHD_Daemon *start(int fd, unsigned limit, struct handler *h)
{
	/* TURBO: no shutdown(2) before close and fewer syscalls per request; SUPPRESS_DATE:
	 * no clock read per answer */
	return H.start_daemon(MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_SUPPRESS_DATE_NO_CLOCK, 0,
	                      NULL, NULL, on_request, h, MHD_OPTION_LISTEN_SOCKET, fd,
	                      MHD_OPTION_CONNECTION_LIMIT, limit, MHD_OPTION_CONNECTION_TIMEOUT,
	                      (unsigned)RKT_MDS_IDLE_TIMEOUT_S, MHD_OPTION_NOTIFY_COMPLETED,
	                      on_completed, NULL, MHD_OPTION_END);
}

static void stop_daemonp(struct MHD_Daemon **d)
{
	if (*d)
		H.stop_daemon(*d);
}

static int add_epoll(int ep, int fd, uint32_t tag, struct rkt_error *err)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		return rkt_error_set(err, errno, "epoll_ctl");
	return 0;
}

static int loop(struct MHD_Daemon *const *d, size_t n, int sfd, struct rkt_error *err)
{
	_cleanup_close_ int ep = epoll_create1(EPOLL_CLOEXEC);
	int r;

	if (ep < 0)
		return rkt_error_set(err, errno, "epoll_create1");
	for (size_t i = 0; i < n; i++) {
		const union MHD_DaemonInfo *info =
		        H.get_daemon_info(d[i], MHD_DAEMON_INFO_EPOLL_FD);

		if (!info)
			return rkt_error_set(err, EIO, "libmicrohttpd: no epoll fd");
		r = add_epoll(ep, info->epoll_fd, (uint32_t)i, err);
		if (r < 0)
			return r;
	}
	r = add_epoll(ep, sfd, UINT32_MAX, err);
	if (r < 0)
		return r;
	for (;;) {
		struct epoll_event evs[8];
		int timeout = -1, k;

		for (size_t i = 0; i < n; i++) {
			MHD_UNSIGNED_LONG_LONG t;

			if (H.get_timeout(d[i], &t) == MHD_YES &&
			    (timeout < 0 || t < (MHD_UNSIGNED_LONG_LONG)timeout))
				timeout = t > INT32_MAX ? INT32_MAX : (int)t;
		}
		k = epoll_wait(ep, evs, ELEMENTSOF(evs), timeout);
		if (k < 0 && errno != EINTR)
			return rkt_error_set(err, errno, "epoll_wait");
		for (int i = 0; i < k; i++)
			if (evs[i].data.u32 == UINT32_MAX)
				return 0; /* SIGINT or SIGTERM */
		/* every daemon: also the ones whose connection timeouts are due */
		for (size_t i = 0; i < n; i++)
			(void)H.run(d[i]);
	}
}

int rkt_mds_server_run(const struct rkt_mds_server_opts *opts, struct rkt_error *err)
{
	_cleanup_(rkt_mds_freep) struct rkt_mds *mds = NULL;
	_cleanup_close_ int tcp = -EBADF, unix_fd = -EBADF, sfd = -EBADF;
	_cleanup_(stop_daemonp) struct MHD_Daemon *pub = NULL;
	_cleanup_(stop_daemonp) struct MHD_Daemon *reg = NULL;
	struct server s = { .opts = opts };
	struct handler hp = { &s, IFACE_PUBLIC }, hr = { &s, IFACE_REGISTRATION };
	bool created_socket = opts->socket_fd < 0;
	sigset_t mask;
	int r;

	r = rkt_dl_load(&mhd_lib, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "metadata service");
	r = rkt_mds_new(NULL, 0, &mds, err);
	if (r < 0)
		return r;
	s.mds = mds;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return rkt_error_set(err, errno, "sigprocmask");
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		return rkt_error_set(err, errno, "signalfd");
	/* a client that goes away mid-answer must not kill the daemon */
	(void)signal(SIGPIPE, SIG_IGN);

	tcp = listen_tcp(opts->address, opts->port, &s.port, err);
	if (tcp < 0)
		return rkt_error_wrap(err, tcp, "metadata service");
	unix_fd = created_socket ? listen_unix(opts->socket_path, err) : opts->socket_fd;
	if (unix_fd < 0)
		return rkt_error_wrap(err, unix_fd, "metadata service");
	/* the daemons own (and close) the listening sockets they were given */
	pub = start(tcp, RKT_MDS_CONNECTIONS_MAX, &hp);
	if (pub)
		TAKE_FD(tcp);
	reg = pub ? start(unix_fd, 16, &hr) : NULL;
	if (reg)
		TAKE_FD(unix_fd);
	if (!pub || !reg) {
		r = rkt_error_set(err, EIO, "metadata service: libmicrohttpd failed to start");
	} else {
		struct MHD_Daemon *const daemons[] = { pub, reg };

		if (opts->ready)
			opts->ready(opts->userdata, s.port);
		r = loop(daemons, ELEMENTSOF(daemons), sfd, err);
	}
	if (created_socket)
		(void)unlink(opts->socket_path);
	return r;
}
