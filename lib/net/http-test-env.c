/* Linked only into test programs (rkt-test-env, http-get, test-http): turns on the test hooks
 * RKT_TEST_RESOLVE and RKT_TEST_CAFILE of lib/net/http.c, which the installed rkt ignores
 * (docs/trust.md). */
#include "net/http.h"

bool rkt_http_test_env(void)
{
	return true;
}
