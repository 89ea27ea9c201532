#include "util/dl.h"

#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>

int rkt_dl_open(const char *const *sonames, const struct rkt_dl_symbol *syms, size_t n_syms,
                struct rkt_error *err)
{
	const char *why = "no candidate library";
	void *handle = NULL;
	const char *soname = NULL;

	for (const char *const *s = sonames; *s && !handle; s++) {
		handle = dlopen(*s, RTLD_NOW | RTLD_LOCAL);
		if (handle)
			soname = *s;
		else
			why = dlerror();
	}
	if (!handle)
		return rkt_error_set(err, ELIBACC, "cannot load '%s': %s", sonames[0] ?: "(none)",
		                     why ?: "unknown error");
	for (size_t i = 0; i < n_syms; i++) {
		*syms[i].ptr = dlsym(handle, syms[i].name);
		if (*syms[i].ptr)
			continue;
		for (size_t j = 0; j < i; j++)
			*syms[j].ptr = NULL;
		(void)dlclose(handle);
		return rkt_error_input(err, ENOENT, "'%s' has no symbol '%s' (too old a version?)",
		                       soname, syms[i].name);
	}
	return 0;
}
