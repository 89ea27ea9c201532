/* Preparing the apps of a pod in stage1: their roots, mounts, users, environment, isolators
 * (docs/stage1-abi.md section 4). Shared by the default run entrypoint and fly. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "isolate/isolate.h"
#include "stage1.h"

enum phase { PHASE_WAITING, PHASE_PRESTART, PHASE_MAIN, PHASE_POSTSTOP, PHASE_DONE };

struct app_state {
	const struct rkt_stage1_app *a;
	const char *name;
	char *root;
	uint64_t caps;
	struct rkt_bpf bpf;
	bool nnp;
	struct rkt_ids ids;
	char **envp;
	const char *workdir;
	char *exec_path, *pre_path, *post_path;
	char **argv, **pre_argv, **post_argv;
	bool has_oom;
	int oom;
	int out_r, out_w, err_r, err_w, log_fd;
	bool log_lost;     /* a write to its log failed (reported once) */
	int cgroup_fds[3]; /* cgroup.procs of its memory, cpu, devices cgroups, or -EBADF */
	enum phase phase;
	pid_t pid;
	/* activation.h: listening sockets, the main process's environment, readiness */
	int *listen_fds;
	size_t n_listen;
	char **envp_main; /* NULL: envp */
	char *listen_pid; /* the LISTEN_PID= entry of envp_main, or NULL */
	bool pass_listen; /* in the forked child: this process gets the listening sockets */
	int notify_fd;    /* -EBADF: the image did not ask for NOTIFY_SOCKET */
	bool notify, notified;
};

struct pod_ctx {
	struct run_opts opts;
	char pod_dir[PATH_MAX];
	int podfd;
	struct rkt_stage1_pod pod;
	struct app_state *apps;
	size_t n;
	int devnull;
	struct rkt_userns userns; /* --private-users: the apps' user namespace, else all -EBADF */
	/* --interactive on a terminal: the app's pty (tty.h), or -EBADF */
	int tty_master, tty_slave;
	bool stopping, stopped_by_signal;
	bool cgroups_failed; /* resource isolators could not be applied (reported once) */
	bool devices_warned; /* no v1 devices hierarchy (reported once) */
	bool devices_pod;    /* the pod's devices cgroup has its policy */
	int first_failure;
	bool status_lost;   /* an app's exit status could not be recorded: the pod fails */
	bool ready_written; /* $P/ready (activation.h) */
	struct timespec deadline;
	bool has_deadline;
};

/* Mounts the root of app S and everything in it, resolves its user, environment (written to
 * rkt/env/<app>), executables and isolators; opens its output pipes and log unless
 * interactive or FLY. */
int stage1_prepare_app(struct pod_ctx *c, struct app_state *s, bool fly, struct rkt_error *err);
/* What applies to every process started in app S, its own and those of enter: capabilities,
 * no_new_privs, the seccomp filter, oom_score_adj, the working directory; from the app's
 * isolators and C->opts (FLY applies neither capabilities nor seccomp). */
/* The app's seccomp filter: the build-time copy when SPEC is the default filter
 * (stage1/gen-default-bpf.c), rkt_seccomp_compile otherwise (stage1/seccomp-default.c). */
int stage1_seccomp_compile(const struct rkt_seccomp_spec *spec, struct rkt_bpf *ret,
                           struct rkt_error *err);
int stage1_app_isolators(const struct pod_ctx *c, struct app_state *s, bool fly,
                         struct rkt_error *err);
/* Reads rkt/app/<app> (written by stage1_prepare_app) into S->ids, the run options of C that
 * change the app's isolation, and *RET_FLY. */
int stage1_app_settings_read(struct pod_ctx *c, struct app_state *s, bool *ret_fly,
                             struct rkt_error *err);
/* Makes the calling process (a forked child; system calls only) one of app S's, about to
 * execve: joins its cgroups and a cgroup namespace of its own, closes every fd above 2, sets
 * oom_score_adj, enters the app's root (own mount namespace and pivot_root; FLY: chroot),
 * drops the capability bounding set, sets the user and groups and capabilities, changes to
 * the working directory (resolved in the root), no_new_privs, and loads the seccomp filter.
 * The one code path for "restrict this process as app S": the app's processes and enter's.
 * 0, or -errno with *WHAT naming the step that failed. */
int stage1_app_restrict(const struct pod_ctx *c, const struct app_state *s, bool fly,
                        const char **what);
/* chdir to DIR resolved inside the process's root (the cwd must be "/"), never through a magic
 * link such as /proc/self/fd/N (CVE-2024-21626). System calls only. 0 or -errno. */
int stage1_chdir_in_root(const char *dir);
/* Initialises C from the pod directory (the cwd) and OPTS: loads the pod. */
int stage1_load_pod(struct pod_ctx *c, struct rkt_error *err);
/* Unshares the mount namespace and reopens the pod directory in the new one. An fd opened
 * before unshare(CLONE_NEWNS) keeps pointing into the old namespace, and when stage0 was that
 * namespace's last process (`unshare -m rkt run`), the old namespace is torn down and its
 * mounts (the stage1 overlay) are gone from under the fd. FLAGS are more CLONE_* flags. */
int stage1_unshare_mounts(struct pod_ctx *c, int flags, struct rkt_error *err);
/* Binds the pod's user namespace at $P/userns in the pod's mount namespace, for enter. */
int stage1_bind_userns(struct pod_ctx *c, struct rkt_error *err);
/* Prints one warning naming every isolator of the pod and its apps that a stage1 with F does
 * not apply (ACE-32). */
void stage1_report_isolators(const struct pod_ctx *c, const struct rkt_isolate_features *f);
/* Removes the cgroups listed in $P/cgroups and their pod-level parents (best effort). */
void stage1_cgroups_remove(int podfd);
