/* The seccomp filter of an app: the one compiled at build time when the app's spec is the
 * default (stage1/gen-default-bpf.c), else libseccomp now. */
#include <stdbool.h>
#include <string.h>

#include "app.h"
#include "default-bpf.h"
#include "util/xalloc.h"

static bool is_default(const struct rkt_seccomp_spec *spec)
{
	struct rkt_seccomp_spec d;
	bool same;

	if (rkt_seccomp_resolve(NULL, &d, NULL) < 0)
		return false;
	same = spec->enabled == d.enabled && spec->retain == d.retain &&
	       spec->errno_value == d.errno_value && spec->no_new_privs == d.no_new_privs &&
	       spec->default_allowlist == d.default_allowlist && spec->clone_ns == d.clone_ns &&
	       spec->names.n == d.names.n;
	for (size_t i = 0; same && i < d.names.n; i++)
		same = strcmp(spec->names.items[i], d.names.items[i]) == 0;
	rkt_seccomp_spec_release(&d);
	return same;
}

int stage1_seccomp_compile(const struct rkt_seccomp_spec *spec, struct rkt_bpf *ret,
                           struct rkt_error *err)
{
	if (stage1_default_bpf_len > 0 && is_default(spec)) {
		size_t size = stage1_default_bpf_len * sizeof(stage1_default_bpf[0]);
		ret->filter = xmalloc(size);
		memcpy(ret->filter, stage1_default_bpf, size);
		ret->len = stage1_default_bpf_len;
		return 0;
	}
	return rkt_seccomp_compile(spec, stage1_warn_cb, NULL, ret, err);
}
