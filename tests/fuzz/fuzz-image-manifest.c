/* libFuzzer target for rkt_image_manifest_parse(): whatever parses must format, re-parse and
 * format again to the same bytes (the serialization is a fixed point, MAN-*, GEN-1..3). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "appc/manifest.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_fixed_point(const struct rkt_image_manifest *m, bool pretty)
{
	struct rkt_image_manifest *again = NULL;
	struct rkt_error err = { 0 };
	char *first = rkt_image_manifest_format(m, pretty);
	char *second;

	if (rkt_image_manifest_parse(first, strlen(first), "formatted", &again, &err) < 0)
		abort(); /* we wrote something we do not accept */
	second = rkt_image_manifest_format(again, pretty);
	if (strcmp(first, second) != 0)
		abort();
	free(first);
	free(second);
	rkt_image_manifest_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rkt_image_manifest *m = NULL;
	struct rkt_error err = { 0 };

	if (rkt_image_manifest_parse((const char *)data, size, "fuzz", &m, &err) < 0) {
		if (err.msg[0] == '\0')
			abort(); /* every refusal says why */
		return 0;
	}
	check_fixed_point(m, false);
	check_fixed_point(m, true);
	rkt_image_manifest_free(m);
	return 0;
}
