#include "util/error.h"

#include "util/escape.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>

/* A failure must never be reported as success, even if a caller passes 0. */
#define EINVAL_FALLBACK EINVAL

static __attribute__((format(printf, 4, 0))) int error_setv(struct rkt_error *err, int code,
                                                            bool input, const char *fmt, va_list ap)
{
	if (code < 0)
		code = -code;
	if (code == 0)
		code = EINVAL_FALLBACK;
	if (!err)
		return -code;
	err->code = code;
	err->input = input;
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return -code;
}

int rkt_error_set(struct rkt_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = error_setv(err, code, false, fmt, ap);
	va_end(ap);
	return code;
}

int rkt_error_input(struct rkt_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = error_setv(err, code, true, fmt, ap);
	va_end(ap);
	return code;
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

void rkt_error_append(struct rkt_error *err, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!err || err->code == 0)
		return;
	n = strnlen(err->msg, sizeof(err->msg) - 1);
	va_start(ap, fmt);
	(void)vsnprintf(err->msg + n, sizeof(err->msg) - n, fmt, ap);
	va_end(ap);
}

void rkt_error_clear(struct rkt_error *err)
{
	if (!err)
		return;
	err->code = 0;
	err->input = false;
	err->msg[0] = '\0';
}

/* Codes the library chooses for bad input (docs/CODING_STYLE.md, rule 6): the message is the
 * reason, and strerror() would only mislead ("...: Invalid argument"). */
static bool is_input_code(int code)
{
	switch (code) {
	case EINVAL:
	case EBADMSG:
	case EEXIST:
	case ENOTUNIQ:
	case ENOKEY:
	case EPROTONOSUPPORT:
	case ELOOP:
	case EKEYEXPIRED:
	case EKEYREVOKED:
	case EKEYREJECTED:
		return true;
	default:
		return false;
	}
}

char *rkt_error_format(const struct rkt_error *err, char *buf, size_t size)
{
	const char *msg = err->msg[0] ? err->msg : "unknown error";
	char line[sizeof(err->msg)];
	size_t n;

	if (size == 0)
		return buf;
	(void)snprintf(line, sizeof(line), "%s", msg);
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	/* Messages quote input (names, labels, paths): no control sequence reaches the terminal. */
	(void)rkt_escape_ctl_buf(buf, size, line);
	if (err->code == 0 || err->input || is_input_code(err->code))
		return buf;
	const char *why = strerror(err->code);
	size_t m = strlen(why);

	n = strlen(msg);
	if (n >= m && strcmp(msg + n - m, why) == 0)
		return buf;
	n = strlen(buf);
	(void)snprintf(buf + n, size - n, ": %s", why);
	return buf;
}
