/* Allocation that aborts on OOM: rkt processes are short-lived, as in crun, bubblewrap and git.
 * Sizes taken from input go through xmalloc_array(), which checks for overflow. */
#pragma once

#include <stddef.h>

void *xmalloc(size_t size);
void *xzalloc(size_t size);
void *xrealloc(void *p, size_t size);
void *xmalloc_array(size_t n, size_t size);
void *xrealloc_array(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grows *items (of *cap elements of SIZE bytes) so that it holds at least N elements. */
void xgrow(void **items, size_t *cap, size_t n, size_t size);
