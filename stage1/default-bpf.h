/* The default seccomp filter, compiled at build time (stage1/gen-default-bpf.c). */
#pragma once

#include <linux/filter.h>

extern const struct sock_filter stage1_default_bpf[];
extern const unsigned short stage1_default_bpf_len;
