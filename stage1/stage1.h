/* Shared by the stage1 entrypoints: argument parsing, messages, small file helpers.
 * docs/stage1-abi.md is the contract these programs implement. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "isolate/userns.h"
#include "util/error.h"
#include "util/fs.h"

#define STAGE1_EXIT_FAILURE 254

/* CNI: a list of networks, net_arg says which (docs/networking.md) */
enum stage1_net { STAGE1_NET_HOST, STAGE1_NET_NONE, STAGE1_NET_CNI };
enum stage1_dns { STAGE1_DNS_DEFAULT, STAGE1_DNS_HOST, STAGE1_DNS_STAGE0, STAGE1_DNS_NONE };

struct run_opts {
	bool debug;
	enum stage1_net net;
	const char *net_arg;  /* --net as given (CNI) */
	const char *hostname; /* NULL: rkt-<uuid> */
	bool interactive;
	const char *mds_token;
	const char *local_config;
	enum stage1_dns resolv, hosts;
	bool private_ipc;
	bool disable_caps, disable_paths, disable_seccomp;
	bool private_users; /* --private-users=BASE:COUNT: the apps run in a user namespace */
	struct rkt_id_range ids;
	const char *uuid;
};

/* Parses the run entrypoint's arguments (docs/stage1-abi.md section 3). FLY accepts only what
 * the fly flavor supports. -EINVAL with a message for anything else. */
int stage1_parse_run_args(int argc, char **argv, bool fly, struct run_opts *ret,
                          struct rkt_error *err);

/* Set by main from --debug. */
extern bool stage1_debug;
void stage1_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void stage1_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For rkt_warn_fn. */
void stage1_warn_cb(void *userdata, const char *msg);
/* Prints "stage1: " and rkt_error_format() of ERR; returns STAGE1_EXIT_FAILURE. */
int stage1_fail(const struct rkt_error *err);

/* Reads a decimal pid from DIRFD/NAME. */
int stage1_read_pid(int dirfd, const char *name, pid_t *ret);
/* Status of a child from waitpid as an exit code: its code, or 128 + signal. */
int stage1_exit_code(int wstatus);

/* Unless already done, copies the running program into a memfd, seals it against every change
 * and executes it again with ARGV and the same environment, so that /proc/<pid>/exe of this
 * process and its children is that copy: nothing reaching it from a pod can change the
 * stage1 binary (runc's CVE-2019-5736). 0 once running from the copy; -errno otherwise. */
int stage1_reexec_sealed(char **argv, struct rkt_error *err);
/* For init: nothing when the running program is on a read-only mount (stage0 executes it
 * from a detached read-only bind mount of itself, rkt_stage1_exec in lib/pod/stage1.c):
 * /proc/<pid>/exe cannot be opened for writing then (EROFS). stage1_reexec_sealed otherwise
 * (a kernel before 5.12, another stage0). */
int stage1_protect_exe(char **argv, struct rkt_error *err);

/* Unmaps the pages of the program's read-only segments (code, constants) from this process:
 * they stay in the page cache, and those the caller still runs fault back in from there. For
 * a long-lived process after its set-up (pod PID 1), whose resident set is then what it uses. */
void stage1_release_readonly_pages(void);
