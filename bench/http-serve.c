#define _GNU_SOURCE
/* A file server for bench/fetch.sh: serves the regular files under DIR on 127.0.0.1 (port picked
 * by the kernel, printed on stdout as "PORT\n" once it listens) until killed. libmicrohttpd
 * sends each body with sendfile() from the file's fd (MHD_create_response_from_fd), so the
 * server costs next to no CPU and the benchmark measures the client, not the server (python3
 * -m http.server copies every byte through Python and took a good part of one of the two
 * CPUs). Built by the script with cc; not part of rkt.
 *
 *   http-serve DIR */
#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int dir_fd;

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, struct MHD_Response *r)
{
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
	struct stat st;
	int fd;

	(void)cls;
	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED,
		             MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT));
	/* Nothing outside DIR: no ".." anywhere. */
	url += strspn(url, "/");
	if (!*url || strstr(url, "..") || (fd = openat(dir_fd, url, O_RDONLY | O_CLOEXEC)) < 0)
		return reply(c, MHD_HTTP_NOT_FOUND,
		             MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return reply(c, MHD_HTTP_NOT_FOUND,
		             MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT));
	}
	/* The response owns FD from here, also when it cannot be created. */
	return reply(c, MHD_HTTP_OK, MHD_create_response_from_fd((uint64_t)st.st_size, fd));
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = 0 };
	const union MHD_DaemonInfo *info;
	struct MHD_Daemon *d;
	sigset_t set;
	int sig;

	if (argc != 2) {
		fprintf(stderr, "usage: http-serve DIR\n");
		return 2;
	}
	dir_fd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0) {
		perror(argv[1]);
		return 1;
	}
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	(void)sigemptyset(&set);
	(void)sigaddset(&set, SIGTERM);
	(void)sigaddset(&set, SIGINT);
	(void)sigprocmask(SIG_BLOCK, &set, NULL);
	/* One thread polling every connection: the client is one process at a time. */
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL,
	                     on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	                     MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "http-serve: cannot start the server\n");
		return 1;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (!info || !info->port) {
		fprintf(stderr, "http-serve: no port\n");
		MHD_stop_daemon(d);
		return 1;
	}
	printf("%u\n", (unsigned)info->port);
	fflush(stdout);
	(void)sigwait(&set, &sig);
	MHD_stop_daemon(d);
	return 0;
}
