/* The metadata service daemon (`rkt metadata-service`): mds.h's registry behind two
 * libmicrohttpd servers, the registration interface on a Unix socket and the public one on TCP,
 * in one thread with one epoll loop, so that a slow client costs a connection slot and no time.
 * libmicrohttpd is loaded on first use (util/dl.h): only this command needs it.
 *
 * Limits against clients that misbehave (the daemon runs for days): at most
 * RKT_MDS_CONNECTIONS_MAX public connections (16 on the socket), each closed after
 * RKT_MDS_IDLE_TIMEOUT_S seconds without progress; request bodies over mds.h's limits get 413
 * and headers over libmicrohttpd's 32 KiB connection pool 431 or a closed connection. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

#define RKT_MDS_CONNECTIONS_MAX 1024
#define RKT_MDS_IDLE_TIMEOUT_S  10

struct rkt_mds_server_opts {
	const char *socket_path; /* registration socket to create (RKT_MDS_SOCKET_PATH) */
	int socket_fd;           /* or an inherited listening socket (socket activation), else -1 */
	const char *address;     /* IPv4 address to listen on; NULL: every address */
	uint16_t port;           /* 0: one the kernel picks */
	bool log_public;         /* log every public request, not only registrations */
	rkt_warn_fn log;         /* one line per event; may be NULL */
	void *userdata;
	/* called once both interfaces listen, with the TCP port (useful with port 0) */
	void (*ready)(void *userdata, uint16_t port);
};

/* Listens and serves until SIGINT or SIGTERM (blocked in the calling thread and read through a
 * signalfd), then stops, removes the socket it created and returns 0. Fails before serving
 * with -EADDRINUSE (the port or a live socket is taken), -ELIBACC (no libmicrohttpd) or another
 * -errno; the message names the address. */
int rkt_mds_server_run(const struct rkt_mds_server_opts *opts, struct rkt_error *err);

/* The inherited registration socket of systemd-style socket activation: 3 if LISTEN_PID is our
 * PID and LISTEN_FDS >= 1 (then both variables are unset, and fd 3 made close-on-exec), else
 * -1. -EINVAL if they are set but malformed. */
int rkt_mds_listen_fd(struct rkt_error *err);

/* Whether the test-only variables are honoured (false; true in rkt-test-env, which links
 * lib/mds/mds-test-env.c): RKT_TEST_MDS_SOCKET replaces the registration socket's path for
 * the service, rkt run and rkt gc, RKT_TEST_MDS_ADDRESS the address the service listens on. */
bool rkt_mds_test_env(void);
/* The registration socket's path: RKT_MDS_SOCKET_PATH, or RKT_TEST_MDS_SOCKET in test
 * programs. */
const char *rkt_mds_socket_path(void);
