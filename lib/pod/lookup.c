/* Listing pods and resolving UUID prefixes. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "appc/types.h"
#include "pod/pod.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/* How many candidates an ambiguous-prefix message names. */
#define AMBIGUOUS_SHOWN 8

char **rkt_strv_free_array(char **v)
{
	if (!v)
		return NULL;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_uuid_name(const char *s)
{
	uint8_t u[16];
	char canon[RKT_UUID_STRING_SIZE];

	if (strlen(s) != 36 || rkt_uuid_parse(s, u, "", NULL) < 0)
		return false;
	rkt_uuid_format(u, canon);
	return strcmp(canon, s) == 0;
}

static void push(char ***v, size_t *n, size_t *cap, char *s)
{
	xgrow((void **)v, cap, *n + 2, sizeof(**v));
	(*v)[(*n)++] = s;
}

/* Sorts V (N strings), drops duplicates, NULL-terminates; returns the new count. */
static size_t sort_unique(char **v, size_t n)
{
	size_t out = 0;

	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (out > 0 && strcmp(v[out - 1], v[i]) == 0) {
			free(v[i]);
			continue;
		}
		v[out++] = v[i];
	}
	v[out] = NULL;
	return out;
}

/* Adds the first line of NAME under DIR_FD to V if it is an image ID. */
static void push_id_file(int dir_fd, const char *name, char ***v, size_t *n, size_t *cap)
{
	_cleanup_free_ char *buf = NULL;

	if (rkt_read_file_at(dir_fd, name, &buf, NULL, NULL) < 0)
		return;
	buf[strcspn(buf, "\n")] = '\0';
	if (rkt_image_id_check(buf, true, "", NULL) == 0)
		push(v, n, cap, TAKE_PTR(buf));
}

int rkt_pods_image_ids(const char *data_dir, char ***ret, size_t *ret_n, struct rkt_error *err)
{
	_cleanup_(rkt_strv_free_arrayp) char **uuids = NULL;
	char **v = xzalloc(sizeof(*v));
	size_t n = 0, cap = 1;
	int r;

	r = rkt_pod_list_uuids(data_dir, &uuids, NULL, err);
	if (r < 0) {
		free(v);
		return r;
	}
	for (char **u = uuids; *u; u++) {
		_cleanup_(rkt_pod_freep) struct rkt_pod *pod = NULL;
		_cleanup_closedir_ DIR *apps = NULL;
		struct dirent *de;
		int fd;

		if (rkt_pod_load(data_dir, *u, &pod, NULL) < 0)
			continue;
		push_id_file(pod->fd, "stage1TreeStoreID", &v, &n, &cap);
		fd = openat(pod->fd, "appsinfo", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || !(apps = fdopendir(fd))) {
			if (fd >= 0)
				(void)close(fd);
			continue;
		}
		while ((de = readdir(apps))) {
			_cleanup_free_ char *name = NULL;

			if (de->d_name[0] == '.')
				continue;
			name = xasprintf("%s/treeStoreID", de->d_name);
			push_id_file(dirfd(apps), name, &v, &n, &cap);
		}
	}
	n = sort_unique(v, n);
	*ret = v;
	if (ret_n)
		*ret_n = n;
	return 0;
}

int rkt_pod_list_uuids(const char *data_dir, char ***ret, size_t *ret_n, struct rkt_error *err)
{
	char **v = NULL;
	size_t n = 0, cap = 0, out = 0;

	for (int d = 0; d < _RKT_POD_DIR_MAX; d++) {
		_cleanup_free_ char *path =
		        xasprintf("%s/pods/%s", data_dir, rkt_pod_dir_name((enum rkt_pod_dir)d));
		_cleanup_closedir_ DIR *dir = opendir(path);
		struct dirent *de;

		if (!dir) {
			if (errno == ENOENT)
				continue;
			int r = rkt_error_set(err, errno, "list '%s'", path);
			for (size_t i = 0; i < n; i++)
				free(v[i]);
			free(v);
			return r;
		}
		while ((de = readdir(dir))) {
			if (is_uuid_name(de->d_name))
				push(&v, &n, &cap, xstrdup(de->d_name));
		}
	}
	if (!v)
		v = xzalloc(sizeof(*v));
	/* A pod renamed while we read the directories may be seen twice. */
	out = sort_unique(v, n);
	*ret = v;
	if (ret_n)
		*ret_n = out;
	return 0;
}

/* PREFIX without dashes, lower-cased, into OUT (33 bytes); false if it is not hex. */
static bool normalize(const char *prefix, char out[33])
{
	size_t n = 0;

	for (const char *p = prefix; *p; p++) {
		if (*p == '-')
			continue;
		if (!isxdigit((unsigned char)*p) || n >= 32)
			return false;
		out[n++] = (char)tolower((unsigned char)*p);
	}
	out[n] = '\0';
	return n > 0;
}

int rkt_pod_resolve(const char *data_dir, const char *prefix, char ret[RKT_UUID_STRING_SIZE],
                    struct rkt_error *err)
{
	_cleanup_(rkt_strv_free_arrayp) char **uuids = NULL;
	_cleanup_free_ char *list = NULL;
	char want[33];
	size_t n = 0, matches = 0;
	const char *match = NULL;
	int r;

	if (!normalize(prefix, want))
		return rkt_error_set(err, EINVAL, "'%s' is not a pod UUID", prefix);
	r = rkt_pod_list_uuids(data_dir, &uuids, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		char have[33];

		(void)normalize(uuids[i], have);
		if (strncmp(have, want, strlen(want)) != 0)
			continue;
		if (matches < AMBIGUOUS_SHOWN) {
			char *l = list ? xasprintf("%s, %s", list, uuids[i]) : xstrdup(uuids[i]);

			free(list);
			list = l;
		}
		matches++;
		match = uuids[i];
	}
	if (matches == 0)
		return rkt_error_input(err, ENOENT, "no pod matches '%s'", prefix);
	if (matches > 1)
		return rkt_error_set(err, ENOTUNIQ, "pod UUID prefix '%s' is ambiguous: %s%s",
		                     prefix, list, matches > AMBIGUOUS_SHOWN ? ", ..." : "");
	memcpy(ret, match, RKT_UUID_STRING_SIZE);
	return 0;
}
