/* Capability sets of apps (ISO-9..11) and applying them with raw syscalls. */
#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "isolate/isolate.h"

static const char *const cap_names[] = {
	[CAP_CHOWN] = "CAP_CHOWN",
	[CAP_DAC_OVERRIDE] = "CAP_DAC_OVERRIDE",
	[CAP_DAC_READ_SEARCH] = "CAP_DAC_READ_SEARCH",
	[CAP_FOWNER] = "CAP_FOWNER",
	[CAP_FSETID] = "CAP_FSETID",
	[CAP_KILL] = "CAP_KILL",
	[CAP_SETGID] = "CAP_SETGID",
	[CAP_SETUID] = "CAP_SETUID",
	[CAP_SETPCAP] = "CAP_SETPCAP",
	[CAP_LINUX_IMMUTABLE] = "CAP_LINUX_IMMUTABLE",
	[CAP_NET_BIND_SERVICE] = "CAP_NET_BIND_SERVICE",
	[CAP_NET_BROADCAST] = "CAP_NET_BROADCAST",
	[CAP_NET_ADMIN] = "CAP_NET_ADMIN",
	[CAP_NET_RAW] = "CAP_NET_RAW",
	[CAP_IPC_LOCK] = "CAP_IPC_LOCK",
	[CAP_IPC_OWNER] = "CAP_IPC_OWNER",
	[CAP_SYS_MODULE] = "CAP_SYS_MODULE",
	[CAP_SYS_RAWIO] = "CAP_SYS_RAWIO",
	[CAP_SYS_CHROOT] = "CAP_SYS_CHROOT",
	[CAP_SYS_PTRACE] = "CAP_SYS_PTRACE",
	[CAP_SYS_PACCT] = "CAP_SYS_PACCT",
	[CAP_SYS_ADMIN] = "CAP_SYS_ADMIN",
	[CAP_SYS_BOOT] = "CAP_SYS_BOOT",
	[CAP_SYS_NICE] = "CAP_SYS_NICE",
	[CAP_SYS_RESOURCE] = "CAP_SYS_RESOURCE",
	[CAP_SYS_TIME] = "CAP_SYS_TIME",
	[CAP_SYS_TTY_CONFIG] = "CAP_SYS_TTY_CONFIG",
	[CAP_MKNOD] = "CAP_MKNOD",
	[CAP_LEASE] = "CAP_LEASE",
	[CAP_AUDIT_WRITE] = "CAP_AUDIT_WRITE",
	[CAP_AUDIT_CONTROL] = "CAP_AUDIT_CONTROL",
	[CAP_SETFCAP] = "CAP_SETFCAP",
	[CAP_MAC_OVERRIDE] = "CAP_MAC_OVERRIDE",
	[CAP_MAC_ADMIN] = "CAP_MAC_ADMIN",
	[CAP_SYSLOG] = "CAP_SYSLOG",
	[CAP_WAKE_ALARM] = "CAP_WAKE_ALARM",
	[CAP_BLOCK_SUSPEND] = "CAP_BLOCK_SUSPEND",
	[CAP_AUDIT_READ] = "CAP_AUDIT_READ",
	[CAP_PERFMON] = "CAP_PERFMON",
	[CAP_BPF] = "CAP_BPF",
	[CAP_CHECKPOINT_RESTORE] = "CAP_CHECKPOINT_RESTORE",
};

#define CAP_COUNT ((int)(sizeof(cap_names) / sizeof(cap_names[0])))
#define BIT(c)    (UINT64_C(1) << (c))

uint64_t rkt_caps_default(void)
{
	/* ISO-11's 14 capabilities without CAP_MKNOD and CAP_NET_RAW (issue 10: a default pod
	 * is at least as tight as crun's default, which has neither; docs/security.md).
	 * --caps-retain or an image's retain set gives them back. */
	return BIT(CAP_AUDIT_WRITE) | BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_FSETID) |
	       BIT(CAP_FOWNER) | BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_SETUID) |
	       BIT(CAP_SETGID) | BIT(CAP_SETPCAP) | BIT(CAP_SETFCAP) | BIT(CAP_SYS_CHROOT);
}

int rkt_cap_from_name(const char *name)
{
	for (int i = 0; i < CAP_COUNT; i++) {
		if (!cap_names[i])
			continue;
		if (strcasecmp(name, cap_names[i]) == 0 || strcasecmp(name, cap_names[i] + 4) == 0)
			return i;
	}
	return -EINVAL;
}

const char *rkt_cap_name(int cap)
{
	return cap >= 0 && cap < CAP_COUNT ? cap_names[cap] : NULL;
}

int rkt_caps_compute(const struct rkt_isolator_list *isolators, uint64_t *ret_mask,
                     struct rkt_error *err)
{
	const struct rkt_isolator *retain = NULL, *remove = NULL;

	/* ISO-2: the last instance of each counts. */
	for (size_t i = 0; isolators && i < isolators->n; i++) {
		if (isolators->items[i].type == RKT_ISOLATOR_CAPABILITIES_RETAIN)
			retain = &isolators->items[i];
		else if (isolators->items[i].type == RKT_ISOLATOR_CAPABILITIES_REMOVE)
			remove = &isolators->items[i];
	}
	if (retain && remove)
		return rkt_error_set(err, EINVAL,
		                     "capabilities-retain-set and capabilities-remove-set are "
		                     "mutually exclusive");

	const struct rkt_isolator *iso = retain ? retain : remove;
	uint64_t set = 0;
	for (size_t i = 0; iso && i < iso->u.set.set.n; i++) {
		int c = rkt_cap_from_name(iso->u.set.set.items[i]);
		if (c < 0)
			return rkt_error_set(err, EINVAL, "%s: unknown capability \"%s\"",
			                     iso->name, iso->u.set.set.items[i]);
		set |= BIT(c);
	}
	if (retain)
		*ret_mask = set;
	else
		*ret_mask = rkt_caps_default() & ~set;
	return 0;
}

static int last_cap(void)
{
	/* Ask the kernel: prctl(PR_CAPBSET_READ) fails with EINVAL past the last one. */
	int c = CAP_LAST_CAP;
	while (c < 63 && prctl(PR_CAPBSET_READ, c + 1, 0, 0, 0) >= 0)
		c++;
	while (c > 0 && prctl(PR_CAPBSET_READ, c, 0, 0, 0) < 0)
		c--;
	return c;
}

int rkt_caps_apply_bounding(uint64_t mask)
{
	int last = last_cap();

	for (int c = 0; c <= last; c++) {
		if (mask & BIT(c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return -errno;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	return 0;
}

int rkt_caps_apply(uint64_t mask)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	uint32_t lo = (uint32_t)mask, hi = (uint32_t)(mask >> 32);
	/* Never ask for more than is permitted (a non-root uid has nothing left). */
	for (int i = 0; i < 2; i++) {
		uint32_t want = i == 0 ? lo : hi;
		data[i].permitted &= want;
		data[i].effective = data[i].permitted;
		data[i].inheritable = data[i].permitted;
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}
