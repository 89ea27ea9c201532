#!/usr/bin/env bats
# rkt fetch of http(s) URLs: pull policies and the URL's cache record, ETag and max-age,
# resuming an interrupted download, plain http, TLS and redirects, the progress bar. The server
# (tests/e2e/helpers/http-server.py) logs one line per request: "no request" is checked on it.

load rkt-helpers
load helpers/http

setup_file() {
	export CERTS="$BATS_FILE_TMPDIR/certs" ROOT="$BATS_FILE_TMPDIR/root"
	mkdir -p "$CERTS" "$ROOT"
	http_make_certs "$CERTS"
	python3 "$BATS_TEST_DIRNAME/rkt-mkaci.py" "$ROOT/app.aci" --name example.com/app \
		--file /hello=hello --gzip
	python3 "$BATS_TEST_DIRNAME/rkt-mkaci.py" "$ROOT/big.aci" --name example.com/big \
		--big /blob=400000
	# A bad entry first, then more than the pipe and curl buffer between download and import.
	python3 "$BATS_TEST_DIRNAME/rkt-mkaci.py" "$ROOT/bad.aci" --name example.com/bad \
		--file /../evil=x --big /blob=4000000
	export LOG="$BATS_FILE_TMPDIR/requests.log"
	http_start TLS "$ROOT" --cert "$CERTS/server.crt" --key "$CERTS/server.key" --log "$LOG"
	http_start PLAIN "$ROOT" --log "$LOG"
	export TLS_PORT TLS_PID PLAIN_PORT PLAIN_PID
	# Image IDs as a local fetch computes them.
	local store=$BATS_FILE_TMPDIR/ids
	APP_ID=$("$RKT" --dir="$store" --insecure-options=image fetch --full "$ROOT/app.aci")
	BIG_ID=$("$RKT" --dir="$store" --insecure-options=image fetch --full "$ROOT/big.aci")
	export APP_ID BIG_ID
}

teardown_file() {
	http_stop TLS
	http_stop PLAIN
}

setup() {
	mkdir -p "$BATS_TEST_TMPDIR/work"
	cd "$BATS_TEST_TMPDIR/work"
	STORE=$BATS_TEST_TMPDIR/store
	# rkt.test is the server's certificate name; the test CA signed it.
	export RKT_TEST_RESOLVE="rkt.test:$TLS_PORT:127.0.0.1,rkt.test:$PLAIN_PORT:127.0.0.1"
	# Only rkt-test-env honours them (docs/trust.md).
	RKT_PROD=$RKT RKT=${RKT_TEST_ENV_BIN:?}
	export RKT_TEST_CAFILE="$CERTS/ca.crt"
	BASE=https://rkt.test:$TLS_PORT
	PLAIN=http://rkt.test:$PLAIN_PORT
}

# Number of requests the servers have seen so far.
requests() {
	wc -l <"$LOG"
}

@test "fetch over https with the test CA and name mapping prints the image ID" {
	fetch_ok "$BASE/files/app.aci"
	[ "$output" = "$APP_ID" ]
	[ -z "$stderr" ]
	rkt_ok image list --no-legend --full --fields=id,name
	[ "$output" = "$APP_ID	example.com/app" ]
	expect_consistent_store
}

@test "a downloaded image becomes the blob as served, written once, mode 0640" {
	fetch_ok "$BASE/files/big.aci"
	[ "$output" = "$BIG_ID" ]
	local blob=$STORE/cas/blob/sha512/${BIG_ID:7:2}/$BIG_ID
	cmp "$blob" "$ROOT/big.aci"
	[ "$(stat -c %a "$blob")" = 640 ]
	expect_consistent_store
	# A second download of the same image (another URL) keeps the stored blob.
	cp "$ROOT/big.aci" "$ROOT/big-again.aci"
	fetch_ok "$BASE/files/big-again.aci"
	[ "$output" = "$BIG_ID" ]
	cmp "$blob" "$ROOT/big.aci"
	expect_consistent_store
	# Cut mid-way: nothing of it in the store but the partial download.
	rkt --insecure-options=image fetch "$BASE/drop/app.aci"
	expect_error "$BASE/drop/app.aci"
	rkt_ok image list --no-legend --full --fields=id
	[ "$output" = "$BIG_ID" ]
}

# Fetches app.aci from URL, then again with --pull-policy=POLICY: the same image, no request.
refetch_without_request() {
	fetch_ok "$1"
	local n
	n=$(requests)
	fetch_ok --pull-policy="$2" "$1"
	[ "$output" = "$APP_ID" ]
	[ "$(requests)" -eq "$n" ]
}

@test "--pull-policy=new: a second fetch of the URL makes no request" {
	refetch_without_request "$BASE/nocache/app.aci" new
}

@test "--pull-policy=never: the stored image of the URL, or an error without a request" {
	local n
	n=$(requests)
	rkt --insecure-options=image fetch --pull-policy=never "$BASE/files/app.aci"
	expect_error "$BASE/files/app.aci" "not in the store"
	[ "$(requests)" -eq "$n" ]
	refetch_without_request "$BASE/files/app.aci" never
}

@test "update sends the stored ETag and keeps the stored image on 304" {
	fetch_ok "$BASE/nocache/app.aci"
	local blob=$STORE/cas/blob/sha512/${APP_ID:7:2}/$APP_ID ino n etag
	ino=$(stat -c %i "$blob")
	etag=\"$(sha256sum "$ROOT/app.aci" | cut -c1-16)\"
	n=$(requests)
	fetch_ok --pull-policy=update "$BASE/nocache/app.aci"
	[ "$output" = "$APP_ID" ]
	[ "$(requests)" -eq $((n + 1)) ]
	[ "$(tail -n 1 "$LOG")" = "GET /nocache/app.aci if-none-match=$etag range= if-range=" ]
	# Not imported again: the same blob file, and nothing left in the tmp area.
	[ "$(stat -c %i "$blob")" = "$ino" ]
	expect_consistent_store
}

@test "update within Cache-Control max-age makes no request" {
	refetch_without_request "$BASE/files/app.aci" update
}

@test "an interrupted download is kept and resumed with a Range request" {
	rkt --insecure-options=image fetch "$BASE/drop/big.aci"
	expect_error "$BASE/drop/big.aci"
	# Half the body is in the store's tmp area, with the ETag it came with.
	local part
	part=$(find "$STORE/cas/tmp" -name 'download-*' ! -name '*.*')
	[ -n "$part" ]
	local size full
	size=$(stat -c %s "$part")
	full=$(stat -c %s "$ROOT/big.aci")
	[ "$size" -gt 0 ]
	[ "$size" -lt "$full" ]
	rkt_ok image list --no-legend
	[ -z "$output" ]
	fetch_ok "$BASE/drop/big.aci"
	[ "$output" = "$BIG_ID" ]
	[[ "$(tail -n 1 "$LOG")" == "GET /drop/big.aci if-none-match= range=bytes=$size- if-range=\""* ]]
	expect_consistent_store
}

@test "the import reads the download as it arrives: a bad image is refused mid-transfer" {
	# The server sends half the image and then waits for the client to hang up: only an
	# import that runs during the download sees the bad entry, which is at the start.
	rkt --insecure-options=image fetch "$BASE/stall/bad.aci"
	expect_error "$BASE/stall/bad.aci" "entry 'rootfs/../': path leaves the image"
	# Refused, not interrupted: nothing to resume, no work directory, no image.
	[ -z "$(ls -A "$STORE/cas/tmp")" ]
	rkt_ok image list --no-legend
	[ -z "$output" ]
	expect_consistent_store
}

@test "image gc removes an abandoned partial download" {
	rkt --insecure-options=image fetch "$BASE/drop/big.aci"
	expect_error "$BASE/drop/big.aci"
	[ -n "$(ls -A "$STORE/cas/tmp")" ]
	rkt_ok image gc
	[ -z "$(ls -A "$STORE/cas/tmp")" ]
}

@test "plain http is refused without --insecure-options=http" {
	local n
	n=$(requests)
	rkt --insecure-options=image fetch "$PLAIN/files/app.aci"
	expect_error "$PLAIN/files/app.aci" "plain http is not allowed"
	[ "$(requests)" -eq "$n" ]
	expect_empty_store
	fetch_ok --insecure-options=image,http "$PLAIN/files/app.aci"
	[ "$output" = "$APP_ID" ]
}

@test "an https to http redirect is refused unless http is allowed" {
	local url="$BASE/redirect?to=$PLAIN/files/app.aci"
	rkt --insecure-options=image fetch "$url"
	expect_error "redirect to '$PLAIN/files/app.aci' refused" "plain http is not allowed"
	expect_empty_store
	fetch_ok --insecure-options=image,http "$url"
	[ "$output" = "$APP_ID" ]
}

@test "an unknown CA is refused; --insecure-options=tls skips the check" {
	RKT_TEST_CAFILE=/dev/null rkt --insecure-options=image fetch "$BASE/files/app.aci"
	expect_error "$BASE/files/app.aci"
	expect_empty_store
	RKT_TEST_CAFILE=/dev/null fetch_ok --insecure-options=image,tls "$BASE/files/app.aci"
	[ "$output" = "$APP_ID" ]
}

@test "all-fetch allows http and skips the signature" {
	fetch_ok --insecure-options=all-fetch "$PLAIN/files/app.aci"
	[ "$output" = "$APP_ID" ]
}

@test "a missing image is an error naming the URL and the status" {
	rkt --insecure-options=image fetch "$BASE/files/nothing.aci"
	expect_error "GET '$BASE/files/nothing.aci': HTTP status 404"
	expect_empty_store
}

@test "a progress bar is drawn on a terminal stderr, nothing otherwise" {
	fetch_ok "$BASE/files/big.aci"
	[ -z "$stderr" ]
	rm -rf "$STORE"
	# script gives the command a terminal; its output is what the terminal showed.
	run script -qec "'$RKT' --dir='$STORE' --insecure-options=image fetch '$BASE/files/big.aci'" /dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *"Downloading image: ["*"] "*" / "*"kB"* ]]
	[[ "$output" == *"${BIG_ID:0:39}"* ]]
}

@test "rkt as built and installed ignores RKT_TEST_RESOLVE and RKT_TEST_CAFILE" {
	# rkt-test-env (this suite's rkt) reaches the test server through them; rkt does not.
	fetch_ok --insecure-options=image "$BASE/files/app.aci"
	rm -rf "$STORE"
	RKT=$RKT_PROD rkt --insecure-options=image fetch "$BASE/files/app.aci"
	expect_error "$BASE/files/app.aci"
	expect_empty_store
}
