/* rkt status [--wait[=bool|duration]] [--wait-ready[=bool|duration]] [--format=...]
 * (--uuid-file=F | UUID): upstream's key=value lines (rkt/rkt Documentation/subcommands/status.md).
 *
 * --wait polls (100 ms) until the pod has stopped running. --wait-ready polls until the pod
 * is ready (is_ready). Both fail with ETIMEDOUT after the given duration. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "net/cni.h"
#include "pod/layout.h"
#include "pod/network.h"
#include "pod/stage1.h"
#include "util/escape.h"
#include "pod-util.h"

#define POLL_NS 100000000L

struct status_opts {
	bool wait, wait_ready;
	int64_t wait_ns, wait_ready_ns; /* 0 = forever */
	enum cli_format format;
	const char *uuid_file;
	bool check_networks;
};

enum { OPT_WAIT = 1, OPT_WAIT_READY };

/* --wait[=bool|duration] */
static int parse_wait(void *opts, const struct cli_flag *f, const char *v, struct rkt_error *err)
{
	struct status_opts *o = opts;
	bool *ret = f->id == OPT_WAIT ? &o->wait : &o->wait_ready;
	int64_t *ret_ns = f->id == OPT_WAIT ? &o->wait_ns : &o->wait_ready_ns;

	if (rkt_parse_bool(v, ret) == 0)
		return 0;
	if (cli_parse_duration(v, ret_ns) < 0)
		return rkt_error_set(err, EINVAL,
		                     "status: --%s: '%s' is neither a boolean nor a duration",
		                     f->name, v);
	*ret = true;
	return 0;
}

const struct cli_flag status_flags[] = {
	CLI_FORMAT_FLAG(struct status_opts, format, "key value pairs"),
	FLAG("uuid-file", CLI_FLAG_STRING, struct status_opts, uuid_file, "",
	     "read pod UUID from file instead of argument"),
	FLAG("check-networks", CLI_FLAG_BOOL, struct status_opts, check_networks, "false",
	     "run the CNI CHECK of every network of a running pod (fails if one fails)"),
	{ .name = "wait",
	  .type = CLI_FLAG_CUSTOM,
	  .def = "false",
	  .noopt = "true",
	  .help = "toggles waiting for the pod to finish. Use the output to determine the actual "
	          "terminal state.",
	  .parse = parse_wait,
	  .id = OPT_WAIT,
	  .values = "true false" },
	{ .name = "wait-ready",
	  .type = CLI_FLAG_CUSTOM,
	  .def = "false",
	  .noopt = "true",
	  .help = "toggles waiting until the pod is ready.",
	  .parse = parse_wait,
	  .id = OPT_WAIT_READY,
	  .values = "true false" },
	{},
};

static int parse_args(int argc, char **argv, struct status_opts *o, const char **ret_uuid,
                      struct rkt_error *err)
{
	int n = cli_flags_parse(status_flags, "status", CLI_PARSE_INTERSPERSED, argc, argv, o, err);

	if (n < 0)
		return n;
	if (n > 1 || (n == 1) == !!o->uuid_file)
		return rkt_error_set(err, EINVAL, "status: expected one pod UUID or --uuid-file");
	*ret_uuid = n ? argv[1] : NULL;
	return 0;
}

/* Stopped running (exited, or gone on to the garbage directories), or never will: a
 * preparation that was killed stays an aborted prepare until gc removes it. */
static bool has_exited(struct rkt_pod *pod)
{
	if (pod->state == RKT_POD_STATE_ABORTED_PREPARE)
		return true;
	return pod->state != RKT_POD_STATE_RUNNING && pod->dir >= RKT_POD_DIR_RUN;
}

/* Ready: stage1 wrote $P/ready (every app started, those with sd_notify said READY=1;
 * docs/stage1-abi.md 3.5), or upstream's stage1 linked rkt/supervisor-status; fly, which
 * supervises nothing, once it wrote `pid`. A pod that exited before anyone saw it ready counts
 * as ready: waiting longer is pointless. */
static bool is_ready(struct rkt_pod *pod)
{
	struct stat st;

	if (has_exited(pod))
		return true;
	if (pod->state != RKT_POD_STATE_RUNNING)
		return false;
	if (fstatat(pod->fd, RKT_POD_READY, &st, 0) == 0 ||
	    fstatat(pod->fd, RKT_POD_STAGE1_ROOTFS "/rkt/supervisor-status", &st, 0) == 0)
		return true;
	return rkt_stage1_flavor_is_fly(pod->fd, RKT_POD_STAGE1_FLAVOR) &&
	       fstatat(pod->fd, RKT_POD_PID, &st, 0) == 0;
}

/* Polls until DONE(pod) or TIMEOUT_NS (0: forever) has passed. */
static int poll_pod(struct rkt_pod *pod, bool (*done)(struct rkt_pod *), int64_t timeout_ns,
                    const char *what, struct rkt_error *err)
{
	int64_t deadline = timeout_ns ? rkt_now_ns() + timeout_ns : 0;
	int r;

	for (;;) {
		r = rkt_pod_refresh(pod, err);
		if (r < 0)
			return rkt_error_wrap(err, r, "status");
		if (done(pod))
			return 0;
		if (deadline && rkt_now_ns() >= deadline)
			return rkt_error_set(err, ETIMEDOUT, "status: pod '%s' %s", pod->uuid,
			                     what);
		(void)nanosleep(&(struct timespec){ .tv_nsec = POLL_NS }, NULL);
	}
}

static void print_plain(const struct rkt_pod *pod, const struct rkt_pod_manifest *m)
{
	enum rkt_pod_state s = pod->state;
	int64_t created = 0, started = rkt_pod_started_time(pod);
	pid_t pid;

	printf("state=%s\n", rkt_pod_state_name(s));
	if (rkt_pod_created_time(pod, &created, NULL) == 0) {
		_cleanup_free_ char *t = cli_time_go(created);
		printf("created=%s\n", t);
	}
	if (started) {
		_cleanup_free_ char *t = cli_time_go(started);
		printf("started=%s\n", t);
	}
	if (s == RKT_POD_STATE_RUNNING || s == RKT_POD_STATE_EXITED) {
		struct json_object *info = rkt_pod_net_info(pod);
		_cleanup_free_ char *nets = rkt_pod_net_summary(info);
		json_object_put(info);
		printf("networks=%s\n", nets);
	}
	if (s != RKT_POD_STATE_RUNNING && s != RKT_POD_STATE_DELETING &&
	    s != RKT_POD_STATE_EXITED_DELETING && s != RKT_POD_STATE_EXITED &&
	    s != RKT_POD_STATE_EXITED_GARBAGE)
		return;
	if (rkt_pod_pid(pod, &pid, NULL) == 0)
		printf("pid=%d\n", (int)pid);
	printf("exited=%s\n",
	       s == RKT_POD_STATE_EXITED || s == RKT_POD_STATE_EXITED_GARBAGE ? "true" : "false");
	if (s == RKT_POD_STATE_RUNNING || !m)
		return;
	for (size_t i = 0; i < m->n_apps; i++) {
		int code;

		if (rkt_pod_app_exit_code(pod, m->apps[i].name, &code, NULL) == 0) {
			_cleanup_free_ char *name = rkt_escape_ctl(m->apps[i].name);

			printf("app-%s=%d\n", name, code);
		}
	}
}

struct check_state {
	bool plain;
	size_t failed;
	struct rkt_error first;
};

static void on_check(void *userdata, const char *net, enum rkt_cni_check_status st,
                     const struct rkt_error *e)
{
	static const char *const names[] = { [RKT_CNI_CHECK_OK] = "ok",
		                             [RKT_CNI_CHECK_FAILED] = "failed",
		                             [RKT_CNI_CHECK_UNSUPPORTED] = "unsupported" };
	struct check_state *c = userdata;

	if (c->plain)
		printf("network-check-%s=%s\n", net, names[st]);
	if (e && c->failed++ == 0)
		c->first = *e;
}

/* --check-networks (ours, docs/networking.md): CNI CHECK of a running pod's networks. */
static int check_networks(struct rkt_pod *pod, bool plain, struct rkt_error *err)
{
	struct check_state c = { .plain = plain };
	int r;

	if (pod->state != RKT_POD_STATE_RUNNING)
		return rkt_error_input(err, EINVAL, "status: --check-networks: pod '%s' is %s",
		                       pod->uuid, rkt_pod_state_name(pod->state));
	fflush(stdout);
	r = rkt_cni_pod_check(pod->fd, on_check, &c, err);
	fflush(stdout);
	if (r < 0)
		return rkt_error_wrap(err, r, "status: --check-networks");
	if (c.failed) {
		*err = c.first;
		return rkt_error_wrap(err, -EIO, "status: CHECK of %zu network(s) failed",
		                      c.failed);
	}
	return 0;
}

int cmd_status(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	_cleanup_(rkt_pod_freep) struct rkt_pod *pod = NULL;
	struct status_opts o = { 0 };
	struct rkt_pod_manifest *m = NULL;
	const char *uuid = NULL;
	int r;

	r = parse_args(argc, argv, &o, &uuid, err);
	if (r < 0)
		return r;
	r = cli_pod_find(ctx, "status", uuid, o.uuid_file, &pod, err);
	if (r < 0)
		return r;
	if (o.wait_ready) {
		r = poll_pod(pod, is_ready, o.wait_ready_ns, "is not ready", err);
		if (r < 0)
			return r;
	}
	if (o.wait) {
		r = poll_pod(pod, has_exited, o.wait_ns, "is still running", err);
		if (r < 0)
			return r;
	}
	(void)rkt_pod_read_manifest(pod, &m, NULL);
	if (o.format != CLI_FORMAT_TABBED)
		cli_print_json(cli_pod_json(pod, m), o.format == CLI_FORMAT_JSON_PRETTY);
	else
		print_plain(pod, m);
	rkt_pod_manifest_free(m);
	if (o.check_networks)
		return check_networks(pod, o.format == CLI_FORMAT_TABBED, err);
	return 0;
}
