#!/usr/bin/env bats
# Socket activation (ACE-28) and sd_notify readiness (ACE-30) (docs/stage1-abi.md 3.5): the
# app of each image is tests/e2e/tools/app-helper.

load pod-helpers

# build_helper_aci OUT NAME EXTRA_APP_JSON EXTRA_TOP_JSON ARGS_JSON
build_helper_aci() {
	local l
	l=$(mktemp -d "$BATS_FILE_TMPDIR/layout.XXXXXX")
	mkdir -p "$l/rootfs/etc" "$l/rootfs/sync"
	cp "$APP_HELPER" "$l/rootfs/app-helper"
	echo 'root:x:0:0:root:/:/app-helper' >"$l/rootfs/etc/passwd"
	echo 'root:x:0:' >"$l/rootfs/etc/group"
	cat >"$l/manifest" <<JSON
{"acKind":"ImageManifest","acVersion":"0.8.11","name":"$2",
 "labels":[{"name":"version","value":"1.0.0"},{"name":"os","value":"linux"},{"name":"arch","value":"$(arch)"}],
 $4
 "app":{"exec":["/app-helper",$5],"user":"0","group":"0"$3}}
JSON
	"$ACTOOL" build --owner-root "$l" "$1" >/dev/null
}

setup_file() {
	pod_setup_file
	: "${APP_HELPER:?APP_HELPER must name tests/e2e/tools/app-helper}"
	# a port that is free on the host's 127.0.0.1 now
	PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	LISTEN_ACI=$BATS_FILE_TMPDIR/listen.aci
	build_helper_aci "$LISTEN_ACI" example.com/listen \
		",\"ports\":[{\"name\":\"www\",\"protocol\":\"tcp\",\"port\":$PORT,\"socketActivated\":true}]" \
		"" '"sd-listen"'
	NOTIFY_ACI=$BATS_FILE_TMPDIR/notify.aci
	build_helper_aci "$NOTIFY_ACI" example.com/notify "" \
		'"annotations":[{"name":"appc.io/executor/supports-systemd-notify","value":"true"}],' \
		'"sd-notify","/sync"'
	export PORT LISTEN_ACI NOTIFY_ACI
}

@test "socket activation: the app accepts on fd 3 (LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES)" {
	start_pod --net=host "$LISTEN_ACI"
	run timeout 30 python3 -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
print(s.makefile().readline(), end="")' "$PORT"
	[ "$status" -eq 0 ] || fail "connect: $output" "$(cat "$T/out" "$T/err")"
	[ "$output" = "hello from www" ] || fail "reply: $output"
	wait "$RUN_PID" || fail "rkt run failed: $?" "$(cat "$T/out" "$T/err")"
	grep -qx "listen: www" "$T/out" || fail "app output:" "$(cat "$T/out" "$T/err")"
}

@test "socket activation: a port already taken fails the pod, naming the port" {
	mkfifo "$T/bound"
	python3 -c 'import signal, socket, sys
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("::", int(sys.argv[1]))); s.listen()
open(sys.argv[2], "w").write("bound\n")
signal.pause()' "$PORT" "$T/bound" &
	local holder=$!
	run timeout 30 head -n1 "$T/bound"
	[ "$output" = bound ] || { kill "$holder"; fail "no holder: $output"; }
	rkrun --net=host "$LISTEN_ACI"
	kill "$holder"
	[ "$status" -eq 254 ] || fail "status $status: $stderr"
	[[ "$stderr" == *'port "www": listening on tcp '"$PORT"* ]] || fail "stderr: $stderr"
}

@test "sd_notify: rkt status --wait-ready returns only once the app sent READY=1" {
	mkdir -p "$T/sync"
	mkfifo "$T/sync/a" "$T/sync/b"
	"$RKT" --dir="$D" "${RUNFLAGS[@]}" run --stage1-path="$S1_ACI" \
		--uuid-file-save="$T/uuid" --volume=sync,kind=host,source="$T/sync" \
		"$NOTIFY_ACI" --mount volume=sync,target=/sync >"$T/out" 2>"$T/err" &
	RUN_PID=$!
	# the app runs and has not notified yet
	run timeout 60 head -n1 "$T/sync/a"
	[ "$output" = started ] || fail "app did not start: $output" "$(cat "$T/err")"
	UUID=$(cat "$T/uuid")
	rkt status --wait-ready=1s "$UUID"
	[ "$status" -ne 0 ] || fail "ready before READY=1: $output"
	[[ "$stderr" == *"is not ready"* ]] || fail "stderr: $stderr"
	# READY=1, and the app keeps running
	timeout 30 sh -c 'echo go >"$0"' "$T/sync/b"
	rkt_ok status --wait-ready=30s "$UUID"
	[[ "$output" == *"state=running"* ]] || fail "not running: $output"
	timeout 30 sh -c 'echo stop >"$0"' "$T/sync/b"
	wait "$RUN_PID" || fail "rkt run failed: $?" "$(cat "$T/out" "$T/err")"
	grep -qx notified "$T/out" || fail "app output:" "$(cat "$T/out")"
}
