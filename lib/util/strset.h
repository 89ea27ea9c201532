/* A set of strings with one small value per member, for bookkeeping over untrusted input (the
 * names seen in a tar archive, the inodes seen while walking a tree).
 *
 * Open addressing with linear probing; keys are copied. Lookups cost one hash of the key, so
 * checking every entry of a 100,000-file archive stays well under the cost of reading it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/cleanup.h"

struct rkt_strset;

struct rkt_strset *rkt_strset_new(void);
struct rkt_strset *rkt_strset_free(struct rkt_strset *s);
RKT_DEFINE_CLEANUP(struct rkt_strset *, rkt_strset_free)

/* Adds a copy of KEY with VALUE. Returns 0, or -EEXIST (and leaves the set alone) if KEY is
 * already a member. */
int rkt_strset_add(struct rkt_strset *s, const char *key, uintptr_t value);
/* Whether KEY is a member; if so and RET_VALUE is not NULL, its value. */
bool rkt_strset_get(const struct rkt_strset *s, const char *key, uintptr_t *ret_value);
/* Removes KEY (and frees its copy). Returns whether it was a member. The table keeps its size:
 * a long-running user's memory stays at its peak, it does not grow with churn. */
bool rkt_strset_remove(struct rkt_strset *s, const char *key);
/* Iteration: start with *POS = 0; each call gives the next member (pointers valid until the
 * set changes) and returns false after the last. */
bool rkt_strset_next(const struct rkt_strset *s, size_t *pos, const char **ret_key,
                     uintptr_t *ret_value);
size_t rkt_strset_size(const struct rkt_strset *s);
