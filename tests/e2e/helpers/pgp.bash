# OpenPGP fixtures for the bats suites: keys and detached signatures made with gpg in a private
# GNUPGHOME (no agent outlives the suite), cross-checked with sqv.
#
#   pgp_setup DIR         GNUPGHOME=DIR/gnupg
#   pgp_genkey NAME       key NAME <NAME@example.com>; writes DIR/NAME.asc and DIR/NAME.fpr
#   pgp_sign NAME FILE    writes FILE.asc, signed by NAME (armored, detached)
#   pgp_teardown          kills the gpg-agent of GNUPGHOME

pgp_setup() {
	PGP_DIR=$1
	export GNUPGHOME="$PGP_DIR/gnupg"
	mkdir -p "$GNUPGHOME"
	chmod 700 "$GNUPGHOME"
}

pgp_genkey() {
	local name=$1
	gpg --batch --quiet --gen-key 2>/dev/null <<EOK
%no-protection
Key-Type: eddsa
Key-Curve: ed25519
Key-Usage: cert
Subkey-Type: eddsa
Subkey-Curve: ed25519
Subkey-Usage: sign
Name-Real: $name
Name-Email: $name@example.com
Expire-Date: 0
%commit
EOK
	gpg --batch --quiet --armor --export "$name@example.com" >"$PGP_DIR/$name.asc"
	gpg --batch --with-colons --fingerprint "$name@example.com" 2>/dev/null |
		awk -F: '$1 == "fpr" { print tolower($10); exit }' >"$PGP_DIR/$name.fpr"
}

pgp_sign() {
	gpg --batch --quiet --yes --local-user "$1@example.com" --armor --detach-sign \
		--output "$2.asc" "$2" 2>/dev/null
}

pgp_teardown() {
	[ -n "${GNUPGHOME:-}" ] && gpgconf --homedir "$GNUPGHOME" --kill gpg-agent 2>/dev/null
	return 0
}
