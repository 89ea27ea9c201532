#include <errno.h>
#include <string.h>

#include "aci/aci.h"
#include "util/cleanup.h"

static const char *const names[_RKT_COMPRESSION_MAX] = {
	[RKT_COMPRESSION_NONE] = "none",   [RKT_COMPRESSION_GZIP] = "gzip",
	[RKT_COMPRESSION_BZIP2] = "bzip2", [RKT_COMPRESSION_XZ] = "xz",
	[RKT_COMPRESSION_ZSTD] = "zstd",
};

const char *rkt_compression_name(enum rkt_compression c)
{
	if ((unsigned)c >= _RKT_COMPRESSION_MAX)
		return NULL;
	return names[c];
}

int rkt_compression_from_name(const char *name, enum rkt_compression *ret)
{
	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (name && strcmp(name, names[i]) == 0) {
			*ret = (enum rkt_compression)i;
			return 0;
		}
	return -EINVAL;
}

int rkt_compression_detect(const void *head, size_t len, enum rkt_compression *ret)
{
	static const struct {
		const char *magic;
		size_t len;
		enum rkt_compression c;
	} magics[] = {
		{ "\x1f\x8b", 2, RKT_COMPRESSION_GZIP },
		{ "BZh", 3, RKT_COMPRESSION_BZIP2 },
		{ "\xfd"
		  "7zXZ\0",
		  6, RKT_COMPRESSION_XZ },
		/* Not in appc (ACI-8); rkt's store and modern tools produce it. */
		{ "\x28\xb5\x2f\xfd", 4, RKT_COMPRESSION_ZSTD },
	};
	const unsigned char *p = head;

	for (size_t i = 0; i < ELEMENTSOF(magics); i++)
		if (len >= magics[i].len && memcmp(p, magics[i].magic, magics[i].len) == 0) {
			*ret = magics[i].c;
			return 0;
		}
	/* POSIX ustar and GNU tar both put "ustar" at offset 257; pre-POSIX v7 tars have no
	 * magic at all and are refused, as the reference implementation does. */
	if (len >= 262 && memcmp(p + 257, "ustar", 5) == 0) {
		*ret = RKT_COMPRESSION_NONE;
		return 0;
	}
	return -EINVAL;
}
