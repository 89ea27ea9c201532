#!/usr/bin/env bats
# rkt trust: review, refusals and the stored layout, with keys made by gpg at test time.

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

rkt() {
	"$RKT" --system-config="$SYS" --local-config="$LOCAL" "$@"
}

@test "trust --prefix stores the key and prints where" {
	run rkt trust --prefix=example.com/app --skip-fingerprint-review "$K/alice.asc"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Added key for prefix \"example.com/app\" at \"$LOCAL/trustedkeys/prefix.d/example.com/app/$ALICE\""* ]]
	[ -s "$LOCAL/trustedkeys/prefix.d/example.com/app/$ALICE" ]
	# The stored key verifies what gpg signed, for names under the prefix.
	run "$TRUST_TOOL" --system-config="$SYS" --local-config="$LOCAL" \
		verify example.com/app/x "$K/image.aci" "$K/image.aci.asc"
	[ "$status" -eq 0 ]
}

@test "trust shows the fingerprint grouped as upstream and the user IDs" {
	run rkt trust --root --skip-fingerprint-review "$K/alice.asc"
	[ "$status" -eq 0 ]
	grouped=$(echo "${ALICE^^}" | sed -E 's/(.{4})/\1 /g; s/ $//; s/^((.{4} ){4}.{4}) /\1  /')
	[[ "$output" == *"GPG key fingerprint is: $grouped"* ]]
	[[ "$output" == *"alice <alice@example.com>"* ]]
	[[ "$output" == *"Added root key at \"$LOCAL/trustedkeys/root.d/$ALICE\""* ]]
}

@test "trust reads the answer from a pipe: yes trusts the key" {
	run bash -c 'yes | "$@"' - "$RKT" --system-config="$SYS" --local-config="$LOCAL" \
		trust --prefix=example.com "$K/alice.asc"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Are you sure you want to trust this key (yes/no)?"* ]]
	[ -s "$LOCAL/trustedkeys/prefix.d/example.com/$ALICE" ]
}

@test "trust with no answer on stdin, or a piped no, stores nothing" {
	run rkt trust --prefix=example.com "$K/alice.asc" </dev/null
	[ "$status" -eq 254 ]
	[[ "$output" == *"key '$K/alice.asc' was not trusted" ]]
	run bash -c 'echo no | "$@"' - "$RKT" --system-config="$SYS" --local-config="$LOCAL" \
		trust --prefix=example.com "$K/alice.asc"
	[ "$status" -eq 254 ]
	[[ "$output" == *"was not trusted"* ]]
	[ ! -e "$LOCAL/trustedkeys" ]
}

@test "trust needs --root or --prefix, not both" {
	run rkt trust --skip-fingerprint-review "$K/alice.asc"
	[ "$status" -eq 254 ]
	[[ "$output" == *"--root required for non-prefixed (root) keys"* ]]
	run rkt trust --root --prefix=example.com "$K/alice.asc"
	[ "$status" -eq 254 ]
	[[ "$output" == *"mutually exclusive"* ]]
}

@test "trust refuses a prefix with a URL scheme" {
	run rkt trust --prefix=https://example.com --skip-fingerprint-review "$K/alice.asc"
	[ "$status" -eq 254 ]
	[[ "$output" == *"omit 'https://'"* ]]
}

@test "trust refuses a file that is not a key, naming it" {
	printf 'hello\n' >"$BATS_TEST_TMPDIR/not-a-key"
	run rkt trust --root --skip-fingerprint-review "$BATS_TEST_TMPDIR/not-a-key"
	[ "$status" -eq 254 ]
	[[ "$output" == *"key '$BATS_TEST_TMPDIR/not-a-key': not an OpenPGP key"* ]]
}

@test "trust refuses a plain http key URL without --insecure-allow-http" {
	run rkt trust --root --skip-fingerprint-review "http://127.0.0.1:1/key.asc"
	[ "$status" -eq 254 ]
	[[ "$output" == *"plain http is not allowed"* ]]
}

# Runs rkt trust on a pseudo-terminal (util-linux script), answering ANSWER to the review.
rkt_on_tty() {
	local answer=$1
	shift
	printf '%s\n' "$answer" | script -qec "$(printf '%q ' "$RKT" --system-config="$SYS" \
		--local-config="$LOCAL" "$@")" /dev/null
}

@test "on a terminal, answering yes trusts the key" {
	run rkt_on_tty yes trust --prefix=example.com "$K/alice.asc"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Are you sure you want to trust this key (yes/no)?"* ]]
	[ -s "$LOCAL/trustedkeys/prefix.d/example.com/$ALICE" ]
}

@test "on a terminal, answering no stores nothing" {
	run rkt_on_tty no trust --prefix=example.com "$K/alice.asc"
	[ "$status" -eq 254 ]
	[[ "$output" == *"key '$K/alice.asc' was not trusted"* ]]
	[ ! -e "$LOCAL/trustedkeys/prefix.d/example.com/$ALICE" ]
}
