/* Listing pods and resolving UUID prefixes. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "appc/types.h"
#include "pod/layout.h"
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

/* Adds every line of NAME under DIR_FD that is a full image ID to V, held by HOLDER. */
static void push_refs_file(int dir_fd, const char *name, const char *holder,
                           struct rkt_image_ref **v, size_t *n, size_t *cap)
{
	_cleanup_free_ char *buf = NULL;
	char *save = NULL;

	if (rkt_read_file_at(dir_fd, name, &buf, NULL, NULL) < 0)
		return;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (rkt_image_id_check(l, true, "", NULL) < 0)
			continue;
		xgrow((void **)v, cap, *n + 1, sizeof(**v));
		memcpy((*v)[*n].id, l, RKT_IMAGE_ID_SIZE);
		(*v)[(*n)++].holder = xstrdup(holder);
	}
}

int rkt_pods_image_refs(const char *data_dir, struct rkt_image_ref **ret, size_t *ret_n,
                        struct rkt_error *err)
{
	_cleanup_(rkt_strv_free_arrayp) char **uuids = NULL;
	struct rkt_image_ref *v = NULL;
	size_t n = 0, cap = 0;
	int r;

	r = rkt_pod_list_uuids(data_dir, &uuids, NULL, err);
	if (r < 0)
		return r;
	for (char **u = uuids; *u; u++) {
		_cleanup_(rkt_pod_freep) struct rkt_pod *pod = NULL;
		_cleanup_free_ char *holder = xasprintf("pod '%s'", *u);
		_cleanup_closedir_ DIR *apps = NULL;
		struct dirent *de;
		int fd;

		if (rkt_pod_load(data_dir, *u, &pod, NULL) < 0)
			continue;
		/* Every image the pod uses, dependencies included; pods made before that file
		 * existed name only the stage1 and the apps' images. */
		push_refs_file(pod->fd, RKT_POD_IMAGES, holder, &v, &n, &cap);
		push_refs_file(pod->fd, RKT_POD_STAGE1_TREE_STORE_ID, holder, &v, &n, &cap);
		fd = openat(pod->fd, RKT_POD_APPSINFO, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || !(apps = fdopendir(fd))) {
			if (fd >= 0)
				(void)close(fd);
			continue;
		}
		while ((de = readdir(apps))) {
			_cleanup_free_ char *name = NULL;

			if (de->d_name[0] == '.')
				continue;
			name = rkt_pod_app_file(de->d_name, RKT_POD_APP_TREE_STORE_ID);
			push_refs_file(pod->fd, name, holder, &v, &n, &cap);
		}
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static int pods_refs(void *userdata, struct rkt_image_ref **ret, size_t *ret_n,
                     struct rkt_error *err)
{
	return rkt_pods_image_refs(userdata, ret, ret_n, err);
}

void rkt_pods_hold_images(struct rkt_store *store, const char *data_dir)
{
	rkt_store_set_refs(store, pods_refs, (void *)data_dir);
}

int rkt_pods_image_ids(const char *data_dir, char ***ret, size_t *ret_n, struct rkt_error *err)
{
	struct rkt_image_ref *refs = NULL;
	size_t n_refs = 0, n;
	char **v;
	int r;

	r = rkt_pods_image_refs(data_dir, &refs, &n_refs, err);
	if (r < 0)
		return r;
	v = xmalloc_array(n_refs + 1, sizeof(*v));
	for (size_t i = 0; i < n_refs; i++)
		v[i] = xstrdup(refs[i].id);
	rkt_image_refs_free(refs, n_refs);
	n = sort_unique(v, n_refs);
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
