/* Pod networking of the default stage1 (stage1/net.c, docs/networking.md). */
#pragma once

#include "app.h"

/* Creates the pod's network namespace, attaches the networks of --net with the CNI plugins
 * (from the host's namespaces) and writes $P/netns, $P/net/plan.json and $P/net-info.json;
 * *RET_FD is the namespace, for setns(). On failure everything attached is detached. */
int stage1_net_setup(struct pod_ctx *c, int *ret_fd, struct rkt_error *err);
