#include "util/dl.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

int rkt_dl_load(struct rkt_dl_lib *lib, struct rkt_error *err)
{
	int state = __atomic_load_n(&lib->state, __ATOMIC_ACQUIRE);

	if (state == 0) {
		(void)pthread_mutex_lock(&load_lock);
		state = lib->state;
		if (state == 0) {
			lib->result =
			        rkt_dl_open(lib->sonames, lib->syms, lib->n_syms, &lib->error);
			state = lib->result < 0 ? 2 : 1;
			__atomic_store_n(&lib->state, state, __ATOMIC_RELEASE);
		}
		(void)pthread_mutex_unlock(&load_lock);
	}
	if (state == 1)
		return 0;
	return rkt_error_set(err, lib->error.code, "%s", lib->error.msg);
}

void rkt_dl_require(struct rkt_dl_lib *lib)
{
	if (rkt_dl_load(lib, NULL) < 0) {
		/* The one message the library writes itself: this stands in for the dynamic
		 * loader's own failure at start-up, which would have said which library is
		 * missing before any caller could. */
		(void)dprintf(STDERR_FILENO, "fatal: %s\n", lib->error.msg);
		abort();
	}
}
