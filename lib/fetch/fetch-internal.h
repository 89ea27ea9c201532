/* Shared by the fetchers of lib/fetch (local files in fetch.c, URLs in url.c). */
#pragma once

#include "fetch/fetch.h"

/* The detached signature of an image being imported: an open SIG_FD, or else PATH opened when
 * the import asks for it (a missing file is -ENOKEY, naming WHAT and the image). */
struct rkt_fetch_sig {
	const struct rkt_fetch_opts *opts;
	const char *image; /* as the user gave it */
	const char *what;
	const char *path;
	int fd;
};

/* rkt_store_verify_fn over a struct rkt_fetch_sig: checks the signature with OPTS->keystore
 * for the name in INFO's manifest, and tells OPTS->verified who signed. */
int rkt_fetch_sig_verify(void *userdata, int fd, const struct rkt_aci_info *info,
                         struct rkt_error *err);

/* The -ENOKEY of an image without a signature. */
int rkt_fetch_no_signature(const char *sig_what, const char *image, struct rkt_error *err);
