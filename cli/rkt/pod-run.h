/* What run, prepare and run-prepared share: their flags, making a pod from the command line,
 * and handing a prepared pod to the stage1 run entrypoint.
 *
 * Networking (docs/networking.md): --net is checked here against the networks of the local
 * configuration's net.d, --port against the apps' ports, before a pod directory exists. */
#pragma once

#include "app-args.h"
#include "pod-util.h"

enum run_flag {
	RUN_STAGE1_PATH = 100,
	RUN_STAGE1_NAME,
	RUN_STAGE1_HASH,
	RUN_STAGE1_URL,
	RUN_STAGE1_FROM_DIR,
	RUN_SET_ENV,
	RUN_SET_ENV_FILE,
	RUN_INHERIT_ENV,
	RUN_VOLUME,
	RUN_NO_OVERLAY,
	RUN_PRIVATE_USERS,
	RUN_POD_MANIFEST,
	RUN_UUID_FILE_SAVE,
	RUN_PULL_POLICY,
	RUN_STORE_ONLY,
	RUN_NO_STORE,
	RUN_QUIET,
	RUN_PORT,
	/* runtime flags: run and run-prepared only */
	RUN_NET,
	RUN_HOSTNAME,
	RUN_HOSTS_ENTRY,
	RUN_DNS,
	RUN_DNS_SEARCH,
	RUN_DNS_OPT,
	RUN_DNS_DOMAIN,
	RUN_INTERACTIVE,
	RUN_MDS_REGISTER,
};

/* Flags that decide how the pod runs (run, run-prepared). */
struct runtime_opts {
	char *net;
	const char *local_config; /* the context's, for --net's net.d */
	char *hostname;
	bool interactive;
	bool mds_register; /* --mds-register */
	struct rkt_strv dns, dns_search, dns_opt, dns_domain, hosts_entries;
};

/* Flags that decide what the pod is made of (run, prepare). */
struct make_opts {
	const char *cmd;
	char *stage1_path, *stage1_name, *stage1_hash, *stage1_url, *stage1_from_dir;
	struct rkt_kv_list set_env;
	char *set_env_file;
	bool inherit_env;
	struct json_object **volumes;
	size_t n_volumes;
	bool no_overlay;
	bool private_users; /* --private-users */
	char *pod_manifest;
	char *uuid_file_save;
	struct rkt_exposed_port *ports; /* --port */
	size_t n_ports;
	enum rkt_pull_policy pull_policy; /* --pull-policy, default new */
	bool store_only, no_store;        /* the deprecated spellings of never and update */
	bool quiet;
	struct app_list apps;
	struct runtime_opts rt;
};
void make_opts_release(struct make_opts *o);
void runtime_opts_release(struct runtime_opts *o);

/* The flag tables: every flag (run), making flags only (prepare), runtime flags only
 * (run-prepared). */
extern const struct cli_flag run_flags[];
extern const struct cli_flag prepare_flags[];
extern const struct cli_flag run_prepared_flags[];

/* Parses run's or prepare's command line into O (O->cmd set by the caller). */
int make_opts_parse(struct make_opts *o, int argc, char **argv, const struct cli_flag *flags,
                    struct rkt_error *err);
/* Records one runtime flag (for run-prepared's own parser). */
int runtime_flag(struct runtime_opts *o, const char *cmd, int id, const char *v,
                 struct rkt_error *err);

/* Checks the runtime flags that can be checked before anything is made (DNS, hosts). */
int runtime_opts_check(const struct runtime_opts *o, const char *cmd, struct rkt_error *err);

/* Creates and prepares a pod from O; returns it locked, still in prepare/. On failure nothing
 * is left of the pod. */
int pod_make(struct cli_ctx *ctx, struct make_opts *o, struct rkt_pod **ret, struct rkt_error *err);

/* Removes a pod that failed while we held it (no pod directory is left anywhere). */
void pod_discard(struct rkt_pod *pod);

/* Mounts stage1, writes the DNS files, moves the (locked) pod from FROM to run/ and execs the
 * stage1 run entrypoint. Returns only on failure. */
int pod_exec_stage1(struct cli_ctx *ctx, struct rkt_pod *pod, const struct runtime_opts *o,
                    const char *cmd, struct rkt_error *err);
