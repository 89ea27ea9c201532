#!/usr/bin/env bats
# rkt fetch checks detached signatures with the trust keystore before an image enters the
# store, for https URLs (URL.asc or --signature) and local files (FILE.asc). Keys and signatures
# are made by gpg at test time; every verdict is cross-checked with sqv.

load rkt-helpers
load helpers/http
load helpers/pgp

setup_file() {
	export K="$BATS_FILE_TMPDIR/root"
	mkdir -p "$K"
	pgp_setup "$K"
	pgp_genkey alice
	pgp_genkey bob
	local mkaci="python3 $BATS_TEST_DIRNAME/rkt-mkaci.py"
	# app.aci: signed by alice, whom the tests trust for example.com/app only.
	$mkaci "$K/app.aci" --name example.com/app --file /hello=hello --gzip
	pgp_sign alice "$K/app.aci"
	# tampered.aci: other bytes under app.aci's signature.
	$mkaci "$K/tampered.aci" --name example.com/app --file /hello=HELLO --gzip
	cp "$K/app.aci.asc" "$K/tampered.aci.asc"
	# bob.aci: signed by a key nobody trusts.
	cp "$K/app.aci" "$K/bob.aci"
	pgp_sign bob "$K/bob.aci"
	# other.aci: signed by alice, but named outside her prefix.
	$mkaci "$K/other.aci" --name example.com/other --file /hello=hello --gzip
	pgp_sign alice "$K/other.aci"
	# unsigned.aci: no signature at all.
	cp "$K/app.aci" "$K/unsigned.aci"
	https_start_logged "$K"
}

teardown_file() {
	http_stop TLS
	pgp_teardown
}

setup() {
	mkdir -p "$BATS_TEST_TMPDIR/work"
	cd "$BATS_TEST_TMPDIR/work"
	STORE=$BATS_TEST_TMPDIR/store
	export RKT_TEST_RESOLVE="rkt.test:$TLS_PORT:127.0.0.1" RKT_TEST_CAFILE="$CERTS/ca.crt"
	# Only rkt-test-env honours them (docs/trust.md).
	RKT_PROD=$RKT RKT=${RKT_TEST_ENV_BIN:?}
	BASE=https://rkt.test:$TLS_PORT/files
	CFG=(--system-config="$BATS_TEST_TMPDIR/sys" --local-config="$BATS_TEST_TMPDIR/local")
	"$RKT" "${CFG[@]}" trust --prefix=example.com/app --skip-fingerprint-review \
		"$K/alice.asc" >/dev/null
	ALICE=$(cat "$K/alice.fpr")
}

# rkt fetch with the test's keystore.
sfetch() {
	rkt "${CFG[@]}" fetch --full "$@"
}

# sqv's verdict on FILE and its signature SIG with the key KEY (exit status in $status).
sqv_check() {
	run sqv --keyring "$K/$1.asc" "$2" "$3"
}

expect_signed_by_alice() {
	[ "$status" -eq 0 ] || fail "rkt failed with $status: $stderr"
	[[ "$stderr" == *"signature verified:"*"alice <alice@example.com>"* ]] ||
		fail "no signer on stderr: $stderr"
}

@test "https: a good signature by a trusted key is accepted and the signer printed" {
	sfetch "$BASE/app.aci"
	expect_signed_by_alice
	local id=$output
	rkt_ok image list --no-legend --full --fields=id,name
	[ "$output" = "$id	example.com/app" ]
	grep -q "GET /files/app.aci.asc " "$LOG"
	sqv_check alice "$K/app.aci.asc" "$K/app.aci"
	[ "$status" -eq 0 ]
	[[ "${output,,}" == *"$ALICE"* ]]
}

@test "https: a tampered image is refused and nothing is stored" {
	sfetch "$BASE/tampered.aci"
	expect_error "$BASE/tampered.aci" "bad signature" "does not match"
	expect_empty_store
	sqv_check alice "$K/tampered.aci.asc" "$K/tampered.aci"
	[ "$status" -ne 0 ]
}

@test "https: a signature by an untrusted key is refused and nothing is stored" {
	sfetch "$BASE/bob.aci"
	expect_error "$BASE/bob.aci.asc" "not trusted for 'example.com/app'"
	expect_empty_store
	sqv_check alice "$K/bob.aci.asc" "$K/bob.aci"
	[ "$status" -ne 0 ]
	sqv_check bob "$K/bob.aci.asc" "$K/bob.aci"
	[ "$status" -eq 0 ]
}

@test "https: a key trusted only for another prefix is refused and nothing is stored" {
	sfetch "$BASE/other.aci"
	expect_error "no keys are trusted for 'example.com/other'"
	expect_empty_store
	# The signature itself is good: the prefix is what refuses it.
	sqv_check alice "$K/other.aci.asc" "$K/other.aci"
	[ "$status" -eq 0 ]
}

@test "https: a missing signature is refused before the image is downloaded" {
	sfetch "$BASE/unsigned.aci"
	expect_error "no signature '$BASE/unsigned.aci.asc'" "--insecure-options=image"
	expect_empty_store
	[ "$(tail -n 1 "$LOG")" = "GET /files/unsigned.aci.asc if-none-match= range= if-range=" ]
	[ ! -e "$K/unsigned.aci.asc" ]
}

@test "https: --insecure-options=image accepts an unsigned image and asks for no signature" {
	rkt "${CFG[@]}" --insecure-options=image fetch --full "$BASE/unsigned.aci"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(tail -n 1 "$LOG")" = "GET /files/unsigned.aci if-none-match= range= if-range=" ]
	rkt_ok image list --no-legend
	[ "${#lines[@]}" -eq 1 ]
}

@test "https: --signature names the signature URL" {
	sfetch --signature="$BASE/app.aci.asc" "$BASE/unsigned.aci"
	expect_signed_by_alice
	sfetch --signature="$BASE/bob.aci.asc" "$BASE/app.aci"
	expect_error "not trusted for 'example.com/app'"
}

# Upstream's deferred signature: a 202 Accepted for the signature means "not ready yet"; the
# image is downloaded, then the signature asked for once more.
@test "https: a signature deferred with 202 Accepted is fetched again after the image" {
	local host=https://rkt.test:$TLS_PORT n
	n=$(wc -l <"$LOG")
	sfetch --signature="$host/defer/1/app.aci.asc" "$BASE/app.aci"
	expect_signed_by_alice
	[[ "$stderr" == *"rkt: server requested deferring the signature download"* ]] || fail "$stderr"
	[ "$(grep -c "GET /defer/1/app.aci.asc " "$LOG")" -eq 2 ]
	# the order: the signature (202), the image, the signature again
	tail -n +$((n + 1)) "$LOG" | cut -d' ' -f2 >order
	[ "$(tr '\n' ' ' <order)" = "/defer/1/app.aci.asc /files/app.aci /defer/1/app.aci.asc " ] ||
		fail "$(cat order)"
}

@test "https: a signature deferred twice is an error and nothing is stored" {
	local host=https://rkt.test:$TLS_PORT
	sfetch --signature="$host/defer/2/app.aci.asc" "$BASE/app.aci"
	[ "$status" -eq 254 ] || fail "status $status: $stderr"
	[ "${#stderr_lines[@]}" -eq 2 ] || fail "$stderr"
	[ "${stderr_lines[0]}" = "rkt: server requested deferring the signature download" ] || fail "$stderr"
	[[ "${stderr_lines[1]}" == "rkt: "*"signature '$host/defer/2/app.aci.asc': the server asked to defer the download again (HTTP 202 Accepted after the image)" ]] ||
		fail "$stderr"
	expect_empty_store
	[ "$(grep -c "GET /defer/2/app.aci.asc " "$LOG")" -eq 2 ]
}

@test "file: a good FILE.asc is accepted and the signer printed" {
	cp "$K/app.aci" "$K/app.aci.asc" .
	sfetch app.aci
	expect_signed_by_alice
	sqv_check alice app.aci.asc app.aci
	[ "$status" -eq 0 ]
}

@test "file: a tampered image or an untrusted signer is refused and nothing is stored" {
	cp "$K/tampered.aci" "$K/tampered.aci.asc" "$K/bob.aci" "$K/bob.aci.asc" .
	sfetch tampered.aci
	expect_error "tampered.aci" "bad signature"
	expect_empty_store
	sqv_check alice tampered.aci.asc tampered.aci
	[ "$status" -ne 0 ]
	sfetch bob.aci
	expect_error "bob.aci" "not trusted for 'example.com/app'"
	expect_empty_store
	sqv_check alice bob.aci.asc bob.aci
	[ "$status" -ne 0 ]
}

@test "file: a missing FILE.asc is refused; --signature names another file" {
	cp "$K/unsigned.aci" .
	sfetch unsigned.aci
	expect_error "no signature 'unsigned.aci.asc'" "--insecure-options=image"
	expect_empty_store
	sfetch --signature="$K/app.aci.asc" unsigned.aci
	expect_signed_by_alice
}
