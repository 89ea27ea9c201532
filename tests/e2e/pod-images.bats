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
