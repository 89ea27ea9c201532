/* The pod's os/unix/sysctl isolator (ISO-18): only keys that the kernel keeps per namespace,
 * and only for namespaces the pod has of its own, so that a pod never changes the host. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "isolate/isolate.h"
#include "util/cleanup.h"
#include "util/io.h"

/* The per-namespace sysctls: net.* (network namespace), the System V IPC and POSIX message
 * queue ones (IPC namespace) and the UTS names, as the OCI runtime spec lists them. */
static const struct {
	const char *key; /* a trailing '.' matches a prefix */
	enum rkt_sysctl_ns ns;
} namespaced[] = {
	{ "net.", RKT_SYSCTL_NS_NET },
	{ "fs.mqueue.", RKT_SYSCTL_NS_IPC },
	{ "kernel.msgmax", RKT_SYSCTL_NS_IPC },
	{ "kernel.msgmnb", RKT_SYSCTL_NS_IPC },
	{ "kernel.msgmni", RKT_SYSCTL_NS_IPC },
	{ "kernel.sem", RKT_SYSCTL_NS_IPC },
	{ "kernel.shmall", RKT_SYSCTL_NS_IPC },
	{ "kernel.shmmax", RKT_SYSCTL_NS_IPC },
	{ "kernel.shmmni", RKT_SYSCTL_NS_IPC },
	{ "kernel.shm_rmid_forced", RKT_SYSCTL_NS_IPC },
	{ "kernel.hostname", RKT_SYSCTL_NS_UTS },
	{ "kernel.domainname", RKT_SYSCTL_NS_UTS },
};

static bool key_ok(const char *key)
{
	/* dot-separated components of [a-z0-9_-]: nothing that could walk out of /proc/sys */
	if (!*key || *key == '.' || key[strlen(key) - 1] == '.' || strstr(key, ".."))
		return false;
	for (const char *p = key; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.'))
			return false;
	return true;
}

enum rkt_sysctl_ns rkt_sysctl_namespace(const char *key)
{
	if (!key_ok(key))
		return RKT_SYSCTL_NS_NONE;
	for (size_t i = 0; i < ELEMENTSOF(namespaced); i++) {
		const char *k = namespaced[i].key;
		size_t n = strlen(k);
		if (k[n - 1] == '.' ? strncmp(key, k, n) == 0 : strcmp(key, k) == 0)
			return namespaced[i].ns;
	}
	return RKT_SYSCTL_NS_NONE;
}

static const struct rkt_kv_list *sysctls_of(const struct rkt_isolator_list *l)
{
	const struct rkt_kv_list *found = NULL;
	for (size_t i = 0; l && i < l->n; i++)
		if (l->items[i].type == RKT_ISOLATOR_SYSCTL)
			found = &l->items[i].u.sysctl;
	return found;
}

int rkt_sysctl_check(const struct rkt_isolator_list *pod_isolators, bool net_private,
                     bool ipc_private, bool uts_private, struct rkt_error *err)
{
	const struct rkt_kv_list *kv = sysctls_of(pod_isolators);
	static const char *const ns_names[] = { "", "network", "IPC", "UTS" };

	for (size_t i = 0; kv && i < kv->n; i++) {
		const char *key = kv->items[i].name;
		enum rkt_sysctl_ns ns = rkt_sysctl_namespace(key);
		bool own = (ns == RKT_SYSCTL_NS_NET && net_private) ||
		           (ns == RKT_SYSCTL_NS_IPC && ipc_private) ||
		           (ns == RKT_SYSCTL_NS_UTS && uts_private);
		if (ns == RKT_SYSCTL_NS_NONE)
			return rkt_error_set(err, EINVAL,
			                     "isolator os/unix/sysctl: \"%s\" is not a namespaced "
			                     "sysctl (it would change the host)",
			                     key);
		if (!own)
			return rkt_error_set(
			        err, EINVAL,
			        "isolator os/unix/sysctl: \"%s\" needs the pod's own %s "
			        "namespace, but the pod shares the host's",
			        key, ns_names[ns]);
	}
	return 0;
}

int rkt_sysctl_apply(const char *proc_sys, const struct rkt_isolator_list *pod_isolators,
                     struct rkt_error *err)
{
	const struct rkt_kv_list *kv = sysctls_of(pod_isolators);

	for (size_t i = 0; kv && i < kv->n; i++) {
		const char *key = kv->items[i].name, *value = kv->items[i].value;
		char path[PATH_MAX];
		if (rkt_sysctl_namespace(key) == RKT_SYSCTL_NS_NONE)
			return rkt_error_set(err, EINVAL, "isolator os/unix/sysctl: \"%s\"", key);
		int n = snprintf(path, sizeof(path), "%s/%s", proc_sys, key);
		if (n < 0 || (size_t)n >= sizeof(path))
			return rkt_error_set(err, ENAMETOOLONG, "isolator os/unix/sysctl: \"%s\"",
			                     key);
		for (char *p = path + strlen(proc_sys) + 1; *p; p++)
			if (*p == '.')
				*p = '/';
		_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		int r = fd < 0 ? -errno : rkt_write_all(fd, value, strlen(value));
		if (r < 0)
			return rkt_error_set(err, -r, "isolator os/unix/sysctl: %s=\"%s\"", key,
			                     value);
	}
	return 0;
}

bool rkt_isolator_applied(enum rkt_isolator_type type, bool pod_scope,
                          const struct rkt_isolate_features *f)
{
	switch (type) {
	case RKT_ISOLATOR_RESOURCE_MEMORY:
	case RKT_ISOLATOR_RESOURCE_CPU:
	case RKT_ISOLATOR_CPU_SHARES:
		return f->cgroups;
	case RKT_ISOLATOR_SYSCTL: /* ISO-18: pod scope */
		return pod_scope && f->sysctl;
	case RKT_ISOLATOR_CAPABILITIES_RETAIN: /* ISO-19: app scope */
	case RKT_ISOLATOR_CAPABILITIES_REMOVE:
		return !pod_scope && f->caps;
	case RKT_ISOLATOR_SECCOMP_REMOVE:
	case RKT_ISOLATOR_SECCOMP_RETAIN:
		return !pod_scope && f->seccomp;
	case RKT_ISOLATOR_NO_NEW_PRIVILEGES:
		return !pod_scope && f->nnp;
	case RKT_ISOLATOR_OOM_SCORE_ADJ:
		return !pod_scope && f->oom;
	case RKT_ISOLATOR_RESOURCE_NETWORK_BANDWIDTH: /* ISO-8, docs/networking.md */
		return f->net_bandwidth;
	default:
		return false;
	}
}
