/* Resource isolators on cgroups v1 and v2 (ISO-4, ISO-5, ISO-17): limits and requests from the
 * isolators, and the pod's cgroups below the caller's own, as upstream rkt does without
 * systemd. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "isolate/isolate.h"
#include "util/cleanup.h"
#include "util/io.h"
#include "util/xalloc.h"

static const struct rkt_isolator *last_of(const struct rkt_isolator_list *l,
                                          enum rkt_isolator_type t)
{
	const struct rkt_isolator *found = NULL;
	for (size_t i = 0; l && i < l->n; i++)
		if (l->items[i].type == t)
			found = &l->items[i];
	return found;
}

/* k8s' conversion: 1000 millicores = 1024 shares, at least the kernel's minimum of 2. */
static uint64_t millis_to_shares(int64_t milli)
{
	uint64_t s = (uint64_t)milli * 1024 / 1000;
	return s < 2 ? 2 : s;
}

/* The pod's list goes to the pod's cgroup, above the apps': the kernel bounds them (ACE-33). */
void rkt_cgroup_limits_of(const struct rkt_isolator_list *l, struct rkt_cgroup_limits *out)
{
	const struct rkt_isolator *mem = last_of(l, RKT_ISOLATOR_RESOURCE_MEMORY);
	const struct rkt_isolator *cpu = last_of(l, RKT_ISOLATOR_RESOURCE_CPU);
	const struct rkt_isolator *shares = last_of(l, RKT_ISOLATOR_CPU_SHARES);

	*out = (struct rkt_cgroup_limits){ 0 };
	if (mem && mem->u.resource.has_limit && mem->u.resource.limit.value > 0) {
		out->has_memory = true;
		out->memory_bytes = (uint64_t)mem->u.resource.limit.value;
	}
	/* ISO-5: the request is what is reclaimed last, a soft limit / memory.low. */
	if (mem && mem->u.resource.has_request && mem->u.resource.request.value > 0) {
		out->has_memory_request = true;
		out->memory_request_bytes = (uint64_t)mem->u.resource.request.value;
	}
	if (cpu && cpu->u.resource.has_limit && cpu->u.resource.limit.milli_valid &&
	    cpu->u.resource.limit.milli > 0) {
		out->has_cpu = true;
		out->cpu_millis = (uint64_t)cpu->u.resource.limit.milli;
	}
	/* ISO-4: the request is a guaranteed share of CPU time under contention: a weight.
	 * An explicit cpu-shares isolator wins. */
	if (shares && shares->u.integer > 0) {
		out->has_shares = true;
		out->cpu_shares = (uint64_t)shares->u.integer;
	} else if (cpu && cpu->u.resource.has_request && cpu->u.resource.request.milli_valid &&
	           cpu->u.resource.request.milli > 0) {
		out->has_shares = true;
		out->cpu_shares = millis_to_shares(cpu->u.resource.request.milli);
	}
}

bool rkt_cgroup_limits_want(const struct rkt_cgroup_limits *l, const char *controller)
{
	if (strcmp(controller, "memory") == 0)
		return l->has_memory || l->has_memory_request;
	return l->has_cpu || l->has_shares;
}

int rkt_cgroup_parse_self(const char *text, const char *controller, char **ret)
{
	size_t cl = controller ? strlen(controller) : 0;
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		const char *end = nl ? nl : line + strlen(line);
		const char *c1 = memchr(line, ':', (size_t)(end - line));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
		if (c2 && !controller && c1 + 1 == c2 && c1 - line == 1 && line[0] == '0') {
			/* v2: "0::/path" */
			*ret = xstrndup(c2 + 1, (size_t)(end - c2 - 1));
			return 0;
		}
		if (c2 && controller) {
			/* "4:memory:/path" or "1:cpu,cpuacct:/path" */
			for (const char *p = c1 + 1; p < c2;) {
				const char *comma = memchr(p, ',', (size_t)(c2 - p));
				const char *ce = comma ? comma : c2;
				if ((size_t)(ce - p) == cl && memcmp(p, controller, cl) == 0) {
					*ret = xstrndup(c2 + 1, (size_t)(end - c2 - 1));
					return 0;
				}
				p = ce + 1;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return -ENOENT;
}

static int write_string(const char *dir, const char *file, const char *s)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return rkt_write_all(fd, s, strlen(s));
}

static int write_value(const char *dir, const char *file, uint64_t v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	return write_string(dir, file, buf);
}

/* Upstream's closed device policy (systemd's DevicePolicy=closed plus the console, as
 * upstream's stage1 asks for): the pseudo devices, the terminal ones and the pod's own ptys. */
const struct rkt_device_rule rkt_device_allow[] = {
	{ 'c', 1, 3, "rwm" },    /* null */
	{ 'c', 1, 5, "rwm" },    /* zero */
	{ 'c', 1, 7, "rwm" },    /* full */
	{ 'c', 1, 8, "rwm" },    /* random */
	{ 'c', 1, 9, "rwm" },    /* urandom */
	{ 'c', 5, 0, "rwm" },    /* tty */
	{ 'c', 5, 1, "rwm" },    /* console */
	{ 'c', 5, 2, "rwm" },    /* ptmx */
	{ 'c', 136, -1, "rwm" }, /* pts/N */
};
const size_t rkt_device_allow_n = sizeof(rkt_device_allow) / sizeof(rkt_device_allow[0]);

/* v1: everything denied, then the allow list, one row per write as the kernel wants. */
static int write_device_policy(const char *dir)
{
	int r = write_string(dir, "devices.deny", "a");
	for (size_t i = 0; r >= 0 && i < rkt_device_allow_n; i++) {
		const struct rkt_device_rule *d = &rkt_device_allow[i];
		char row[48], minor[16];
		if (d->minor < 0)
			snprintf(minor, sizeof(minor), "*");
		else
			snprintf(minor, sizeof(minor), "%d", d->minor);
		snprintf(row, sizeof(row), "%c %d:%s %s", d->type, d->major, minor, d->access);
		r = write_string(dir, "devices.allow", row);
	}
	return r;
}

int rkt_cgroup_create(const char *root, const char *controller, const char *rel,
                      const struct rkt_cgroup_limits *limits, int *ret_procs_fd,
                      struct rkt_error *err)
{
	_cleanup_free_ char *dir = controller ? xasprintf("%s/%s%s", root, controller, rel)
	                                      : xasprintf("%s%s", root, rel);
	size_t base = strlen(dir) - strlen(rel);
	bool mem = !controller || strcmp(controller, "memory") == 0;
	bool cpu = !controller || strcmp(controller, "cpu") == 0;
	char buf[64];
	int r = 0;

	/* Every component below the caller's own cgroup. */
	for (char *s = dir + base;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char saved = *s;
		*s = '\0';
		if (*(dir + base) && mkdir(dir, 0755) < 0 && errno != EEXIST)
			return rkt_error_set(err, errno, "cgroup '%s'", dir);
		*s = saved;
		if (!saved)
			break;
	}
	if (controller) { /* v1 */
		if (mem && limits->has_memory)
			r = write_value(dir, "memory.limit_in_bytes", limits->memory_bytes);
		if (r >= 0 && mem && limits->has_memory_request)
			r = write_value(dir, "memory.soft_limit_in_bytes",
			                limits->memory_request_bytes);
		if (r >= 0 && cpu && limits->has_cpu) {
			/* millicores * period / 1000 */
			r = write_value(dir, "cpu.cfs_period_us", 100000);
			if (r >= 0)
				r = write_value(dir, "cpu.cfs_quota_us", limits->cpu_millis * 100);
		}
		if (r >= 0 && cpu && limits->has_shares)
			r = write_value(dir, "cpu.shares", limits->cpu_shares);
	} else { /* v2 */
		if (limits->has_memory)
			r = write_value(dir, "memory.max", limits->memory_bytes);
		if (r >= 0 && limits->has_memory_request)
			r = write_value(dir, "memory.low", limits->memory_request_bytes);
		if (r >= 0 && limits->has_cpu) {
			snprintf(buf, sizeof(buf), "%llu 100000",
			         (unsigned long long)limits->cpu_millis * 100);
			r = write_string(dir, "cpu.max", buf);
		}
		/* shares 2..262144 onto weight 1..10000, as systemd and crun convert */
		if (r >= 0 && limits->has_shares)
			r = write_value(dir, "cpu.weight",
			                1 + ((limits->cpu_shares - 2) * 9999) / 262142);
	}
	if (r >= 0 && controller && strcmp(controller, "devices") == 0)
		r = write_device_policy(dir);
	if (r < 0)
		return rkt_error_set(err, -r, "cgroup '%s': setting limits", dir);
	if (!ret_procs_fd)
		return 0;
	_cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", dir);
	int fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return rkt_error_set(err, errno, "'%s'", procs);
	*ret_procs_fd = fd;
	return 0;
}

int rkt_cgroup_v2_devices(const char *root, const char *rel, int *ret_procs_fd,
                          struct rkt_error *err)
{
	const struct rkt_cgroup_limits none = { 0 };
	_cleanup_close_ int procs = -EBADF, dir_fd = -EBADF;
	_cleanup_free_ char *dir = xasprintf("%s%s", root, rel);

	int r = rkt_cgroup_create(root, NULL, rel, &none, ret_procs_fd ? &procs : NULL, err);
	if (r < 0)
		return r;
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return rkt_error_set(err, errno, "cgroup '%s'", dir);
	r = rkt_device_bpf_attach(dir_fd, err);
	if (r < 0)
		return rkt_error_wrap(err, r, "cgroup '%s'", dir);
	if (ret_procs_fd)
		*ret_procs_fd = TAKE_FD(procs);
	return 0;
}

int rkt_cgroup_v2_enable(const char *root, const char *own, const char *rel,
                         const struct rkt_cgroup_limits *limits, struct rkt_error *err)
{
	char ctl[32] = "";
	if (limits->has_memory || limits->has_memory_request)
		strcat(ctl, "+memory");
	if (limits->has_cpu || limits->has_shares)
		strcat(ctl, *ctl ? " +cpu" : "+cpu");
	if (!*ctl)
		return 0;
	/* Each cgroup from OWN down to REL's parent hands the controllers to its children. */
	_cleanup_free_ char *dir = xasprintf("%s%s", root, rel);
	size_t min = strlen(root) + (strcmp(own, "/") == 0 ? 0 : strlen(own));
	char *end = strrchr(dir, '/');
	*end = '\0';
	for (;;) {
		size_t len = strlen(dir);
		if (len < min)
			break;
		int r = write_string(dir, "cgroup.subtree_control", ctl);
		if (r < 0)
			return rkt_error_set(err, -r, "cgroup '%s': enabling '%s' for its children",
			                     dir, ctl);
		char *slash = strrchr(dir, '/');
		if (!slash || (size_t)(slash - dir) < min)
			break;
		*slash = '\0';
	}
	return 0;
}

int rkt_cgroup_join(int procs_fd)
{
	if (write(procs_fd, "0", 1) != 1)
		return -errno;
	return 0;
}
