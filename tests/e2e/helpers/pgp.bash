# OpenPGP fixtures for the bats suites: keys and detached signatures made with gpg in a private
# GNUPGHOME (no agent outlives the suite), cross-checked with sqv.
#
#   pgp_setup DIR         GNUPGHOME=DIR/gnupg
#   pgp_genkey NAME       key NAME <NAME@example.com>; writes DIR/NAME.asc and DIR/NAME.fpr
#   pgp_genkey_expired NAME  the same, made on 2020-01-01 and expired a day later
#   pgp_revoke NAME       revokes NAME's primary key and rewrites DIR/NAME.asc
#   pgp_sign NAME FILE    writes FILE.asc, signed by NAME (armored, detached)
#   pgp_teardown          kills the gpg-agent of GNUPGHOME

pgp_setup() {
	PGP_DIR=$1
	export GNUPGHOME="$PGP_DIR/gnupg"
	mkdir -p "$GNUPGHOME"
	chmod 700 "$GNUPGHOME"
}

# NAME [EXPIRE [GPG_OPTION...]]
pgp_genkey() {
	local name=$1 expire=${2:-0}
	shift $(($# < 2 ? $# : 2))
	gpg --batch --quiet "$@" --gen-key 2>/dev/null <<EOK
%no-protection
Key-Type: eddsa
Key-Curve: ed25519
Key-Usage: cert
Subkey-Type: eddsa
Subkey-Curve: ed25519
Subkey-Usage: sign
Name-Real: $name
Name-Email: $name@example.com
Expire-Date: $expire
%commit
EOK
	pgp_export "$name"
	gpg --batch --with-colons --fingerprint "$name@example.com" 2>/dev/null |
		awk -F: '$1 == "fpr" { print tolower($10); exit }' >"$PGP_DIR/$name.fpr"
}

pgp_export() {
	gpg --batch --quiet --armor --export "$1@example.com" >"$PGP_DIR/$1.asc"
}

pgp_genkey_expired() {
	pgp_genkey "$1" 1d --faked-system-time 20200101T000000
}

# gpg leaves a revocation certificate for every key it makes, with its armor line escaped.
pgp_revoke() {
	local fpr
	fpr=$(cat "$PGP_DIR/$1.fpr")
	sed 's/^:-----BEGIN/-----BEGIN/' "$GNUPGHOME/openpgp-revocs.d/${fpr^^}.rev" |
		gpg --batch --quiet --import 2>/dev/null
	pgp_export "$1"
}

pgp_sign() {
	gpg --batch --quiet --yes --local-user "$1@example.com" --armor --detach-sign \
		--output "$2.asc" "$2" 2>/dev/null
}

pgp_teardown() {
	[ -n "${GNUPGHOME:-}" ] && gpgconf --homedir "$GNUPGHOME" --kill gpg-agent 2>/dev/null
	return 0
}

# Shared by the trust suites: per file, keys for alice and bob and image.aci signed by alice
# (image.aci.asc), bob.aci signed by bob; per test, K (the fixtures), SYS and LOCAL (empty
# config dirs), ALICE and BOB (fingerprints).
trust_suite_setup_file() {
	pgp_setup "$BATS_FILE_TMPDIR"
	pgp_genkey alice
	pgp_genkey bob
	printf 'image bytes\n' >"$BATS_FILE_TMPDIR/image.aci"
	pgp_sign alice "$BATS_FILE_TMPDIR/image.aci"
	cp "$BATS_FILE_TMPDIR/image.aci" "$BATS_FILE_TMPDIR/bob.aci"
	pgp_sign bob "$BATS_FILE_TMPDIR/bob.aci"
}

trust_suite_setup() {
	K=$BATS_FILE_TMPDIR
	PGP_DIR=$K
	SYS=$BATS_TEST_TMPDIR/usr-lib-rkt
	LOCAL=$BATS_TEST_TMPDIR/etc-rkt
	ALICE=$(cat "$K/alice.fpr")
	BOB=$(cat "$K/bob.fpr")
}
