/* CNI: network configurations, the --net argument, plugin input and results, running plugins
 * (the Container Network Interface specification 1.0.0; 0.3.x and 0.4.0 results are accepted).
 * Knows nothing of appc: stage1 (stage1/net.c) and stage0 (--net checks) use it
 * (docs/networking.md). */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

/* Names of the built-in networks, and the subnet of "default" (upstream's). */
#define RKT_CNI_DEFAULT_NET    "default"
#define RKT_CNI_RESTRICTED_NET "default-restricted"

/* One network: a .conf (one plugin) or a .conflist (a chain), as loaded. */
struct rkt_cni_net {
	char *name;
	char *file;               /* where it came from ("builtin:99-default.conf" for ours) */
	char *sort_key;           /* file name: the order of networks ("99-default.conf") */
	char *cni_version;        /* of the conf; "0.1.0" if absent (as libcni) */
	struct json_object *list; /* normalized: {"cniVersion","name","plugins":[...]} */
};

struct rkt_cni_netlist {
	struct rkt_cni_net *items;
	size_t n;
};

void rkt_cni_net_release(struct rkt_cni_net *n);
void rkt_cni_netlist_release(struct rkt_cni_netlist *l);

/* Parses a .conf (CONFLIST false) or a .conflist. FILE names the input in errors. */
int rkt_cni_net_parse(const char *buf, size_t len, const char *file, bool conflist,
                      struct rkt_cni_net *ret, struct rkt_error *err);

/* The networks a pod may name: the built-ins ("default", "default-restricted") and every
 * DIR/NAME.conf and DIR/NAME.conflist (DIR may be NULL or missing), a user network overriding a built-in of
 * the same name; sorted by file name. Two user files naming one network: the first by file name
 * wins (libcni's order). */
int rkt_cni_load(const char *dir, struct rkt_cni_netlist *ret, struct rkt_error *err);

/* The parsed --net argument. */
enum rkt_cni_mode { RKT_CNI_MODE_HOST, RKT_CNI_MODE_NONE, RKT_CNI_MODE_LIST };
struct rkt_cni_request {
	char *name; /* "all" stands for every network */
	char *args; /* CNI_ARGS or NULL */
};
struct rkt_cni_net_arg {
	enum rkt_cni_mode mode;
	struct rkt_cni_request *reqs;
	size_t n;
};
void rkt_cni_net_arg_release(struct rkt_cni_net_arg *a);

/* Parses ARG (NULL or "" = "default"): host, none, all, or NAME[:K=V;K2=V2],... Upstream's
 * rules: "host" anywhere means host (no args), none alone, each name at most once, "all" takes no
 * args. Names are not checked against the loaded networks (rkt_cni_select does). */
int rkt_cni_net_arg_parse(const char *arg, struct rkt_cni_net_arg *ret, struct rkt_error *err);

/* The networks of A chosen from AVAIL in AVAIL's order (file name): "all" = every one; an
 * unknown name is an error. *RET_ARGS[i] is the CNI_ARGS of RET's i-th network (borrowed from
 * A, or NULL). */
int rkt_cni_select(const struct rkt_cni_netlist *avail, const struct rkt_cni_net_arg *a,
                   struct rkt_cni_netlist *ret, const char ***ret_args, struct rkt_error *err);

/* True if a plugin of N's chain has "ipMasq": true (upstream's choice of the network that
 * forwards ports). */
bool rkt_cni_net_masq(const struct rkt_cni_net *n);
/* True if a plugin of N's chain is of TYPE. */
bool rkt_cni_net_has_type(const struct rkt_cni_net *n, const char *type);
/* True if a plugin of N's chain declares capability CAP ("capabilities": {CAP: true}). */
bool rkt_cni_net_has_capability(const struct rkt_cni_net *n, const char *cap);
/* ARGS (K=V;K2=V2, may be NULL) without its KEY=... items: a new string, NULL if empty. */
char *rkt_cni_args_without(const char *args, const char *key);
/* Appends a plugin object (PLUGIN, reference taken) to N's chain. */
void rkt_cni_net_append(struct rkt_cni_net *n, struct json_object *plugin);

/* The "ips" capability argument (CNI conventions: addresses in CIDR form) of the IP=A[,B]
 * items of ARGS (the CNI_ARGS of N, may be NULL): an address without a prefix gets the prefix
 * of N's IPAM subnet that holds it ("subnet" or a "ranges" item), else /32 or /128. *RET is
 * NULL if ARGS has no IP; an address that does not parse is an error naming it. */
int rkt_cni_ips_arg(const struct rkt_cni_net *n, const char *args, struct json_object **ret,
                    struct rkt_error *err);

/* The stdin of plugin I of LIST (a normalized network list): its conf with "name" and
 * "cniVersion" of the list, "prevResult" if PREV is not NULL, and "runtimeConfig" with the
 * members of RUNTIME that the plugin declares in "capabilities". A new string. */
char *rkt_cni_plugin_input(struct json_object *list, size_t i, struct json_object *prev,
                           struct json_object *runtime);

/* A result, reduced to what rkt uses (CNI 0.3.0 and later; 0.1/0.2's ip4/ip6 also read). */
struct rkt_cni_ip {
	char *address; /* CIDR: "172.16.28.2/24" */
	char *gateway; /* NULL if none */
	bool v6;
};
struct rkt_cni_result {
	struct rkt_cni_ip *ips;
	size_t n_ips;
	char **nameservers; /* NULL-terminated, may be NULL */
	char *domain;
	char **search;
	char **options;
};
void rkt_cni_result_release(struct rkt_cni_result *r);
int rkt_cni_result_parse(struct json_object *obj, const char *what, struct rkt_cni_result *ret,
                         struct rkt_error *err);

/* Finds plugin TYPE in the colon-separated PATH; a new string, or NULL. */
char *rkt_cni_find_plugin(const char *path, const char *type);

/* How one plugin is run (the environment of the protocol). */
struct rkt_cni_exec {
	const char *command; /* ADD, DEL, CHECK, VERSION */
	const char *container_id;
	const char *netns;
	const char *ifname;
	const char *args; /* CNI_ARGS, may be NULL */
	const char *path; /* CNI_PATH */
	/* fds the plugin inherits, or -1: the pod's lock and its network record's, so that a
	 * plugin a SIGKILL of its caller orphaned keeps the pod from gc and sweep until it is
	 * done (docs/networking.md) */
	int keep_fds[2];
};

/* Runs plugin TYPE (found on E->path) with E's environment and INPUT on stdin. Returns 0 and its
 * stdout in *RET_OUT (may be NULL: not wanted), or an error with the plugin's error message
 * ({"code","msg","details"}) or exit status. */
int rkt_cni_exec(const struct rkt_cni_exec *e, const char *type, const char *input, char **ret_out,
                 struct rkt_error *err);

/* Runs every plugin of LIST for ADD (in order, each getting the previous result) and returns the
 * final result in *RET (a new reference). On failure the plugins already added are deleted (in
 * reverse) before returning. */
int rkt_cni_add(const struct rkt_cni_exec *e, struct json_object *list, struct json_object *runtime,
                struct json_object **ret, struct rkt_error *err);
/* DEL of every plugin of LIST in reverse, with PREV (the ADD result, may be NULL) as prevResult.
 * Goes on after a failure; returns the first one. */
int rkt_cni_del(const struct rkt_cni_exec *e, struct json_object *list, struct json_object *runtime,
                struct json_object *prev, struct rkt_error *err);
/* CHECK of every plugin in order (CNI 0.4.0 and later). */
int rkt_cni_check(const struct rkt_cni_exec *e, struct json_object *list,
                  struct json_object *runtime, struct json_object *prev, struct rkt_error *err);

/* ---- a pod's networks as stage1 records them (cni-pod.c, docs/networking.md) ---- */
#define RKT_CNI_NETNS_DIR "/var/run/netns"

/* Whether PATH is a mounted network namespace (not a plain file left behind). */
bool rkt_cni_netns_mounted(const char *path);
/* Unmounts and removes the namespace file PATH (best effort). */
void rkt_cni_netns_remove(const char *path);
/* flock(OP) of the lock that orders portmap setups (shared) against the removal of portmap's
 * shared chains (exclusive); the fd, or -1. */
int rkt_cni_portmap_lock(int op);
/* Removes portmap's top-level chains if no container uses them (see docs/networking.md). */
void rkt_cni_portmap_chains_remove(void);
/* True if a network of PLAN has a portmap plugin. */
bool rkt_cni_plan_has_portmap(struct json_object *plan);
/* DEL of the networks [0, N) of PLAN in reverse, with their results of INFO (net-info.json, may
 * be NULL) as prevResult, then removes the namespace. Goes on after a failure; the first one. */
int rkt_cni_detach(const struct json_object *plan, size_t n, struct json_object *info, int lock_fd,
                   struct rkt_error *err);
/* Every iptables and ip6tables rule (all tables, from iptables-save) whose comment names
 * CONTAINER_ID (the CNI plugins' "id:"), the CNI-<hash> chains they jump to, and the emptied
 * CNI-<hash> chains they were in: what DEL misses once the namespace is gone or the pod's
 * interface lost its addresses. Best effort; forks iptables. */
void rkt_cni_rules_remove(const char *container_id);
/* gc: detaches every network of the pod directory PODFD's plan, removes its namespace, its
 * record and the plan. 0 if there is nothing to do. */
int rkt_cni_pod_teardown(int podfd, int lock_fd, struct rkt_error *err);

/* CNI CHECK of every network the pod directory PODFD's stage1 attached (in order), with its
 * ADD result as prevResult: REPORT is told of each (ERR: why it failed). A conf older than CNI
 * 0.4.0 has no CHECK (UNSUPPORTED). Returns how many failed, or -errno if the pod has no
 * networks or its records do not parse. Runs the plugins: for the CLI, never for rkt run. */
enum rkt_cni_check_status { RKT_CNI_CHECK_OK, RKT_CNI_CHECK_FAILED, RKT_CNI_CHECK_UNSUPPORTED };
int rkt_cni_pod_check(int podfd,
                      void (*report)(void *userdata, const char *net, enum rkt_cni_check_status st,
                                     const struct rkt_error *err),
                      void *userdata, struct rkt_error *err);

/* Records of attached networks outside the pod directory, for pods whose directory vanishes
 * (a data dir on a tmpfs that is gone): RKT_CNI_RECORD_DIR/<key of the data dir>-<uuid>.json,
 * {"dataDir","uuid","plan"}, written before the namespace exists, removed after DEL. */
#define RKT_CNI_RECORD_DIR "/run/rkt/net"
/* The record of pod UUID of DATA_DIR (canonical, absolute). A new string. */
char *rkt_cni_record_path(const char *data_dir, const char *uuid);
/* Writes the record named by PLAN's "record"; *RET_FD holds a shared lock on it for as long
 * as it stays open (the pod's life: a sweep skips a locked record). */
int rkt_cni_record_write(struct json_object *plan, const char *data_dir, const char *uuid,
                         int *ret_fd, struct rkt_error *err);
/* Every unlocked record of DATA_DIR whose pod EXISTS says is gone: DEL of its networks (without
 * results), the pod's rules, its namespace and the record. SWEPT is told each (ERR: the first
 * DEL failure, or NULL). Returns how many were swept. */
int rkt_cni_sweep(const char *data_dir, bool (*exists)(void *userdata, const char *uuid),
                  void (*swept)(void *userdata, const char *uuid, const struct rkt_error *err),
                  void *userdata);
