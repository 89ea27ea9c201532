/* Unit tests for lib/trust: key parsing, keystore layout, prefix matching, masking and the
 * verdicts of detached signature verification. Fixtures: tests/data/trust (make-fixtures.sh). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "trust/trust.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

struct fixture {
	char root[64];
	char *sys;   /* system config dir */
	char *local; /* local config dir */
	struct rkt_keystore *ks;
};

static char *data_path(const char *name)
{
	const char *base = getenv("RKT_TESTDATA");

	assert_non_null(base);
	return xasprintf("%s/trust/%s", base, name);
}

static char *slurp(const char *path, size_t *ret_len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = xmalloc((size_t)st.st_size + 1);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	buf[st.st_size] = '\0';
	*ret_len = (size_t)st.st_size;
	return buf;
}

static char *fixture_text(const char *name, size_t *ret_len)
{
	_cleanup_free_ char *p = data_path(name);
	size_t len;
	char *s = slurp(p, &len);

	if (ret_len)
		*ret_len = len;
	return s;
}

/* The fingerprint recorded next to a fixture key ("alice" -> alice.fpr). */
static char *fpr_of(const char *who)
{
	_cleanup_free_ char *n = xasprintf("%s.fpr", who);
	char *s = fixture_text(n, NULL);

	s[strcspn(s, "\n")] = '\0';
	return s;
}

static struct rkt_trust_key *parse_fixture_key(const char *who)
{
	_cleanup_free_ char *n = xasprintf("%s.asc", who);
	size_t len;
	_cleanup_free_ char *text = fixture_text(n, &len);
	struct rkt_trust_key *key = NULL;
	struct rkt_error err = { 0 };

	assert_int_equal(rkt_trust_key_parse(text, len, n, &key, &err), 0);
	return key;
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *f = xzalloc(sizeof(*f));

	snprintf(f->root, sizeof(f->root), "/tmp/rkt-test-trust.XXXXXX");
	assert_non_null(mkdtemp(f->root));
	f->sys = xasprintf("%s/usr-lib-rkt", f->root);
	f->local = xasprintf("%s/etc-rkt", f->root);
	f->ks = rkt_keystore_new(f->sys, f->local);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	(void)nftw(f->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	rkt_keystore_free(f->ks);
	free(f->sys);
	free(f->local);
	free(f);
	return 0;
}

/* Trusts WHO's key for PREFIX (NULL: root) in the local directory. */
static void trust_local(struct fixture *f, const char *who, const char *prefix)
{
	_cleanup_(rkt_trust_key_freep) struct rkt_trust_key *key = parse_fixture_key(who);
	struct rkt_error err = { 0 };

	assert_int_equal(rkt_keystore_add(f->ks, prefix, key, NULL, &err), 0);
}

/* Trusts WHO's key for PREFIX (NULL: root) in the system directory. */
static void trust_system(struct fixture *f, const char *who, const char *prefix)
{
	_cleanup_(rkt_trust_key_freep) struct rkt_trust_key *key = parse_fixture_key(who);
	_cleanup_(rkt_keystore_freep) struct rkt_keystore *sys = rkt_keystore_new(NULL, f->sys);
	struct rkt_error err = { 0 };

	assert_int_equal(rkt_keystore_add(sys, prefix, key, NULL, &err), 0);
}

static void write_file(const char *path, const char *content)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
}

struct mem_reader {
	const char *data;
	size_t len, off;
	int fail; /* negative errno to return instead of data */
};

static ssize_t mem_read(void *userdata, void *buf, size_t len)
{
	struct mem_reader *m = userdata;
	size_t n = m->len - m->off;

	if (m->fail)
		return m->fail;
	if (n > len)
		n = len;
	memcpy(buf, m->data + m->off, n);
	m->off += n;
	return (ssize_t)n;
}

/* Verifies data.txt (or DATA if not NULL) against data.txt.<SIGNER>.asc for NAME. */
static int verify(struct fixture *f, const char *name, const char *data, const char *signer,
                  struct rkt_trust_signer *ret, struct rkt_error *err)
{
	_cleanup_free_ char *sig_name = xasprintf("data.txt.%s.asc", signer);
	size_t sig_len, data_len;
	_cleanup_free_ char *sig = fixture_text(sig_name, &sig_len);
	_cleanup_free_ char *orig = fixture_text("data.txt", &data_len);
	struct mem_reader m = { .data = data ?: orig, .len = data ? strlen(data) : data_len };

	return rkt_keystore_verify(f->ks, name, mem_read, &m, "data.txt", sig, sig_len, ret, err);
}

static void prefix_validity_follows_ac_identifier(void **state)
{
	(void)state;
	assert_true(rkt_trust_prefix_is_valid("example.com"));
	assert_true(rkt_trust_prefix_is_valid("example.com/app-1/x_y~z"));
	assert_false(rkt_trust_prefix_is_valid("https://example.com"));
	assert_false(rkt_trust_prefix_is_valid("example.com//app"));
	assert_false(rkt_trust_prefix_is_valid("example.com/../etc"));
	assert_false(rkt_trust_prefix_is_valid("/example.com"));
	assert_false(rkt_trust_prefix_is_valid("example.com/"));
	assert_false(rkt_trust_prefix_is_valid("Example.com"));
	assert_false(rkt_trust_prefix_is_valid(""));
}

static void key_parse_reports_primary_fingerprint_and_uid(void **state)
{
	_cleanup_(rkt_trust_key_freep) struct rkt_trust_key *key = parse_fixture_key("alice");
	_cleanup_free_ char *fpr = fpr_of("alice");

	(void)state;
	assert_string_equal(key->fingerprint, fpr);
	assert_int_equal(key->n_uids, 1);
	assert_string_equal(key->uids[0], "alice <alice@example.com>");
	assert_non_null(strstr(key->armored, "BEGIN PGP PUBLIC KEY BLOCK"));
}

static void key_parse_refuses_two_keys_in_one_file(void **state)
{
	size_t len;
	_cleanup_free_ char *text = fixture_text("two-keys.asc", &len);
	struct rkt_trust_key *key = NULL;
	struct rkt_error err = { 0 };

	(void)state;
	assert_int_equal(rkt_trust_key_parse(text, len, "key 'two-keys.asc'", &key, &err),
	                 -EBADMSG);
	assert_null(key);
	assert_non_null(strstr(err.msg, "'two-keys.asc'"));
	assert_non_null(strstr(err.msg, "2 primary keys"));
}

static void key_parse_refuses_garbage(void **state)
{
	struct rkt_trust_key *key = NULL;
	struct rkt_error err = { 0 };
	const char *junk = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot base64\n";

	(void)state;
	assert_int_equal(rkt_trust_key_parse(junk, strlen(junk), "key 'k'", &key, &err), -EBADMSG);
	assert_null(key);
	assert_int_equal(rkt_trust_key_parse("", 0, "key 'k'", &key, &err), -EBADMSG);
}

static void add_stores_prefix_key_under_fingerprint(void **state)
{
	struct fixture *f = *state;
	_cleanup_(rkt_trust_key_freep) struct rkt_trust_key *key = parse_fixture_key("alice");
	_cleanup_free_ char *path = NULL, *want = NULL;
	struct rkt_error err = { 0 };
	struct stat st;

	assert_int_equal(rkt_keystore_add(f->ks, "example.com/app", key, &path, &err), 0);
	want = xasprintf("%s/trustedkeys/prefix.d/example.com/app/%s", f->local, key->fingerprint);
	assert_string_equal(path, want);
	assert_int_equal(stat(want, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
}

static void add_stores_root_key_in_root_d(void **state)
{
	struct fixture *f = *state;
	_cleanup_(rkt_trust_key_freep) struct rkt_trust_key *key = parse_fixture_key("bob");
	_cleanup_free_ char *path = NULL, *want = NULL;
	struct rkt_error err = { 0 };

	assert_int_equal(rkt_keystore_add(f->ks, NULL, key, &path, &err), 0);
	want = xasprintf("%s/trustedkeys/root.d/%s", f->local, key->fingerprint);
	assert_string_equal(path, want);
}

static void add_refuses_invalid_prefix(void **state)
{
	struct fixture *f = *state;
	_cleanup_(rkt_trust_key_freep) struct rkt_trust_key *key = parse_fixture_key("bob");
	struct rkt_error err = { 0 };

	assert_int_equal(rkt_keystore_add(f->ks, "../../etc", key, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "'../../etc'"));
}

static void verify_accepts_signature_by_key_trusted_for_ancestor(void **state)
{
	struct fixture *f = *state;
	struct rkt_trust_signer signer = { 0 };
	struct rkt_error err = { 0 };
	_cleanup_free_ char *fpr = fpr_of("alice");

	trust_local(f, "alice", "example.com");
	assert_int_equal(verify(f, "example.com/app/sub", NULL, "alice", &signer, &err), 0);
	/* The signature is made by a subkey; the primary fingerprint is what is reported. */
	assert_string_equal(signer.fingerprint, fpr);
	assert_string_equal(signer.uid, "alice <alice@example.com>");
}

static void verify_accepts_key_trusted_for_exact_name(void **state)
{
	struct fixture *f = *state;
	struct rkt_trust_signer signer = { 0 };
	struct rkt_error err = { 0 };

	trust_local(f, "alice", "example.com/app");
	assert_int_equal(verify(f, "example.com/app", NULL, "alice", &signer, &err), 0);
}

static void verify_accepts_root_key_for_any_name(void **state)
{
	struct fixture *f = *state;
	struct rkt_trust_signer signer = { 0 };
	struct rkt_error err = { 0 };

	trust_system(f, "bob", NULL);
	assert_int_equal(verify(f, "anything.org/x", NULL, "bob", &signer, &err), 0);
}

static void verify_prefix_match_is_by_whole_component(void **state)
{
	struct fixture *f = *state;
	struct rkt_trust_signer signer = { 0 };
	struct rkt_error err = { 0 };

	trust_local(f, "alice", "example.co");
	trust_local(f, "alice", "example.com/ap");
	assert_int_equal(verify(f, "example.com/app", NULL, "alice", &signer, &err), -ENOKEY);
	assert_non_null(strstr(err.msg, "'example.com/app'"));
}

static void verify_refuses_key_of_deeper_prefix(void **state)
{
	struct fixture *f = *state;
	struct rkt_trust_signer signer = { 0 };
	struct rkt_error err = { 0 };

	trust_local(f, "alice", "example.com/app/sub");
	assert_int_equal(verify(f, "example.com/app", NULL, "alice", &signer, &err), -ENOKEY);
}

static void verify_refuses_signer_trusted_only_for_other_prefix(void **state)
{
	struct fixture *f = *state;
	struct rkt_trust_signer signer = { 0 };
	struct rkt_error err = { 0 };

	trust_local(f, "alice", "other.org");
	trust_local(f, "bob", "example.com");
	assert_int_equal(verify(f, "example.com/app", NULL, "alice", &signer, &err), -EKEYREJECTED);
	assert_non_null(strstr(err.msg, "not trusted for 'example.com/app'"));
	assert_string_equal(signer.fingerprint, "");
}

static void verify_refuses_tampered_data(void **state)
{
	struct fixture *f = *state;
	struct rkt_trust_signer signer = { 0 };
	struct rkt_error err = { 0 };

	trust_local(f, "alice", "example.com");
	assert_int_equal(verify(f, "example.com/app", "the signed content, changed\n", "alice",
	                        &signer, &err),
	                 -EBADMSG);
	assert_non_null(strstr(err.msg, "bad signature for 'data.txt'"));
}

static void verify_refuses_garbage_signature(void **state)
{
	struct fixture *f = *state;
	struct rkt_trust_signer signer = { 0 };
	struct rkt_error err = { 0 };
	struct mem_reader m = { .data = "x", .len = 1 };
	const char *sig = "this is not a signature";

	trust_local(f, "alice", "example.com");
	assert_int_equal(rkt_keystore_verify(f->ks, "example.com/app", mem_read, &m, "d", sig,
	                                     strlen(sig), &signer, &err),
	                 -EBADMSG);
	assert_non_null(strstr(err.msg, "no OpenPGP signature"));
}

static void verify_reports_read_error(void **state)
{
	struct fixture *f = *state;
	struct rkt_trust_signer signer = { 0 };
	struct rkt_error err = { 0 };
	struct mem_reader m = { .fail = -EIO };
	size_t sig_len;
	_cleanup_free_ char *sig = fixture_text("data.txt.alice.asc", &sig_len);

	trust_local(f, "alice", "example.com");
	assert_int_equal(rkt_keystore_verify(f->ks, "example.com/app", mem_read, &m, "d", sig,
	                                     sig_len, &signer, &err),
	                 -EIO);
}

static void verify_refuses_invalid_name(void **state)
{
	struct fixture *f = *state;
	struct rkt_trust_signer signer = { 0 };
	struct rkt_error err = { 0 };

	assert_int_equal(verify(f, "Example.com/App", NULL, "alice", &signer, &err), -EINVAL);
}

static void verify_without_any_key_is_enokey(void **state)
{
	struct fixture *f = *state;
	struct rkt_trust_signer signer = { 0 };
	struct rkt_error err = { 0 };

	assert_int_equal(verify(f, "example.com/app", NULL, "alice", &signer, &err), -ENOKEY);
	assert_non_null(strstr(err.msg, f->local));
}

static void empty_local_file_masks_system_root_key(void **state)
{
	struct fixture *f = *state;
	struct rkt_trust_signer signer = { 0 };
	struct rkt_error err = { 0 };
	_cleanup_free_ char *fpr = fpr_of("alice");
	_cleanup_free_ char *dir = xasprintf("%s/trustedkeys/root.d", f->local);
	_cleanup_free_ char *mask = xasprintf("%s/%s", dir, fpr);

	trust_system(f, "alice", NULL);
	assert_int_equal(verify(f, "example.com/app", NULL, "alice", &signer, &err), 0);
	trust_local(f, "bob", NULL); /* creates the local root.d */
	write_file(mask, "");
	assert_int_equal(verify(f, "example.com/app", NULL, "alice", &signer, &err), -EKEYREJECTED);
}

static void empty_local_file_masks_system_prefix_key(void **state)
{
	struct fixture *f = *state;
	struct rkt_trust_signer signer = { 0 };
	struct rkt_error err = { 0 };
	_cleanup_free_ char *fpr = fpr_of("alice");
	_cleanup_free_ char *mask = NULL;

	trust_system(f, "alice", "example.com");
	trust_local(f, "bob", "example.com");
	mask = xasprintf("%s/trustedkeys/prefix.d/example.com/%s", f->local, fpr);
	write_file(mask, "");
	assert_int_equal(verify(f, "example.com/app", NULL, "alice", &signer, &err), -EKEYREJECTED);
}

static void key_file_named_for_other_fingerprint_is_refused(void **state)
{
	struct fixture *f = *state;
	struct rkt_trust_signer signer = { 0 };
	struct rkt_error err = { 0 };
	_cleanup_free_ char *bob_fpr = fpr_of("bob");
	_cleanup_free_ char *alice_text = fixture_text("alice.asc", NULL);
	_cleanup_free_ char *path = NULL;

	trust_local(f, "bob", NULL);
	path = xasprintf("%s/trustedkeys/root.d/%s", f->local, bob_fpr);
	write_file(path, alice_text);
	assert_int_equal(verify(f, "example.com/app", NULL, "alice", &signer, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "does not match fingerprint"));
}

struct warnings {
	char msgs[4][1100];
	size_t n;
};

static void collect_warning(void *userdata, const char *msg)
{
	struct warnings *w = userdata;

	if (w->n < 4)
		snprintf(w->msgs[w->n], sizeof(w->msgs[0]), "%s", msg);
	w->n++;
}

/* Places WHO's key file (refused by rkt_keystore_add once unusable) under the local PREFIX. */
static char *place_key(struct fixture *f, const char *who, const char *prefix)
{
	_cleanup_free_ char *fpr = fpr_of(who), *n = xasprintf("%s.asc", who);
	_cleanup_free_ char *text = fixture_text(n, NULL);
	char *path = xasprintf("%s/trustedkeys/prefix.d/%s/%s", f->local, prefix, fpr);

	write_file(path, text);
	return path;
}

/* carol's key expired (2020), dave's was revoked: they are skipped with a warning each, and
 * alice's signature, trusted for the same prefix, is accepted. */
static void unusable_keys_are_skipped_with_a_warning(void **state)
{
	struct fixture *f = *state;
	struct rkt_trust_signer signer = { 0 };
	struct rkt_error err = { 0 };
	struct warnings w = { 0 };
	_cleanup_free_ char *alice = fpr_of("alice");

	trust_local(f, "alice", "example.com");
	_cleanup_free_ char *carol = place_key(f, "carol", "example.com");
	_cleanup_free_ char *dave = place_key(f, "dave", "example.com");
	rkt_keystore_set_warn(f->ks, collect_warning, &w);
	assert_int_equal(verify(f, "example.com/app", NULL, "alice", &signer, &err), 0);
	assert_string_equal(signer.fingerprint, alice);
	assert_int_equal(w.n, 2);
	assert_non_null(strstr(w.msgs[0], carol));
	assert_non_null(strstr(w.msgs[0], "has expired; skipped"));
	assert_non_null(strstr(w.msgs[1], dave));
	assert_non_null(strstr(w.msgs[1], "is revoked; skipped"));
	/* Without a callback the keys are skipped silently. */
	rkt_keystore_set_warn(f->ks, NULL, NULL);
	assert_int_equal(verify(f, "example.com/app", NULL, "alice", &signer, &err), 0);
	/* bob is trusted nowhere: still refused. */
	assert_int_equal(verify(f, "example.com/app", NULL, "bob", &signer, &err), -EKEYREJECTED);
}

static void list_shows_keys_and_masks_in_order(void **state)
{
	struct fixture *f = *state;
	struct rkt_trust_entry *v = NULL;
	size_t n = 0;
	struct rkt_error err = { 0 };
	_cleanup_free_ char *alice = fpr_of("alice");
	_cleanup_free_ char *mask = NULL;

	trust_system(f, "alice", "example.com/app");
	trust_local(f, "bob", NULL);
	mask = xasprintf("%s/trustedkeys/root.d/%s", f->local, alice);
	write_file(mask, "");
	assert_int_equal(rkt_keystore_list(f->ks, &v, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].scope, RKT_TRUST_SCOPE_SYSTEM);
	assert_string_equal(v[0].prefix, "example.com/app");
	assert_string_equal(v[0].fingerprint, alice);
	assert_false(v[0].is_mask);
	assert_string_equal(v[0].uids[0], "alice <alice@example.com>");
	assert_int_equal(v[1].scope, RKT_TRUST_SCOPE_LOCAL);
	assert_null(v[1].prefix);
	/* Local root.d holds alice's mask and bob's key, in byte order of the fingerprints. */
	for (size_t i = 1; i < 3; i++)
		assert_true(v[i].is_mask == (strcmp(v[i].fingerprint, alice) == 0));
	rkt_trust_entries_free(v, n);
}

static void verify_fd_reads_signature_and_data(void **state)
{
	struct fixture *f = *state;
	struct rkt_trust_signer signer = { 0 };
	struct rkt_error err = { 0 };
	_cleanup_free_ char *dp = data_path("data.txt");
	_cleanup_free_ char *sp = data_path("data.txt.bob.asc");
	_cleanup_close_ int dfd = open(dp, O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int sfd = open(sp, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *fpr = fpr_of("bob");

	trust_local(f, "bob", "example.com");
	assert_int_equal(
	        rkt_keystore_verify_fd(f->ks, "example.com/x", dfd, "data.txt", sfd, &signer, &err),
	        0);
	assert_string_equal(signer.fingerprint, fpr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(prefix_validity_follows_ac_identifier),
		cmocka_unit_test(key_parse_reports_primary_fingerprint_and_uid),
		cmocka_unit_test(key_parse_refuses_two_keys_in_one_file),
		cmocka_unit_test(key_parse_refuses_garbage),
		cmocka_unit_test_setup_teardown(add_stores_prefix_key_under_fingerprint, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(add_stores_root_key_in_root_d, setup, teardown),
		cmocka_unit_test_setup_teardown(add_refuses_invalid_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        verify_accepts_signature_by_key_trusted_for_ancestor, setup, teardown),
		cmocka_unit_test_setup_teardown(verify_accepts_key_trusted_for_exact_name, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(verify_accepts_root_key_for_any_name, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(verify_prefix_match_is_by_whole_component, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(verify_refuses_key_of_deeper_prefix, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(verify_refuses_signer_trusted_only_for_other_prefix,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(verify_refuses_tampered_data, setup, teardown),
		cmocka_unit_test_setup_teardown(verify_refuses_garbage_signature, setup, teardown),
		cmocka_unit_test_setup_teardown(verify_reports_read_error, setup, teardown),
		cmocka_unit_test_setup_teardown(verify_refuses_invalid_name, setup, teardown),
		cmocka_unit_test_setup_teardown(verify_without_any_key_is_enokey, setup, teardown),
		cmocka_unit_test_setup_teardown(empty_local_file_masks_system_root_key, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(empty_local_file_masks_system_prefix_key, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(key_file_named_for_other_fingerprint_is_refused,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(list_shows_keys_and_masks_in_order, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(unusable_keys_are_skipped_with_a_warning, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(verify_fd_reads_signature_and_data, setup,
		                                teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
