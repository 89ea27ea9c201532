/* Loading a shared library on first use (dlopen(3)), so that commands that never download or
 * verify do not pay for libcurl's and librnp's dependencies at every start (performance.md,
 * "Start-up cost"). Callers keep the library's header for the types and declare each pointer
 * with __typeof__(the_function) *, so the compiler checks every call. */
#pragma once

#include "util/error.h"

/* One symbol to resolve: NAME is stored into *PTR. */
struct rkt_dl_symbol {
	const char *name;
	void **ptr;
};

/* Opens the first of the NULL-terminated SONAMES that loads (RTLD_NOW | RTLD_LOCAL), then
 * resolves every entry of SYMS. The handle is never closed: the pointers stay valid for the
 * life of the process. Not thread-safe; callers serialise (pthread_once). Returns 0,
 * -ELIBACC if no candidate loads, or -ENOENT if a symbol is missing (the message names the
 * library and the symbol); on failure every *ptr is NULL. */
int rkt_dl_open(const char *const *sonames, const struct rkt_dl_symbol *syms, size_t n_syms,
                struct rkt_error *err);
