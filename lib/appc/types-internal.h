/* Helpers shared by the appc value checkers (types.c, quantity.c, uuid.c, isolator.c): error
 * messages of the form `FIELD: "VALUE" is not ...`. Not part of the public API. */
#pragma once

#include "util/error.h"

/* Records EINVAL with the message `FIELD: "VALUE" <fmt...>`, VALUE escaped and shortened so
 * that control characters and huge inputs cannot garble the message. FIELD may be NULL or ""
 * (no prefix then). Returns -EINVAL. */
int rkt_field_value_error(struct rkt_error *err, const char *field, const char *value,
                          const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Records EINVAL with `FIELD: <fmt...>`. Returns -EINVAL. */
int rkt_field_error(struct rkt_error *err, const char *field, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
