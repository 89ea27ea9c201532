/* seccomp filters of apps (ISO-13..15): resolving isolator sets, compiling them to BPF with
 * libseccomp before the fork, loading the program in the child with one prctl. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "isolate/isolate.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/* ISO-14: what a retain filter always allows so that the app can be started and can end. */
static const char *const lifecycle_set[] = { "execve", "exit", "exit_group", "rt_sigreturn" };

static void push_list(struct rkt_strv *v, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rkt_strv_push(v, list[i]);
}

static void push_group(struct rkt_strv *v, const struct rkt_seccomp_group *g)
{
	for (size_t p = 0; p < ELEMENTSOF(g->parts); p++)
		push_list(v, g->parts[p].names, g->parts[p].n);
}

/* The filter when an app asks for none (and for a remove set of only "@appc.io/empty"):
 * retain @rkt/default-whitelist, as upstream. */
static void default_filter(struct rkt_seccomp_spec *spec)
{
	rkt_strv_release(&spec->names);
	push_group(&spec->names, rkt_seccomp_group_find("@rkt/default-whitelist"));
	push_list(&spec->names, lifecycle_set, ELEMENTSOF(lifecycle_set));
	spec->retain = true;
	spec->default_allowlist = true;
}

int rkt_errno_from_name(const char *name)
{
	/* Aliases glibc's strerrorname_np does not return (same values). */
	static const struct {
		const char *alias, *name;
	} aliases[] = { { "ENOTSUP", "EOPNOTSUPP" },
		        { "EWOULDBLOCK", "EAGAIN" },
		        { "EDEADLOCK", "EDEADLK" } };
	for (size_t i = 0; i < ELEMENTSOF(aliases); i++)
		if (strcmp(name, aliases[i].alias) == 0)
			name = aliases[i].name;
	for (int e = 1; e < 4096; e++) {
		const char *n = strerrorname_np(e);
		if (n && strcmp(n, name) == 0)
			return e;
	}
	return -EINVAL;
}

void rkt_seccomp_spec_release(struct rkt_seccomp_spec *spec)
{
	rkt_strv_release(&spec->names);
	memset(spec, 0, sizeof(*spec));
}

static int expand_set(const struct rkt_isolator *iso, bool retain, struct rkt_seccomp_spec *out,
                      struct rkt_error *err)
{
	const struct rkt_strv *set = &iso->u.set.set;

	for (size_t i = 0; i < set->n; i++) {
		const char *s = set->items[i];
		const struct rkt_seccomp_group *g;

		if (s[0] != '@') {
			rkt_strv_push(&out->names, s);
		} else if (strcmp(s, "@appc.io/all") == 0) {
			if (retain) {
				out->enabled = false; /* ISO-14: opts out of filtering */
				return 0;
			}
			return rkt_error_set(err, EINVAL, "%s: \"@appc.io/all\" in a remove set",
			                     iso->name);
		} else if (strcmp(s, "@appc.io/empty") == 0) {
			if (retain)
				return rkt_error_set(err, EINVAL,
				                     "%s: \"@appc.io/empty\" in a retain set",
				                     iso->name);
			/* ISO-13: masks the other entries; the default filter stays. */
			default_filter(out);
			return 0;
		} else if ((g = rkt_seccomp_group_find(s))) {
			if (g->kind == RKT_SECCOMP_GROUP_ALLOWLIST && !retain)
				return rkt_error_set(err, EINVAL, "%s: \"%s\" in a remove set",
				                     iso->name, s);
			if (g->kind == RKT_SECCOMP_GROUP_ALLOWLIST)
				out->default_allowlist = true;
			push_group(&out->names, g);
		} else {
			return rkt_error_set(err, EINVAL, "%s: unknown syscall group \"%s\"",
			                     iso->name, s);
		}
	}
	if (retain)
		push_list(&out->names, lifecycle_set, ELEMENTSOF(lifecycle_set));
	else
		push_group(&out->names, rkt_seccomp_group_find("@rkt/default-blacklist"));
	return 0;
}

int rkt_seccomp_resolve(const struct rkt_isolator_list *isolators, struct rkt_seccomp_spec *ret,
                        struct rkt_error *err)
{
	const struct rkt_isolator *iso = NULL;
	struct rkt_seccomp_spec spec = { .enabled = true };
	int r;

	for (size_t i = 0; isolators && i < isolators->n; i++) {
		enum rkt_isolator_type t = isolators->items[i].type;
		if (t != RKT_ISOLATOR_SECCOMP_REMOVE && t != RKT_ISOLATOR_SECCOMP_RETAIN)
			continue;
		if (iso)
			return rkt_error_set(err, EINVAL,
			                     "more than one seccomp isolator (ISO-15)");
		iso = &isolators->items[i];
	}
	if (!iso) {
		default_filter(&spec);
		spec.no_new_privs = true;
		*ret = spec;
		return 0;
	}
	spec.retain = iso->type == RKT_ISOLATOR_SECCOMP_RETAIN;
	const char *en = iso->u.set.errno_name;
	if (en && *en) {
		r = rkt_errno_from_name(en);
		if (r < 0)
			return rkt_error_set(err, EINVAL, "%s: unknown errno \"%s\"", iso->name,
			                     en);
		spec.errno_value = r;
	}
	r = expand_set(iso, spec.retain, &spec, err);
	if (r < 0) {
		rkt_seccomp_spec_release(&spec);
		return r;
	}
	spec.no_new_privs = spec.enabled && spec.retain;
	*ret = spec;
	return 0;
}

void rkt_bpf_release(struct rkt_bpf *bpf)
{
	free(bpf->filter);
	bpf->filter = NULL;
	bpf->len = 0;
}

static void seccomp_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

/* A default allowlist allows clone only without namespace flags (Docker's rule for apps without
 * CAP_SYS_ADMIN; upstream rkt allowed any clone); clone3 passes its flags in memory, where a
 * filter cannot read them, so it fails with ENOSYS and C libraries fall back to clone. */
static int restrict_clone(scmp_filter_ctx ctx, uint32_t block, bool clone_ns)
{
	const uint64_t ns_flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
	                          CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWTIME;
#if defined(__s390__) || defined(__s390x__)
	const unsigned flags_arg = 1; /* s390 swaps clone's first two arguments */
#else
	const unsigned flags_arg = 0;
#endif
	int r;

	if (!clone_ns) {
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
		                     SCMP_CMP(flags_arg, SCMP_CMP_MASKED_EQ, ns_flags, 0));
		if (r < 0)
			return r;
	}
	if (block == SCMP_ACT_ERRNO(ENOSYS))
		return 0; /* already what every other call gets */
	r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	return r == -EDOM ? 0 : r; /* -EDOM: no clone3 on this architecture */
}

int rkt_seccomp_compile(const struct rkt_seccomp_spec *spec, rkt_warn_fn warn, void *userdata,
                        struct rkt_bpf *ret, struct rkt_error *err)
{
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ void *buf = NULL;
	uint32_t block =
	        spec->errno_value ? SCMP_ACT_ERRNO(spec->errno_value) : SCMP_ACT_KILL_PROCESS;
	uint32_t def = spec->retain ? block : SCMP_ACT_ALLOW;
	uint32_t act = spec->retain ? SCMP_ACT_ALLOW : block;
	int r;

	if (!spec->enabled) {
		*ret = (struct rkt_bpf){ 0 };
		return 0;
	}
	ctx = seccomp_init(def);
	if (!ctx)
		return rkt_error_set(err, ENOMEM, "seccomp: cannot create a filter");
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	for (size_t i = 0; i < spec->names.n; i++) {
		const char *name = spec->names.items[i];
		int nr = seccomp_syscall_resolve_name(name);
		if (nr == __NR_SCMP_ERROR) {
			/* Calls of the built-in groups newer than this libseccomp: not the
			 * user's doing, nothing to tell. */
			if (warn && !rkt_seccomp_group_has(name)) {
				char msg[160];
				snprintf(msg, sizeof(msg),
				         "seccomp: unknown syscall \"%s\" ignored", name);
				warn(userdata, msg);
			}
			continue;
		}
		if (nr < 0)
			continue; /* not on this architecture */
		if (spec->retain && spec->default_allowlist &&
		    ((nr == SCMP_SYS(clone) && !spec->clone_ns) || nr == SCMP_SYS(clone3)))
			continue; /* below */
		r = seccomp_rule_add(ctx, act, nr, 0);
		if (r < 0 && r != -EEXIST)
			return rkt_error_set(err, -r, "seccomp: rule for \"%s\"", name);
	}
	if (spec->retain && spec->default_allowlist) {
		r = restrict_clone(ctx, block, spec->clone_ns);
		if (r < 0)
			return rkt_error_set(err, -r, "seccomp: rules for clone");
	}
	fd = memfd_create("rkt-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return rkt_error_set(err, errno, "seccomp: memfd_create");
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return rkt_error_set(err, -r, "seccomp: exporting the filter");
	struct stat st;
	if (fstat(fd, &st) < 0)
		return rkt_error_set(err, errno, "seccomp: fstat");
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0 ||
	    st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return rkt_error_set(err, E2BIG, "seccomp: filter of %jd bytes",
		                     (intmax_t)st.st_size);
	buf = xmalloc((size_t)st.st_size);
	if (pread(fd, buf, (size_t)st.st_size, 0) != st.st_size)
		return rkt_error_set(err, EIO, "seccomp: reading the filter back");
	ret->len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
	ret->filter = TAKE_PTR(buf);
	return 0;
}

int rkt_seccomp_load(const struct rkt_bpf *bpf)
{
	if (bpf->len == 0)
		return 0;
	struct sock_fprog prog = { .len = bpf->len, .filter = bpf->filter };
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
		return -errno;
	return 0;
}
