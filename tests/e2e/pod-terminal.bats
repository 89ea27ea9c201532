#!/usr/bin/env bats
# Terminals (docs/security.md, "Terminals"): with --interactive on a terminal the app gets a pty
# of the pod's own, which stage1 proxies; no process of a pod is ever in the caller's session
# or has the caller's terminal as its controlling terminal. Each test runs rkt on a pty of its
# own (helpers/pty-drive.py) as a user at a terminal would.

load pod-helpers

setup_file() {
	pod_setup_file
	: "${APP_HELPER:?APP_HELPER must name tests/e2e/tools/app-helper}"
	local l
	l=$(mktemp -d "$BATS_FILE_TMPDIR/layout.XXXXXX")
	mkdir -p "$l/rootfs/bin" "$l/rootfs/etc" "$l/rootfs/tmp"
	cp "$BUSYBOX" "$l/rootfs/bin/busybox"
	for a in sh echo cat sleep stty tty; do
		ln -s busybox "$l/rootfs/bin/$a"
	done
	cp "$APP_HELPER" "$l/rootfs/app-helper"
	echo 'root:x:0:0:root:/:/bin/sh' >"$l/rootfs/etc/passwd"
	echo 'root:x:0:' >"$l/rootfs/etc/group"
	cat >"$l/manifest" <<JSON
{"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/tty",
 "labels":[{"name":"version","value":"1.0.0"},{"name":"os","value":"linux"},{"name":"arch","value":"$(arch)"}],
 "app":{"exec":["/bin/sh"],"user":"0","group":"0","environment":[{"name":"PS1","value":"pod# "}]}}
JSON
	TTY_ACI=$BATS_FILE_TMPDIR/tty.aci
	"$ACTOOL" build --owner-root "$l" "$TTY_ACI" >/dev/null
	export TTY_ACI
}

# drive STEP... -- RUN_ARGS...: rkt run RUN_ARGS on a terminal driven by STEPs (pty-drive.py);
# its report in $output.
drive() {
	local steps=()
	while [ "$1" != -- ]; do
		steps+=("$1")
		shift
	done
	shift
	run python3 "$BATS_TEST_DIRNAME/helpers/pty-drive.py" "${steps[@]}" -- \
		"$RKT" --dir="$D" "${RUNFLAGS[@]}" run --stage1-path="$S1_ACI" \
		--uuid-file-save="$T/uuid" "$@"
	[ "$status" -eq 0 ] || fail "pty-drive: $status" "$output"
}

# has LINE: the report has exactly that line.
has() {
	printf '%s\n' "$output" | grep -qxF -- "$1" || fail "no line '$1' in:" "$output"
}

# no_sharing: "scan" found no process of the pod in the caller's session or on its terminal.
no_sharing() {
	if printf '%s\n' "$output" | grep -q '^shared: '; then
		fail "processes in the caller's session or on its terminal:" "$output"
	fi
}

@test "--interactive: TIOCSTI by the app reaches its own pty, never the caller's terminal" {
	drive 'expect:inject: ' wait leftover -- --interactive "$TTY_ACI" \
		--exec /app-helper -- inject $'echo PWNED\n'
	has "exit: 0"
	has "leftover: b''"
}

@test "--interactive: neither the app nor stage1 is in the caller's session or on its terminal" {
	drive 'expect:pod# ' 'send:echo M$((6*7))\n' expect:M42 scan 'send:exit\n' wait \
		-- --interactive "$TTY_ACI"
	no_sharing
	has "exit: 0"
}

@test "--interactive: the app's terminal is the pod's pty, with the caller's size and resizes" {
	drive --rows 24 --cols 80 'expect:pod# ' 'send:tty; stty size\n' 'expect:24 80' \
		resize:33,77 'send:stty size\n' 'expect:33 77' 'send:exit\n' wait \
		-- --interactive "$TTY_ACI"
	has "exit: 0"
	[[ "$output" == *'/dev/pts/0\r\n24 80'* ]] || fail "not the pod's /dev/pts/0:" "$output"
}

@test "--interactive: ^]^]^] stops the pod, rkt exits and the terminal's modes are restored" {
	drive 'expect:pod# ' modes 'send:\x1d\x1d\x1d' wait modes -- --interactive "$TTY_ACI"
	# raw while the pod runs, as before once it is gone
	[ "$(printf '%s\n' "$output" | grep '^modes: ' | tr '\n' ' ')" = \
		"modes: changed modes: same " ] || fail "terminal modes:" "$output"
	rkt_ok status "$(cat "$T/uuid")"
	[[ "$output" == *"state=exited"* ]] || fail "pod not exited: $output"
}

@test "--interactive: the terminal's modes are restored when the pod is killed" {
	drive 'expect:pod# ' modes \
		"sh:\"$RKT\" --dir=\"$D\" stop --force \"\$(cat \"$T/uuid\")\" >/dev/null" wait modes \
		-- --interactive "$TTY_ACI"
	[ "$(printf '%s\n' "$output" | grep '^modes: ' | tr '\n' ' ')" = \
		"modes: changed modes: same " ] || fail "terminal modes:" "$output"
}

@test "without --interactive, on a terminal: no process of the pod is in the caller's session" {
	drive 'expect:M42' scan 'send:\x03' wait -- "$TTY_ACI" \
		--exec /bin/sh -- -c 'echo M$((6*7)); exec sleep 600'
	no_sharing
}

@test "--interactive without a terminal: stdin passes through, the app leads its own session" {
	run bash -c 'echo typed | "$0" --dir="$1" --insecure-options=image run \
		--stage1-path="$2" --interactive "$3" --exec /bin/sh -- -c \
		'\''read -r l; echo "got $l"; read -r pid comm st pp pg sid rest </proc/self/stat;
		[ "$sid" = "$pid" ] && echo own-session'\''' \
		"$RKT" "$D" "$S1_ACI" "$TTY_ACI"
	[ "$status" -eq 0 ] || fail "status $status: $output"
	[[ "$output" == *"got typed"* ]] || fail "stdin not passed: $output"
	[[ "$output" == *"own-session"* ]] || fail "app in the caller's session: $output"
}
