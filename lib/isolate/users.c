/* Users and groups of apps, resolved from the image's own files (ACE-22, ACE-23), and reading
 * files inside an app root without leaving it. No NSS: stage1 is static and must never consult
 * the host's databases. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "isolate/isolate.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/* Splits the line at P (ending before END) into at most N ':'-separated fields, as offsets. */
static size_t split_fields(const char *p, const char *end, const char **f, size_t *flen, size_t n)
{
	size_t k = 0;
	const char *s = p;
	for (const char *q = p;; q++) {
		if (q == end || *q == ':') {
			if (k < n) {
				f[k] = s;
				flen[k] = (size_t)(q - s);
			}
			k++;
			s = q + 1;
		}
		if (q == end)
			break;
	}
	return k;
}

static bool parse_id(const char *s, size_t len, uint32_t *ret)
{
	uint64_t v = 0;
	if (len == 0 || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX - 1)
		return false;
	*ret = (uint32_t)v;
	return true;
}

/* Calls MATCH for each well-formed line of a passwd-like file until it returns true. */
typedef bool (*line_fn)(const char **f, const size_t *flen, size_t nf, void *ud);
static bool each_line(const char *buf, size_t len, line_fn fn, void *ud)
{
	const char *end = buf + len;
	for (const char *p = buf; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *f[7];
		size_t flen[7];
		if (le > p && *p != '#') {
			size_t nf = split_fields(p, le, f, flen, 7);
			if (fn(f, flen, nf > 7 ? 7 : nf, ud))
				return true;
		}
		p = le + 1;
	}
	return false;
}

struct pw_query {
	const char *name;
	bool by_uid;
	uid_t uid;
	struct rkt_passwd_entry *out;
};

static bool pw_match(const char **f, const size_t *flen, size_t nf, void *ud)
{
	struct pw_query *q = ud;
	uint32_t uid, gid;
	if (nf < 7 || !parse_id(f[2], flen[2], &uid) || !parse_id(f[3], flen[3], &gid))
		return false;
	if (q->by_uid ? uid != q->uid
	              : (strlen(q->name) != flen[0] || memcmp(q->name, f[0], flen[0]) != 0))
		return false;
	q->out->uid = uid;
	q->out->gid = gid;
	q->out->name = xstrndup(f[0], flen[0]);
	q->out->home = xstrndup(f[5], flen[5]);
	return true;
}

int rkt_passwd_find_name(const char *buf, size_t len, const char *name,
                         struct rkt_passwd_entry *ret)
{
	struct pw_query q = { .name = name, .out = ret };
	return each_line(buf, len, pw_match, &q) ? 0 : -ENOENT;
}

int rkt_passwd_find_uid(const char *buf, size_t len, uid_t uid, struct rkt_passwd_entry *ret)
{
	struct pw_query q = { .by_uid = true, .uid = uid, .out = ret };
	return each_line(buf, len, pw_match, &q) ? 0 : -ENOENT;
}

struct gr_query {
	const char *name;
	gid_t gid;
};

static bool gr_match(const char **f, const size_t *flen, size_t nf, void *ud)
{
	struct gr_query *q = ud;
	uint32_t gid;
	if (nf < 3 || !parse_id(f[2], flen[2], &gid))
		return false;
	if (strlen(q->name) != flen[0] || memcmp(q->name, f[0], flen[0]) != 0)
		return false;
	q->gid = gid;
	return true;
}

int rkt_group_find_name(const char *buf, size_t len, const char *name, gid_t *ret_gid)
{
	struct gr_query q = { .name = name };
	if (!each_line(buf, len, gr_match, &q))
		return -ENOENT;
	*ret_gid = q.gid;
	return 0;
}

void rkt_passwd_entry_release(struct rkt_passwd_entry *e)
{
	free(e->name);
	free(e->home);
	e->name = e->home = NULL;
}

void rkt_ids_release(struct rkt_ids *ids)
{
	free(ids->groups);
	free(ids->user_name);
	free(ids->home);
	memset(ids, 0, sizeof(*ids));
}

#define DB_MAX (4u << 20)

/* ACE-22: name, then digits, then the owner of a path. IS_USER picks passwd/uid or group/gid. */
static int resolve_one(int rootfd, const char *s, bool is_user, uint32_t *ret,
                       struct rkt_passwd_entry *ret_pw, struct rkt_error *err)
{
	_cleanup_free_ char *db = NULL;
	size_t len = 0;
	const char *what = is_user ? "user" : "group";
	int r;

	if (!s || !*s) {
		*ret = 0;
		return 0;
	}
	r = rkt_read_in_root(rootfd, is_user ? "/etc/passwd" : "/etc/group", DB_MAX, &db, &len);
	if (r >= 0) {
		if (is_user) {
			struct rkt_passwd_entry pw = { 0 };
			if (rkt_passwd_find_name(db, len, s, &pw) == 0) {
				*ret = pw.uid;
				*ret_pw = pw;
				return 0;
			}
		} else {
			gid_t gid;
			if (rkt_group_find_name(db, len, s, &gid) == 0) {
				*ret = gid;
				return 0;
			}
		}
	} else if (r != -ENOENT) {
		return rkt_error_set(err, -r, "%s \"%s\": reading /etc/%s of the image", what, s,
		                     is_user ? "passwd" : "group");
	}
	if (parse_id(s, strlen(s), ret))
		return 0;
	if (s[0] == '/') {
		_cleanup_close_ int fd = rkt_open_in_root(rootfd, s, O_PATH, 0);
		struct stat st;
		if (fd < 0)
			return rkt_error_set(err, -fd, "%s \"%s\": no such file in the image", what,
			                     s);
		if (fstat(fd, &st) < 0)
			return rkt_error_set(err, errno, "%s \"%s\"", what, s);
		*ret = is_user ? st.st_uid : st.st_gid;
		return 0;
	}
	return rkt_error_input(err, ENOENT, "%s \"%s\" not found in the image", what, s);
}

int rkt_ids_resolve(int rootfd, const char *user, const char *group, const uint32_t *supplementary,
                    size_t n_supp, struct rkt_ids *ret, struct rkt_error *err)
{
	struct rkt_passwd_entry pw = { 0 };
	struct rkt_ids ids = { 0 };
	uint32_t uid, gid;
	int r;

	r = resolve_one(rootfd, user, true, &uid, &pw, err);
	if (r < 0)
		return r;
	r = resolve_one(rootfd, group, false, &gid, &pw, err);
	if (r < 0) {
		rkt_passwd_entry_release(&pw);
		return r;
	}
	if (!pw.name) {
		/* Numeric or path user: HOME and USER from the passwd entry of the uid. */
		_cleanup_free_ char *db = NULL;
		size_t len;
		if (rkt_read_in_root(rootfd, "/etc/passwd", DB_MAX, &db, &len) == 0)
			(void)rkt_passwd_find_uid(db, len, uid, &pw);
	}
	ids.uid = uid;
	ids.gid = gid;
	ids.user_name = pw.name;
	ids.home = pw.home;
	if (n_supp > 0) {
		ids.groups = xmalloc_array(n_supp, sizeof(gid_t));
		for (size_t i = 0; i < n_supp; i++)
			ids.groups[i] = supplementary[i];
		ids.n_groups = n_supp;
	} else {
		ids.groups = xmalloc(sizeof(gid_t));
		ids.groups[0] = gid;
		ids.n_groups = 1;
	}
	*ret = ids;
	return 0;
}

int rkt_ids_apply(const struct rkt_ids *ids)
{
	if (syscall(SYS_setgroups, ids->n_groups, ids->groups) < 0)
		return -errno;
	if (syscall(SYS_setresgid, ids->gid, ids->gid, ids->gid) < 0)
		return -errno;
	if (syscall(SYS_setresuid, ids->uid, ids->uid, ids->uid) < 0)
		return -errno;
	return 0;
}

static bool is_executable_in_root(int rootfd, const char *path)
{
	_cleanup_close_ int fd = rkt_open_in_root(rootfd, path, O_PATH, 0);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return false;
	return S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

int rkt_exec_lookup(int rootfd, const char *file, const char *path, char **ret,
                    struct rkt_error *err)
{
	char cs[256];

	if (!file || !*file)
		return rkt_error_input(err, ENOENT, "empty executable name");
	if (strchr(file, '/')) {
		*ret = xstrdup(file);
		return 0;
	}
	if (!path) {
		/* ACE-20: the current directory, then confstr(_CS_PATH). */
		size_t n = confstr(_CS_PATH, cs, sizeof(cs));
		if (n == 0 || n > sizeof(cs) - 2)
			snprintf(cs, sizeof(cs), ":/bin:/usr/bin");
		else {
			memmove(cs + 1, cs, n);
			cs[0] = ':';
		}
		path = cs;
	}
	for (const char *p = path;;) {
		const char *colon = strchr(p, ':');
		size_t dl = colon ? (size_t)(colon - p) : strlen(p);
		_cleanup_free_ char *cand =
		        dl == 0 ? xstrdup(file) : xasprintf("%.*s/%s", (int)dl, p, file);
		if (is_executable_in_root(rootfd, cand)) {
			*ret = TAKE_PTR(cand);
			return 0;
		}
		if (!colon)
			break;
		p = colon + 1;
	}
	return rkt_error_input(err, ENOENT, "executable \"%s\" not found in PATH \"%s\"", file,
	                       path);
}
