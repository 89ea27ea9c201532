#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>

/* A failure must never be reported as success, even if a caller passes 0. */
#define EINVAL_FALLBACK EINVAL

int rkt_error_set(struct rkt_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (code < 0)
		code = -code;
	if (code == 0)
		code = EINVAL_FALLBACK;
	if (!err)
		return -code;
	err->code = code;
	va_start(ap, fmt);
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -code;
}

int rkt_error_wrap(struct rkt_error *err, int r, const char *fmt, ...)
{
	char prefix[sizeof(err->msg)];
	char inner[sizeof(err->msg)];
	va_list ap;

	if (!err)
		return r;
	va_start(ap, fmt);
	(void)vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	if (err->code == 0) {
		err->code = r < 0 ? -r : EINVAL_FALLBACK;
		(void)snprintf(err->msg, sizeof(err->msg), "%s", prefix);
		return r;
	}
	memcpy(inner, err->msg, sizeof(inner));
	/* Truncation is acceptable: the outermost context comes first. */
	size_t n = strnlen(prefix, sizeof(prefix) - 1);
	memcpy(err->msg, prefix, n);
	if (n + 2 < sizeof(err->msg)) {
		memcpy(err->msg + n, ": ", 2);
		n += 2;
	}
	size_t m = strnlen(inner, sizeof(inner) - 1);
	if (m > sizeof(err->msg) - 1 - n)
		m = sizeof(err->msg) - 1 - n;
	memcpy(err->msg + n, inner, m);
	err->msg[n + m] = '\0';
	return r;
}

void rkt_error_clear(struct rkt_error *err)
{
	if (!err)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}
