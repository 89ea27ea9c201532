#!/usr/bin/env bats
# Downloads with lib/net/http over HTTPS, through tests/e2e/tools/http-get, against
# tests/e2e/helpers/http-server.py with a test CA made by openssl.

load helpers/http

setup_file() {
	export CERTS="$BATS_FILE_TMPDIR/certs" ROOT="$BATS_FILE_TMPDIR/root"
	mkdir -p "$CERTS" "$ROOT"
	http_make_certs "$CERTS"
	head -c 300000 /dev/urandom >"$ROOT/blob"
	http_start TLS "$ROOT" --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
		--log "$BATS_FILE_TMPDIR/tls.log"
	http_start PLAIN "$ROOT"
	export TLS_PORT TLS_PID PLAIN_PORT PLAIN_PID
}

teardown_file() {
	http_stop TLS
	http_stop PLAIN
}

setup() {
	OUT=$BATS_TEST_TMPDIR/out
	BASE=https://127.0.0.1:$TLS_PORT
}

get() {
	RKT_TEST_CAFILE="$CERTS/ca.crt" "$HTTP_GET" "$@"
}

@test "https download verified with the test CA: body, ETag and max-age" {
	run get "$BASE/files/blob" "$OUT"
	[ "$status" -eq 0 ]
	[[ "$output" == *"status 200"* ]]
	[[ "$output" == *"etag \""* ]]
	[[ "$output" == *"max-age 60"* ]]
	cmp "$OUT" "$ROOT/blob"
}

@test "SSL_CERT_FILE is honoured too" {
	SSL_CERT_FILE="$CERTS/ca.crt" run "$HTTP_GET" "$BASE/files/blob" "$OUT"
	[ "$status" -eq 0 ]
}

@test "RKT_TEST_RESOLVE maps a host name to the local server" {
	RKT_TEST_RESOLVE="rkt.test:$TLS_PORT:127.0.0.1" \
		run get "https://rkt.test:$TLS_PORT/files/blob" "$OUT"
	[ "$status" -eq 0 ]
	cmp "$OUT" "$ROOT/blob"
}

@test "a server certificate from an unknown CA is refused, naming the URL" {
	run "$HTTP_GET" --cafile=/dev/null "$BASE/files/blob" "$OUT"
	[ "$status" -eq 254 ]
	[[ "$output" == "http-get: GET '$BASE/files/blob': "* ]]
	[ ! -s "$OUT" ]
}

@test "insecure TLS skips certificate verification" {
	run "$HTTP_GET" --cafile=/dev/null --insecure-tls "$BASE/files/blob" "$OUT"
	[ "$status" -eq 0 ]
	cmp "$OUT" "$ROOT/blob"
}

@test "a matching ETag gives not-modified and writes nothing" {
	etag=$(get "$BASE/files/blob" "$OUT" | sed -n 's/^etag //p')
	run get --etag="$etag" "$BASE/files/blob" "$BATS_TEST_TMPDIR/again"
	[ "$status" -eq 0 ]
	[[ "$output" == *"status 304"* ]]
	[[ "$output" == *"not-modified"* ]]
	[ ! -s "$BATS_TEST_TMPDIR/again" ]
	grep -q "GET /files/blob if-none-match=$etag" "$BATS_FILE_TMPDIR/tls.log"
}

@test "no-cache reports max-age 0" {
	run get "$BASE/nocache/blob" "$OUT"
	[ "$status" -eq 0 ]
	[[ "$output" == *"max-age 0"* ]]
}

@test "an interrupted download is resumed with a Range request" {
	run get "$BASE/drop/blob" "$OUT"
	[ "$status" -eq 254 ]
	[[ "$output" == *"GET '$BASE/drop/blob'"* ]]
	[ "$(stat -c %s "$OUT")" -eq 150000 ]
	run get --resume --progress "$BASE/drop/blob" "$OUT"
	[ "$status" -eq 0 ]
	[[ "$output" == *"status 206"* ]]
	[[ "$output" == *"resumed"* ]]
	[[ "$output" == *"size 300000"* ]]
	[[ "$output" == *"progress 300000/300000"* ]]
	cmp "$OUT" "$ROOT/blob"
	grep -q "GET /drop/blob .*range=bytes=150000-" "$BATS_FILE_TMPDIR/tls.log"
}

@test "https redirects are followed" {
	run get "$BASE/redirect?to=/files/blob" "$OUT"
	[ "$status" -eq 0 ]
	[[ "$output" == *"url $BASE/files/blob"* ]]
	cmp "$OUT" "$ROOT/blob"
}

@test "a redirect loop stops at the redirect limit" {
	run get --max-redirects=4 "$BASE/loop" "$OUT"
	[ "$status" -eq 254 ]
	[[ "$output" == *"GET '$BASE/loop': more than 4 redirects"* ]]
}

@test "a redirect from https to http is refused" {
	to="http://127.0.0.1:$PLAIN_PORT/files/blob"
	run get "$BASE/redirect?to=$to" "$OUT"
	[ "$status" -eq 254 ]
	[[ "$output" == *"redirect to '$to' refused: plain http is not allowed"* ]]
	[ ! -s "$OUT" ]
}

@test "a redirect from https to http is followed when plain http is allowed" {
	run get --insecure-http "$BASE/redirect?to=http://127.0.0.1:$PLAIN_PORT/files/blob" "$OUT"
	[ "$status" -eq 0 ]
	cmp "$OUT" "$ROOT/blob"
}

@test "plain http is refused unless allowed" {
	run get "http://127.0.0.1:$PLAIN_PORT/files/blob" "$OUT"
	[ "$status" -eq 254 ]
	[[ "$output" == *"plain http is not allowed"* ]]
	run get --insecure-http "http://127.0.0.1:$PLAIN_PORT/files/blob" "$OUT"
	[ "$status" -eq 0 ]
}

@test "HTTP errors name the URL and the status" {
	run get "$BASE/files/missing" "$OUT"
	[ "$status" -eq 254 ]
	[ "$output" = "http-get: GET '$BASE/files/missing': HTTP status 404" ]
}
