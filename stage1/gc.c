/* gc entrypoint (docs/stage1-abi.md section 7): unmount whatever is still mounted at or below
 * the pod directory, deepest first. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "app.h"
#include "net/cni.h"
#include "stage1.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/* Undoes mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			*o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 3;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
}

static bool is_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* The mount points below DIR, deepest (longest) first. */
static size_t list_mounts(const char *dir, char ***ret)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	char **v = NULL;
	size_t n = 0, cap = 0;
	char *line = NULL;
	size_t len = 0;

	while (f && getline(&line, &len, f) > 0) {
		char mp[PATH_MAX + 1];
		if (sscanf(line, "%*s %*s %*s %*s %4096s", mp) != 1)
			continue;
		unescape(mp);
		if (!is_under(mp, dir))
			continue;
		xgrow((void **)&v, &cap, n + 1, sizeof(*v));
		v[n++] = xstrdup(mp);
	}
	free(line);
	/* Later mounts stack on earlier ones: unmount in reverse order, longer paths first. */
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strlen(v[j]) >= strlen(v[i])) {
				char *t = v[i];
				v[i] = v[j];
				v[j] = t;
			}
	*ret = v;
	return n;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "debug", no_argument, NULL, 'd' },
		{ "local-config", required_argument, NULL, 'l' },
		{ 0 },
	};
	char dir[PATH_MAX];
	int c;

	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (c == 'd')
			stage1_debug = true;
		else if (c != 'l') {
			fprintf(stderr, "stage1: gc: unknown option\n");
			return STAGE1_EXIT_FAILURE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "stage1: gc: expected the pod UUID\n");
		return STAGE1_EXIT_FAILURE;
	}
	if (!getcwd(dir, sizeof(dir))) {
		perror("stage1: gc: getcwd");
		return STAGE1_EXIT_FAILURE;
	}
	/* Cgroups a killed pod could not remove itself. */
	_cleanup_close_ int podfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (podfd >= 0)
		stage1_cgroups_remove(podfd);
	/* CNI DEL of every network, then the netns bind mount (docs/networking.md) */
	signal(SIGPIPE, SIG_IGN);
	struct rkt_error err = { 0 };
	const char *lk = getenv("RKT_LOCK_FD");
	if (podfd >= 0 && rkt_cni_pod_teardown(podfd, lk ? atoi(lk) : -1, &err) < 0)
		stage1_fail(&err);
	/* Leave the pod directory so that nothing here keeps a mount busy. */
	if (chdir("/") < 0)
		return STAGE1_EXIT_FAILURE;
	for (int round = 0; round < 8; round++) {
		char **v;
		size_t n = list_mounts(dir, &v);
		if (n == 0) {
			free(v);
			return 0;
		}
		for (size_t i = 0; i < n; i++) {
			stage1_log("gc: unmounting '%s'", v[i]);
			if (umount2(v[i], UMOUNT_NOFOLLOW) < 0 && errno != EINVAL &&
			    errno != ENOENT)
				(void)umount2(v[i], MNT_DETACH | UMOUNT_NOFOLLOW);
			free(v[i]);
		}
		free(v);
	}
	fprintf(stderr, "stage1: gc: mounts below '%s' remain\n", dir);
	return STAGE1_EXIT_FAILURE;
}
