/* seccomp filters of apps (ISO-13..15): resolving isolator sets, compiling them to BPF with
 * libseccomp before the fork, loading the program in the child with one prctl. */
#include <errno.h>
#include <linux/filter.h>
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

/* Upstream rkt's @rkt/default-blacklist (stage1/init/common/seccomp_list.go): obsolete calls and
 * calls that reach outside a container. */
static const char *const default_blacklist[] = {
	"_sysctl",
	"add_key",
	"adjtimex",
	"afs_syscall",
	"bdflush",
	"break",
	"clock_adjtime",
	"clock_settime",
	"create_module",
	"delete_module",
	"fanotify_init",
	"finit_module",
	"ftime",
	"get_kernel_syms",
	"getpmsg",
	"gtty",
	"init_module",
	"ioperm",
	"iopl",
	"kcmp",
	"kexec_file_load",
	"kexec_load",
	"keyctl",
	"lock",
	"lookup_dcookie",
	"mbind",
	"migrate_pages",
	"mount",
	"move_pages",
	"mpx",
	"name_to_handle_at",
	"nfsservctl",
	"open_by_handle_at",
	"perf_event_open",
	"pivot_root",
	"process_vm_readv",
	"process_vm_writev",
	"prof",
	"profil",
	"ptrace",
	"putpmsg",
	"query_module",
	"reboot",
	"remap_file_pages",
	"request_key",
	"security",
	"set_mempolicy",
	"setdomainname",
	"sethostname",
	"settimeofday",
	"sgetmask",
	"ssetmask",
	"stime",
	"stty",
	"swapoff",
	"swapon",
	"sysfs",
	"syslog",
	"tuxcall",
	"umount",
	"umount2",
	"uselib",
	"ustat",
	"vhangup",
	"vm86",
	"vm86old",
	"vserver",
};

/* ISO-14: what a retain filter always allows so that the app can be started and can end. */
static const char *const lifecycle_set[] = { "execve", "exit", "exit_group", "rt_sigreturn" };

static void push_list(struct rkt_strv *v, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rkt_strv_push(v, list[i]);
}

static bool strv_has(const struct rkt_strv *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->items[i], s) == 0)
			return true;
	return false;
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
	bool default_whitelist = false;

	for (size_t i = 0; i < set->n; i++) {
		const char *s = set->items[i];
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
			rkt_strv_release(&out->names);
			push_list(&out->names, default_blacklist, ELEMENTSOF(default_blacklist));
			return 0;
		} else if (strcmp(s, "@rkt/default-blacklist") == 0 ||
		           strcmp(s, "@docker/default-blacklist") == 0) {
			push_list(&out->names, default_blacklist, ELEMENTSOF(default_blacklist));
		} else if (strcmp(s, "@rkt/default-whitelist") == 0 ||
		           strcmp(s, "@docker/default-whitelist") == 0) {
			if (!retain)
				return rkt_error_set(err, EINVAL, "%s: \"%s\" in a remove set",
				                     iso->name, s);
			default_whitelist = true;
		} else {
			return rkt_error_set(err, EINVAL, "%s: unknown syscall group \"%s\"",
			                     iso->name, s);
		}
	}
	if (retain && default_whitelist) {
		/* Our whitelist is "everything but the blacklist", so retaining it plus extra
		 * calls is removing the blacklist minus those calls. */
		struct rkt_strv extra = out->names;
		memset(&out->names, 0, sizeof(out->names));
		for (size_t i = 0; i < ELEMENTSOF(default_blacklist); i++)
			if (!strv_has(&extra, default_blacklist[i]))
				rkt_strv_push(&out->names, default_blacklist[i]);
		rkt_strv_release(&extra);
		out->retain = false;
		return 0;
	}
	if (retain)
		push_list(&out->names, lifecycle_set, ELEMENTSOF(lifecycle_set));
	else
		push_list(&out->names, default_blacklist, ELEMENTSOF(default_blacklist));
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
		push_list(&spec.names, default_blacklist, ELEMENTSOF(default_blacklist));
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
			if (warn) {
				char msg[160];
				snprintf(msg, sizeof(msg),
				         "seccomp: unknown syscall \"%s\" ignored", name);
				warn(userdata, msg);
			}
			continue;
		}
		if (nr < 0)
			continue; /* not on this architecture */
		r = seccomp_rule_add(ctx, act, nr, 0);
		if (r < 0 && r != -EEXIST)
			return rkt_error_set(err, -r, "seccomp: rule for \"%s\"", name);
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
