/* stage0's side of the stage1 contract (docs/stage1-abi.md): finding the entrypoints in the
 * stage1 image manifest, their argument vectors (run, enter, stop, gc), the DNS files stage0
 * writes for run, making a prepared pod ready to exec run, and running the fork+wait
 * entrypoints (gc, stop). The run and enter entrypoints are exec'd by the commands themselves
 * with the vectors built here. The pod directory's names are in pod/layout.h. */
#pragma once

#include <stdbool.h>

#include "appc/manifest.h"
#include "isolate/userns.h"
#include "pod/pod.h"
#include "util/error.h"

#define RKT_STAGE1_ANNOTATION_PREFIX "coreos.com/rkt/stage1/"

struct rkt_stage1_entry {
	char *path;                 /* absolute: <pod>/stage1/rootfs/<entrypoint> */
	unsigned interface_version; /* 1 if the annotation is absent */
	char *flavor;               /* target of stage1/rootfs/flavor, or NULL */
};
void rkt_stage1_entry_release(struct rkt_stage1_entry *e);

/* Whether the symlink at PATH under DIRFD (a stage1's rootfs/flavor) names the fly flavor,
 * whose pods share every namespace with the host. */
bool rkt_stage1_flavor_is_fly(int dirfd, const char *path);

/* Looks up entrypoint NAME ("run", "enter", "gc", "stop") in $P/stage1/manifest. -ENOENT if
 * the stage1 has no such entrypoint (or no manifest), -EINVAL/-EBADMSG for a bad manifest. */
int rkt_stage1_entry(const struct rkt_pod *pod, const char *name, struct rkt_stage1_entry *ret,
                     struct rkt_error *err);

/* Forks, runs ARGV[0] with ARGV in the pod directory (stdout goes to stderr, stdin is
 * /dev/null) and waits. Returns its exit status (0..255, 128+N if killed by signal N). Blocks
 * until the child exits. */
int rkt_stage1_call(const struct rkt_pod *pod, char *const argv[], struct rkt_error *err);

/* Executes the stage1 entrypoint PATH with ARGV (and environ) from a detached read-only bind
 * mount of the file, so that /proc/<pid>/exe of its processes cannot be opened for writing;
 * plain execv where the kernel has no mount_setattr (5.12). Returns only on failure. */
int rkt_stage1_exec(const char *path, char *const argv[], struct rkt_error *err);

/* Unmounts everything mounted at or below PATH (real path; read from /proc/self/mountinfo),
 * deepest first, retrying until nothing is left. Returns the number unmounted. */
int rkt_umount_below(const char *path, struct rkt_error *err);

/* The DNS flags of run and run-prepared (comma lists already split); NULL: none given. */
struct rkt_pod_dns_opts {
	const struct rkt_strv *dns;           /* --dns: IPs, or "host" or "none" alone */
	const struct rkt_strv *search;        /* --dns-search */
	const struct rkt_strv *opt;           /* --dns-opt */
	const struct rkt_strv *domain;        /* --dns-domain */
	const struct rkt_strv *hosts_entries; /* --hosts-entry: IP=HOSTNAME, or "host" */
};
/* What stage1 is told about /etc/resolv.conf and /etc/hosts (section 4.4). */
struct rkt_pod_dns_plan {
	const char *resolv_mode, *hosts_mode; /* "default", "host", "none", "stage0" */
	char *resolv_conf;                    /* content of rkt-resolv.conf, or NULL */
	char *hosts;                          /* content of rkt-hosts, or NULL */
};
/* Checks the flags and builds the plan (upstream's file contents). -EINVAL names the flag. */
int rkt_pod_dns_plan(const struct rkt_pod_dns_opts *o, struct rkt_pod_dns_plan *ret,
                     struct rkt_error *err);
void rkt_pod_dns_plan_release(struct rkt_pod_dns_plan *p);
/* --hostname (NULL: none): no whitespace or control character, not empty. */
int rkt_pod_hostname_check(const char *hostname, struct rkt_error *err);

/* What stage0 passes to the run entrypoint beside the pod's UUID (section 3). */
struct rkt_stage1_run_opts {
	bool debug;
	const char *net;          /* NULL: "default" */
	const char *local_config; /* NULL: stage1's default */
	const char *hostname;     /* NULL: stage1's default */
	bool interactive;
	unsigned insecure; /* enum rkt_insecure: capabilities, paths and seccomp are passed on */
	const struct rkt_pod_dns_plan *dns;
	const struct rkt_id_range *private_users; /* the pod's range, or NULL */
	const char *mds_token;                    /* the pod's metadata service token, or NULL */
};

/* Makes the prepared pod (locked by the caller) ready to exec its run entrypoint: mounts its
 * stage1, writes the DNS files of DNS, moves it to run/ and finds the entrypoint there. On
 * failure, unmounts what it mounted. */
int rkt_pod_start(struct rkt_pod *pod, const struct rkt_pod_dns_plan *dns,
                  struct rkt_stage1_entry *ret_run, struct rkt_error *err);

/* Argument vectors for the entrypoints, for their interface versions: NULL-terminated arrays
 * of new strings (free with rkt_strv_free_array), argv[0] the entrypoint's path. */
char **rkt_stage1_run_argv(const struct rkt_stage1_entry *run, const struct rkt_pod *pod,
                           const struct rkt_stage1_run_opts *o);
/* CMD: the command and its arguments (NULL-terminated), or NULL for stage1's default shell or,
 * with BASH, /bin/bash (upstream's default when the app has one). */
char **rkt_stage1_enter_argv(const struct rkt_stage1_entry *enter, pid_t pid, const char *app,
                             char *const *cmd, bool bash);
char **rkt_stage1_stop_argv(const struct rkt_stage1_entry *stop, const struct rkt_pod *pod,
                            bool force);
char **rkt_stage1_gc_argv(const struct rkt_stage1_entry *gc, const struct rkt_pod *pod, bool debug);
