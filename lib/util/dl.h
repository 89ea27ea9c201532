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

/* A library loaded on first use, once per process, by any thread (rkt_dl_load). Define one
 * static instance per library, with the SONAMES and SYMS that rkt_dl_open takes; the other
 * fields start zeroed. */
struct rkt_dl_lib {
	const char *const *sonames;
	const struct rkt_dl_symbol *syms;
	size_t n_syms;
	int state; /* 0 not tried, 1 loaded, 2 failed (atomic) */
	int result;
	struct rkt_error error;
};

/* Defines `static struct rkt_dl_lib NAME` for SONAME, with the array SYMBOLS to resolve. */
#define RKT_DL_LIB(name, soname, symbols)                             \
	static const char *const name##_sonames[] = { soname, NULL }; \
	static struct rkt_dl_lib name = { .sonames = name##_sonames,  \
		                          .syms = symbols,            \
		                          .n_syms = sizeof(symbols) / sizeof((symbols)[0]) }

/* Loads LIB unless that was tried before (thread-safe; later calls are one atomic load).
 * Returns 0 or the first attempt's error (-ELIBACC, -ENOENT) with its message copied to ERR. */
int rkt_dl_load(struct rkt_dl_lib *lib, struct rkt_error *err);

/* rkt_dl_load for callers that cannot report an error (their library is a hard dependency of
 * the package, as it was when it was linked): aborts if LIB cannot be loaded. */
void rkt_dl_require(struct rkt_dl_lib *lib);
