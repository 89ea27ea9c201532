/* What stage1 hands an app besides its root: listening sockets for its socket-activated ports
 * (ACE-28, systemd's sd_listen_fds protocol) and a notification socket for apps that support
 * systemd's sd_notify (ACE-30), whose READY=1 makes the pod ready (docs/stage1-abi.md 3.5). */
#pragma once

#include <poll.h>
#include <stdbool.h>

#include "app.h"

/* The image annotation that asks for NOTIFY_SOCKET (ACE-30). */
#define STAGE1_NOTIFY_ANNOTATION "appc.io/executor/supports-systemd-notify"
/* Where the notification socket is, inside the app (on stage1's /dev tmpfs). */
#define STAGE1_NOTIFY_PATH "/dev/rkt-notify"

/* In PID 1, in the pod's network namespace, after stage1_prepare_app (the app's /dev is
 * mounted): opens and binds the listening sockets of S's socket-activated ports and, for an
 * image with the annotation, its notification socket; makes S->envp_main, S->envp plus
 * LISTEN_FDS, LISTEN_FDNAMES, LISTEN_PID and NOTIFY_SOCKET as they apply. -errno with a
 * message naming the app and port. */
int stage1_activation_prepare(struct app_state *s, struct rkt_error *err);

/* In the forked child of S (stage1_app_restrict), when S->pass_listen: its listening sockets
 * become fds 3, 4, ... (inherited across exec) and LISTEN_PID its pid. Returns how many fds
 * from 3 on the app keeps (0 without), or -errno. System calls only. */
int stage1_activation_fds(const struct app_state *s);

/* Adds the notification sockets of C's apps to P (room for C->n); returns how many. */
size_t stage1_activation_pollfds(const struct pod_ctx *c, struct pollfd *p);
/* Reads what came on notification socket FD (non-blocking) and records READY=1. */
void stage1_activation_event(struct pod_ctx *c, int fd);
/* Writes $P/ready once every app's main process has started and every app with the
 * annotation has said READY=1 (once; later calls do nothing). */
void stage1_activation_check_ready(struct pod_ctx *c);
