/* Isolating one app of a pod: what stage1 computes before it starts the app (capability set,
 * seccomp program, user and groups, environment, mount plan) and the few syscall-only helpers it
 * calls in the forked child (docs/stage1-abi.md section 4).
 *
 * The computing functions are pure or read files of the app's root through a directory fd with
 * openat2(RESOLVE_IN_ROOT), so that nothing in an image can make them read the host's files. The
 * functions marked "async-signal-safe" make only system calls and touch no heap: a forked child
 * may call them before execve. Nothing here prints; warnings go through a caller's callback. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "appc/manifest.h"
#include "util/fs.h"
#include "util/error.h"

/* ---- Capabilities (ISO-9..11) ---- */

/* The default bounding set of ISO-11, as a mask of 1 << CAP_*. */
uint64_t rkt_caps_default(void);
/* "CAP_CHOWN" or "chown" (case-insensitive) to its number; -EINVAL if unknown. */
int rkt_cap_from_name(const char *name);
const char *rkt_cap_name(int cap);
/* The set an app gets from its isolators: the last capabilities-retain-set (exactly that set),
 * else the last capabilities-remove-set (default minus the set), else the default. -EINVAL for
 * an unknown capability name or both kinds in one list. */
int rkt_caps_compute(const struct rkt_isolator_list *isolators, uint64_t *ret_mask,
                     struct rkt_error *err);
/* Drops every capability outside MASK from the bounding set and clears the ambient set.
 * Async-signal-safe. 0 or -errno. */
int rkt_caps_apply_bounding(uint64_t mask);
/* Sets effective, permitted and inheritable to MASK (after the uid change; a non-root uid has
 * an empty permitted set already, and then this only empties the sets). Async-signal-safe. */
int rkt_caps_apply(uint64_t mask);

/* ---- seccomp (ISO-13..15) ---- */

struct rkt_seccomp_spec {
	bool enabled;           /* false: no filter at all (@appc.io/all, --disable-seccomp) */
	bool retain;            /* true: allow only SYSCALLS; false: block SYSCALLS */
	int errno_value;        /* blocked calls fail with it; 0: the process gets SIGSYS */
	bool no_new_privs;      /* retain filters force it (rkt's rule) */
	bool default_allowlist; /* retains a default allowlist: clone may not make namespaces
	                         * (unless clone_ns) and clone3, whose flags a filter cannot
	                         * read, fails with ENOSYS (C libraries then use clone) */
	bool clone_ns;          /* set by the caller for apps with CAP_SYS_ADMIN, as Docker */
	struct rkt_strv names;  /* syscall names, groups expanded, duplicates allowed */
};
/* The filter for an app's isolators, as upstream rkt: default (no seccomp isolator) = retain
 * @rkt/default-whitelist, every other call gets SIGSYS; retain-set = its set plus the minimal
 * lifecycle set (ISO-14); remove-set = its set plus @rkt/default-blacklist (ISO-13), and
 * "@appc.io/empty" alone = the default filter. Groups: rkt_seccomp_group_find; @appc.io/all,
 * @appc.io/empty. -EINVAL for an unknown group or errno name. */
int rkt_seccomp_resolve(const struct rkt_isolator_list *isolators, struct rkt_seccomp_spec *ret,
                        struct rkt_error *err);
void rkt_seccomp_spec_release(struct rkt_seccomp_spec *spec);
enum rkt_seccomp_group_kind {
	RKT_SECCOMP_GROUP_PLAIN,
	RKT_SECCOMP_GROUP_ALLOWLIST, /* a default allowlist: only in retain sets */
	RKT_SECCOMP_GROUP_DENYLIST,  /* a default denylist */
};
/* A named group of syscalls ("@rkt/default-whitelist"): the union of its parts. */
struct rkt_seccomp_group {
	const char *name;
	enum rkt_seccomp_group_kind kind;
	struct {
		const char *const *names;
		size_t n;
	} parts[2];
};
/* The group called NAME, or NULL. */
const struct rkt_seccomp_group *rkt_seccomp_group_find(const char *name);
/* Every group (for listings and tests). */
const struct rkt_seccomp_group *rkt_seccomp_groups(size_t *ret_n);
/* True if SYSCALL is in a built-in group (a name the user did not type). */
bool rkt_seccomp_group_has(const char *syscall);
/* errno name ("ENOTSUP") to its value; -EINVAL if unknown. */
int rkt_errno_from_name(const char *name);

struct rkt_bpf {
	void *filter; /* struct sock_filter[] */
	unsigned short len;
};
/* Compiles SPEC for the native architecture with libseccomp (disabled spec: len 0). Syscall
 * names unknown to libseccomp are skipped and reported through WARN (ACE-32). */
int rkt_seccomp_compile(const struct rkt_seccomp_spec *spec, rkt_warn_fn warn, void *userdata,
                        struct rkt_bpf *ret, struct rkt_error *err);
void rkt_bpf_release(struct rkt_bpf *bpf);
/* Installs BPF (nothing if empty). Needs no_new_privs or CAP_SYS_ADMIN. Async-signal-safe. */
int rkt_seccomp_load(const struct rkt_bpf *bpf);

/* ---- Users and groups (ACE-22, ACE-23) ---- */

struct rkt_passwd_entry {
	uid_t uid;
	gid_t gid;
	char *name;
	char *home;
};
void rkt_passwd_entry_release(struct rkt_passwd_entry *e);
/* Finds NAME in the text of an /etc/passwd (BUF, LEN bytes). 0, -ENOENT if absent. */
int rkt_passwd_find_name(const char *buf, size_t len, const char *name,
                         struct rkt_passwd_entry *ret);
/* Finds UID (first entry with it). 0, -ENOENT. */
int rkt_passwd_find_uid(const char *buf, size_t len, uid_t uid, struct rkt_passwd_entry *ret);
/* Finds group NAME in the text of an /etc/group. 0, -ENOENT. */
int rkt_group_find_name(const char *buf, size_t len, const char *name, gid_t *ret_gid);

struct rkt_ids {
	uid_t uid;
	gid_t gid;
	gid_t *groups; /* supplementary groups, owned */
	size_t n_groups;
	char *user_name; /* passwd name of uid, or NULL */
	char *home;      /* passwd home of uid, or NULL */
};
void rkt_ids_release(struct rkt_ids *ids);
/* Resolves USER and GROUP (NULL or "" = 0) inside the root ROOTFD: name in the root's
 * /etc/passwd or /etc/group, else digits, else an absolute path whose owner/group is used.
 * The groups are SUPPLEMENTARY (N_SUPP), or [gid] if none. -ENOENT if unresolvable. */
int rkt_ids_resolve(int rootfd, const char *user, const char *group, const uint32_t *supplementary,
                    size_t n_supp, struct rkt_ids *ret, struct rkt_error *err);
/* setgroups, setresgid, setresuid by raw syscalls (no glibc thread broadcast).
 * Async-signal-safe. */
int rkt_ids_apply(const struct rkt_ids *ids);

/* ---- Environment (ACE-16..18, rkt/rkt Documentation/app-environment.md) ---- */

#define RKT_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct rkt_env_opts {
	const char *app_name;     /* AC_APP_NAME */
	const char *metadata_url; /* AC_METADATA_URL, or NULL */
	const char *user_name;    /* USER/LOGNAME default, NULL = "root" */
	const char *home;         /* HOME default, NULL = "/root" */
};
/* The app's final environment: APP_ENV (already merged by stage0) with missing PATH, SHELL,
 * USER, LOGNAME, HOME filled in, then AC_APP_NAME, container=rkt and AC_METADATA_URL set over
 * whatever the app had (ACE-18). -EINVAL if a name or value contains a newline or a name
 * contains '='. RET gets a NULL-terminated "K=V" array (free with rkt_envp_free). */
int rkt_env_build(const struct rkt_kv_list *app_env, const struct rkt_env_opts *opts, char ***ret,
                  struct rkt_error *err);
char **rkt_envp_free(char **envp);
/* Value of NAME in ENVP, or NULL. */
const char *rkt_envp_get(char *const *envp, const char *name);

/* Finds FILE like execvp (ACE-20) inside the root ROOTFD: a name with '/' as-is, else each
 * entry of PATH (NULL: the current directory, then confstr(_CS_PATH)); the first regular
 * executable file wins. RET is the path to pass to execve after entering the root (relative
 * entries are kept relative). -ENOENT, -EACCES. */
int rkt_exec_lookup(int rootfd, const char *file, const char *path, char **ret,
                    struct rkt_error *err);

/* MOUNT_ATTR_NODEV on the mount FD (O_PATH) is the root of (and below it if RECURSIVE). */
int rkt_mount_set_nodev(int fd, bool recursive);

/* ---- cgroups (ISO-4, ISO-5, ISO-17; v1 and v2) ---- */

struct rkt_cgroup_limits {
	bool has_memory;
	uint64_t memory_bytes;
	bool has_memory_request; /* v1 memory.soft_limit_in_bytes, v2 memory.low */
	uint64_t memory_request_bytes;
	bool has_cpu;
	uint64_t cpu_millis;
	bool has_shares; /* cpu-shares, else from the cpu request (1000m = 1024) */
	uint64_t cpu_shares;
};
/* The limits and requests of one isolator list (an app's or the pod's): the last
 * resource/memory, resource/cpu and cpu-shares. The pod's go to the pod's cgroup, above the
 * apps' cgroups, so that the kernel bounds the apps by the pod as a whole (POD-11, ACE-33). */
void rkt_cgroup_limits_of(const struct rkt_isolator_list *l, struct rkt_cgroup_limits *ret);
/* Whether L has anything for the v1 CONTROLLER ("memory" or "cpu"). */
bool rkt_cgroup_limits_want(const struct rkt_cgroup_limits *l, const char *controller);
/* In TEXT (the content of /proc/self/cgroup), the path of the v1 hierarchy that has
 * CONTROLLER, or with CONTROLLER NULL the v2 ("0::") path. New string; -ENOENT if none. */
int rkt_cgroup_parse_self(const char *text, const char *controller, char **ret);
/* Creates the cgroup REL (starts with '/') and writes the limits that belong to it: v1
 * (CONTROLLER "memory" or "cpu"; "devices": the closed device policy of rkt_device_allow)
 * under ROOT/CONTROLLER, v2 (CONTROLLER NULL) under ROOT.
 * ROOT is "/sys/fs/cgroup" (unit tests: a fake tree). With RET_PROCS_FD, opens its
 * cgroup.procs for rkt_cgroup_join. */
int rkt_cgroup_create(const char *root, const char *controller, const char *rel,
                      const struct rkt_cgroup_limits *limits, int *ret_procs_fd,
                      struct rkt_error *err);
/* v2: enables the controllers LIMITS needs ("+memory", "+cpu") in cgroup.subtree_control of
 * every cgroup from OWN (the caller's) down to REL's parent. Fails (-EBUSY) when OWN holds
 * processes and is not the root: the kernel's "no internal processes" rule. */
int rkt_cgroup_v2_enable(const char *root, const char *own, const char *rel,
                         const struct rkt_cgroup_limits *limits, struct rkt_error *err);
/* The devices an app may use (docs/security.md): TYPE 'c' or 'b', MINOR -1 for all. A v1
 * "devices" cgroup made by rkt_cgroup_create denies every other device. */
struct rkt_device_rule {
	char type;
	int major, minor;
	const char *access;
};
extern const struct rkt_device_rule rkt_device_allow[];
extern const size_t rkt_device_allow_n;
/* cgroup v2: the same policy as a BPF_PROG_TYPE_CGROUP_DEVICE program (devices-bpf.c). Writes
 * the program for RULES (allow what one rule allows, deny the rest) into OUT, which has room
 * for RKT_DEVICE_BPF_MAX_INSNS(N) instructions; returns how many it wrote. */
struct bpf_insn;
#define RKT_DEVICE_BPF_MAX_INSNS(n) (8 + 8 * (n))
size_t rkt_device_bpf_program(const struct rkt_device_rule *rules, size_t n, struct bpf_insn *out);
/* BPF_PROG_LOAD of such a program (the verifier's message in ERR); an O_CLOEXEC fd. */
int rkt_device_bpf_load(const struct bpf_insn *insns, size_t n, struct rkt_error *err);
/* Loads the program of rkt_device_allow and attaches it (BPF_PROG_ATTACH, BPF_CGROUP_DEVICE,
 * BPF_F_ALLOW_MULTI) to the v2 cgroup directory CGROUP_FD. */
int rkt_device_bpf_attach(int cgroup_fd, struct rkt_error *err);
/* v2: creates the cgroup ROOT/REL (no limits) and attaches the device program to it; with
 * RET_PROCS_FD, opens its cgroup.procs for rkt_cgroup_join. */
int rkt_cgroup_v2_devices(const char *root, const char *rel, int *ret_procs_fd,
                          struct rkt_error *err);
/* Moves the calling process into the cgroup of PROCS_FD. Async-signal-safe. */
int rkt_cgroup_join(int procs_fd);

/* ---- sysctl (ISO-18) ---- */

enum rkt_sysctl_ns { RKT_SYSCTL_NS_NONE, RKT_SYSCTL_NS_NET, RKT_SYSCTL_NS_IPC, RKT_SYSCTL_NS_UTS };
/* The namespace the sysctl KEY ("net.ipv4.ip_forward") belongs to; RKT_SYSCTL_NS_NONE for a
 * malformed key or one that is not namespaced (it would change the host). */
enum rkt_sysctl_ns rkt_sysctl_namespace(const char *key);
/* Checks the pod's os/unix/sysctl isolator (in POD_ISOLATORS): every key is namespaced, and
 * its namespace is the pod's own (NET_PRIVATE: not --net=host; IPC_PRIVATE: not --ipc=parent;
 * UTS_PRIVATE). -EINVAL naming the key. */
int rkt_sysctl_check(const struct rkt_isolator_list *pod_isolators, bool net_private,
                     bool ipc_private, bool uts_private, struct rkt_error *err);
/* Writes every key of the pod's sysctl isolator below PROC_SYS ("/proc/sys"); the kernel
 * resolves them in the caller's namespaces. Call rkt_sysctl_check first. */
int rkt_sysctl_apply(const char *proc_sys, const struct rkt_isolator_list *pod_isolators,
                     struct rkt_error *err);

/* ---- Which isolators a stage1 applies (ACE-32) ---- */

struct rkt_isolate_features {
	bool caps, seccomp, nnp, oom; /* app scope */
	bool cgroups;                 /* resource/memory, resource/cpu, cpu-shares (both scopes) */
	bool sysctl;                  /* pod scope */
	bool net_bandwidth;           /* resource/network-bandwidth (CNI networks, both scopes) */
};
/* Whether an isolator of TYPE in the pod's list (POD_SCOPE) or an app's is applied by a stage1
 * with F. Unknown isolators, block bandwidth, SELinux and isolators outside their
 * scope (ISO-19) are never applied. */
bool rkt_isolator_applied(enum rkt_isolator_type type, bool pod_scope,
                          const struct rkt_isolate_features *f);

/* ---- Mount plan ("plan then apply", as bubblewrap) ---- */

enum rkt_mount_kind {
	RKT_MOUNT_FS,       /* mount FSTYPE (SOURCE is the device name) at TARGET */
	RKT_MOUNT_BIND,     /* bind SOURCE (host path) at TARGET */
	RKT_MOUNT_READONLY, /* bind TARGET onto itself, read-only (restricted paths) */
	RKT_MOUNT_MASK,     /* hide TARGET: /dev/null over a file, empty ro tmpfs over a dir */
	RKT_MOUNT_SYMLINK,  /* create TARGET as a symlink to SOURCE if nothing is there */
	RKT_MOUNT_ROOT_RO,  /* make the app root read-only (readOnlyRootFS); always last */
	_RKT_MOUNT_KIND_MAX
};

struct rkt_mount_op {
	enum rkt_mount_kind kind;
	char *source;
	char *target; /* absolute, inside the app root */
	char *fstype;
	char *data;
	unsigned long flags; /* MS_* for RKT_MOUNT_FS */
	bool recursive;      /* bind */
	bool read_only;
	bool nodev;         /* bind: no device nodes usable below it */
	bool optional;      /* skip if the source or target does not exist */
	bool create_source; /* empty volume: create SOURCE with MODE, UID, GID if missing */
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

struct rkt_mount_plan {
	struct rkt_mount_op *ops;
	size_t n, cap;
};
void rkt_mount_plan_release(struct rkt_mount_plan *plan);

struct rkt_mount_plan_opts {
	const char *pod_dir;       /* absolute path of $P */
	const char *console;       /* host path bound at /dev/console (tty or /dev/null) */
	const char *resolv_conf;   /* host path bound at /etc/resolv.conf, or NULL */
	const char *hosts;         /* host path bound at /etc/hosts, or NULL */
	const char *hostname_file; /* host path bound at /etc/hostname, or NULL */
	bool private_ipc;          /* mount /dev/mqueue */
	bool restrict_paths;       /* read-only and masked /proc and /sys paths */
	bool fly;                  /* fly: bind /dev, /proc, /sys; tmpfs /tmp */
	bool volumes_recursive;    /* default of host volumes' "recursive" */
	uint32_t id_base;          /* --private-users: host id of the apps' uid/gid 0 (empty
	                            * volumes are owned by their uid/gid shifted by it) */
};

/* Plans the mounts of app RA (whose effective app is APP) of POD: kernel filesystems and
 * devices (ACE-34), restricted paths, /etc files, volumes (ACE-7, ACE-8, ACE-11; empty volumes
 * at $P/sharedVolumes/<name>), and the read-only root (ACE-4). Pure: no I/O. -EINVAL for a
 * mount naming no volume, nested volume targets or a relative target. */
int rkt_mount_plan_build(const struct rkt_pod_manifest *pod, const struct rkt_runtime_app *ra,
                         const struct rkt_app *app, const struct rkt_mount_plan_opts *opts,
                         rkt_warn_fn warn, void *userdata, struct rkt_mount_plan *ret,
                         struct rkt_error *err);
/* Applies PLAN to the app root ROOT (an absolute path that is a mount point), in order.
 * Targets are resolved with openat2(RESOLVE_IN_ROOT) and missing ones created 0755 root:root
 * (ACE-9); a file in the way of a directory is replaced with a warning (ACE-10). Host sources
 * are opened with RESOLVE_NO_SYMLINKS (ACE-13); a missing one is -ENOENT (ACE-12). */
int rkt_mount_plan_apply(const char *root, const struct rkt_mount_plan *plan, rkt_warn_fn warn,
                         void *userdata, struct rkt_error *err);

/* ---- Pod loading ---- */

struct rkt_stage1_app {
	const struct rkt_runtime_app *ra; /* in the pod manifest */
	struct rkt_image_manifest *image; /* appsinfo/<app>/manifest, owned */
	const struct rkt_app *app;        /* ra->app, else image->app */
	char *tree_store_id;              /* appsinfo/<app>/treeStoreID, or NULL */
	char *lowerdir;                   /* appsinfo/<app>/lowerdir, or NULL */
};
struct rkt_stage1_pod {
	struct rkt_pod_manifest *manifest;
	struct rkt_stage1_app *apps;
	size_t n_apps;
	bool overlay; /* overlay-prepared exists */
};
/* Loads the pod of the pod directory PODFD (docs/stage1-abi.md section 2): the manifest must
 * be reified (POD-15) and every app needs an appsinfo manifest, an exec (ACE-21) and, with
 * overlay, a lowerdir. -EINVAL, -EBADMSG, -ENOENT. */
int rkt_stage1_pod_load(int podfd, struct rkt_stage1_pod *ret, struct rkt_error *err);
void rkt_stage1_pod_release(struct rkt_stage1_pod *pod);
