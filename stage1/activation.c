/* Socket activation and readiness notification of apps (activation.h). */
#include "activation.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "pod/layout.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* A listening socket on every address of the pod's network namespace: IPv6 with IPv4 mapped,
 * or IPv4 where the namespace has no IPv6. */
static int listen_socket(int type, uint16_t port)
{
	int one = 1, zero = 0;
	int fd = socket(AF_INET6, type | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
	} else if (errno == EAFNOSUPPORT) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
		fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
	} else {
		return -errno;
	}
	if (type == SOCK_STREAM && listen(fd, SOMAXCONN) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static int open_listeners(struct app_state *s, char **ret_names, struct rkt_error *err)
{
	const struct rkt_app *app = s->a->app;
	size_t names_len = 0;
	char *names = NULL;

	for (size_t i = 0; i < app->n_ports; i++) {
		const struct rkt_port *p = &app->ports[i];
		if (!p->socket_activated)
			continue;
		int type = strcmp(p->protocol, "tcp") == 0   ? SOCK_STREAM
		           : strcmp(p->protocol, "udp") == 0 ? SOCK_DGRAM
		                                             : -1;
		if (type < 0) {
			free(names);
			return rkt_error_set(err, EINVAL,
			                     "app \"%s\": port \"%s\": protocol \"%s\" cannot be "
			                     "socket-activated (tcp, udp)",
			                     s->name, p->name, p->protocol);
		}
		uint32_t count = p->count ? p->count : 1;
		for (uint32_t k = 0; k < count; k++) {
			if (p->port + k > 65535) {
				free(names);
				return rkt_error_set(err, EINVAL,
				                     "app \"%s\": port \"%s\": %u+%u is past 65535",
				                     s->name, p->name, p->port, count);
			}
			int fd = listen_socket(type, (uint16_t)(p->port + k));
			if (fd < 0) {
				free(names);
				return rkt_error_set(err, -fd,
				                     "app \"%s\": port \"%s\": listening on %s %u",
				                     s->name, p->name, p->protocol, p->port + k);
			}
			s->listen_fds = xrealloc_array(s->listen_fds, s->n_listen + 1, sizeof(int));
			s->listen_fds[s->n_listen++] = fd;
			size_t l = strlen(p->name);
			names = xrealloc(names, names_len + l + 2);
			if (names_len)
				names[names_len++] = ':';
			memcpy(names + names_len, p->name, l + 1);
			names_len += l;
		}
	}
	*ret_names = names;
	return 0;
}

/* The notification socket, bound in the app's /dev (stage1's own tmpfs: nothing of the
 * image is on the way), writable by whatever user the app runs as. */
static int open_notify(struct app_state *s, struct rkt_error *err)
{
	_cleanup_close_ int rootfd = open(s->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return rkt_error_set(err, errno, "'%s'", s->root);
	_cleanup_close_ int dev = rkt_open_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY, 0);
	if (dev < 0)
		return rkt_error_set(err, -dev, "app \"%s\": /dev", s->name);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	const char *base = strrchr(STAGE1_NOTIFY_PATH, '/') + 1;
	snprintf(a.sun_path, sizeof(a.sun_path), "/proc/self/fd/%d/%s", dev, base);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return rkt_error_set(err, errno, "app \"%s\": notification socket", s->name);
	(void)unlinkat(dev, base, 0);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || fchmodat(dev, base, 0666, 0) < 0) {
		int e = errno;
		close(fd);
		return rkt_error_set(err, e, "app \"%s\": binding '%s'", s->name,
		                     STAGE1_NOTIFY_PATH);
	}
	s->notify_fd = fd;
	return 0;
}

int stage1_activation_prepare(struct app_state *s, struct rkt_error *err)
{
	_cleanup_free_ char *names = NULL;
	const char *v = rkt_kv_list_get(&s->a->image->annotations, STAGE1_NOTIFY_ANNOTATION);
	int r;

	s->notify_fd = -EBADF;
	r = open_listeners(s, &names, err);
	if (r < 0)
		return r;
	s->notify = v && strcmp(v, "true") == 0;
	if (s->notify && (r = open_notify(s, err)) < 0)
		return r;
	if (!s->n_listen && !s->notify)
		return 0;

	size_t n = 0;
	while (s->envp[n])
		n++;
	char **e = xmalloc_array(n + 5, sizeof(char *));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(s->envp[i], "LISTEN_", 7) != 0 &&
		    strncmp(s->envp[i], "NOTIFY_SOCKET=", 14) != 0)
			e[k++] = s->envp[i];
	if (s->n_listen) {
		e[k++] = xasprintf("LISTEN_FDS=%zu", s->n_listen);
		e[k++] = xasprintf("LISTEN_FDNAMES=%s", names);
		/* room for any pid; the child writes its own (activation.h) */
		s->listen_pid = e[k++] = xstrdup("LISTEN_PID=0000000000");
	}
	if (s->notify)
		e[k++] = xstrdup("NOTIFY_SOCKET=" STAGE1_NOTIFY_PATH);
	e[k] = NULL;
	s->envp_main = e;
	return 0;
}

int stage1_activation_fds(const struct app_state *s)
{
	if (!s->pass_listen || !s->n_listen)
		return 0;
	/* Above the target numbers first, so that no source is overwritten by a dup2. */
	int base = 3 + (int)s->n_listen;
	for (size_t i = 0; i < s->n_listen; i++) {
		s->listen_fds[i] = fcntl(s->listen_fds[i], F_DUPFD_CLOEXEC, base);
		if (s->listen_fds[i] < 0)
			return -errno;
	}
	for (size_t i = 0; i < s->n_listen; i++)
		if (dup2(s->listen_fds[i], 3 + (int)i) < 0) /* without O_CLOEXEC: inherited */
			return -errno;
	if (s->listen_pid)
		snprintf(s->listen_pid, strlen(s->listen_pid) + 1, "LISTEN_PID=%d", (int)getpid());
	return (int)s->n_listen;
}

size_t stage1_activation_pollfds(const struct pod_ctx *c, struct pollfd *p)
{
	size_t n = 0;
	for (size_t i = 0; i < c->n; i++)
		if (c->apps[i].notify_fd >= 0)
			p[n++] = (struct pollfd){ .fd = c->apps[i].notify_fd, .events = POLLIN };
	return n;
}

void stage1_activation_event(struct pod_ctx *c, int fd)
{
	struct app_state *s = NULL;
	char buf[4096];

	for (size_t i = 0; i < c->n; i++)
		if (c->apps[i].notify_fd == fd)
			s = &c->apps[i];
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || !s)
			return;
		buf[n] = '\0';
		/* sd_notify(3): newline-separated assignments */
		for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l;
		     l = strtok_r(NULL, "\n", &save)) {
			if (strcmp(l, "READY=1") == 0 && !s->notified) {
				stage1_log("app \"%s\": READY=1", s->name);
				s->notified = true;
			}
		}
	}
}

void stage1_activation_check_ready(struct pod_ctx *c)
{
	if (c->ready_written)
		return;
	for (size_t i = 0; i < c->n; i++) {
		const struct app_state *s = &c->apps[i];
		if (s->phase == PHASE_WAITING || s->phase == PHASE_PRESTART)
			return;
		if (s->notify && !s->notified)
			return;
	}
	c->ready_written = true;
	int r = rkt_write_file_atomic_at(c->podfd, RKT_POD_READY, "", 0, 0644, NULL);
	if (r < 0)
		stage1_warn("'%s': %s", RKT_POD_READY, strerror(-r));
}
