/* The pod directory as stage0 and stage1 both see it (docs/stage1-abi.md section 2): the file
 * names relative to the pod directory $P, and the few rules about paths recorded in it.
 *
 * Pure string functions: no I/O, so that stage1's static programs can use them too. */
#pragma once

#include <stdbool.h>

/* Files and directories directly in $P (section 2 and 3.2 of docs/stage1-abi.md). */
#define RKT_POD_MANIFEST             "pod"         /* the reified pod manifest */
#define RKT_POD_CREATED              "pod-created" /* mtime = creation time */
#define RKT_POD_PID                  "pid"         /* the pod's PID 1 (default), the app (fly) */
#define RKT_POD_PPID                 "ppid"        /* upstream's alternative to pid */
#define RKT_POD_PGID                 "pgid"        /* fly: the app's process group */
#define RKT_POD_APPSINFO             "appsinfo"    /* appsinfo/<app>/... */
#define RKT_POD_STAGE1_TREE_STORE_ID "stage1TreeStoreID"
#define RKT_POD_OVERLAY_PREPARED     "overlay-prepared" /* marker: apps and stage1 use overlayfs */
#define RKT_POD_OVERLAY              "overlay"       /* overlay/<treeStoreID>/{upper,work}/<app> */
#define RKT_POD_CGROUPS              "cgroups"       /* ours: cgroups stage1 made, one a line */
#define RKT_POD_READY                "ready"         /* ours: stage1 says the pod is ready */
#define RKT_POD_LOGS                 "logs"          /* ours: logs/<app>.log */
#define RKT_POD_SHARED_VOLUMES       "sharedVolumes" /* sharedVolumes/<volume> */
/* --private-users: the pod's host id range "BASE:COUNT" (upstream's marker file) */
#define RKT_POD_PRIVATE_USERS "private-users-prepared"
/* ours, stage1: the pod's user namespace, bound here in the pod's mount namespace (enter) */
#define RKT_POD_USERNS "userns"
/* ours: every image the pod uses (stage1, apps, their dependencies), one full ID a line,
 * written before anything is rendered, so that the store's rm and gc keep them */
#define RKT_POD_IMAGES "images"
/* Networking (docs/networking.md): the path of the pod's network namespace (upstream), the CNI
 * results (upstream's file, our fields), and ours: what stage1 attaches, for gc */
#define RKT_POD_NETNS    "netns"
#define RKT_POD_NET_INFO "net-info.json"
#define RKT_POD_NET_DIR  "net"
#define RKT_POD_NET_PLAN "net/plan.json"

/* The stage1 image in $P. */
#define RKT_POD_STAGE1          "stage1"
#define RKT_POD_STAGE1_MANIFEST "stage1/manifest"
#define RKT_POD_STAGE1_LOWERDIR "stage1/lowerdir" /* ours, stage0 only: its overlay lower dir */
#define RKT_POD_STAGE1_RENDERED "stage1/rendered" /* a stage1 with dependencies, rendered */
#define RKT_POD_STAGE1_ROOTFS   "stage1/rootfs"   /* $S1 */
#define RKT_POD_STAGE1_FLAVOR   RKT_POD_STAGE1_ROOTFS "/flavor"
#define RKT_POD_STAGE1_ETC      RKT_POD_STAGE1_ROOTFS "/etc"
#define RKT_POD_STAGE1_HOSTNAME RKT_POD_STAGE1_ETC "/hostname"
/* written by stage0 for --dns* and --hosts-entry */
#define RKT_POD_STAGE1_RESOLV_CONF    RKT_POD_STAGE1_ETC "/rkt-resolv.conf"
#define RKT_POD_STAGE1_HOSTS          RKT_POD_STAGE1_ETC "/rkt-hosts"
#define RKT_POD_STAGE1_HOSTS_FALLBACK RKT_POD_STAGE1_ETC "/hosts-fallback"
#define RKT_POD_STAGE1_ENV_DIR        RKT_POD_STAGE1_ROOTFS "/rkt/env"    /* <app>: environment */
#define RKT_POD_STAGE1_STATUS_DIR     RKT_POD_STAGE1_ROOTFS "/rkt/status" /* <app>: exit status */
#define RKT_POD_STAGE1_APP_DIR        RKT_POD_STAGE1_ROOTFS "/rkt/app"    /* <app>: for enter */

/* Files in appsinfo/<app>/. */
#define RKT_POD_APP_MANIFEST      "manifest"    /* the app's image manifest */
#define RKT_POD_APP_TREE_STORE_ID "treeStoreID" /* its image ID */
#define RKT_POD_APP_LOWERDIR      "lowerdir"    /* ours: its overlay lower directory */
#define RKT_POD_APP_RENDERED      "rendered"    /* ours: an image with dependencies, rendered */

/* New strings, all relative to $P unless said otherwise. */
/* "appsinfo/<APP>/<NAME>" */
char *rkt_pod_app_file(const char *app, const char *name);
/* "opt/stage2/<APP>/rootfs": the app's root, relative to $S1 */
char *rkt_stage1_app_rootfs(const char *app);
/* "stage1/rootfs/opt/stage2/<APP>/rootfs" */
char *rkt_pod_app_rootfs(const char *app);
/* "overlay/<TREE_ID>/<KIND>" or, with APP, "overlay/<TREE_ID>/<KIND>/<APP>"; KIND is "upper"
 * or "work" */
char *rkt_pod_overlay_dir(const char *tree_id, const char *kind, const char *app);
/* "logs/<APP>.log" */
char *rkt_pod_app_log(const char *app);
/* "stage1/rootfs/rkt/env/<APP>" */
char *rkt_pod_app_env(const char *app);
/* "stage1/rootfs/rkt/app/<APP>": the app's resolved user and run options, read by enter */
char *rkt_pod_app_settings(const char *app);
/* "stage1/rootfs/rkt/status/<APP><SUFFIX>" ("" or "-started") */
char *rkt_pod_app_status(const char *app, const char *suffix);

/* Recorded paths (appsinfo/<app>/lowerdir, stage1/lowerdir) must survive every move of the pod
 * between the state directories (pods/prepare/ -> pods/run/ ...): a path inside the pod is
 * recorded relative to $P, a path outside it (the store's trees) absolute. */

/* PATH relative to POD_DIR if it lies below it, else PATH itself (a pointer into PATH). */
const char *rkt_pod_path_relative(const char *pod_dir, const char *path);

/* Whether LOWERDIR (one or more paths separated by ':', topmost first) is fit for overlayfs:
 * each path absolute or relative to the pod directory without a ".." component, and nothing
 * that overlayfs parses specially (',', '\', a newline, an empty path). */
bool rkt_pod_lowerdir_valid(const char *lowerdir);

/* LOWERDIR with every relative path made absolute under POD_DIR (new string). */
char *rkt_pod_lowerdir_resolve(const char *pod_dir, const char *lowerdir);
