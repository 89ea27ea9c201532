/* app-helper: what the apps of the terminal and activation suites do (pod-terminal.bats,
 * pod-activation.bats). Linked statically so that it runs in any image.
 *
 *   app-helper inject TEXT   pushes TEXT into the input of the terminal on fd 0 (TIOCSTI);
 *                            prints "inject: allowed" or "inject: denied (ERRNO)"
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int inject(const char *text)
{
	for (const char *p = text; *p; p++) {
		if (ioctl(STDIN_FILENO, TIOCSTI, p) < 0) {
			printf("inject: denied (%s)\n", strerrorname_np(errno));
			return 0;
		}
	}
	printf("inject: allowed\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "inject") == 0)
		return inject(argv[2]);
	fprintf(stderr, "usage: app-helper inject TEXT\n");
	return 2;
}
