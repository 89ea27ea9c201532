/* Shifting the owners of a tree copied into a pod (see userns.h); stage0 only. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "isolate/userns.h"
#include "util/walk.h"

#define OVERFLOW_ID 65534u

struct shift {
	const struct rkt_id_range *r;
};

static uint32_t shifted(const struct rkt_id_range *r, uint32_t id)
{
	return rkt_id_range_map(r, id < r->count ? id : OVERFLOW_ID % r->count);
}

static int shift_one(void *userdata, enum rkt_walk_event ev, const struct rkt_walk_entry *e,
                     struct rkt_error *err)
{
	const struct shift *s = userdata;
	const struct stat *st = e->st;

	if (ev == RKT_WALK_DIR_POST)
		return 0;
	if (fchownat(e->parent_fd, e->name, shifted(s->r, st->st_uid), shifted(s->r, st->st_gid),
	             AT_SYMLINK_NOFOLLOW) < 0)
		return rkt_error_set(err, errno, "changing the owner of '%s'",
		                     *e->path ? e->path : "/");
	/* chown clears the set-id bits of files; keep the image's mode. */
	if (!S_ISLNK(st->st_mode) && (st->st_mode & (S_ISUID | S_ISGID)) &&
	    fchmodat(e->parent_fd, e->name, st->st_mode & 07777, 0) < 0)
		return rkt_error_set(err, errno, "mode of '%s'", e->path);
	return 0;
}

int rkt_tree_shift_ids(int dir_fd, const char *name, const struct rkt_id_range *r,
                       struct rkt_error *err)
{
	struct shift s = { .r = r };
	return rkt_walk(dir_fd, name, 0, shift_one, &s, err);
}
