/* Linked only into test programs (rkt-test-env): turns on RKT_TEST_MDS_SOCKET and
 * RKT_TEST_MDS_ADDRESS (server.h), which the installed rkt ignores
 * (docs/metadata-service.md). */
#include "mds/server.h"

bool rkt_mds_test_env(void)
{
	return true;
}
