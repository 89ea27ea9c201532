/* AC_METADATA_URL for the apps of a pod registered with the metadata service (MDS-1, MDS-16,
 * MDS-17): http://<host-side address of the pod's network>:<port>/<token>, no trailing slash.
 * Used by stage1 (a static program): json-c and util/fs only. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "pod/layout.h"
#include "util/error.h"

/* In the pod directory: written by stage0 after registering (upstream's marker, which rkt gc
 * looks for); ours holds the service's public port, one decimal line (empty: 18112). */
#define RKT_POD_MDS_REGISTERED "mds-registered"
/* In the pod directory: what the networks' plugins returned (written by whoever sets up the
 * pod's networks); each element's "hostIP" is the host's side of that network. */
#ifndef RKT_POD_NET_INFO
#define RKT_POD_NET_INFO "net-info.json"
#endif

/* The public port recorded in POD_FD's mds-registered, or 18112. */
uint16_t rkt_mds_pod_port(int pod_fd);

/* The host-side address of the pod's network from POD_FD's net-info.json: the "hostIP" of the
 * first network that has one, as a new string. -ENOENT (message says why) if there is no such
 * file or no network with a host-side address, -EBADMSG if the file is malformed. */
int rkt_mds_host_address(int pod_fd, char **ret, struct rkt_error *err);

/* The URL for TOKEN: 127.0.0.1 with HOST_NET, else rkt_mds_host_address(). If that fails the
 * URL uses 127.0.0.1 too (reachable only from the host's network namespace) and WARN gets one
 * line saying so. New string. */
char *rkt_mds_url(int pod_fd, bool host_net, const char *token, rkt_warn_fn warn, void *userdata);
