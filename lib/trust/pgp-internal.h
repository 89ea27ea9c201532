/* librnp plumbing shared by the keystore files: contexts that never print, and key parsing. */
#pragma once

#include <rnp/rnp.h>
#include <rnp/rnp_err.h>

#include "trust/trust.h"

RKT_DEFINE_CLEANUP(rnp_ffi_t, rnp_ffi_destroy)
RKT_DEFINE_CLEANUP(rnp_input_t, rnp_input_destroy)
RKT_DEFINE_CLEANUP(rnp_output_t, rnp_output_destroy)
RKT_DEFINE_CLEANUP(rnp_key_handle_t, rnp_key_handle_destroy)
RKT_DEFINE_CLEANUP(rnp_op_verify_t, rnp_op_verify_destroy)
RKT_DEFINE_CLEANUP(rnp_signature_handle_t, rnp_signature_handle_destroy)
RKT_DEFINE_CLEANUP(rnp_identifier_iterator_t, rnp_identifier_iterator_destroy)

static inline void rnp_bufferp(char **p)
{
	if (*p)
		rnp_buffer_destroy(*p);
}
#define _cleanup_rnp_buffer_ _cleanup_(rnp_bufferp)

/* Debian's librnp 0.16 is built without NDEBUG, so its internal RNP_LOG lines ("[signature_validate()
 * ...] wrong lbits") go to stderr whatever rnp_ffi_set_log_fd says and whatever RNP_LOG_CONSOLE is.
 * While a guard is held, fd 2 points to /dev/null; the cleanup restores it. Single-threaded
 * callers only (rkt is). */
struct stderr_guard {
	int saved; /* the original fd 2, or -EBADF if nothing was redirected */
};
struct stderr_guard stderr_silence(void);
void stderr_restore(struct stderr_guard *g);
#define _cleanup_stderr_ _cleanup_(stderr_restore)

/* A fresh librnp context whose diagnostics go to /dev/null instead of stderr. */
int pgp_ffi_new(rnp_ffi_t *ret, struct rkt_error *err);

/* Copies a librnp hex string into OUT (RKT_TRUST_FPR_SIZE bytes), lower-cased. */
void pgp_hex_lower(const char *hex, char out[RKT_TRUST_FPR_SIZE]);

/* True if S is a fingerprint as the keystore names files: 40 or 64 lower-case hex digits. */
bool pgp_is_fingerprint(const char *s);
