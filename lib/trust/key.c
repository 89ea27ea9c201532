/* Parsing one OpenPGP public key with librnp. */
#include <ctype.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "trust/pgp-internal.h"
#include "util/dl.h"
#include "util/xalloc.h"

struct stderr_guard stderr_silence(void)
{
	struct stderr_guard g = { .saved = -EBADF };
	int null_fd;

	fflush(stderr);
	g.saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (g.saved < 0)
		return (struct stderr_guard){ .saved = -EBADF };
	null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null_fd < 0 || dup2(null_fd, STDERR_FILENO) < 0) {
		if (null_fd >= 0)
			(void)close(null_fd);
		(void)close(g.saved);
		return (struct stderr_guard){ .saved = -EBADF };
	}
	(void)close(null_fd);
	return g;
}

void stderr_restore(struct stderr_guard *g)
{
	int saved_errno = errno;

	if (g->saved < 0)
		return;
	(void)dup2(g->saved, STDERR_FILENO);
	(void)close(g->saved);
	g->saved = -EBADF;
	errno = saved_errno;
}

const struct pgp_rnp_api *RNP;

static struct pgp_rnp_api rnp_api;
static pthread_once_t rnp_once = PTHREAD_ONCE_INIT;
static struct rkt_error rnp_error;
static int rnp_result;

static void rnp_load(void)
{
	static const char *const sonames[] = { "librnp.so.0", NULL };
#define RNP_SYMBOL(name) { "rnp_" #name, (void **)&rnp_api.name },
	static const struct rkt_dl_symbol syms[] = { RNP_FUNCS(RNP_SYMBOL) };
#undef RNP_SYMBOL

	rnp_result = rkt_dl_open(sonames, syms, sizeof(syms) / sizeof(syms[0]), &rnp_error);
	if (rnp_result >= 0)
		RNP = &rnp_api;
}

int pgp_ffi_new(rnp_ffi_t *ret, struct rkt_error *err)
{
	_cleanup_(rnp_ffi_destroyp) rnp_ffi_t ffi = NULL;
	int fd;

	(void)pthread_once(&rnp_once, rnp_load);
	if (rnp_result < 0)
		return rkt_error_set(err, -rnp_result, "OpenPGP: %s", rnp_error.msg);
	if (RNP->ffi_create(&ffi, "GPG", "GPG") != RNP_SUCCESS)
		return rkt_error_set(err, ENOMEM, "create OpenPGP context");
	/* librnp prints internal diagnostics to stderr otherwise; it owns the fd from here. */
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return rkt_error_set(err, errno, "open '/dev/null'");
	if (RNP->ffi_set_log_fd(ffi, fd) != RNP_SUCCESS) {
		(void)close(fd);
		return rkt_error_set(err, EIO, "redirect OpenPGP diagnostics");
	}
	*ret = TAKE_PTR(ffi);
	return 0;
}

void pgp_hex_lower(const char *hex, char out[RKT_TRUST_FPR_SIZE])
{
	size_t i;

	for (i = 0; hex[i] && i < RKT_TRUST_FPR_SIZE - 1; i++)
		out[i] = (char)tolower((unsigned char)hex[i]);
	out[i] = '\0';
}

bool pgp_is_fingerprint(const char *s)
{
	size_t n = strlen(s);

	if (n != 40 && n != 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return false;
	return true;
}

struct rkt_trust_key *rkt_trust_key_free(struct rkt_trust_key *key)
{
	if (!key)
		return NULL;
	for (size_t i = 0; i < key->n_uids; i++)
		free(key->uids[i]);
	free(key->uids);
	free(key->armored);
	free(key);
	return NULL;
}

/* The single primary key of FFI, or -EBADMSG if there are none or several. */
static int only_primary(rnp_ffi_t ffi, const char *what, rnp_key_handle_t *ret,
                        struct rkt_error *err)
{
	_cleanup_(rnp_identifier_iterator_destroyp) rnp_identifier_iterator_t it = NULL;
	_cleanup_(rnp_key_handle_destroyp) rnp_key_handle_t found = NULL;
	size_t n_primary = 0;
	const char *fpr;

	if (RNP->identifier_iterator_create(ffi, &it, "fingerprint") != RNP_SUCCESS)
		return rkt_error_set(err, ENOMEM, "%s: list keys", what);
	while (RNP->identifier_iterator_next(it, &fpr) == RNP_SUCCESS && fpr) {
		_cleanup_(rnp_key_handle_destroyp) rnp_key_handle_t key = NULL;
		bool primary = false;

		if (RNP->locate_key(ffi, "fingerprint", fpr, &key) != RNP_SUCCESS || !key)
			continue;
		if (RNP->key_is_primary(key, &primary) != RNP_SUCCESS || !primary)
			continue;
		n_primary++;
		if (!found)
			found = TAKE_PTR(key);
	}
	if (n_primary == 0)
		return rkt_error_set(err, EBADMSG, "%s: no OpenPGP primary key found", what);
	if (n_primary > 1)
		return rkt_error_set(
		        err, EBADMSG,
		        "%s: holds %zu primary keys; a trusted key file holds exactly one", what,
		        n_primary);
	*ret = TAKE_PTR(found);
	return 0;
}

static int key_check_usable(rnp_key_handle_t key, const char *what, const char *fpr,
                            struct rkt_error *err)
{
	bool valid = false, flag = false;

	if (RNP->key_is_valid(key, &valid) == RNP_SUCCESS && valid)
		return 0;
	if (RNP->key_is_revoked(key, &flag) == RNP_SUCCESS && flag)
		return rkt_error_set(err, EKEYREVOKED, "%s: key %s is revoked", what, fpr);
	if (RNP->key_is_expired(key, &flag) == RNP_SUCCESS && flag)
		return rkt_error_set(err, EKEYEXPIRED, "%s: key %s has expired", what, fpr);
	return rkt_error_set(err, EBADMSG, "%s: key %s has no valid self-signature", what, fpr);
}

static int key_export_public(rnp_key_handle_t key, const char *what, struct rkt_trust_key *out,
                             struct rkt_error *err)
{
	_cleanup_(rnp_output_destroyp) rnp_output_t output = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;

	if (RNP->output_to_memory(&output, 0) != RNP_SUCCESS)
		return rkt_error_set(err, ENOMEM, "%s: export key", what);
	if (RNP->key_export(key, output,
	                    RNP_KEY_EXPORT_ARMORED | RNP_KEY_EXPORT_PUBLIC |
	                            RNP_KEY_EXPORT_SUBKEYS) != RNP_SUCCESS ||
	    RNP->output_finish(output) != RNP_SUCCESS ||
	    RNP->output_memory_get_buf(output, &buf, &len, false) != RNP_SUCCESS)
		return rkt_error_set(err, EBADMSG, "%s: cannot export the public key", what);
	out->armored = xmalloc(len + 1);
	memcpy(out->armored, buf, len);
	out->armored[len] = '\0';
	out->armored_len = len;
	return 0;
}

int rkt_trust_key_parse(const void *data, size_t len, const char *what, struct rkt_trust_key **ret,
                        struct rkt_error *err)
{
	_cleanup_(rnp_ffi_destroyp) rnp_ffi_t ffi = NULL;
	_cleanup_(rnp_input_destroyp) rnp_input_t input = NULL;
	_cleanup_(rnp_key_handle_destroyp) rnp_key_handle_t primary = NULL;
	_cleanup_(rkt_trust_key_freep) struct rkt_trust_key *key = NULL;
	_cleanup_rnp_buffer_ char *fpr = NULL;
	_cleanup_stderr_ struct stderr_guard quiet __attribute__((unused)) = stderr_silence();
	size_t n_uids = 0;
	int r;

	r = pgp_ffi_new(&ffi, err);
	if (r < 0)
		return r;
	if (len == 0)
		return rkt_error_set(err, EBADMSG, "%s: empty key file", what);
	if (RNP->input_from_memory(&input, data, len, false) != RNP_SUCCESS)
		return rkt_error_set(err, ENOMEM, "%s: read key", what);
	/* Secret keys are accepted but only their public parts are kept (key_export_public). */
	if (RNP->import_keys(ffi, input, RNP_LOAD_SAVE_PUBLIC_KEYS | RNP_LOAD_SAVE_SECRET_KEYS,
	                     NULL) != RNP_SUCCESS)
		return rkt_error_set(err, EBADMSG, "%s: not an OpenPGP key", what);
	r = only_primary(ffi, what, &primary, err);
	if (r < 0)
		return r;

	key = xzalloc(sizeof(*key));
	if (RNP->key_get_fprint(primary, &fpr) != RNP_SUCCESS)
		return rkt_error_set(err, EBADMSG, "%s: no fingerprint", what);
	pgp_hex_lower(fpr, key->fingerprint);
	r = key_check_usable(primary, what, key->fingerprint, err);
	if (r < 0)
		return r;

	if (RNP->key_get_uid_count(primary, &n_uids) != RNP_SUCCESS)
		n_uids = 0;
	key->uids = xmalloc_array(n_uids + 1, sizeof(char *));
	for (size_t i = 0; i < n_uids; i++) {
		_cleanup_rnp_buffer_ char *uid = NULL;

		if (RNP->key_get_uid_at(primary, i, &uid) != RNP_SUCCESS)
			continue;
		key->uids[key->n_uids++] = xstrdup(uid);
	}
	key->uids[key->n_uids] = NULL;

	r = key_export_public(primary, what, key, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(key);
	return 0;
}
