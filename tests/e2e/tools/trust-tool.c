/* Test driver for lib/trust, for the bats suites (tests/e2e/trust-*.bats):
 *
 *   trust-tool [--system-config=DIR] [--local-config=DIR] add [--prefix=P | --root] KEYFILE
 *   trust-tool [--system-config=DIR] [--local-config=DIR] verify NAME FILE SIGFILE
 *   trust-tool [--system-config=DIR] [--local-config=DIR] list
 *
 * Prints results on stdout and "trust-tool: <message>: <strerror>" on stderr; exit status 0, or
 * 254 on failure as rkt does, or 2 for a usage error. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trust/trust.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static int fail(const struct rkt_error *err)
{
	fprintf(stderr, "trust-tool: %s: %s\n", err->msg, strerror(err->code));
	return 254;
}

/* Skipped keys, as rkt fetch reports them. */
static void warn(void *userdata, const char *msg)
{
	(void)userdata;
	fprintf(stderr, "warning: %s\n", msg);
}

static int usage(void)
{
	fprintf(stderr, "usage: trust-tool [--system-config=DIR] [--local-config=DIR] "
	                "add [--prefix=P|--root] KEY | verify NAME FILE SIG | list\n");
	return 2;
}

static int do_add(struct rkt_keystore *ks, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "prefix", required_argument, NULL, 'p' },
		{ "root", no_argument, NULL, 'r' },
		{},
	};
	const char *prefix = NULL;
	bool root = false;
	struct rkt_error err = { 0 };
	_cleanup_(rkt_trust_key_freep) struct rkt_trust_key *key = NULL;
	_cleanup_free_ char *data = NULL, *path = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	size_t len = 0;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0) {
		if (c == 'p')
			prefix = optarg;
		else if (c == 'r')
			root = true;
		else
			return usage();
	}
	if (optind != argc - 1 || (!prefix == !root))
		return usage();
	f = fopen(argv[optind], "re");
	if (!f) {
		rkt_error_set(&err, errno, "open '%s'", argv[optind]);
		return fail(&err);
	}
	data = xmalloc(1 << 20);
	len = fread(data, 1, 1 << 20, f);
	if (rkt_trust_key_parse(data, len, argv[optind], &key, &err) < 0)
		return fail(&err);
	if (rkt_keystore_add(ks, prefix, key, &path, &err) < 0)
		return fail(&err);
	printf("fingerprint %s\n", key->fingerprint);
	for (size_t i = 0; i < key->n_uids; i++)
		printf("uid %s\n", key->uids[i]);
	printf("stored %s\n", path);
	return 0;
}

static int do_verify(struct rkt_keystore *ks, int argc, char **argv)
{
	struct rkt_error err = { 0 };
	struct rkt_trust_signer signer = { 0 };
	_cleanup_close_ int data_fd = -EBADF, sig_fd = -EBADF;

	if (argc != 4)
		return usage();
	data_fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (data_fd < 0) {
		rkt_error_set(&err, errno, "open '%s'", argv[2]);
		return fail(&err);
	}
	sig_fd = open(argv[3], O_RDONLY | O_CLOEXEC);
	if (sig_fd < 0) {
		rkt_error_set(&err, errno, "signature '%s'", argv[3]);
		return fail(&err);
	}
	if (rkt_keystore_verify_fd(ks, argv[1], data_fd, argv[2], sig_fd, &signer, &err) < 0)
		return fail(&err);
	printf("signer %s %s\n", signer.fingerprint, signer.uid);
	return 0;
}

static int do_list(struct rkt_keystore *ks)
{
	static const char *const scopes[] = { "system", "local" };
	struct rkt_error err = { 0 };
	struct rkt_trust_entry *v = NULL;
	size_t n = 0;

	if (rkt_keystore_list(ks, &v, &n, &err) < 0)
		return fail(&err);
	for (size_t i = 0; i < n; i++)
		printf("%s %s %s %s\n", scopes[v[i].scope], v[i].prefix ?: "(root)",
		       v[i].fingerprint,
		       v[i].is_mask  ? "masked"
		       : v[i].n_uids ? v[i].uids[0]
		                     : "");
	rkt_trust_entries_free(v, n);
	return 0;
}

int main(int argc, char **argv)
{
	const char *sys = NULL, *local = NULL;
	_cleanup_(rkt_keystore_freep) struct rkt_keystore *ks = NULL;
	int i = 1;

	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strncmp(argv[i], "--system-config=", 16) == 0)
			sys = argv[i] + 16;
		else if (strncmp(argv[i], "--local-config=", 15) == 0)
			local = argv[i] + 15;
		else
			return usage();
	}
	if (i >= argc)
		return usage();
	ks = rkt_keystore_new(sys, local);
	rkt_keystore_set_warn(ks, warn, NULL);
	argc -= i;
	argv += i;
	if (strcmp(argv[0], "add") == 0)
		return do_add(ks, argc, argv);
	if (strcmp(argv[0], "verify") == 0)
		return do_verify(ks, argc, argv);
	if (strcmp(argv[0], "list") == 0 && argc == 1)
		return do_list(ks);
	return usage();
}
