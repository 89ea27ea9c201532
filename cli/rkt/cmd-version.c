/* rkt version: the lines upstream prints, with the toolchain in place of Go's. */
#include <errno.h>

#include "appc/types.h"
#include "rkt.h"

#if defined(__x86_64__)
#define GO_ARCH "amd64"
#elif defined(__aarch64__)
#define GO_ARCH "arm64"
#elif defined(__i386__)
#define GO_ARCH "386"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define GO_ARCH "ppc64le"
#elif defined(__s390x__)
#define GO_ARCH "s390x"
#else
#define GO_ARCH "unknown"
#endif

int cmd_version(struct cli_ctx *ctx, int argc, char **argv, struct rkt_error *err)
{
	int r = cli_flags_parse(NULL, "version", CLI_PARSE_INTERSPERSED, argc, argv, NULL, err);

	if (r < 0)
		return r;
	if (r > 0)
		return rkt_error_set(err, EINVAL, "version: unexpected argument '%s'", argv[1]);
	printf("rkt Version: %s\n", RKT_VERSION);
	printf("appc Version: %s\n", RKT_APPC_VERSION);
	printf("Go Version: none (C17, %s)\n", __VERSION__);
	printf("Go OS/Arch: linux/%s\n", GO_ARCH);
	printf("Features: -TPM -SDJOURNAL\n");
	return 0;
}
