/* Scope-bound cleanup, after systemd's names (reviewers know them); our own code.
 *
 * Every owning local starts at NULL or -EBADF and carries a cleanup attribute; ownership leaves
 * only through TAKE_PTR()/TAKE_FD(). */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <dirent.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(const int *fd)
{
	if (*fd >= 0) {
		int saved = errno; /* never clobber errno on an error path */
		(void)close(*fd);
		errno = saved;
	}
}

static inline void fclosep(FILE **f)
{
	if (*f) {
		int saved = errno;
		(void)fclose(*f);
		errno = saved;
	}
}

static inline void closedirp(DIR **d)
{
	if (*d) {
		int saved = errno;
		(void)closedir(*d);
		errno = saved;
	}
}

#define _cleanup_free_     _cleanup_(freep)
#define _cleanup_close_    _cleanup_(closep)
#define _cleanup_fclose_   _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Defines fnp(type *) calling fn(*p) when *p is non-NULL, for _cleanup_(fnp). */
#define RKT_DEFINE_CLEANUP(type, fn)                              \
	static inline __attribute__((unused)) void fn##p(type *p) \
	{                                                         \
		if (*p)                                           \
			(void)fn(*p);                             \
	}

#define TAKE_PTR(p)                      \
	({                               \
		__typeof__(p) _p_ = (p); \
		(p) = NULL;              \
		_p_;                     \
	})

#define TAKE_FD(fd)              \
	({                       \
		int _fd_ = (fd); \
		(fd) = -EBADF;   \
		_fd_;            \
	})

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))
