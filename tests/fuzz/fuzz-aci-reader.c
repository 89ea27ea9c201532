/* libFuzzer target for rkt_aci_read: compression detection, ISA-L inflate, the tar reader and
 * the layout checks (ACI-2..9). Any input must end in 0 or a negative errno, never a crash,
 * hang or leak. */
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "aci/aci.h"
#include "util/cleanup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_entry(void *userdata, struct archive *a, struct archive_entry *entry,
                       const char *path, struct rkt_error *err)
{
	(*(uint64_t *)userdata)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_close_ int fd = memfd_create("fuzz-aci", MFD_CLOEXEC);
	struct rkt_aci_info info = { 0 };
	struct rkt_error err = { 0 };
	uint64_t n = 0;
	struct rkt_aci_read_opts opts = {
		.on_entry = count_entry,
		.userdata = &n,
		.refuse_devices = size & 1,
	};

	if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t)size) ||
	    lseek(fd, 0, SEEK_SET) != 0)
		return 0;
	if (rkt_aci_read(fd, "'fuzz.aci'", &opts, &info, &err) == 0)
		rkt_aci_info_release(&info);
	return 0;
}
