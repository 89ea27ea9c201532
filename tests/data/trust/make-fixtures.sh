#!/bin/bash
# Regenerates the OpenPGP fixtures of the keystore unit tests (tests/unit/test-trust.c):
#   alice.asc, bob.asc        public keys (ed25519 primary, separate ed25519 signing subkey)
#   alice.fpr, bob.fpr        their primary fingerprints, lower-case hex
#   two-keys.asc              both keys in one file (refused as a trusted key file)
#   data.txt                  signed data
#   data.txt.alice.asc        detached armored signature by alice (made by her signing subkey)
#   data.txt.bob.asc          detached armored signature by bob
#   carol.asc, carol.fpr      a key made on 2020-01-01 that expired a day later
#   dave.asc, dave.fpr        a revoked key
# Usage: tests/data/trust/make-fixtures.sh  (from anywhere; writes next to this script)
set -eu
out=$(cd "$(dirname "$0")" && pwd)
. "$out/../../e2e/helpers/pgp.bash"
tmp=$(mktemp -d)
trap 'pgp_teardown; rm -rf "$tmp"' EXIT
pgp_setup "$tmp"
printf 'the signed content\n' >"$tmp/data.txt"
for who in alice bob; do
	pgp_genkey "$who"
	cp "$tmp/data.txt" "$tmp/data.txt.$who"
	pgp_sign "$who" "$tmp/data.txt.$who"
	cp "$tmp/$who.asc" "$tmp/$who.fpr" "$out/"
	cp "$tmp/data.txt.$who.asc" "$out/data.txt.$who.asc"
done
cp "$tmp/data.txt" "$out/data.txt"
pgp_genkey_expired carol
pgp_genkey dave
pgp_revoke dave
cp "$tmp/carol.asc" "$tmp/carol.fpr" "$tmp/dave.asc" "$tmp/dave.fpr" "$out/"
cat "$out/alice.asc" "$out/bob.asc" >"$out/two-keys.asc"
