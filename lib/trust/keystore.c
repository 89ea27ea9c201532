/* The prefix-scoped keystore (rkt/rkt Documentation/configuration.md) and signature verification
 * (rkt/rkt Documentation/signing-and-verification-guide.md). */
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "trust/pgp-internal.h"
#include "util/fs.h"
#include "util/io.h"
#include "util/xalloc.h"

/* Key files and signatures are small; anything bigger is not what we expect. */
#define KEY_FILE_MAX (1024 * 1024)
#define SIG_FILE_MAX (1024 * 1024)

struct rkt_keystore {
	char *dirs[_RKT_TRUST_SCOPE_MAX]; /* configuration directories, system then local */
	rkt_warn_fn warn;                 /* told about skipped (expired, revoked) keys */
	void *warn_userdata;
};

struct rkt_keystore *rkt_keystore_new(const char *system_dir, const char *local_dir)
{
	struct rkt_keystore *ks = xzalloc(sizeof(*ks));

	ks->dirs[RKT_TRUST_SCOPE_SYSTEM] = xstrdup(system_dir ?: RKT_TRUST_SYSTEM_CONFIG_DIR);
	ks->dirs[RKT_TRUST_SCOPE_LOCAL] = xstrdup(local_dir ?: RKT_TRUST_LOCAL_CONFIG_DIR);
	return ks;
}

void rkt_keystore_set_warn(struct rkt_keystore *ks, rkt_warn_fn warn, void *userdata)
{
	ks->warn = warn;
	ks->warn_userdata = userdata;
}

struct rkt_keystore *rkt_keystore_free(struct rkt_keystore *ks)
{
	if (!ks)
		return NULL;
	for (size_t i = 0; i < _RKT_TRUST_SCOPE_MAX; i++)
		free(ks->dirs[i]);
	free(ks);
	return NULL;
}

/* TYPE-1: ^[a-z0-9]+([-._~/][a-z0-9]+)*$ (the appc AC identifier). The grammar rules out "..",
 * "." and empty path components, which is what makes a prefix safe to use as a relative path. */
static bool is_ac_identifier(const char *s)
{
	bool after_sep = true;

	if (!*s)
		return false;
	for (; *s; s++) {
		bool alnum = (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9');

		if (alnum) {
			after_sep = false;
			continue;
		}
		if (after_sep || !strchr("-._~/", *s))
			return false;
		after_sep = true;
	}
	return !after_sep;
}

bool rkt_trust_prefix_is_valid(const char *prefix)
{
	return prefix && strlen(prefix) < PATH_MAX / 2 && is_ac_identifier(prefix);
}

static int read_small_fd(int fd, size_t max, const char *what, char **ret, size_t *ret_len,
                         struct rkt_error *err)
{
	int r = rkt_read_fd(fd, max, ret, ret_len);

	if (r == -EFBIG)
		return rkt_error_input(err, r, "%s: larger than %zu bytes", what, max);
	if (r < 0)
		return rkt_error_set(err, r, "%s: read", what);
	return 0;
}

/* Opens DIR/trustedkeys/SUB, then each '/'-separated component of REL (may be NULL).
 * Returns the fd, -ENOENT if any part is missing, or another -errno. */
static int open_keydir(const char *dir, const char *sub, const char *rel, struct rkt_error *err)
{
	_cleanup_free_ char *path = xasprintf("%s/trustedkeys/%s", dir, sub);
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *copy = NULL;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT : rkt_error_set(err, errno, "open '%s'", path);
	if (!rel)
		return TAKE_FD(fd);
	copy = xstrdup(rel);
	for (char *comp = copy, *next; comp; comp = next) {
		int sub_fd;

		next = strchr(comp, '/');
		if (next)
			*next++ = '\0';
		sub_fd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sub_fd < 0)
			return errno == ENOENT
			               ? -ENOENT
			               : rkt_error_set(err, errno, "open '%s/%s'", path, rel);
		(void)close(fd);
		fd = sub_fd;
	}
	return TAKE_FD(fd);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of the regular files (IS_DIR false) or directories (true) of DIR_FD, sorted, without
 * hidden ones (temporary files of rkt_keystore_add). */
static char **list_names(int dir_fd, bool is_dir, size_t *ret_n)
{
	_cleanup_closedir_ DIR *d = NULL;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int fd;
	struct dirent *de;

	fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		d = fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			(void)close(fd);
		*ret_n = 0;
		return NULL;
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dir_fd, de->d_name, &st, 0) < 0)
			continue;
		if (is_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
			continue;
		xgrow((void **)&names, &cap, n + 1, sizeof(char *));
		names[n++] = xstrdup(de->d_name);
	}
	if (n)
		qsort(names, n, sizeof(char *), cmp_str);
	*ret_n = n;
	return names;
}

static void strv_free_n(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Reads one keystore file. An empty file is a mask: *ret stays NULL. Otherwise the key must
 * parse and its fingerprint must be the file name. */
static int read_key_file(int dir_fd, const char *name, const char *path, struct rkt_trust_key **ret,
                         struct rkt_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *data = NULL;
	_cleanup_free_ char *what = xasprintf("trusted key '%s'", path);
	_cleanup_(rkt_trust_key_freep) struct rkt_trust_key *key = NULL;
	size_t len = 0;
	int r;

	if (!pgp_is_fingerprint(name))
		return rkt_error_set(err, EBADMSG, "%s: file name is not a key fingerprint", what);
	fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return rkt_error_set(err, errno, "open '%s'", path);
	r = read_small_fd(fd, KEY_FILE_MAX, what, &data, &len, err);
	if (r < 0)
		return r;
	*ret = NULL;
	if (len == 0)
		return 0;
	r = rkt_trust_key_parse(data, len, what, &key, err);
	if (r < 0)
		return r;
	if (strcmp(key->fingerprint, name) != 0)
		return rkt_error_set(err, EBADMSG, "%s: file name does not match fingerprint %s",
		                     what, key->fingerprint);
	*ret = TAKE_PTR(key);
	return 0;
}

/* The set of keys trusted for a name, as it is built: later directories override earlier. */
struct keyset {
	struct rkt_trust_key **keys;
	size_t n, cap;
};

static void keyset_release(struct keyset *set)
{
	for (size_t i = 0; i < set->n; i++)
		rkt_trust_key_free(set->keys[i]);
	free(set->keys);
}

static void keyset_remove(struct keyset *set, const char *fpr)
{
	for (size_t i = 0; i < set->n; i++) {
		if (strcmp(set->keys[i]->fingerprint, fpr) != 0)
			continue;
		rkt_trust_key_free(set->keys[i]);
		set->keys[i] = set->keys[--set->n];
		return;
	}
}

/* Called for each file of a keystore directory with its name and path; *KEY is NULL for a mask
 * and for a skipped key (one that is no longer usable). The callee may take *PATH and *KEY
 * (TAKE_PTR). */
typedef void (*key_file_fn)(void *userdata, const char *name, char **path,
                            struct rkt_trust_key **key);

/* Reads every file of DIR/trustedkeys/SUB[/REL] in name order. A missing directory has none.
 * A key that can no longer be used (expired or revoked since it was trusted) is skipped with a
 * warning, so that it does not hide the other keys of its directory; with SKIPPED_AS_MASK, FN
 * sees it as a mask (it removes what an earlier directory trusted with that fingerprint),
 * otherwise not at all. */
static int visit_key_files(const struct rkt_keystore *ks, const char *dir, const char *sub,
                           const char *rel, bool skipped_as_mask, key_file_fn fn, void *userdata,
                           struct rkt_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	char **names;
	size_t n;
	int r = 0;

	fd = open_keydir(dir, sub, rel, err);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	names = list_names(fd, false, &n);
	for (size_t i = 0; i < n && r >= 0; i++) {
		_cleanup_free_ char *path = xasprintf("%s/trustedkeys/%s%s%s/%s", dir, sub,
		                                      rel ? "/" : "", rel ?: "", names[i]);
		_cleanup_(rkt_trust_key_freep) struct rkt_trust_key *key = NULL;

		struct rkt_error kerr = { 0 };

		r = read_key_file(fd, names[i], path, &key, &kerr);
		if (r == -EKEYEXPIRED || r == -EKEYREVOKED) {
			if (ks->warn) {
				char msg[sizeof(kerr.msg) + 32];

				snprintf(msg, sizeof(msg), "%s; skipped", kerr.msg);
				ks->warn(ks->warn_userdata, msg);
			}
			r = 0;
		} else if (r < 0 && err) {
			*err = kerr;
		}
		if (r >= 0 && (!kerr.code || skipped_as_mask))
			fn(userdata, names[i], &path, &key);
	}
	strv_free_n(names, n);
	return r;
}

/* A key replaces, and a mask removes, what earlier directories trusted with that fingerprint. */
static void keyset_take(void *userdata, const char *name, char **path, struct rkt_trust_key **key)
{
	struct keyset *set = userdata;

	keyset_remove(set, name);
	if (!*key)
		return;
	xgrow((void **)&set->keys, &set->cap, set->n + 1, sizeof(*set->keys));
	set->keys[set->n++] = TAKE_PTR(*key);
}

/* root.d of both scopes, then prefix.d/<p> for every leading run of NAME's components, shallow
 * first, system before local (upstream's order, keystore.go loadKeyring). */
static int keyset_load(struct keyset *set, const struct rkt_keystore *ks, const char *name,
                       struct rkt_error *err)
{
	_cleanup_free_ char *prefix = xstrdup(name);
	int r;

	for (int s = 0; s < _RKT_TRUST_SCOPE_MAX; s++) {
		r = visit_key_files(ks, ks->dirs[s], "root.d", NULL, true, keyset_take, set, err);
		if (r < 0)
			return r;
	}
	for (int s = 0; s < _RKT_TRUST_SCOPE_MAX; s++) {
		/* Cut PREFIX at each '/' in turn: "a.com", "a.com/b", "a.com/b/c". */
		for (char *p = prefix;; p++) {
			if (*p != '/' && *p != '\0')
				continue;
			char saved = *p;

			*p = '\0';
			r = visit_key_files(ks, ks->dirs[s], "prefix.d", prefix, true, keyset_take,
			                    set, err);
			*p = saved;
			if (r < 0)
				return r;
			if (saved == '\0')
				break;
		}
	}
	return 0;
}

int rkt_keystore_add(struct rkt_keystore *ks, const char *prefix, const struct rkt_trust_key *key,
                     char **ret_path, struct rkt_error *err)
{
	const char *local = ks->dirs[RKT_TRUST_SCOPE_LOCAL];
	_cleanup_free_ char *dir = NULL, *path = NULL, *tmp = NULL;
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (prefix && !rkt_trust_prefix_is_valid(prefix))
		return rkt_error_set(err, EINVAL,
		                     "prefix '%s' is not a valid image name prefix (AC identifier)",
		                     prefix);
	if (!pgp_is_fingerprint(key->fingerprint))
		return rkt_error_set(err, EINVAL, "'%s' is not a key fingerprint",
		                     key->fingerprint);
	dir = prefix ? xasprintf("%s/trustedkeys/prefix.d/%s", local, prefix)
	             : xasprintf("%s/trustedkeys/root.d", local);
	r = rkt_mkdir_p_at(AT_FDCWD, dir, 0755, err);
	if (r < 0)
		return r;
	path = xasprintf("%s/%s", dir, key->fingerprint);
	tmp = xasprintf("%s/.%s.XXXXXX", dir, key->fingerprint);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return rkt_error_set(err, errno, "create '%s'", tmp);
	r = rkt_write_all(fd, key->armored, key->armored_len);
	if (r >= 0 && fchmod(fd, 0644) < 0)
		r = -errno;
	if (r >= 0 && fsync(fd) < 0)
		r = -errno;
	if (r >= 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlink(tmp);
		return rkt_error_set(err, r, "write '%s'", path);
	}
	if (ret_path)
		*ret_path = TAKE_PTR(path);
	return 0;
}

void rkt_trust_entries_free(struct rkt_trust_entry *entries, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(entries[i].prefix);
		strv_free_n(entries[i].uids, entries[i].n_uids);
		free(entries[i].path);
	}
	free(entries);
}

struct entry_list {
	struct rkt_trust_entry *v;
	size_t n, cap;
};

struct list_ctx {
	struct entry_list *l;
	enum rkt_trust_scope scope;
	const char *rel;
};

static void list_take(void *userdata, const char *name, char **path, struct rkt_trust_key **key)
{
	struct list_ctx *c = userdata;
	struct entry_list *l = c->l;
	struct rkt_trust_entry *e;

	xgrow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v));
	e = &l->v[l->n++];
	*e = (struct rkt_trust_entry){ .scope = c->scope, .is_mask = !*key };
	e->prefix = c->rel ? xstrdup(c->rel) : NULL;
	e->path = TAKE_PTR(*path);
	snprintf(e->fingerprint, sizeof(e->fingerprint), "%s", name);
	if (*key) {
		e->uids = TAKE_PTR((*key)->uids);
		e->n_uids = (*key)->n_uids;
		(*key)->n_uids = 0;
	}
}

static int list_dir(const struct rkt_keystore *ks, struct entry_list *l, enum rkt_trust_scope scope,
                    const char *dir, const char *sub, const char *rel, struct rkt_error *err)
{
	struct list_ctx c = { .l = l, .scope = scope, .rel = rel };
	_cleanup_close_ int fd = -EBADF;
	char **names;
	size_t n;
	int r;

	r = visit_key_files(ks, dir, sub, rel, false, list_take, &c, err);
	if (r < 0 || !rel)
		return r;
	/* Deeper prefixes: prefix.d/<rel>/<child>. */
	fd = open_keydir(dir, sub, rel, err);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	names = list_names(fd, true, &n);
	for (size_t i = 0; i < n && r >= 0; i++) {
		_cleanup_free_ char *child = xasprintf("%s/%s", rel, names[i]);

		r = list_dir(ks, l, scope, dir, sub, child, err);
	}
	strv_free_n(names, n);
	return r;
}

int rkt_keystore_list(struct rkt_keystore *ks, struct rkt_trust_entry **ret, size_t *ret_n,
                      struct rkt_error *err)
{
	struct entry_list l = { 0 };
	int r = 0;

	for (int s = 0; s < _RKT_TRUST_SCOPE_MAX && r >= 0; s++) {
		_cleanup_close_ int fd = -EBADF;
		char **tops;
		size_t n;

		r = list_dir(ks, &l, s, ks->dirs[s], "root.d", NULL, err);
		if (r < 0)
			break;
		fd = open_keydir(ks->dirs[s], "prefix.d", NULL, err);
		if (fd == -ENOENT) {
			r = 0;
			continue;
		}
		if (fd < 0) {
			r = fd;
			break;
		}
		tops = list_names(fd, true, &n);
		for (size_t i = 0; i < n && r >= 0; i++)
			r = list_dir(ks, &l, s, ks->dirs[s], "prefix.d", tops[i], err);
		strv_free_n(tops, n);
	}
	if (r < 0) {
		rkt_trust_entries_free(l.v, l.n);
		return r;
	}
	*ret = l.v;
	*ret_n = l.n;
	return 0;
}

struct read_ctx {
	rkt_trust_read_fn read;
	void *userdata;
	int error; /* negative errno from READ, kept to report it instead of librnp's verdict */
};

static bool read_cb(void *app_ctx, void *buf, size_t len, size_t *ret_read)
{
	struct read_ctx *ctx = app_ctx;
	ssize_t n = ctx->read(ctx->userdata, buf, len);

	if (n < 0) {
		ctx->error = (int)n;
		return false;
	}
	*ret_read = (size_t)n;
	return true;
}

static int load_into_ffi(rnp_ffi_t ffi, const struct keyset *set, struct rkt_error *err)
{
	for (size_t i = 0; i < set->n; i++) {
		_cleanup_(rnp_input_destroyp) rnp_input_t in = NULL;

		if (RNP->input_from_memory(&in, (const uint8_t *)set->keys[i]->armored,
		                           set->keys[i]->armored_len, false) != RNP_SUCCESS ||
		    RNP->import_keys(ffi, in, RNP_LOAD_SAVE_PUBLIC_KEYS, NULL) != RNP_SUCCESS)
			return rkt_error_set(err, EBADMSG, "load trusted key %s",
			                     set->keys[i]->fingerprint);
	}
	return 0;
}

/* Fills RET from the key that made a good signature (a subkey, often): the primary key's
 * fingerprint and user ID. Refuses a primary key that is no longer valid. */
static int signer_describe(rnp_ffi_t ffi, rnp_key_handle_t key, const char *what,
                           struct rkt_trust_signer *ret, struct rkt_error *err)
{
	_cleanup_rnp_buffer_ char *fpr = NULL, *uid = NULL;
	_cleanup_(rnp_key_handle_destroyp) rnp_key_handle_t primary = NULL;
	bool is_primary = false, flag = false, valid = false;

	if (RNP->key_is_primary(key, &is_primary) != RNP_SUCCESS)
		return rkt_error_set(err, EBADMSG, "signature for '%s': unknown signer", what);
	if ((is_primary ? RNP->key_get_fprint(key, &fpr)
	                : RNP->key_get_primary_fprint(key, &fpr)) != RNP_SUCCESS ||
	    !fpr)
		return rkt_error_set(err, EBADMSG, "signature for '%s': signer has no fingerprint",
		                     what);
	if (RNP->locate_key(ffi, "fingerprint", fpr, &primary) != RNP_SUCCESS || !primary)
		return rkt_error_set(err, EBADMSG,
		                     "signature for '%s': signer's primary key %s not found", what,
		                     fpr);
	pgp_hex_lower(fpr, ret->fingerprint);
	if (RNP->key_is_valid(primary, &valid) != RNP_SUCCESS || !valid) {
		if (RNP->key_is_revoked(primary, &flag) == RNP_SUCCESS && flag)
			return rkt_error_set(err, EKEYREVOKED,
			                     "signature for '%s': signer's key %s is revoked", what,
			                     ret->fingerprint);
		return rkt_error_set(err, EKEYEXPIRED,
		                     "signature for '%s': signer's key %s is no longer valid", what,
		                     ret->fingerprint);
	}
	ret->uid[0] = '\0';
	if (RNP->key_get_primary_uid(primary, &uid) == RNP_SUCCESS && uid)
		snprintf(ret->uid, sizeof(ret->uid), "%s", uid);
	return 0;
}

/* The issuer key ID of an unverifiable signature, for the message; "unknown" if absent. */
static void sig_keyid(rnp_op_verify_signature_t sig, char out[RKT_TRUST_FPR_SIZE])
{
	_cleanup_(rnp_signature_handle_destroyp) rnp_signature_handle_t h = NULL;
	_cleanup_rnp_buffer_ char *id = NULL;

	snprintf(out, RKT_TRUST_FPR_SIZE, "unknown");
	if (RNP->op_verify_signature_get_handle(sig, &h) != RNP_SUCCESS || !h)
		return;
	if (RNP->signature_get_key_fprint(h, &id) == RNP_SUCCESS && id)
		pgp_hex_lower(id, out);
	else if (RNP->signature_get_keyid(h, &id) == RNP_SUCCESS && id)
		pgp_hex_lower(id, out);
}

int rkt_keystore_verify(struct rkt_keystore *ks, const char *name, rkt_trust_read_fn read,
                        void *userdata, const char *what, const void *sig, size_t sig_len,
                        struct rkt_trust_signer *ret, struct rkt_error *err)
{
	_cleanup_(rnp_ffi_destroyp) rnp_ffi_t ffi = NULL;
	_cleanup_(rnp_input_destroyp) rnp_input_t data_in = NULL, sig_in = NULL;
	_cleanup_(rnp_op_verify_destroyp) rnp_op_verify_t op = NULL;
	struct read_ctx ctx = { .read = read, .userdata = userdata };
	struct keyset set = { 0 };
	char keyid[RKT_TRUST_FPR_SIZE] = "";
	_cleanup_stderr_ struct stderr_guard quiet = { .saved = -EBADF };
	size_t n_sigs = 0;
	int r, verdict = 0;

	if (!is_ac_identifier(name))
		return rkt_error_set(err, EINVAL, "image name '%s' is not an AC identifier", name);
	r = keyset_load(&set, ks, name, err);
	if (r >= 0 && set.n == 0)
		r = rkt_error_set(err, ENOKEY,
		                  "no keys are trusted for '%s' (looked in '%s/trustedkeys' and "
		                  "'%s/trustedkeys')",
		                  name, ks->dirs[RKT_TRUST_SCOPE_SYSTEM],
		                  ks->dirs[RKT_TRUST_SCOPE_LOCAL]);
	if (r >= 0)
		r = pgp_ffi_new(&ffi, err);
	if (r >= 0)
		r = load_into_ffi(ffi, &set, err);
	keyset_release(&set);
	if (r < 0)
		return r;

	if (RNP->input_from_callback(&data_in, read_cb, NULL, &ctx) != RNP_SUCCESS ||
	    RNP->input_from_memory(&sig_in, sig, sig_len, false) != RNP_SUCCESS ||
	    RNP->op_verify_detached_create(&op, ffi, data_in, sig_in) != RNP_SUCCESS)
		return rkt_error_set(err, ENOMEM, "verify '%s'", what);
	quiet = stderr_silence();
	/* The verdict is per signature below; execute() fails when none is good. */
	(void)RNP->op_verify_execute(op);
	if (ctx.error < 0)
		return rkt_error_set(err, ctx.error, "verify '%s': read data", what);
	if (RNP->op_verify_get_signature_count(op, &n_sigs) != RNP_SUCCESS || n_sigs == 0)
		return rkt_error_set(err, EBADMSG, "signature for '%s': no OpenPGP signature found",
		                     what);

	/* Any one good signature by a trusted key is enough; otherwise report the most telling
	 * failure: a trusted key whose signature does not match beats an unknown signer. */
	for (size_t i = 0; i < n_sigs; i++) {
		rnp_op_verify_signature_t s = NULL;
		_cleanup_(rnp_key_handle_destroyp) rnp_key_handle_t key = NULL;
		rnp_result_t status;

		if (RNP->op_verify_get_signature_at(op, i, &s) != RNP_SUCCESS)
			continue;
		status = RNP->op_verify_signature_get_status(s);
		if (status == RNP_SUCCESS) {
			struct rkt_trust_signer signer = { 0 };

			if (RNP->op_verify_signature_get_key(s, &key) != RNP_SUCCESS || !key)
				continue;
			r = signer_describe(ffi, key, what, &signer, err);
			if (r < 0)
				return r;
			*ret = signer;
			return 0;
		}
		if (status == RNP_ERROR_SIGNATURE_INVALID)
			verdict = -EBADMSG;
		else if (status == RNP_ERROR_SIGNATURE_EXPIRED && verdict != -EBADMSG)
			verdict = -EKEYEXPIRED;
		else if (status == RNP_ERROR_KEY_NOT_FOUND && verdict == 0) {
			verdict = -EKEYREJECTED;
			sig_keyid(s, keyid);
		} else if (verdict == 0)
			verdict = -EBADMSG;
	}
	switch (verdict) {
	case -EKEYREJECTED:
		return rkt_error_set(err, EKEYREJECTED,
		                     "signature for '%s' was made by key %s, which is not trusted "
		                     "for '%s'",
		                     what, keyid, name);
	case -EKEYEXPIRED:
		return rkt_error_set(err, EKEYEXPIRED, "signature for '%s' has expired", what);
	default:
		return rkt_error_set(
		        err, EBADMSG,
		        "bad signature for '%s': the data does not match the signature "
		        "(modified or corrupt)",
		        what);
	}
}

static ssize_t read_fd(void *userdata, void *buf, size_t len)
{
	int fd = *(int *)userdata;

	for (;;) {
		ssize_t n = read(fd, buf, len);

		if (n >= 0)
			return n;
		if (errno != EINTR)
			return -errno;
	}
}

int rkt_keystore_verify_fd(struct rkt_keystore *ks, const char *name, int data_fd, const char *what,
                           int sig_fd, struct rkt_trust_signer *ret, struct rkt_error *err)
{
	_cleanup_free_ char *sig = NULL;
	_cleanup_free_ char *sig_what = xasprintf("signature for '%s'", what);
	size_t sig_len = 0;
	int r;

	r = read_small_fd(sig_fd, SIG_FILE_MAX, sig_what, &sig, &sig_len, err);
	if (r < 0)
		return r;
	if (sig_len == 0)
		return rkt_error_set(err, EBADMSG, "%s: empty", sig_what);
	return rkt_keystore_verify(ks, name, read_fd, &data_fd, what, sig, sig_len, ret, err);
}

int rkt_keystore_prefix_has_keys(struct rkt_keystore *ks, const char *name, struct rkt_error *err)
{
	struct rkt_trust_entry *e = NULL;
	size_t n = 0;
	int r = rkt_keystore_list(ks, &e, &n, err), found = 0;

	if (r < 0)
		return r;
	for (size_t i = 0; i < n && !found; i++) {
		size_t len = e[i].prefix ? strlen(e[i].prefix) : 0;

		found = e[i].prefix && !e[i].is_mask && strncmp(name, e[i].prefix, len) == 0 &&
		        (name[len] == '\0' || name[len] == '/');
	}
	rkt_trust_entries_free(e, n);
	return found;
}
