/* rkt metadata-service [--listen-port=18112]: the appc metadata service, a long-running daemon
 * (rkt/rkt Documentation/subcommands/metadata-service.md; lib/mds/server.h). Registrations
 * arrive on /run/rkt/metadata-svc.sock (or the socket systemd passes, LISTEN_FDS), apps ask on
 * TCP. Once both listen it prints one line on stdout; log lines go to stderr. SIGTERM or SIGINT
 * ends it with status 0. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mds/mds.h"
#include "mds/server.h"
#include "rkt.h"

struct mds_opts {
	const char *port;
};

const struct cli_flag metadata_service_flags[] = {
	FLAG("listen-port", CLI_FLAG_STRING, struct mds_opts, port, "18112", "listen port"),
	{},
};

static void on_log(void *userdata, const char *msg)
{
	fprintf(stderr, "metadata-service: %s\n", msg);
}

static void on_ready(void *userdata, uint16_t port)
{
	const struct rkt_mds_server_opts *o = userdata;

	/* the one line on stdout: a supervisor or test waits for it (the rest is the log) */
	printf("metadata-service: listening on %s:%u, registrations on %s\n",
	       o->address ?: "0.0.0.0", port, o->socket_fd >= 0 ? "fd 3" : o->socket_path);
	fflush(stdout);
}

int cmd_metadata_service(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	struct mds_opts o = { .port = NULL };
	struct rkt_mds_server_opts so = { .log = on_log, .ready = on_ready };
	const char *addr = rkt_mds_test_env() ? getenv("RKT_TEST_MDS_ADDRESS") : NULL;
	unsigned long port = RKT_MDS_DEFAULT_PORT;
	char *end = NULL;
	int r;

	r = cli_flags_parse(metadata_service_flags, "metadata-service", CLI_PARSE_INTERSPERSED,
	                    argc, argv, &o, err);
	if (r < 0)
		return r;
	if (r > 0)
		return rkt_error_set(err, EINVAL, "metadata-service: unexpected argument '%s'",
		                     argv[1]);
	if (o.port) {
		errno = 0;
		port = strtoul(o.port, &end, 10);
		if (errno || end == o.port || *end || port > 65535 || o.port[0] == '-')
			return rkt_error_set(err, EINVAL,
			                     "metadata-service: --listen-port '%s' is not a port",
			                     o.port);
	}
	if (geteuid() != 0)
		return rkt_error_set(err, EPERM, "metadata-service: must be run as root");
	so.socket_fd = rkt_mds_listen_fd(err);
	if (so.socket_fd < -1)
		return rkt_error_wrap(err, so.socket_fd, "metadata-service");
	so.socket_path = rkt_mds_socket_path();
	so.address = addr && *addr ? addr : NULL;
	so.port = (uint16_t)port;
	so.log_public = ctx->debug;
	so.userdata = &so;
	r = rkt_mds_server_run(&so, err);
	if (r >= 0)
		fputs("metadata-service: exiting\n", stderr);
	return r;
}
