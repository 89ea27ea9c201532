#include "util/strset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

struct slot {
	char *key; /* NULL: empty */
	uint64_t hash;
	uintptr_t value;
};

struct rkt_strset {
	struct slot *slots;
	size_t cap; /* power of two */
	size_t n;
};

/* FNV-1a, 64 bit: keys come from archives, so a seeded hash would be better against crafted
 * collisions, but probing stays linear in the (bounded) number of entries either way. */
static uint64_t hash_key(const char *key)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	return h;
}

struct rkt_strset *rkt_strset_new(void)
{
	struct rkt_strset *s = xzalloc(sizeof(*s));

	s->cap = 64;
	s->slots = xmalloc_array(s->cap, sizeof(*s->slots));
	memset(s->slots, 0, s->cap * sizeof(*s->slots));
	return s;
}

struct rkt_strset *rkt_strset_free(struct rkt_strset *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->cap; i++)
		free(s->slots[i].key);
	free(s->slots);
	free(s);
	return NULL;
}

static struct slot *find(const struct rkt_strset *s, const char *key, uint64_t h)
{
	size_t mask = s->cap - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct slot *sl = &s->slots[i];

		if (!sl->key || (sl->hash == h && strcmp(sl->key, key) == 0))
			return sl;
	}
}

static void grow(struct rkt_strset *s)
{
	struct slot *old = s->slots;
	size_t old_cap = s->cap;

	s->cap *= 2;
	s->slots = xmalloc_array(s->cap, sizeof(*s->slots));
	memset(s->slots, 0, s->cap * sizeof(*s->slots));
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].key)
			*find(s, old[i].key, old[i].hash) = old[i];
	free(old);
}

int rkt_strset_add(struct rkt_strset *s, const char *key, uintptr_t value)
{
	uint64_t h = hash_key(key);
	struct slot *sl;

	/* Keep the load factor under 1/2 so that probe sequences stay short. */
	if ((s->n + 1) * 2 > s->cap)
		grow(s);
	sl = find(s, key, h);
	if (sl->key)
		return -EEXIST;
	sl->key = xstrdup(key);
	sl->hash = h;
	sl->value = value;
	s->n++;
	return 0;
}

bool rkt_strset_get(const struct rkt_strset *s, const char *key, uintptr_t *ret_value)
{
	const struct slot *sl = find(s, key, hash_key(key));

	if (!sl->key)
		return false;
	if (ret_value)
		*ret_value = sl->value;
	return true;
}

bool rkt_strset_remove(struct rkt_strset *s, const char *key)
{
	size_t mask = s->cap - 1, i, j;
	struct slot *sl = find(s, key, hash_key(key));

	if (!sl->key)
		return false;
	free(sl->key);
	*sl = (struct slot){ 0 };
	s->n--;
	/* Backward-shift deletion: move up every later entry of the probe run whose home slot is
	 * not between the hole and itself, so that no lookup stops early at the hole. */
	i = (size_t)(sl - s->slots);
	for (j = (i + 1) & mask; s->slots[j].key; j = (j + 1) & mask) {
		size_t home = s->slots[j].hash & mask;
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);

		if (stays)
			continue;
		s->slots[i] = s->slots[j];
		s->slots[j] = (struct slot){ 0 };
		i = j;
	}
	return true;
}

bool rkt_strset_next(const struct rkt_strset *s, size_t *pos, const char **ret_key,
                     uintptr_t *ret_value)
{
	for (; *pos < s->cap; (*pos)++) {
		const struct slot *sl = &s->slots[*pos];

		if (!sl->key)
			continue;
		if (ret_key)
			*ret_key = sl->key;
		if (ret_value)
			*ret_value = sl->value;
		(*pos)++;
		return true;
	}
	return false;
}

size_t rkt_strset_size(const struct rkt_strset *s)
{
	return s->n;
}
