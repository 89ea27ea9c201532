/* Small I/O loops that retry on EINTR and short counts. */
#pragma once

#include <stddef.h>

/* Writes all LEN bytes of BUF to FD. Returns 0 or -errno (data may be partly written). */
int rkt_write_all(int fd, const void *buf, size_t len);

/* Sends the byte B over the connected AF_UNIX socket SOCK, with FD (>= 0) attached as
 * SCM_RIGHTS, or without a descriptor when FD < 0. Returns 0 or -errno. */
int rkt_send_byte_fd(int sock, char b, int fd);
/* Receives one byte from SOCK into *RET_B and the descriptor sent with it, if any, into
 * *RET_FD (O_CLOEXEC; -EBADF when none came). Retries on EINTR. Returns 0, -EPIPE at end of
 * stream, or -errno. */
int rkt_recv_byte_fd(int sock, char *ret_b, int *ret_fd);
