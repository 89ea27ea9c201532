#!/usr/bin/env bats
# Pods killed at any moment leave nothing gc cannot remove; many pods at once.

load pod-helpers

setup_file() {
	pod_setup_file
}

# the processes of this test's apps: their command line carries a marker
MARK=
app_processes() {
	pgrep -f "sleep $MARK" || true
}

@test "SIGKILL of rkt run at random moments leaves pods gc removes completely" {
	MARK=$((100000 + RANDOM))
	# import the images once, so that kills also land in the preparation
	rkrun "$BB_ACI" --exec /bin/true
	local i pid
	for i in $(seq 1 12); do
		"$RKT" --dir="$D" "${RUNFLAGS[@]}" run --stage1-path="$S1_ACI" "$BB_ACI" \
			--exec /bin/sleep -- "$MARK" >/dev/null 2>&1 &
		pid=$!
		# a random moment: anywhere from preparing to running
		sleep "0.$((RANDOM % 40))"
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	# every pod is exited or an aborted prepare once its processes are gone
	local u
	for u in $(find "$D/pods/run" "$D/pods/prepare" -mindepth 1 -maxdepth 1 -printf '%f\n'); do
		# (a CNI plugin a kill orphaned holds the pod's lock until it is done)
		"$RKT" --dir="$D" status --wait=60s "$u" >/dev/null || {
			# who still holds the pod's lock
			local ino
			ino=$(stat -c %i "$D"/pods/*/"$u")
			grep ":$ino " /proc/locks >&2 || true
			ps -eo pid,ppid,stat,args | grep -E "stage1|rkt|$MARK" >&2 || true
			fail "pod $u still running"
		}
	done
	rkt_ok list --no-legend
	[[ "$output" != *running* && "$output" != *preparing* ]] || fail "$output"
	local uuids
	uuids=$(find "$D/pods" -mindepth 2 -maxdepth 2 -printf '%f\n')
	rkt_ok gc --grace-period=0s
	expect_no_pods
	[ -z "$(app_processes)" ] || fail "processes left: $(app_processes)"
	# the default network of each pod is gone too (docs/networking.md): its namespace, its
	# IPAM lease, its record, its iptables rules and chains (the veth goes with the namespace)
	for u in $uuids; do
		expect_pod_net_gone "$u"
	done
}

@test "SIGKILL of the pod's init leaves an exited pod that gc removes" {
	MARK=$((200000 + RANDOM))
	start_pod "$BB_ACI" --exec /bin/sleep -- "$MARK"
	local pid
	pid=$(cat "$D/pods/run/$UUID/pid")
	kill -KILL "$pid"
	rkt_ok status --wait=20s "$UUID"
	[ "${lines[0]}" = state=exited ]
	wait "$RUN_PID" || true
	rkt_ok list --no-legend
	[[ "$output" == *exited* ]]
	[ -n "$(pod_net_traces "$UUID")" ] || fail "no network of $UUID seen: the check proves nothing"
	rkt_ok gc --grace-period=0s
	expect_no_pods
	[ -z "$(app_processes)" ] || fail "processes left: $(app_processes)"
	expect_pod_net_gone "$UUID"
}

@test "an aborted prepare is listed and collected" {
	rkrun "$BB_ACI" --exec /bin/true
	rkt_ok gc --grace-period=0s
	# a preparation killed before anything was written
	local u=6f1c4a2e-1b2c-4d3e-8f4a-0123456789ab
	mkdir -p "$D/pods/prepare/$u"
	rkt_ok list --no-legend
	[[ "$output" == *"aborted prepare"* ]]
	# it will never run: waiting for it to stop returns at once
	rkt_ok status --wait=5s "$u"
	[[ "$output" == *"state=aborted prepare"* ]] || fail "$output"
	rkt_ok gc --grace-period=0s
	expect_no_pods
}

@test "50 pods started in parallel all run and are collected" {
	rkrun "$BB_ACI" --exec /bin/true
	local i pids=() failed=0
	for i in $(seq 1 50); do
		"$RKT" --dir="$D" "${RUNFLAGS[@]}" run --stage1-path="$S1_ACI" "$BB_ACI" \
			--exec /bin/sh -- -c "echo pod-$i" >"$T/out.$i" 2>"$T/err.$i" &
		pids+=($!)
	done
	for i in $(seq 1 50); do
		wait "${pids[$((i - 1))]}" || { failed=$((failed + 1)); cat "$T/err.$i" >&2; }
		[ "$(cat "$T/out.$i")" = "pod-$i" ] || fail "pod $i printed: $(cat "$T/out.$i")"
	done
	[ "$failed" -eq 0 ] || fail "$failed pods failed"
	rkt_ok list --no-legend --full
	[ "$(grep -c exited <<<"$output")" -eq 51 ]
	rkt_ok gc --grace-period=0s
	[ "${#lines[@]}" -eq 51 ]
	expect_no_pods
}

@test "gc removes a pod whose app made 1,500 nested directories, within a 1,024-fd limit" {
	# 3 x 500 levels: each mkdir -p stays below PATH_MAX.
	rkrun "$BB_ACI" --exec /bin/sh -- -c \
		'p=$(i=0; while [ $i -lt 500 ]; do printf d/; i=$((i+1)); done)
		 for i in 1 2 3; do mkdir -p "$p" && cd "$p" || exit 1; done; echo made'
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = made ]
	run --separate-stderr bash -c 'ulimit -n 1024 && exec "$@"' - "$RKT" --dir="$D" gc --grace-period=0s
	[ "$status" -eq 0 ] || fail "gc: $status: $stderr"
	expect_no_pods
}

# Issue 10: a full disk. The pods' --dir is a small tmpfs of a private mount namespace (gone
# with it); the app fills it through a host volume on the same tmpfs, then exits 0, so that
# stage1 cannot record the app's exit status.
@test "a full disk: a lost exit status fails the pod with 254 and says why" {
	mkdir -p "$T/full"
	run --separate-stderr unshare -m --propagation private bash -c '
		mount -t tmpfs -o size=32m,mode=0755 rkt-test-full "$1" || exit 99
		mkdir "$1/vol"
		"$RKT" --dir="$1/d" --insecure-options=image run --stage1-path="$S1_ACI" --net=none \
			--volume=v,kind=host,source="$1/vol" "$BB_ACI" --mount volume=v,target=/v \
			--exec /bin/sh -- -c "cat /dev/zero >/v/fill 2>/dev/null; df -k /v | tail -1; exit 0"
		st=$?
		# the data dir dies with this namespace: collect the pod while it can be
		"$RKT" --dir="$1/d" gc --grace-period=0s >/dev/null 2>&1
		exit $st
	' bash "$T/full"
	[ "$status" -eq 254 ] || fail "status $status" "$output" "$stderr"
	# the app did fill the disk
	[[ "$output" == *" 0 100% "* ]] || fail "disk not full: $output"
	[[ "$stderr" == *'app "busybox": recording its exit status in '*'No space left on device'* ]] ||
		fail "$stderr"
	[[ "$stderr" == *'the pod fails: an exit status could not be recorded'* ]] || fail "$stderr"
}

@test "a failed write of the pod's pid fails run-prepared with 254 and says why (not 137)" {
	rkprepare "$BB_ACI" --exec /bin/true
	[ "$status" -eq 0 ] || fail "$stderr"
	local uuid=$output
	# the write of $P/pid fails as on a full disk: its rename target is a directory
	mkdir "$D/pods/prepared/$uuid/pid"
	rkt run-prepared "$uuid"
	[ "$status" -eq 254 ] || fail "status $status" "$stderr"
	[[ "$stderr" == *"writing 'pid' in the pod directory: Is a directory"* ]] || fail "$stderr"
}
