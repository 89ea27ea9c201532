/* actool version */
#include "actool.h"

int cmd_version(int argc, char **argv, struct rkt_error *err)
{
	if (argc > 1)
		return actool_usage_error(err, "version: takes no arguments");
	printf("actool version %s\nappc version %s\n", RKT_VERSION, RKT_APPC_VERSION);
	return 0;
}
