/* The closed device policy on cgroup v2 (docs/security.md, "Devices and cgroups"): v2 has no
 * devices.allow/devices.deny files; the kernel asks a BPF_PROG_TYPE_CGROUP_DEVICE program
 * attached to the cgroup instead. The program is generated from the same table as the v1 rows
 * (rkt_device_allow in cgroup.c): one policy, two back ends.
 *
 * The kernel calls it with a struct bpf_cgroup_dev_ctx in r1: access_type (the access bits
 * BPF_DEVCG_ACC_* in the upper 16 bits, the device type BPF_DEVCG_DEV_* in the lower), major,
 * minor; it returns 1 to allow, 0 to deny. The program is a list of blocks, one per rule, each
 * falling through to the next on a mismatch, then "deny":
 *
 *     r2 = ctx->access_type; r3 = r2 & 0xffff (type); r2 >>= 16 (access)
 *     r4 = ctx->major; r5 = ctx->minor
 *   rule i:
 *     if r3 != TYPE goto next           (no test for type 'a')
 *     r0 = r2; r0 &= ~ACCESS; if r0 != 0 goto next   (only if ACCESS is not all of rwm)
 *     if r4 != MAJOR goto next          (no test for major -1)
 *     if r5 != MINOR goto next          (no test for minor -1)
 *     r0 = 1; exit
 *   next: ...
 *     r0 = 0; exit
 *
 * Only forward jumps, no helpers, no maps: the verifier's simplest case. */
#include <errno.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "isolate/isolate.h"

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define MOV_K(d, i)    INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV_X(d, s)    INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define AND_K(d, i)    INSN(BPF_ALU64 | BPF_AND | BPF_K, d, 0, 0, i)
#define RSH_K(d, i)    INSN(BPF_ALU64 | BPF_RSH | BPF_K, d, 0, 0, i)
#define JNE_K(d, i, o) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, i)
#define EXIT()         INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static int access_bits(const char *access)
{
	int bits = 0;
	for (const char *p = access; p && *p; p++)
		bits |= *p == 'r'   ? BPF_DEVCG_ACC_READ
		        : *p == 'w' ? BPF_DEVCG_ACC_WRITE
		        : *p == 'm' ? BPF_DEVCG_ACC_MKNOD
		                    : 0;
	return bits;
}

size_t rkt_device_bpf_program(const struct rkt_device_rule *rules, size_t n, struct bpf_insn *out)
{
	static const int all = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
	size_t k = 0;

	out[k++] = LDX_W(BPF_REG_2, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, access_type));
	out[k++] = MOV_X(BPF_REG_3, BPF_REG_2);
	out[k++] = AND_K(BPF_REG_3, 0xffff);
	out[k++] = RSH_K(BPF_REG_2, 16);
	out[k++] = LDX_W(BPF_REG_4, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, major));
	out[k++] = LDX_W(BPF_REG_5, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, minor));
	for (size_t i = 0; i < n; i++) {
		const struct rkt_device_rule *r = &rules[i];
		int bits = access_bits(r->access);
		/* the block's tests, then "r0 = 1; exit": a test at J jumps past the block */
		struct bpf_insn block[8];
		size_t b = 0;
		if (r->type == 'c' || r->type == 'b')
			block[b++] =
			        JNE_K(BPF_REG_3,
			              r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK, 0);
		if (bits != all) {
			block[b++] = MOV_X(BPF_REG_0, BPF_REG_2);
			block[b++] = AND_K(BPF_REG_0, ~bits & all);
			block[b++] = JNE_K(BPF_REG_0, 0, 0);
		}
		if (r->major >= 0)
			block[b++] = JNE_K(BPF_REG_4, r->major, 0);
		if (r->minor >= 0)
			block[b++] = JNE_K(BPF_REG_5, r->minor, 0);
		block[b++] = MOV_K(BPF_REG_0, 1);
		block[b++] = EXIT();
		for (size_t j = 0; j < b; j++) {
			if (BPF_CLASS(block[j].code) == BPF_JMP && BPF_OP(block[j].code) == BPF_JNE)
				block[j].off = (__s16)(b - j - 1);
			out[k++] = block[j];
		}
	}
	out[k++] = MOV_K(BPF_REG_0, 0);
	out[k++] = EXIT();
	return k;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

int rkt_device_bpf_load(const struct bpf_insn *insns, size_t n, struct rkt_error *err)
{
	static char log[4096];
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (__u64)(uintptr_t)insns;
	attr.insn_cnt = (__u32)n;
	attr.license = (__u64)(uintptr_t) "Apache-2.0";
	attr.log_buf = (__u64)(uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	log[0] = '\0';
	/* BPF fds are O_CLOEXEC from the kernel */
	int fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd < 0) {
		int e = errno;
		/* the verifier's last line says why */
		size_t len = strlen(log);
		while (len && log[len - 1] == '\n')
			log[--len] = '\0';
		const char *last = strrchr(log, '\n');
		return rkt_error_set(err, e, "loading the BPF device program%s%s", *log ? ": " : "",
		                     last ? last + 1 : log);
	}
	return fd;
}

int rkt_device_bpf_attach(int cgroup_fd, struct rkt_error *err)
{
	struct bpf_insn insns[RKT_DEVICE_BPF_MAX_INSNS(16)];
	if (rkt_device_allow_n > 16)
		return rkt_error_set(err, E2BIG, "device policy: too many rules");
	size_t n = rkt_device_bpf_program(rkt_device_allow, rkt_device_allow_n, insns);
	int prog = rkt_device_bpf_load(insns, n, err);
	if (prog < 0)
		return prog;
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (__u32)cgroup_fd;
	attr.attach_bpf_fd = (__u32)prog;
	attr.attach_type = BPF_CGROUP_DEVICE;
	/* with the programs of the cgroups above, every one must allow */
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	int r = sys_bpf(BPF_PROG_ATTACH, &attr) < 0 ? -errno : 0;
	close(prog); /* the attachment holds the program */
	if (r < 0)
		return rkt_error_set(err, -r, "attaching the BPF device program");
	return 0;
}
