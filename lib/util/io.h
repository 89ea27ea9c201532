/* Small I/O loops that retry on EINTR and short counts. */
#pragma once

#include <stddef.h>

/* Writes all LEN bytes of BUF to FD. Returns 0 or -errno (data may be partly written). */
int rkt_write_all(int fd, const void *buf, size_t len);
