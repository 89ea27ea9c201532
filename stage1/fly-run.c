/* The fly stage1's run entrypoint (docs/stage1-abi.md section 4.6): one app, chrooted into its
 * root with the host's /dev, /proc and /sys, in the host's PID, network, IPC and UTS
 * namespaces. This process becomes the app: its exit status is the app's. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/close_range.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "app.h"
#include "pod/layout.h"
#include "stage1.h"

static int write_number(int podfd, const char *name, long v, struct rkt_error *err)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", v);
	int r = rkt_write_file_atomic_at(podfd, name, buf, (size_t)n, 0644, NULL);
	return r < 0 ? rkt_error_set(err, -r, "'%s'", name) : 0;
}

static int write_oom_score_adj(int v)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d", v);
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = write(fd, buf, (size_t)n) == n ? 0 : -errno;
	close(fd);
	return r;
}

int main(int argc, char **argv)
{
	struct pod_ctx c = { .podfd = -EBADF, .devnull = -EBADF };
	struct rkt_error err = { 0 };
	int r;

	r = stage1_parse_run_args(argc, argv, true, &c.opts, &err);
	if (r < 0)
		return stage1_fail(&err);
	stage1_debug = c.opts.debug;
	if (stage1_load_pod(&c, &err) < 0)
		return stage1_fail(&err);
	if (c.n != 1) {
		rkt_error_set(&err, EINVAL, "the fly stage1 runs exactly one app, not %zu", c.n);
		return stage1_fail(&err);
	}
	struct app_state *s = &c.apps[0];
	/* ISO-18: fly has no namespace of its own; any sysctl would change the host's. */
	if (rkt_sysctl_check(&c.pod.manifest->isolators, false, false, false, &err) < 0)
		return stage1_fail(&err);
	/* Ours: a private mount namespace, so nothing stays mounted on the host. */
	if (stage1_unshare_mounts(&c, 0, &err) < 0)
		return stage1_fail(&err);
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) {
		rkt_error_set(&err, errno, "private mount namespace");
		return stage1_fail(&err);
	}
	/* sharedVolumes: the backing directories of empty volumes, as the default stage1. */
	if ((r = rkt_mkdir_p_at(c.podfd, RKT_POD_STAGE1_ENV_DIR, 0755, NULL)) < 0 ||
	    (r = rkt_mkdir_p_at(c.podfd, RKT_POD_STAGE1_STATUS_DIR, 0755, NULL)) < 0 ||
	    (r = rkt_mkdir_p_at(c.podfd, RKT_POD_SHARED_VOLUMES, 0755, NULL)) < 0) {
		rkt_error_set(&err, -r, "pod directories");
		return stage1_fail(&err);
	}
	if (stage1_prepare_app(&c, s, true, &err) < 0)
		return stage1_fail(&err);
	/* ACE-32: fly applies no-new-privileges and oom-score-adj, nothing else. */
	const struct rkt_isolate_features f = { .nnp = true, .oom = true };
	stage1_report_isolators(&c, &f);
	if (s->has_oom && (r = write_oom_score_adj(s->oom)) < 0) {
		rkt_error_set(&err, -r, "app \"%s\": oom_score_adj", s->name);
		return stage1_fail(&err);
	}
	if (write_number(c.podfd, RKT_POD_PID, (long)getpid(), &err) < 0 ||
	    write_number(c.podfd, RKT_POD_PGID, (long)getpgid(0), &err) < 0)
		return stage1_fail(&err);
	/* chroot rather than pivot_root, as upstream: enter finds the app root by its path in
	 * this mount namespace. */
	if (chdir(s->root) < 0 || chroot(".") < 0 || chdir("/") < 0) {
		rkt_error_set(&err, errno, "chroot into '%s'", s->root);
		return stage1_fail(&err);
	}
	if ((r = rkt_ids_apply(&s->ids)) < 0) {
		rkt_error_set(&err, -r, "app \"%s\": setting user and groups", s->name);
		return stage1_fail(&err);
	}
	if ((r = stage1_chdir_in_root(s->workdir)) < 0) { /* ACE-19 */
		rkt_error_set(&err, -r, "app \"%s\": working directory '%s'", s->name, s->workdir);
		return stage1_fail(&err);
	}
	if (s->nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		rkt_error_set(&err, errno, "no_new_privs");
		return stage1_fail(&err);
	}
	/* The app gets stdin, stdout, stderr and the pod's lock fd: fly leaves no stage1 process,
	 * so the app holds the lock ("running" = locked), as upstream's fly. */
	const char *lock = getenv("RKT_LOCK_FD");
	int lockfd = lock ? atoi(lock) : -1;
	if (lockfd > 3)
		(void)syscall(SYS_close_range, 3, lockfd - 1, CLOSE_RANGE_CLOEXEC);
	(void)syscall(SYS_close_range, lockfd >= 3 ? lockfd + 1 : 3, ~0U, CLOSE_RANGE_CLOEXEC);
	execve(s->exec_path, s->argv, s->envp);
	rkt_error_set(&err, errno, "app \"%s\": exec '%s'", s->name, s->argv[0]);
	return stage1_fail(&err);
}
