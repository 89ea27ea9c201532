#!/usr/bin/env bats
# Pods and the images they use: images with dependencies through every pod state, and the
# store's rm and gc, which must keep every image a pod that is not yet garbage refers to.

load pod-helpers

# build_layer_aci OUT NAME FILE [DEP]: an image NAME holding /layers/FILE (its own name); with
# DEP it depends on the image named DEP, without it holds busybox.
build_layer_aci() {
	local out=$1 name=$2 file=$3 dep=${4:-} l deps=
	l=$(mktemp -d "$BATS_FILE_TMPDIR/layer.XXXXXX")
	mkdir -p "$l/rootfs/layers"
	echo "$name" >"$l/rootfs/layers/$file"
	if [ -n "$dep" ]; then
		deps=",\"dependencies\":[{\"imageName\":\"$dep\",\"labels\":[{\"name\":\"version\",\"value\":\"1.0.0\"}]}]"
	else
		mkdir -p "$l/rootfs/bin" "$l/rootfs/etc" "$l/rootfs/tmp"
		cp "$BUSYBOX" "$l/rootfs/bin/busybox"
		for a in sh cat ls sleep true; do ln -s busybox "$l/rootfs/bin/$a"; done
		echo 'root:x:0:0:root:/root:/bin/sh' >"$l/rootfs/etc/passwd"
		echo 'root:x:0:' >"$l/rootfs/etc/group"
	fi
	cat >"$l/manifest" <<JSON
{"acKind":"ImageManifest","acVersion":"0.8.11","name":"$name",
 "labels":[{"name":"version","value":"1.0.0"},{"name":"os","value":"linux"},{"name":"arch","value":"$(arch)"}],
 "app":{"exec":["/bin/sh","-c","cat /layers/*"],"user":"0","group":"0"}$deps}
JSON
	"$ACTOOL" build --owner-root "$l" "$out" >/dev/null
}

setup_file() {
	pod_setup_file
	build_layer_aci "$BATS_FILE_TMPDIR/dep2.aci" example.com/dep2 c
	build_layer_aci "$BATS_FILE_TMPDIR/dep1.aci" example.com/dep1 b example.com/dep2
	build_layer_aci "$BATS_FILE_TMPDIR/app.aci" example.com/app a example.com/dep1
	APP_ACI=$BATS_FILE_TMPDIR/app.aci
	export APP_ACI
}

# fetch_deps: the dependency chain into the store (rkt fetches no dependencies itself); their
# IDs in $DEP1 and $DEP2.
fetch_deps() {
	rkt_ok --insecure-options=image fetch --full "$BATS_FILE_TMPDIR/dep2.aci"
	DEP2=$output
	rkt_ok --insecure-options=image fetch --full "$BATS_FILE_TMPDIR/dep1.aci"
	DEP1=$output
}

LAYERS=$'example.com/app\nexample.com/dep1\nexample.com/dep2'

# prepare_pod ARGS: rkt prepare; the UUID in $UUID.
prepare_pod() {
	rkprepare "$@"
	[ "$status" -eq 0 ] || fail "prepare: $stderr"
	UUID=$output
}

# run_prepared_bg: rkt run-prepared $UUID in the background, until the pod is ready.
run_prepared_bg() {
	"$RKT" --dir="$D" run-prepared "$UUID" >"$T/out.$UUID" 2>"$T/err.$UUID" &
	RUN_PID=$!
	"$RKT" --dir="$D" status --wait-ready=20s "$UUID" >/dev/null ||
		fail "pod $UUID not ready: $(cat "$T/err.$UUID")"
}

@test "an image with a two-level dependency chain runs" {
	fetch_deps
	rkrun "$APP_ACI"
	[ "$status" -eq 0 ] || fail "run: $stderr"
	[ "$output" = "$LAYERS" ]
	# the users are those of the dependency that holds /etc/passwd
	rkrun "$APP_ACI" --user=root --exec /bin/true
	[ "$status" -eq 0 ] || fail "run: $stderr"
	rkrun "$APP_ACI" --user=nobody --exec /bin/true
	expect_error 'user "nobody" not found in the image'
	rkt_ok list --no-legend
	[ "${#lines[@]}" -eq 2 ] || fail "pods: $output"
}

@test "an image with dependencies runs prepared, enters and exports" {
	fetch_deps
	prepare_pod "$APP_ACI" --exec /bin/sh -- -c 'cat /layers/*; echo written >/layers/d; exec sleep 1000'
	run_prepared_bg
	rkt_ok enter "$UUID" /bin/cat /layers/a /layers/b /layers/c
	[ "$output" = "$LAYERS" ]
	rkt_ok stop "$UUID"
	rkt_ok status --wait=20s "$UUID"
	wait "$RUN_PID" || true
	[ "$(head -3 "$T/out.$UUID")" = "$LAYERS" ]
	rkt_ok export "$UUID" out.aci
	mkdir x && tar -xzf out.aci -C x
	[ "$(cat x/rootfs/layers/a x/rootfs/layers/b x/rootfs/layers/c)" = "$LAYERS" ]
	[ "$(cat x/rootfs/layers/d)" = written ]
	[ -z "$(mounts_below | grep export || true)" ]
}

# fetch_id ACI: the image's ID in $output (what prepare and run find in the store).
fetch_id() {
	rkt_ok --insecure-options=image fetch --full "$1"
}

# expect_held ID UUID: image rm refuses the image, naming it and the pod, and keeps it.
expect_held() {
	rkt image rm "$1"
	expect_error "$1" "$2" "in use"
	[[ "$stderr" == *"'$2'" ]] || fail "not the end of the line: $stderr"
	rkt_ok image list --no-legend --full --fields=id
	[[ "$output" == *"$1"* ]] || fail "image $1 was removed"
}

@test "image rm refuses every image a prepared pod uses, dependencies and stage1 included" {
	fetch_deps
	fetch_id "$APP_ACI"
	local app=$output
	fetch_id "$S1_ACI"
	local stage1=$output
	prepare_pod "$APP_ACI"
	local id
	for id in "$app" "$DEP1" "$DEP2" "$stage1"; do
		expect_held "$id" "$UUID"
	done
	# by name: the error names what the user typed
	rkt image rm example.com/dep1:1.0.0
	expect_error "'example.com/dep1:1.0.0'" "$DEP1" "in use by pod '$UUID'"
	rkt_ok image gc --grace-period=0s
	rkt_ok image list --no-legend --full --fields=id
	[ "${#lines[@]}" -eq 4 ] || fail "images left: $output"
	rkt run-prepared "$UUID"
	[ "$status" -eq 0 ] || fail "run-prepared: $stderr"
	[ "$output" = "$LAYERS" ]
	# collected, the pod holds nothing any more
	rkt_ok gc --grace-period=0s
	rkt_ok image rm "$app" "$DEP1"
	rkt_ok image gc --grace-period=0s
	expect_empty_store
}

@test "image gc keeps the images of running, exited and prepared pods" {
	fetch_deps
	build_layer_aci "$T/solo.aci" example.com/solo s
	# exited
	rkrun --uuid-file-save="$T/exited" "$T/solo.aci"
	[ "$status" -eq 0 ] || fail "run: $stderr"
	local exited
	exited=$(cat "$T/exited")
	# running
	prepare_pod "$BB_ACI" --exec /bin/sleep -- 1000
	local running=$UUID
	run_prepared_bg
	# prepared
	prepare_pod "$APP_ACI"
	local prepared=$UUID
	rkt_ok image gc --grace-period=0s
	rkt_ok image list --no-legend --full --fields=name
	[ "${#lines[@]}" -eq 6 ] || fail "images left: $output"
	rkt_ok image verify
	# each pod still does what its state allows
	rkt_ok export "$exited" solo.aci
	tar -xzf solo.aci rootfs/layers/s
	rkt_ok enter "$running" /bin/true
	rkt_ok stop "$running"
	rkt_ok status --wait=20s "$running"
	rkt_ok export "$running" bb.aci
	rkt run-prepared "$prepared"
	[ "$status" -eq 0 ] || fail "run-prepared: $stderr"
	[ "$output" = "$LAYERS" ]
	rkt_ok gc --grace-period=0s
	expect_no_pods
	rkt_ok image gc --grace-period=0s
	expect_empty_store
}

# chaos_round: image gc --grace-period=0s, then image rm of every image listed. Failures other
# than "in use" (a pod holds it) and "no image" (removed since the list) go to $T/chaos.fail.
chaos_round() {
	local id e=$T/chaos.err.$BASHPID
	"$RKT" --dir="$D" image gc --grace-period=0s >/dev/null 2>"$e" ||
		{ echo "image gc: $(cat "$e")" >>"$T/chaos.fail"; }
	for id in $("$RKT" --dir="$D" image list --no-legend --full --fields=id); do
		"$RKT" --dir="$D" image rm "$id" >/dev/null 2>"$e" && continue
		grep -q -e "is in use by pod" -e "no image" "$e" ||
			{ echo "image rm: $(cat "$e")" >>"$T/chaos.fail"; }
	done
}

# chaos_loop: rounds until $T/chaos.stop exists; their number in $T/chaos.rounds.
chaos_loop() {
	local n=0
	while [ ! -e "$T/chaos.stop" ]; do
		chaos_round
		n=$((n + 1))
		echo "$n" >"$T/chaos.rounds"
	done
}

stop_chaos() {
	[ -n "${CHAOS_PID:-}" ] || return 0
	touch "$T/chaos.stop"
	wait "$CHAOS_PID" || true
	CHAOS_PID=
}

@test "chaos: image gc and rm in a loop while pods are prepared, run and exit" {
	fetch_deps
	# holds the dependency chain from the start: prepare needs it in the store
	prepare_pod "$APP_ACI"
	local prepared=("$UUID") running=() exited=() u
	chaos_loop &
	CHAOS_PID=$!

	prepare_pod "$APP_ACI"
	prepared+=("$UUID")
	chaos_round
	prepare_pod "$BB_ACI" --exec /bin/sleep -- 1000
	running+=("$UUID")
	run_prepared_bg
	chaos_round
	prepare_pod "$APP_ACI" --exec /bin/sh -- -c 'cat /layers/*; exec sleep 1000'
	running+=("$UUID")
	run_prepared_bg
	chaos_round
	for u in 1 2; do
		rkrun --uuid-file-save="$T/exited" "$BB_ACI" --exec /bin/true --- "$APP_ACI"
		[ "$status" -eq 0 ] || fail "run: $stderr"
		exited+=("$(cat "$T/exited")" busybox "$(cat "$T/exited")" app)
		chaos_round
	done
	stop_chaos
	[ ! -s "$T/chaos.fail" ] || fail "$(cat "$T/chaos.fail")"
	[ "$(cat "$T/chaos.rounds")" -ge 1 ]
	rkt_ok image verify

	for u in "${running[@]}"; do
		rkt_ok enter "$u" /bin/true
		rkt_ok stop "$u"
		rkt_ok status --wait=20s "$u"
	done
	exited+=("${running[0]}" busybox "${running[1]}" app)
	for u in "${prepared[@]}"; do
		rkt run-prepared "$u"
		[ "$status" -eq 0 ] || fail "run-prepared $u: $stderr"
		[ "$output" = "$LAYERS" ]
		exited+=("$u" app)
	done
	# UUID APP pairs
	set -- "${exited[@]}"
	while [ $# -gt 0 ]; do
		rkt_ok export --app="$2" "$1" "$1-$2.aci"
		"$ACTOOL" validate "$1-$2.aci" >/dev/null
		shift 2
	done
	rkt_ok image verify
	rkt_ok gc --grace-period=0s
	expect_no_pods
	rkt_ok image gc --grace-period=0s
	expect_empty_store
}

# A pod whose stage1 went missing cannot be stopped by rkt: kill its PID 1 (started by this
# test) so that a failing test does not hang, then the usual teardown.
teardown() {
	local p
	stop_chaos
	for p in "$D"/pods/run/*/; do
		[ -f "$p/pid" ] || continue
		"$RKT" --dir="$D" stop --force "$(basename "$p")" >/dev/null 2>&1 ||
			kill -KILL "$(cat "$p/pid")" 2>/dev/null || true
	done
	pod_teardown
}
