/* stage0's side of the metadata service's registration interface (mds.h): rkt run
 * --mds-register registers a pod and its apps, rkt gc and rm unregister it. One HTTP/1.1
 * request per connection on the Unix socket (rkt_mds_socket_path(), server.h), each bounded by
 * a 10 s timeout. The message formats are pure functions, for the unit tests. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pod/pod.h"
#include "util/error.h"

/* The bytes of a request: METHOD PATH with BODY (LEN bytes, may be NULL) as application/json,
 * "Connection: close". New buffer, its length in *RET_LEN. */
char *rkt_mds_request_format(const char *method, const char *path, const char *body, size_t len,
                             size_t *ret_len);

/* Parses a whole response (BUF, LEN bytes): its status and, if present, the public port the
 * service announces (Rkt-Metadata-Port; 0 if absent). *RET_BODY points into BUF. Returns 0 or
 * -EBADMSG. */
int rkt_mds_response_parse(const char *buf, size_t len, unsigned *ret_status, uint16_t *ret_port,
                           const char **ret_body);

/* Whether a metadata service accepts connections on SOCKET_PATH: 0, or -errno with the
 * message that tells the user to start one (upstream's advice). */
int rkt_mds_check(const char *socket_path, struct rkt_error *err);

/* Registers POD (its $P/pod and each app's $P/appsinfo/<app>/manifest) under TOKEN, then
 * writes $P/mds-registered with the service's public port. On failure nothing stays
 * registered. Blocks for the service's answers. */
int rkt_mds_register_pod(const char *socket_path, const struct rkt_pod *pod, const char *token,
                         struct rkt_error *err);

/* Unregisters POD if $P/mds-registered exists (0 if it does not). A pod the service does not
 * know (it was restarted) is not an error; a service that is not running is -ECONNREFUSED or
 * -ENOENT. */
int rkt_mds_unregister_pod(const char *socket_path, const struct rkt_pod *pod,
                           struct rkt_error *err);
