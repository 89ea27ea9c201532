#!/usr/bin/env bats
# Keystore and signature verdicts of lib/trust, through tests/e2e/tools/trust-tool, with keys and
# signatures made by gpg and every verdict cross-checked with sqv.

load helpers/pgp

setup_file() {
	trust_suite_setup_file
}

teardown_file() {
	pgp_teardown
}

setup() {
	trust_suite_setup
}

tool() {
	"$TRUST_TOOL" --system-config="$SYS" --local-config="$LOCAL" "$@"
}

# Trusts KEY in the system directory (the tool writes to its local dir, so swap them).
trust_system() {
	"$TRUST_TOOL" --local-config="$SYS" add "$@"
}

@test "add stores the key under its lower-case primary fingerprint and shows its user ID" {
	run tool add --prefix=example.com/app "$K/alice.asc"
	[ "$status" -eq 0 ]
	[[ "$output" == *"fingerprint $ALICE"* ]]
	[[ "$output" == *"uid alice <alice@example.com>"* ]]
	[ -s "$LOCAL/trustedkeys/prefix.d/example.com/app/$ALICE" ]
}

@test "add refuses a prefix with a URL scheme" {
	run tool add --prefix=https://example.com "$K/alice.asc"
	[ "$status" -eq 254 ]
	[[ "$output" == *"prefix 'https://example.com' is not a valid image name prefix"* ]]
}

@test "good signature by a key trusted for a prefix of the name is accepted and the signer reported" {
	tool add --prefix=example.com "$K/alice.asc"
	run tool verify example.com/app "$K/image.aci" "$K/image.aci.asc"
	[ "$status" -eq 0 ]
	[ "$output" = "signer $ALICE alice <alice@example.com>" ]
	# sqv agrees, and names the same primary key.
	run sqv --keyring "$K/alice.asc" "$K/image.aci.asc" "$K/image.aci"
	[ "$status" -eq 0 ]
	[[ "${output,,}" == *"$ALICE"* ]]
}

@test "a root key is trusted for every name" {
	tool add --root "$K/alice.asc"
	run tool verify other.org/x "$K/image.aci" "$K/image.aci.asc"
	[ "$status" -eq 0 ]
}

@test "tampered file is refused as a bad signature" {
	tool add --prefix=example.com "$K/alice.asc"
	printf 'image bytes, changed\n' >"$BATS_TEST_TMPDIR/image.aci"
	run tool verify example.com/app "$BATS_TEST_TMPDIR/image.aci" "$K/image.aci.asc"
	[ "$status" -eq 254 ]
	[[ "$output" == *"bad signature for '$BATS_TEST_TMPDIR/image.aci'"* ]]
	[[ "$output" == *"Bad message"* ]]
	run sqv --keyring "$K/alice.asc" "$K/image.aci.asc" "$BATS_TEST_TMPDIR/image.aci"
	[ "$status" -ne 0 ]
}

@test "signature by a key that is not trusted for the name is refused" {
	tool add --prefix=example.com "$K/alice.asc"
	run tool verify example.com/app "$K/bob.aci" "$K/bob.aci.asc"
	[ "$status" -eq 254 ]
	[[ "$output" == *"was made by key "*", which is not trusted for 'example.com/app'"* ]]
	[[ "$output" == *"Key was rejected by service"* ]]
	run sqv --keyring "$K/alice.asc" "$K/bob.aci.asc" "$K/bob.aci"
	[ "$status" -ne 0 ]
}

@test "key trusted only for another prefix does not apply" {
	tool add --prefix=other.org "$K/alice.asc"
	run tool verify example.com/app "$K/image.aci" "$K/image.aci.asc"
	[ "$status" -eq 254 ]
	[[ "$output" == *"no keys are trusted for 'example.com/app'"* ]]
	[[ "$output" == *"Required key not available"* ]]
}

@test "prefixes match whole path components only" {
	tool add --prefix=example.com/ap "$K/alice.asc"
	run tool verify example.com/app "$K/image.aci" "$K/image.aci.asc"
	[ "$status" -eq 254 ]
	[[ "$output" == *"no keys are trusted for 'example.com/app'"* ]]
}

@test "missing signature file is refused and named" {
	tool add --prefix=example.com "$K/alice.asc"
	run tool verify example.com/app "$K/image.aci" "$BATS_TEST_TMPDIR/image.aci.asc"
	[ "$status" -eq 254 ]
	[[ "$output" == *"signature '$BATS_TEST_TMPDIR/image.aci.asc': No such file or directory"* ]]
}

@test "empty signature file is refused" {
	tool add --prefix=example.com "$K/alice.asc"
	: >"$BATS_TEST_TMPDIR/empty.asc"
	run tool verify example.com/app "$K/image.aci" "$BATS_TEST_TMPDIR/empty.asc"
	[ "$status" -eq 254 ]
	[[ "$output" == *"signature for '$K/image.aci': empty"* ]]
}

@test "an empty local file masks the system key with that fingerprint" {
	trust_system --root "$K/alice.asc"
	run tool verify example.com/app "$K/image.aci" "$K/image.aci.asc"
	[ "$status" -eq 0 ]
	mkdir -p "$LOCAL/trustedkeys/root.d"
	: >"$LOCAL/trustedkeys/root.d/$ALICE"
	run tool verify example.com/app "$K/image.aci" "$K/image.aci.asc"
	[ "$status" -eq 254 ]
	[[ "$output" == *"no keys are trusted for 'example.com/app'"* ]]
	run tool list
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "system (root) $ALICE alice <alice@example.com>" ]
	[ "${lines[1]}" = "local (root) $ALICE masked" ]
}

@test "a local key adds to the system keys" {
	trust_system --prefix=example.com "$K/bob.asc"
	tool add --prefix=example.com/app "$K/alice.asc"
	run tool verify example.com/app "$K/image.aci" "$K/image.aci.asc"
	[ "$status" -eq 0 ]
	run tool verify example.com/app "$K/bob.aci" "$K/bob.aci.asc"
	[ "$status" -eq 0 ]
	[ "$output" = "signer $BOB bob <bob@example.com>" ]
}

@test "a keystore file whose name is not its fingerprint is reported" {
	mkdir -p "$LOCAL/trustedkeys/root.d"
	cp "$K/alice.asc" "$LOCAL/trustedkeys/root.d/$BOB"
	run tool verify example.com/app "$K/image.aci" "$K/image.aci.asc"
	[ "$status" -eq 254 ]
	[[ "$output" == *"trusted key '$LOCAL/trustedkeys/root.d/$BOB': file name does not match fingerprint $ALICE"* ]]
}

@test "an expired or a revoked key of a prefix is skipped, named, and hides no other key" {
	pgp_genkey_expired carol
	pgp_genkey dave
	pgp_revoke dave
	local carol dave dir=$LOCAL/trustedkeys/prefix.d/example.com
	carol=$(cat "$K/carol.fpr")
	dave=$(cat "$K/dave.fpr")
	# Both were fine when they were trusted; add refuses them now, so place the files.
	mkdir -p "$dir"
	cp "$K/carol.asc" "$dir/$carol"
	cp "$K/dave.asc" "$dir/$dave"
	tool add --prefix=example.com "$K/alice.asc"
	run tool verify example.com/app "$K/image.aci" "$K/image.aci.asc"
	[ "$status" -eq 0 ]
	[[ "$output" == *"warning: trusted key '$dir/$carol': key $carol has expired; skipped"* ]]
	[[ "$output" == *"warning: trusted key '$dir/$dave': key $dave is revoked; skipped"* ]]
	[ "${lines[-1]}" = "signer $ALICE alice <alice@example.com>" ]
	# A signature by a key that is not trusted is still refused, with the same warnings.
	run tool verify example.com/app "$K/bob.aci" "$K/bob.aci.asc"
	[ "$status" -eq 254 ]
	[[ "$output" == *"key $carol has expired; skipped"* ]]
	[[ "$output" == *"which is not trusted for 'example.com/app'"* ]]
	# Listing shows the usable key and names the skipped ones.
	run tool list
	[ "$status" -eq 0 ]
	[[ "$output" == *"local example.com $ALICE alice <alice@example.com>"* ]]
	[[ "$output" == *"key $dave is revoked; skipped"* ]]
	[[ "$output" != *"local example.com $carol"* ]]
}
