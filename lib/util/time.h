/* Clocks, in nanoseconds as int64_t (the store and the pod records keep times this way). */
#pragma once

#include <stdint.h>

/* CLOCK_REALTIME now, in ns since the epoch. */
int64_t rkt_now_ns(void);

/* CLOCK_MONOTONIC now, in ns: for durations and deadlines. */
int64_t rkt_monotonic_ns(void);
