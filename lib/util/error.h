/* Error reporting for librkt.
 *
 * Library functions return 0 (or a documented non-negative value) on success and -errno on
 * failure. They describe the failure in a caller-owned struct rkt_error: a positive errno value
 * and a message that names the input, outermost context first. Only the CLI prints it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct rkt_error {
	int code;       /* positive errno value; 0 while nothing is recorded */
	bool input;     /* set by rkt_error_input(): the message is the whole reason */
	char msg[1024]; /* context, outermost first; strerror() is added on print if useful */
};

/* Records CODE (> 0, or a negative errno, which is negated) and a message; returns -CODE.
 * ERR may be NULL. The message is truncated if it does not fit. */
int rkt_error_set(struct rkt_error *err, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* As rkt_error_set(), for a problem of the input that CODE alone would describe as a failed system
 * call (ENOENT for "no pod matches 'x'"): rkt_error_format() adds no strerror() to it. */
int rkt_error_input(struct rkt_error *err, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Prepends "context: " to what a callee recorded; returns R unchanged (R < 0).
 * If nothing was recorded yet, records -R with the context alone. ERR may be NULL. */
int rkt_error_wrap(struct rkt_error *err, int r, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Appends FMT to the recorded message (a hint after the cause); does nothing if nothing is
 * recorded or ERR is NULL. */
void rkt_error_append(struct rkt_error *err, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* Warnings: things that are accepted but worth telling the user. The library never prints;
 * it hands each warning, one line without a newline, to a caller's callback. */
typedef void (*rkt_warn_fn)(void *userdata, const char *msg);

/* Forgets a recorded error (used when a caller tries alternatives). */
void rkt_error_clear(struct rkt_error *err);

/* The one line a program prints for ERR (after its "rkt: " or "actool: " prefix): the message,
 * newlines turned into spaces, other control characters escaped (rkt_escape_ctl_buf()), and ": strerror(code)" when the code is a failed system call's.
 * No strerror() is added for rkt_error_input() errors, for the codes the library uses for bad
 * input (EINVAL, EBADMSG, EEXIST, ENOTUNIQ, ENOKEY, EPROTONOSUPPORT, ELOOP and the EKEY* codes:
 * the message says what is wrong), or when the message already ends with it. Writes at most SIZE
 * bytes (NUL included, truncated to fit) to BUF and returns BUF. */
char *rkt_error_format(const struct rkt_error *err, char *buf, size_t size);
