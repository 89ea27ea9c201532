#define RKT_SQLITE_API_IMPL
#include "store/sqlite-api.h"

#include "util/dl.h"

struct rkt_sqlite_api rkt_sqlite_api;

static const struct rkt_dl_symbol sqlite_syms[] = {
#define SQLITE_SYMBOL(f) { #f, (void **)&rkt_sqlite_api.f },
	RKT_SQLITE_FUNCS(SQLITE_SYMBOL)
#undef SQLITE_SYMBOL
};
RKT_DL_LIB(sqlite_lib, "libsqlite3.so.0", sqlite_syms);

int rkt_sqlite_load(struct rkt_error *err)
{
	return rkt_dl_load(&sqlite_lib, err);
}
