/* Resource isolators on cgroup v1 (ISO-4, ISO-5, ISO-17): limits from the isolators, and the
 * pod's cgroups below the caller's own, as upstream rkt does without systemd. */
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

/* ACE-33: the pod's value bounds the app's. */
static void bound(bool *has, uint64_t *v, bool pod_has, uint64_t pod_v)
{
	if (pod_has && (!*has || pod_v < *v)) {
		*has = true;
		*v = pod_v;
	}
}

static void limits_of(const struct rkt_isolator_list *l, struct rkt_cgroup_limits *out)
{
	const struct rkt_isolator *mem = last_of(l, RKT_ISOLATOR_RESOURCE_MEMORY);
	const struct rkt_isolator *cpu = last_of(l, RKT_ISOLATOR_RESOURCE_CPU);
	const struct rkt_isolator *shares = last_of(l, RKT_ISOLATOR_CPU_SHARES);

	*out = (struct rkt_cgroup_limits){ 0 };
	if (mem && mem->u.resource.has_limit && mem->u.resource.limit.value > 0) {
		out->has_memory = true;
		out->memory_bytes = (uint64_t)mem->u.resource.limit.value;
	}
	if (cpu && cpu->u.resource.has_limit && cpu->u.resource.limit.milli_valid &&
	    cpu->u.resource.limit.milli > 0) {
		out->has_cpu = true;
		out->cpu_millis = (uint64_t)cpu->u.resource.limit.milli;
	}
	if (shares && shares->u.integer > 0) {
		out->has_shares = true;
		out->cpu_shares = (uint64_t)shares->u.integer;
	}
}

void rkt_cgroup_limits_compute(const struct rkt_isolator_list *app,
                               const struct rkt_isolator_list *pod, struct rkt_cgroup_limits *ret)
{
	struct rkt_cgroup_limits a, p;
	limits_of(app, &a);
	limits_of(pod, &p);
	bound(&a.has_memory, &a.memory_bytes, p.has_memory, p.memory_bytes);
	bound(&a.has_cpu, &a.cpu_millis, p.has_cpu, p.cpu_millis);
	bound(&a.has_shares, &a.cpu_shares, p.has_shares, p.cpu_shares);
	*ret = a;
}

int rkt_cgroup_parse_self(const char *text, const char *controller, char **ret)
{
	size_t cl = strlen(controller);
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		const char *end = nl ? nl : line + strlen(line);
		const char *c1 = memchr(line, ':', (size_t)(end - line));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
		if (c2) {
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

static int write_value(const char *dir, const char *file, uint64_t v)
{
	char path[PATH_MAX], buf[32];
	int n = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return rkt_write_all(fd, buf, (size_t)n);
}

int rkt_cgroup_create(const char *root, const char *controller, const char *rel,
                      const struct rkt_cgroup_limits *limits, int *ret_procs_fd,
                      struct rkt_error *err)
{
	_cleanup_free_ char *dir = xasprintf("%s/%s%s", root, controller, rel);
	int r = 0;

	/* Every component below the caller's own cgroup. */
	for (char *s = dir + strlen(root) + 1 + strlen(controller);; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char saved = *s;
		*s = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return rkt_error_set(err, errno, "cgroup '%s'", dir);
		*s = saved;
		if (!saved)
			break;
	}
	if (strcmp(controller, "memory") == 0 && limits->has_memory)
		r = write_value(dir, "memory.limit_in_bytes", limits->memory_bytes);
	if (r >= 0 && strcmp(controller, "cpu") == 0 && limits->has_cpu) {
		/* millicores * period / 1000 */
		r = write_value(dir, "cpu.cfs_period_us", 100000);
		if (r >= 0)
			r = write_value(dir, "cpu.cfs_quota_us", limits->cpu_millis * 100);
	}
	if (r >= 0 && strcmp(controller, "cpu") == 0 && limits->has_shares)
		r = write_value(dir, "cpu.shares", limits->cpu_shares);
	if (r < 0)
		return rkt_error_set(err, -r, "cgroup '%s': setting limits", dir);
	_cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", dir);
	int fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return rkt_error_set(err, errno, "'%s'", procs);
	*ret_procs_fd = fd;
	return 0;
}

int rkt_cgroup_join(int procs_fd)
{
	if (write(procs_fd, "0", 1) != 1)
		return -errno;
	return 0;
}
