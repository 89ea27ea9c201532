/* stage0's side of pod networking (docs/networking.md): checking --net and --port before a
 * pod directory exists, and reading what stage1 recorded (net-info.json). */
#pragma once

#include <json-c/json.h>

#include "appc/manifest.h"
#include "pod/pod.h"
#include "util/error.h"

/* --net: upstream's syntax (host, none, all, NAME[:K=V;K2=V2],...); every name must be a
 * built-in network or one of LOCAL_CONFIG/net.d (whose confs must parse). */
int rkt_net_arg_check(const char *net, const char *local_config, struct rkt_error *err);

/* --port: upstream's NAME:[HOSTIP:]HOSTPORT (a port named in an app's image manifest), or
 * HOSTPORT:PODPORT[/tcp|/udp] (ours), as a pod manifest port (the numeric form with a podPort
 * named "<proto>-<HOSTPORT>"). */
int rkt_port_arg_parse(const char *s, struct rkt_exposed_port *ret, struct rkt_error *err);

/* The pod manifest's ports: each names a port of one of its apps or has a podPort, and no host
 * port (and protocol) is forwarded twice. */
int rkt_pod_ports_check(const struct rkt_pod_manifest *m, struct rkt_error *err);

/* net-info.json of POD (an array; NULL if there is none). */
struct json_object *rkt_pod_net_info(const struct rkt_pod *pod);
/* "NAME:ip4=A[,NAME2:ip6=B...]" of INFO (a new string, "" for none). */
char *rkt_pod_net_summary(struct json_object *info);
