/* stop entrypoint (docs/stage1-abi.md section 6): SIGTERM (or SIGKILL with --force) to the pod's
 * PID 1 named by $P/pid, or for fly to the process group in $P/pgid. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pod/layout.h"
#include "stage1.h"

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "force", no_argument, NULL, 'f' },
		{ 0 },
	};
	bool force = false;
	pid_t pid;
	int c, r;

	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (c != 'f') {
			fprintf(stderr, "stage1: stop: unknown option\n");
			return STAGE1_EXIT_FAILURE;
		}
		force = true;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "stage1: stop: expected the pod UUID\n");
		return STAGE1_EXIT_FAILURE;
	}
	int sig = force ? SIGKILL : SIGTERM;
	bool group = stage1_read_pid(AT_FDCWD, RKT_POD_PGID, &pid) == 0;
	if (!group && (r = stage1_read_pid(AT_FDCWD, RKT_POD_PID, &pid)) < 0) {
		fprintf(stderr, "stage1: stop: reading 'pid': %s\n", strerror(-r));
		return STAGE1_EXIT_FAILURE;
	}
	if (kill(group ? -pid : pid, sig) < 0 && errno != ESRCH) {
		fprintf(stderr, "stage1: stop: kill %d: %s\n", (int)pid, strerror(errno));
		return STAGE1_EXIT_FAILURE;
	}
	return 0;
}
