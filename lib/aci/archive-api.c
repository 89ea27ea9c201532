#define RKT_ARCHIVE_API_IMPL
#include "aci/archive-api.h"

#include "util/dl.h"

struct rkt_archive_api rkt_archive_api;

static const struct rkt_dl_symbol archive_syms[] = {
#define ARCHIVE_SYMBOL(f) { #f, (void **)&rkt_archive_api.f },
	RKT_ARCHIVE_FUNCS(ARCHIVE_SYMBOL)
#undef ARCHIVE_SYMBOL
};
RKT_DL_LIB(archive_lib, "libarchive.so.13", archive_syms);

int rkt_archive_load(struct rkt_error *err)
{
	return rkt_dl_load(&archive_lib, err);
}
