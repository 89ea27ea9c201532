#!/usr/bin/env bats
# The appc metadata service (rkt metadata-service, docs/metadata-service.md): every endpoint and
# its exact format (MDS-5..15), tokens (MDS-2, MDS-18), registration by rkt run --mds-register
# and unregistration by gc, and robustness: memory after many registrations, malformed
# requests, slow clients. One service per file, on 127.0.0.1 with a port the kernel picks and a
# socket in the test's directory (rkt-test-env's RKT_TEST_MDS_SOCKET / RKT_TEST_MDS_ADDRESS).

load pod-helpers

MDSC="python3 $BATS_TEST_DIRNAME/helpers/mds-client.py"
: "${RKT_TEST_ENV_BIN:?RKT_TEST_ENV_BIN must name rkt-test-env}"

setup_file() {
	pod_setup_file
	local fifo line
	export MDS_SOCK=$BATS_FILE_TMPDIR/mds.sock MDS_LOG=$BATS_FILE_TMPDIR/mds.log
	fifo=$BATS_FILE_TMPDIR/mds.ready
	mkfifo "$fifo"
	exec 8<>"$fifo"
	RKT_TEST_MDS_SOCKET=$MDS_SOCK RKT_TEST_MDS_ADDRESS=127.0.0.1 \
		"$RKT_TEST_ENV_BIN" metadata-service --listen-port=0 >"$fifo" 2>"$MDS_LOG" &
	export MDS_PID=$!
	# the service's one stdout line says it listens (read's timeout bounds the wait)
	read -r -t 30 line <&8 || { cat "$MDS_LOG" >&2; return 1; }
	exec 8<&-
	MDS_PORT=${line##*127.0.0.1:}
	export MDS_PORT=${MDS_PORT%%,*}
	export MDS_URL=http://127.0.0.1:$MDS_PORT
	# a pod with two apps, registered by hand (as stage0 would)
	export POD_A=6f8b1d42-0d0f-4c43-9d9c-3c5b8b7e0a01 TOKEN_A=0123456789abcdef0123456789abcdef
	export POD_B=7a1c2e53-1e10-4d54-8e8d-4d6c9c8f1b12 TOKEN_B=fedcba9876543210fedcba9876543210
	local d=$BATS_FILE_TMPDIR id=sha512-$(printf 'ab%.0s' $(seq 64))
	cat >"$d/pod-a.json" <<JSON
{"acKind":"PodManifest","acVersion":"0.8.11","apps":[
 {"name":"web","image":{"name":"example.com/web","id":"$id"},
  "annotations":[{"name":"lorem","value":"pod"},{"name":"extra","value":"added"}]},
 {"name":"db","image":{"name":"example.com/db","id":"$id"}}],
 "annotations":[{"name":"ip-address","value":"10.1.2.3"},{"name":"example.com/k","value":"v"}]}
JSON
	cat >"$d/web.json" <<JSON
{"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/web",
 "annotations":[{"name":"created","value":"2014-10-27T19:32:27.67021798Z"},{"name":"lorem","value":"ipsum"},{"name":"authors","value":"Carly"}]}
JSON
	printf '{"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/db"}' >"$d/db.json"
	printf '{"acKind":"PodManifest","acVersion":"0.8.11","apps":[{"name":"secret","image":{"name":"example.com/s","id":"%s"}}]}' \
		"$id" >"$d/pod-b.json"
	printf '{"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/s","annotations":[{"name":"password","value":"hunter2"}]}' >"$d/secret.json"
	$MDSC register "$MDS_SOCK" "$POD_A" "$TOKEN_A" "$d/pod-a.json" web="$d/web.json" db="$d/db.json"
	$MDSC register "$MDS_SOCK" "$POD_B" "$TOKEN_B" "$d/pod-b.json" secret="$d/secret.json"
}

teardown_file() {
	if [ -n "${MDS_PID:-}" ]; then
		kill "$MDS_PID" 2>/dev/null || true
		wait "$MDS_PID" 2>/dev/null || true
	fi
}

# mds_get PATH (under $MDS_URL): $status is the helper's; lines: HTTP status, Content-Type, body
mds_get() {
	run --separate-stderr $MDSC get "$MDS_URL$1"
	[ "$status" -eq 0 ] || fail "client failed: $stderr"
}

mds_post() {
	local path=$1
	shift
	run --separate-stderr $MDSC post "$MDS_URL$path" "$@"
	[ "$status" -eq 0 ] || fail "client failed: $stderr"
}

# expect HTTP-STATUS CONTENT-TYPE [BODY]
expect() {
	[ "${lines[0]}" = "$1" ] || fail "HTTP status ${lines[0]}, expected $1" "$output"
	[ "${lines[1]}" = "$2" ] || fail "Content-Type '${lines[1]}', expected '$2'"
	if [ $# -ge 3 ]; then
		local body=${output#"${lines[0]}"$'\n'"${lines[1]}"}
		body=${body#$'\n'}
		[ "$body" = "$3" ] || fail "body '$body', expected '$3'"
	fi
}

A=/$TOKEN_A/acMetadata/v1

@test "pod endpoints: uuid without a newline, manifest as registered, annotations as in it" {
	# MDS-3, MDS-5, MDS-6, MDS-7, MDS-15
	A=/$TOKEN_A/acMetadata/v1
	mds_get "$A/pod/uuid"
	expect 200 "text/plain; charset=us-ascii" "$POD_A"
	[ "${#lines[2]}" -eq 36 ]
	[[ "$output" != *$'\n' ]] || fail "the UUID ends with a newline"
	mds_get "$A/pod/manifest"
	expect 200 application/json "$(cat "$BATS_FILE_TMPDIR/pod-a.json")"
	mds_get "$A/pod/annotations"
	expect 200 application/json \
		'[{"name":"ip-address","value":"10.1.2.3"},{"name":"example.com/k","value":"v"}]'
	mds_get "$A/pod/annotations/ip-address"
	expect 200 "text/plain; charset=us-ascii" 10.1.2.3
	mds_get "$A/pod/annotations/example.com/k"
	expect 200 "text/plain; charset=us-ascii" v
	mds_get "$A/pod/annotations/nope"
	expect 404 "text/plain; charset=us-ascii"
	mds_get "$A/pod/annotations/Not_An_Identifier"
	expect 400 "text/plain; charset=us-ascii"
}

@test "/pod/annotations of a manifest without annotations is null, [] stays []" {
	# MDS-15
	mds_get "/$TOKEN_B/acMetadata/v1/pod/annotations"
	expect 200 application/json null
}

@test "app endpoints: image manifest, image id, annotations merged in image order" {
	# MDS-8, MDS-9, MDS-10
	A=/$TOKEN_A/acMetadata/v1
	mds_get "$A/apps/web/image/manifest"
	expect 200 application/json "$(cat "$BATS_FILE_TMPDIR/web.json")"
	mds_get "$A/apps/web/image/id"
	expect 200 "text/plain; charset=us-ascii" "sha512-$(printf 'ab%.0s' $(seq 64))"
	mds_get "$A/apps/web/annotations"
	expect 200 application/json \
		'[{"name":"created","value":"2014-10-27T19:32:27.67021798Z"},{"name":"lorem","value":"pod"},{"name":"authors","value":"Carly"},{"name":"extra","value":"added"}]'
	mds_get "$A/apps/web/annotations/lorem"
	expect 200 "text/plain; charset=us-ascii" pod
	mds_get "$A/apps/db/annotations"
	expect 200 application/json '[]'
	mds_get "$A/apps/nope/image/id"
	expect 404 "text/plain; charset=us-ascii"
}

@test "sign and verify: the pod's signature verifies, anything changed is 403" {
	# MDS-11, MDS-12, MDS-13
	A=/$TOKEN_A/acMetadata/v1
	mds_post "$A/pod/hmac/sign" "content=Old MacDonald Had A Farm"
	expect 200 "text/plain; charset=us-ascii"
	local sig=${lines[2]}
	[ "${#sig}" -eq 88 ] || fail "signature '$sig' is not base64 of 64 bytes"
	# any pod of the service may verify (MDS-12); the success carries the Content-Type
	mds_post "/$TOKEN_B/acMetadata/v1/pod/hmac/verify" "content=Old MacDonald Had A Farm" \
		"uuid=$POD_A" "signature=$sig"
	expect 200 "text/plain; charset=us-ascii" ""
	mds_post "$A/pod/hmac/verify" "content=Old MacDonald Had A Farm" "uid=$POD_A" \
		"signature=$sig"
	expect 200 "text/plain; charset=us-ascii"
	mds_post "$A/pod/hmac/verify" "content=Old MacDonald Had A Farm!" "uuid=$POD_A" \
		"signature=$sig"
	expect 403 "text/plain; charset=us-ascii"
	mds_post "$A/pod/hmac/verify" "content=Old MacDonald Had A Farm" "uuid=$POD_B" \
		"signature=$sig"
	expect 403 "text/plain; charset=us-ascii"
	mds_post "$A/pod/hmac/verify" "content=x" "uuid=$POD_A" "signature=not*base64"
	expect 400 "text/plain; charset=us-ascii"
	mds_post "$A/pod/hmac/verify" "content=x" "signature=$sig"
	expect 400 "text/plain; charset=us-ascii"
	mds_post "$A/pod/hmac/sign" "other=x"
	expect 400 "text/plain; charset=us-ascii"
}

@test "bad tokens are 401, unknown paths 404, wrong methods 405" {
	# MDS-14, MDS-18
	mds_get "/00000000000000000000000000000000/acMetadata/v1/pod/uuid"
	expect 401 "text/plain; charset=us-ascii"
	mds_get "/$TOKEN_A-x/acMetadata/v1/pod/manifest"
	expect 401 "text/plain; charset=us-ascii"
	mds_get "/../acMetadata/v1/pod/uuid"
	expect 401 "text/plain; charset=us-ascii"
	mds_post "/bogus/acMetadata/v1/pod/hmac/sign" content=x
	expect 401 "text/plain; charset=us-ascii"
	mds_get "/$TOKEN_A/acMetadata/v1/pod/nothing"
	expect 404 "text/plain; charset=us-ascii"
	mds_get "/$TOKEN_A/acMetadata/v2/pod/uuid"
	expect 404 "text/plain; charset=us-ascii"
	mds_get "/$TOKEN_A"
	expect 404 "text/plain; charset=us-ascii"
	mds_get "/$TOKEN_A/acMetadata/v1/pod/hmac/sign"
	expect 405 "text/plain; charset=us-ascii"
	mds_post "/$TOKEN_A/acMetadata/v1/pod/uuid" content=x
	expect 405 "text/plain; charset=us-ascii"
}

@test "a token reaches only its own pod: another pod's apps are not found" {
	# MDS-2, MDS-18
	mds_get "/$TOKEN_A/acMetadata/v1/apps/secret/annotations"
	expect 404 "text/plain; charset=us-ascii"
	[[ "$output" != *hunter2* ]]
	mds_get "/$TOKEN_A/acMetadata/v1/apps/secret/image/manifest"
	expect 404 "text/plain; charset=us-ascii"
	mds_get "/$TOKEN_B/acMetadata/v1/apps/web/image/id"
	expect 404 "text/plain; charset=us-ascii"
	mds_get "/$TOKEN_B/acMetadata/v1/pod/uuid"
	expect 200 "text/plain; charset=us-ascii" "$POD_B"
}

@test "registration: bad UUID, manifest, token or app is refused; a token is one pod's" {
	# MDS-4, MDS-14
	local d=$BATS_FILE_TMPDIR u=11111111-2222-4333-8444-555555555555
	run $MDSC reg "$MDS_SOCK" PUT "/pods/not-a-uuid?token=abc" "$d/pod-a.json"
	[ "${lines[0]}" = 400 ]
	run $MDSC reg "$MDS_SOCK" PUT "/pods/$u?token=abc" "$d/web.json"
	[ "${lines[0]}" = 400 ]
	run $MDSC reg "$MDS_SOCK" PUT "/pods/$u" "$d/pod-a.json"
	[ "${lines[0]}" = 400 ]
	run $MDSC reg "$MDS_SOCK" PUT "/pods/$u?token=$TOKEN_B" "$d/pod-a.json"
	[ "${lines[0]}" = 409 ] || fail "a second pod took pod B's token: $output"
	run $MDSC reg "$MDS_SOCK" PUT "/pods/$POD_B/web" "$d/web.json"
	[ "${lines[0]}" = 404 ]
	run $MDSC reg "$MDS_SOCK" PUT "/pods/$POD_A/web" "$d/pod-a.json"
	[ "${lines[0]}" = 400 ]
	run $MDSC reg "$MDS_SOCK" GET "/pods/$POD_A"
	[ "${lines[0]}" = 405 ]
	run $MDSC reg "$MDS_SOCK" DELETE "/pods/$u"
	[ "${lines[0]}" = 404 ]
	mds_get "/$TOKEN_B/acMetadata/v1/pod/uuid"
	expect 200 "text/plain; charset=us-ascii" "$POD_B"
}

@test "an unregistered pod's token is refused" {
	local u=22222222-2222-4333-8444-555555555555 t=cafecafecafecafecafecafecafecafe
	$MDSC register "$MDS_SOCK" "$u" "$t" "$BATS_FILE_TMPDIR/pod-b.json"
	mds_get "/$t/acMetadata/v1/pod/uuid"
	expect 200 "text/plain; charset=us-ascii" "$u"
	run $MDSC reg "$MDS_SOCK" DELETE "/pods/$u"
	[ "${lines[0]}" = 200 ]
	mds_get "/$t/acMetadata/v1/pod/uuid"
	expect 401 "text/plain; charset=us-ascii"
}

vmrss() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$MDS_PID/status"
}

@test "1,000 registrations and unregistrations leave resident memory flat" {
	# one round first: the allocator and the tables reach their working size
	$MDSC churn "$MDS_SOCK" 1000
	local before after
	before=$(vmrss)
	$MDSC churn "$MDS_SOCK" 1000
	$MDSC churn "$MDS_SOCK" 1000
	after=$(vmrss)
	echo "# VmRSS ${before} kB -> ${after} kB" >&3
	[ "$after" -le $((before + 256)) ] || fail "VmRSS grew from $before kB to $after kB"
	mds_get "/$TOKEN_A/acMetadata/v1/pod/uuid"
	expect 200 "text/plain; charset=us-ascii" "$POD_A"
}

@test "malformed HTTP gets an error, and the service goes on" {
	printf 'GARBAGE\r\n\r\n' >bad1
	printf 'GET /%s HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n' "$TOKEN_A" >bad2
	printf '\x00\x01\x02\xff\r\n\r\n' >bad3
	{ printf 'GET / HTTP/1.1\r\nHost: x\r\nX-Big: '; head -c 65536 /dev/zero | tr '\0' a; printf '\r\n\r\n'; } >bad4
	for f in bad1 bad2 bad3 bad4; do
		run --separate-stderr $MDSC raw "$MDS_PORT" "$f"
		[ "$status" -eq 0 ] || fail "$f: client failed: $stderr"
		[[ "$output" == "HTTP/1.1 4"* || "$output" == closed ]] || fail "$f: $output"
	done
	mds_get "/$TOKEN_A/acMetadata/v1/pod/uuid"
	expect 200 "text/plain; charset=us-ascii" "$POD_A"
}

@test "request bodies over the limit get 413" {
	head -c 70000 /dev/zero | tr '\0' a >big
	mds_post "/$TOKEN_A/acMetadata/v1/pod/hmac/sign" "content=$(cat big)"
	expect 413 "text/plain; charset=us-ascii"
}

@test "a client that never finishes its request does not block another" {
	run --separate-stderr $MDSC stall "$MDS_PORT" "$MDS_URL/$TOKEN_A/acMetadata/v1/pod/uuid"
	[ "$status" -eq 0 ] || fail "the second client was not answered within 2 s: $stderr"
	expect 200 "text/plain; charset=us-ascii" "$POD_A"
}

@test "the registration socket is created mode 0660" {
	[ "$(stat -c %a "$MDS_SOCK")" = 660 ]
}

@test "a second service on the same socket is refused, the first keeps it" {
	RKT_TEST_MDS_SOCKET=$MDS_SOCK run --separate-stderr "$RKT_TEST_ENV_BIN" \
		metadata-service --listen-port=0
	[ "$status" -eq 254 ]
	[[ "$stderr" == *"already running"* ]] || fail "$stderr"
	[ -S "$MDS_SOCK" ]
	mds_get "/$TOKEN_A/acMetadata/v1/pod/uuid"
	expect 200 "text/plain; charset=us-ascii" "$POD_A"
}

@test "socket activation: the service serves the socket it inherits as fd 3 and leaves it" {
	local fifo=$T/ready line pid sock=$T/activated.sock u=33333333-2222-4333-8444-555555555555
	mkfifo "$fifo"
	exec 8<>"$fifo"
	RKT_TEST_MDS_ADDRESS=127.0.0.1 $MDSC activate "$sock" "$RKT_TEST_ENV_BIN" \
		metadata-service --listen-port=0 >"$fifo" 2>"$T/log" &
	pid=$!
	read -r -t 30 line <&8 || { kill "$pid"; fail "no ready line: $(cat "$T/log")"; }
	exec 8<&-
	[[ "$line" == *"registrations on fd 3" ]] || fail "$line"
	local port=${line##*127.0.0.1:}
	port=${port%%,*}
	$MDSC register "$sock" "$u" abcabc "$BATS_FILE_TMPDIR/pod-b.json"
	run --separate-stderr $MDSC get "http://127.0.0.1:$port/abcabc/acMetadata/v1/pod/uuid"
	kill "$pid"
	wait "$pid" || fail "the service exited with $?"
	expect 200 "text/plain; charset=us-ascii" "$u"
	[ -S "$sock" ] || fail "the inherited socket was removed"
}

@test "metadata-service: a bad --listen-port is refused" {
	RKT=$RKT_TEST_ENV_BIN rkt metadata-service --listen-port=70000
	expect_error "--listen-port '70000' is not a port"
}

# ---- pods ----

RUNFLAGS=(--insecure-options=image)
mds_rkt() {
	run --separate-stderr env RKT_TEST_MDS_SOCKET="$MDS_SOCK" "$RKT_TEST_ENV_BIN" --dir="$D" \
		"$@"
}

@test "an app in a --net=host pod reads its own metadata through AC_METADATA_URL; gc unregisters" {
	# MDS-1, MDS-2, MDS-16, MDS-17 (the host network)
	mds_rkt "${RUNFLAGS[@]}" run --stage1-path="$S1_ACI" --net=host --mds-register \
		--uuid-file-save="$T/uuid" "$BB_ACI" --exec /bin/sh -- -c \
		'echo "$AC_METADATA_URL"; echo "$AC_APP_NAME";
		 /bin/busybox wget -q -O - "$AC_METADATA_URL/acMetadata/v1/pod/uuid"; echo;
		 /bin/busybox wget -q -O - "$AC_METADATA_URL/acMetadata/v1/apps/$AC_APP_NAME/image/manifest"'
	[ "$status" -eq 0 ] || fail "status $status: $stderr"
	local uuid url
	uuid=$(cat "$T/uuid")
	url=${lines[0]}
	[[ "$url" =~ ^http://127\.0\.0\.1:$MDS_PORT/[0-9a-f]{32}$ ]] || fail "AC_METADATA_URL '$url'"
	[ "${lines[1]}" = busybox ]
	[ "${lines[2]}" = "$uuid" ]
	[[ "${lines[3]}" == *'"name":"example.com/busybox"'* ]] || fail "manifest: ${lines[3]}"
	[ "$(cat "$D/pods/run/$uuid/mds-registered")" = "$MDS_PORT" ]
	run --separate-stderr $MDSC get "$url/acMetadata/v1/pod/uuid"
	expect 200 "text/plain; charset=us-ascii" "$uuid"
	mds_rkt gc --grace-period=0s
	[ "$status" -eq 0 ] || fail "gc: $stderr"
	run --separate-stderr $MDSC get "$url/acMetadata/v1/pod/uuid"
	expect 401 "text/plain; charset=us-ascii"
}

@test "run --mds-register without a running service fails clearly and leaves no pod" {
	run --separate-stderr env RKT_TEST_MDS_SOCKET="$T/none.sock" "$RKT_TEST_ENV_BIN" \
		--dir="$D" "${RUNFLAGS[@]}" run --stage1-path="$S1_ACI" --mds-register "$BB_ACI"
	expect_error "--mds-register" "cannot reach the metadata service at '$T/none.sock'" \
		"rkt metadata-service"
	[ -z "$(ls "$D/pods/prepare" "$D/pods/run" 2>/dev/null)" ]
}

@test "the installed rkt ignores RKT_TEST_MDS_SOCKET: it registers at /run/rkt/metadata-svc.sock" {
	RKT_TEST_MDS_SOCKET=$MDS_SOCK rkrun --mds-register "$BB_ACI"
	expect_error "/run/rkt/metadata-svc.sock"
}

@test "run --mds-register=false does not register" {
	mds_rkt "${RUNFLAGS[@]}" run --stage1-path="$S1_ACI" --mds-register=false \
		--uuid-file-save="$T/uuid" "$BB_ACI" --exec /bin/sh -- -c 'echo "[$AC_METADATA_URL]"'
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = "[]" ]
	[ ! -e "$D/pods/run/$(cat "$T/uuid")/mds-registered" ]
}
