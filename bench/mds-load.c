#define _GNU_SOURCE
/* Load generator for bench/mds.sh: CLIENTS threads, each on one keep-alive HTTP/1.1 connection
 * to 127.0.0.1:PORT, GET PATH in a loop for SECONDS; prints requests, requests per second and
 * the 50th and 99th percentile latency. Built by the script with cc; not part of rkt. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int port;
static const char *path;
static double seconds;
static double *lat[1024];
static size_t nlat[1024];
static int failed;

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void *worker(void *arg)
{
	size_t id = (size_t)arg, cap = 1 << 16;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	char req[512], buf[65536];
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	double end = now() + seconds;

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		failed = 1;
		return NULL;
	}
	lat[id] = malloc(cap * sizeof(double));
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path);
	while (now() < end) {
		double t0 = now();
		size_t got = 0;
		long clen = -1;
		char *hend = NULL;

		if (write(fd, req, n) != n) {
			failed = 1;
			break;
		}
		/* read the headers, then Content-Length bytes of body */
		for (;;) {
			ssize_t r = read(fd, buf + got, sizeof(buf) - 1 - got);
			if (r <= 0) {
				failed = 1;
				return NULL;
			}
			got += r;
			buf[got] = '\0';
			if (!hend && (hend = strstr(buf, "\r\n\r\n"))) {
				char *cl = strcasestr(buf, "Content-Length:");
				if (strncmp(buf, "HTTP/1.1 200", 12) != 0 || !cl) {
					failed = 1;
					return NULL;
				}
				clen = strtol(cl + 15, NULL, 10);
			}
			if (hend && (long)(got - (hend + 4 - buf)) >= clen)
				break;
		}
		if (nlat[id] == cap)
			lat[id] = realloc(lat[id], (cap *= 2) * sizeof(double));
		lat[id][nlat[id]++] = now() - t0;
	}
	close(fd);
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s PORT PATH CLIENTS SECONDS\n", argv[0]);
		return 2;
	}
	port = atoi(argv[1]);
	path = argv[2];
	int clients = atoi(argv[3]);
	seconds = atof(argv[4]);
	if (clients < 1 || clients > 1024)
		return 2;
	pthread_t t[1024];
	double t0 = now();
	for (int i = 0; i < clients; i++)
		pthread_create(&t[i], NULL, worker, (void *)(size_t)i);
	for (int i = 0; i < clients; i++)
		pthread_join(t[i], NULL);
	double el = now() - t0;
	size_t total = 0;
	for (int i = 0; i < clients; i++)
		total += nlat[i];
	double *all = malloc((total + 1) * sizeof(double));
	size_t k = 0;
	for (int i = 0; i < clients; i++)
		for (size_t j = 0; j < nlat[i]; j++)
			all[k++] = lat[i][j];
	qsort(all, total, sizeof(double), cmp);
	if (failed || !total) {
		fprintf(stderr, "mds-load: a request failed\n");
		return 1;
	}
	printf("requests %zu  rps %.0f  p50 %.3f ms  p99 %.3f ms\n", total, total / el,
	       all[total / 2] * 1e3, all[(size_t)(total * 0.99)] * 1e3);
	return 0;
}
