/* Parsers for small values from command lines and configuration. */
#pragma once

#include <stdbool.h>

/* A boolean as Go's strconv.ParseBool (what upstream rkt's and actool's flags accept): 1 t T
 * TRUE true True, 0 f F FALSE false False. Returns 0, or -EINVAL leaving *ret untouched. */
int rkt_parse_bool(const char *s, bool *ret);
