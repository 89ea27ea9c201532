#!/usr/bin/env bats
# The pod lifecycle after run: list, status, stop, rm, gc, enter, cat-manifest, export, logs,
# and their errors.

load pod-helpers

setup_file() {
	pod_setup_file
}

# run_exited ARGS: a pod that ran and exited; its UUID in $UUID.
run_exited() {
	rkrun --uuid-file-save="$T/uuid" "$BB_ACI" "$@"
	UUID=$(cat "$T/uuid")
}

@test "list shows one row per app with the pod's columns on the first" {
	run_exited --name=first --exec /bin/true --- "$BB_ACI" --name=second --exec /bin/true
	rkt_ok list
	[ "${lines[0]}" = "$(printf 'UUID\t\tAPP\tIMAGE NAME\t\t\tSTATE\tCREATED\t\tSTARTED\t\tNETWORKS')" ] ||
		[[ "${lines[0]}" == UUID*APP*"IMAGE NAME"*STATE*CREATED*STARTED*NETWORKS ]]
	[[ "${lines[1]}" == "${UUID:0:8}"*first*"example.com/busybox:1.0.0"*exited* ]]
	[[ "${lines[2]}" == *second*"example.com/busybox:1.0.0"* ]]
	[[ "${lines[2]}" != *exited* ]]
	rkt_ok list --no-legend --full
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == "$UUID"*first*"sha512-"* ]]
}

@test "list --format=json gives the API's pod objects" {
	run_exited --exec /bin/sh -- -c 'exit 4'
	rkt_ok list --format=json
	python3 - "$output" "$UUID" <<'PY'
import json, sys
pods = json.loads(sys.argv[1])
assert len(pods) == 1, pods
p = pods[0]
assert p["name"] == sys.argv[2], p
assert p["state"] == "exited", p
assert p["app_names"] == ["busybox"], p
assert p["apps"][0]["exit_code"] == 4, p
assert p["apps"][0]["image_id"].startswith("sha512-"), p
assert p["created_at"] > 0 and p["started_at"] >= p["created_at"], p
PY
	rkt_ok list --format=json-pretty
	[ "${lines[0]}" = "[" ]
}

@test "status of an exited pod" {
	run_exited --exec /bin/sh -- -c 'exit 5'
	rkt_ok status "$UUID"
	[ "${lines[0]}" = state=exited ]
	[[ "${lines[1]}" == created=20* ]]
	[[ "${lines[2]}" == started=20* ]]
	[[ "$output" == *$'\npid='* ]]
	[[ "$output" == *$'\nexited=true'* ]]
	[[ "$output" == *$'\napp-busybox=5'* ]]
	rkt_ok status --format=json "${UUID:0:8}"
	[[ "$output" == *'"state":"exited"'* ]]
}

@test "status of prepared, running, exited garbage pods" {
	rkprepare "$BB_ACI" --exec /bin/true
	local prepared=$output
	rkt_ok status "$prepared"
	[ "$output" = "$(printf 'state=prepared\n%s' "${lines[1]}")" ]
	start_pod "$BB_ACI" --exec /bin/sleep -- 1000
	rkt_ok status "$UUID"
	[ "${lines[0]}" = state=running ]
	[[ "$output" == *$'\nexited=false'* ]]
	[[ "$output" != *app-busybox=* ]]
	rkt_ok stop "$UUID"
	rkt_ok gc --grace-period=1h
	rkt_ok status "$UUID"
	[ "${lines[0]}" = "state=exited garbage" ]
	[[ "$output" == *$'\nexited=true'* ]]
}

@test "stop ends a running pod and stop --force kills one" {
	start_pod "$BB_ACI" --exec /bin/sleep -- 1000
	rkt_ok stop "$UUID"
	[ "$output" = "\"$UUID\"" ]
	rkt_ok status "$UUID"
	[ "${lines[0]}" = state=exited ]
	wait "$RUN_PID" || true
	start_pod "$BB_ACI" --exec /bin/sh -- -c 'trap "" TERM; while :; do sleep 1; done'
	rkt_ok stop --force "$UUID"
	rkt_ok status --wait=10s "$UUID"
	[ "${lines[0]}" = state=exited ]
}

# gated_stage1 OUT: the stage1 whose run entrypoint says "started" on $T/started and waits for
# a line on $T/gate before it starts the real one: the pod is in run/ and has no pid yet.
gated_stage1() {
	local l=$T/gated
	mkdir -p "$l"
	tar -xf "$S1_ACI" -C "$l"
	mv "$l/rootfs/init" "$l/rootfs/init.real"
	cat >"$l/rootfs/init" <<SH
#!/bin/sh
echo started >"$T/started"
read -r line <"$T/gate"
exec ./stage1/rootfs/init.real "\$@"
SH
	chmod 755 "$l/rootfs/init"
	"$ACTOOL" build --owner-root "$l" "$1" >/dev/null
}

# the system call a process is blocked in ("" once it has exited)
syscall_of() {
	cut -d' ' -f1 "/proc/$1/syscall" 2>/dev/null || true
}

@test "stop of a pod whose stage1 has not written its pid yet waits for it, as upstream" {
	gated_stage1 "$T/gated.aci"
	mkfifo "$T/started" "$T/gate"
	rkt "${RUNFLAGS[@]}" prepare --quiet --stage1-path="$T/gated.aci" "$BB_ACI" \
		--exec /bin/sleep -- 1000
	[ "$status" -eq 0 ] || fail "$stderr"
	UUID=$output
	"$RKT" --dir="$D" run-prepared "$UUID" >"$T/out" 2>"$T/err" &
	RUN_PID=$!
	read -r _ <"$T/started"
	[ ! -e "$D/pods/run/$UUID/pid" ]
	"$RKT" --dir="$D" stop "$UUID" >"$T/stop.out" 2>"$T/stop.err" &
	local stop_pid=$! sc
	# until stop sleeps between two looks at the pid file (clock_nanosleep), or has exited
	local nanosleep=230
	[ "$(uname -m)" = aarch64 ] && nanosleep=115
	while sc=$(syscall_of "$stop_pid") && [ -n "$sc" ] && [ "$sc" != "$nanosleep" ]; do :; done
	echo go >"$T/gate"
	if [ -z "$sc" ]; then
		# leave nothing running for teardown to race with
		"$RKT" --dir="$D" status --wait-ready=20s "$UUID" >/dev/null || true
		"$RKT" --dir="$D" stop --force "$UUID" >/dev/null || true
		fail "stop did not wait:" "$(cat "$T/stop.err")"
	fi
	wait "$stop_pid" || fail "stop failed: $(cat "$T/stop.err")"
	[ "$(cat "$T/stop.out")" = "\"$UUID\"" ]
	wait "$RUN_PID" || true
	RUN_PID=
	rkt_ok status "$UUID"
	[ "${lines[0]}" = state=exited ]
}

@test "stop of an exited pod says so on stdout and succeeds; of a prepared pod fails" {
	run_exited --exec /bin/true
	rkt_ok stop "$UUID"
	[ "$output" = "pod \"$UUID\" is already stopped" ]
	[ -z "$stderr" ]
	rkprepare "$BB_ACI" --exec /bin/true
	local prepared=$output
	rkt stop "$prepared"
	expect_error "pod \"$prepared\" is not running"
}

@test "rm removes exited and prepared pods and refuses running ones" {
	run_exited --exec /bin/true
	local exited=$UUID
	rkprepare "$BB_ACI" --exec /bin/true
	local prepared=$output
	start_pod "$BB_ACI" --exec /bin/sleep -- 1000
	rkt rm "$UUID"
	[ "$status" -eq 254 ]
	[[ "$stderr" == *"is running"* ]]
	rkt_ok rm "$exited" "$prepared"
	[ "${lines[0]}" = "\"$exited\"" ]
	[ "${lines[1]}" = "\"$prepared\"" ]
	[ ! -e "$D/pods/exited-garbage/$exited" ]
	[ ! -e "$D/pods/garbage/$prepared" ]
	rkt_ok status "$UUID"
	[ "${lines[0]}" = state=running ]
}

@test "gc keeps marked pods for the grace period, then removes them" {
	run_exited --exec /bin/true
	rkt_ok gc --grace-period=1h
	[ -d "$D/pods/exited-garbage/$UUID" ]
	[[ "$stderr" == *"moving pod \"$UUID\" to garbage"* ]]
	rkt_ok gc --grace-period=0s
	[ "$output" = "Garbage collecting pod \"$UUID\"" ]
	expect_no_pods
}

@test "gc --mark-only and --expire-prepared" {
	run_exited --exec /bin/true
	rkprepare "$BB_ACI" --exec /bin/true
	local prepared=$output
	rkt_ok gc --mark-only
	[ -d "$D/pods/exited-garbage/$UUID" ]
	[ -d "$D/pods/prepared/$prepared" ]
	rkt_ok gc --grace-period=0s
	[ -d "$D/pods/prepared/$prepared" ]
	rkt_ok gc --expire-prepared=0s
	expect_no_pods
}

@test "enter runs a command in the running app" {
	start_pod "$BB_ACI" --exec /bin/sh -- -c 'echo inside >/tmp/mark; sleep 1000'
	rkt_ok enter "$UUID" /bin/cat /tmp/mark
	[ "$output" = inside ]
	rkt_ok enter --app=busybox "$UUID" /bin/sh -c 'echo $AC_APP_NAME'
	[ "$output" = busybox ]
	# without a command: /bin/sh (busybox has no bash)
	run --separate-stderr bash -c 'echo "echo from-default-shell" | "$0" --dir="$1" enter "$2"' "$RKT" "$D" "$UUID"
	[ "$output" = from-default-shell ]
	rkt enter --app=nope "$UUID" /bin/true
	[ "$status" -eq 254 ]
}

@test "enter refuses a pod that is not running" {
	run_exited --exec /bin/true
	rkt enter "$UUID" /bin/true
	[ "$status" -eq 254 ]
	[[ "$stderr" == *"not running"* ]]
}

@test "export writes an ACI holding the app's writes" {
	run_exited --exec /bin/sh -- -c 'echo new >/data/new; rm /data/deleted; echo changed >/data/kept'
	rkt_ok export "$UUID" out.aci
	"$ACTOOL" validate out.aci >/dev/null
	mkdir x && tar -xzf out.aci -C x
	[ "$(cat x/rootfs/data/new)" = new ]
	[ "$(cat x/rootfs/data/kept)" = changed ]
	[ ! -e x/rootfs/data/deleted ]
	[ -x x/rootfs/bin/busybox ]
	grep -q '"name":"example.com/busybox"' x/manifest
	rkt export "$UUID" out.aci
	[ "$status" -eq 254 ]
	rkt_ok export --overwrite "$UUID" out.aci
	[ -z "$(mounts_below | grep export || true)" ]
}

@test "export --no-overlay pod and export of a running pod" {
	run_exited --no-overlay --exec /bin/sh -- -c 'echo copied >/data/new'
	rkt_ok export "$UUID" a.aci
	tar -xzf a.aci rootfs/data/new
	[ "$(cat rootfs/data/new)" = copied ]
	start_pod "$BB_ACI" --exec /bin/sleep -- 1000
	rkt export "$UUID" b.aci
	[ "$status" -eq 254 ]
	[[ "$stderr" == *"not exited"* ]]
}

@test "logs prints what the app wrote after it exited" {
	run_exited --exec /bin/sh -- -c 'echo to-stdout; echo to-stderr >&2'
	rkt_ok logs "$UUID"
	[[ "$output" == *to-stdout* ]]
	[[ "$output" == *to-stderr* ]]
	rkt_ok logs --app=busybox "$UUID"
	[[ "$output" == *to-stdout* ]]
	rkt logs --app=nope "$UUID"
	[ "$status" -eq 254 ]
}

@test "logs --follow returns when the pod exits" {
	start_pod "$BB_ACI" --exec /bin/sh -- -c 'echo started; exec sleep 1000'
	run --separate-stderr bash -c '"$0" --dir="$1" logs --follow "$2" & L=$!; "$0" --dir="$1" stop "$2" >/dev/null; wait $L' "$RKT" "$D" "$UUID"
	[ "$status" -eq 0 ]
	[[ "$output" == *started* ]]
}

@test "unknown UUIDs and ambiguous prefixes are errors" {
	for cmd in status cat-manifest rm stop enter export logs; do
		rkt $cmd 00000000-0000-4000-8000-000000000000 x.aci
		[ "$status" -eq 254 ] || fail "$cmd: status $status"
	done
	rkt status 00000000-0000-4000-8000-000000000000
	[[ "$stderr" == "rkt: status: no pod matches '00000000-0000-4000-8000-000000000000'" ]]
	run_exited --exec /bin/true
	local a=$UUID
	run_exited --exec /bin/true
	local b=$UUID
	# make a prefix both share: rename one pod to a UUID with the other's first digit
	local c=${a:0:1}${b:1}
	# (no rename when the two already share it: mv of a directory onto itself fails)
	[ "$c" = "$b" ] || mv "$D/pods/run/$b" "$D/pods/run/$c"
	rkt status "${a:0:1}"
	[ "$status" -eq 254 ]
	[[ "$stderr" == *ambiguous* ]]
	[[ "$stderr" == *"$a"* && "$stderr" == *"$c"* ]]
	rkt status not-hex
	[ "$status" -eq 254 ]
}
