#!/usr/bin/env bats
# The appc ACE validator (the appc spec's ace/validator.go, built from Debian's sources by
# tools/build-ace-acis.sh) run as upstream rkt ran it (rkt/rkt tests/rkt_ace_validator_test.go):
# the main and sidekick images in one pod, an empty "database" volume that both mount at /db,
# registered with the metadata service. Each of the four phases (the main image's pre-start
# handler, main, sidekick, the post-stop handler) prints "<mode> OK" or "<mode> FAIL" and its
# reasons; every one must pass and rkt run must exit 0.

load pod-helpers

: "${RKT_TEST_ENV_BIN:?RKT_TEST_ENV_BIN must name rkt-test-env}"

setup_file() {
	pod_setup_file
	export ACE=$BATS_FILE_TMPDIR/ace
	"$BATS_TEST_DIRNAME/tools/build-ace-acis.sh" "$ACE" >&2
	# The service on every address (the pod reaches it at its network's host side), on a
	# port the kernel picks, with a registration socket of this file's own.
	local fifo line
	export MDS_SOCK=$BATS_FILE_TMPDIR/mds.sock MDS_LOG=$BATS_FILE_TMPDIR/mds.log
	fifo=$BATS_FILE_TMPDIR/mds.ready
	mkfifo "$fifo"
	exec 8<>"$fifo"
	RKT_TEST_MDS_SOCKET=$MDS_SOCK "$RKT_TEST_ENV_BIN" metadata-service --listen-port=0 \
		>"$fifo" 2>"$MDS_LOG" &
	export MDS_PID=$!
	read -r -t 30 line <&8 || { cat "$MDS_LOG" >&2; return 1; }
	exec 8<&-
}

teardown_file() {
	if [ -n "${MDS_PID:-}" ]; then
		kill "$MDS_PID" 2>/dev/null || true
		wait "$MDS_PID" 2>/dev/null || true
	fi
}

# ace_run ARGS: the validator pair in one pod, as upstream's test ran it
ace_run() {
	run --separate-stderr env RKT_TEST_MDS_SOCKET="$MDS_SOCK" "$RKT_TEST_ENV_BIN" --dir="$D" \
		--insecure-options=image run --stage1-path="$S1_ACI" --mds-register \
		--volume=database,kind=empty "$@" \
		"$ACE/ace-validator-main.aci" "$ACE/ace-validator-sidekick.aci"
}

expect_all_ok() {
	local all="$output"$'\n'"$stderr" mode
	for mode in prestart main sidekick poststop; do
		[[ "$all" == *"$mode OK"* ]] || fail "no '$mode OK'" "stdout: $output" "stderr: $stderr"
	done
	[[ "$all" != *FAIL* ]] || fail "a phase failed" "stdout: $output" "stderr: $stderr"
	[ "$status" -eq 0 ] || fail "rkt run exited $status" "$stderr"
}

@test "ACE validator: prestart, main, sidekick and poststop pass on the default network" {
	ace_run
	expect_all_ok
}

@test "ACE validator: all four phases pass with --net=host" {
	ace_run --net=host
	expect_all_ok
}
