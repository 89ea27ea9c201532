/* librnp plumbing shared by the keystore files: contexts that never print, and key parsing. */
#pragma once

#include <rnp/rnp.h>
#include <rnp/rnp_err.h>

#include "trust/trust.h"

/* librnp is loaded when the first OpenPGP context is created (pgp_ffi_new, util/dl.h); these are
 * the functions we call, as RNP->name(...). */
#define RNP_FUNCS(X)                      \
	X(buffer_destroy)                 \
	X(ffi_create)                     \
	X(ffi_destroy)                    \
	X(ffi_set_log_fd)                 \
	X(identifier_iterator_create)     \
	X(identifier_iterator_destroy)    \
	X(identifier_iterator_next)       \
	X(import_keys)                    \
	X(input_destroy)                  \
	X(input_from_callback)            \
	X(input_from_memory)              \
	X(key_export)                     \
	X(key_get_fprint)                 \
	X(key_get_primary_fprint)         \
	X(key_get_primary_uid)            \
	X(key_get_uid_at)                 \
	X(key_get_uid_count)              \
	X(key_handle_destroy)             \
	X(key_is_expired)                 \
	X(key_is_primary)                 \
	X(key_is_revoked)                 \
	X(key_is_valid)                   \
	X(locate_key)                     \
	X(op_verify_destroy)              \
	X(op_verify_detached_create)      \
	X(op_verify_execute)              \
	X(op_verify_get_signature_at)     \
	X(op_verify_get_signature_count)  \
	X(op_verify_signature_get_handle) \
	X(op_verify_signature_get_key)    \
	X(op_verify_signature_get_status) \
	X(output_destroy)                 \
	X(output_finish)                  \
	X(output_memory_get_buf)          \
	X(output_to_memory)               \
	X(signature_get_key_fprint)       \
	X(signature_get_keyid)            \
	X(signature_handle_destroy)

struct pgp_rnp_api {
#define RNP_FIELD(name) __typeof__(rnp_##name) *name;
	RNP_FUNCS(RNP_FIELD)
#undef RNP_FIELD
};

/* NULL until pgp_ffi_new has loaded librnp; nothing else calls into librnp before that. */
extern const struct pgp_rnp_api *RNP;

#define PGP_DEFINE_CLEANUP(type, name)                                    \
	static inline __attribute__((unused)) void rnp_##name##p(type *p) \
	{                                                                 \
		if (*p)                                                   \
			(void)RNP->name(*p);                              \
	}
PGP_DEFINE_CLEANUP(rnp_ffi_t, ffi_destroy)
PGP_DEFINE_CLEANUP(rnp_input_t, input_destroy)
PGP_DEFINE_CLEANUP(rnp_output_t, output_destroy)
PGP_DEFINE_CLEANUP(rnp_key_handle_t, key_handle_destroy)
PGP_DEFINE_CLEANUP(rnp_op_verify_t, op_verify_destroy)
PGP_DEFINE_CLEANUP(rnp_signature_handle_t, signature_handle_destroy)
PGP_DEFINE_CLEANUP(rnp_identifier_iterator_t, identifier_iterator_destroy)

static inline void rnp_bufferp(char **p)
{
	if (*p)
		RNP->buffer_destroy(*p);
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

/* A fresh librnp context whose diagnostics go to /dev/null instead of stderr. Loads librnp on
 * first use: -ELIBACC or -ENOENT if it cannot (util/dl.h). */
int pgp_ffi_new(rnp_ffi_t *ret, struct rkt_error *err);

/* Copies a librnp hex string into OUT (RKT_TRUST_FPR_SIZE bytes), lower-cased. */
void pgp_hex_lower(const char *hex, char out[RKT_TRUST_FPR_SIZE]);

/* True if S is a fingerprint as the keystore names files: 40 or 64 lower-case hex digits. */
bool pgp_is_fingerprint(const char *s);
