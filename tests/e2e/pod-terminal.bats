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

# drive STEP... -- RUN_ARGS...: rkt run RUN_ARGS (with ENTER=1: rkt enter $UUID RUN_ARGS) on a
# terminal driven by STEPs (pty-drive.py); its report in $output.
drive() {
	local steps=() cmd=("$RKT" --dir="$D" "${RUNFLAGS[@]}" run --stage1-path="$S1_ACI"
		--uuid-file-save="$T/uuid")
	[ -z "${ENTER:-}" ] || cmd=("$RKT" --dir="$D" enter "$UUID")
	while [ "$1" != -- ]; do
		steps+=("$1")
		shift
	done
	shift
	run python3 "$BATS_TEST_DIRNAME/helpers/pty-drive.py" "${steps[@]}" -- "${cmd[@]}" "$@"
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

# drive_enter STEP... -- ARGS...: rkt enter $UUID ARGS on a terminal driven by STEPs.
drive_enter() { ENTER=1 drive "$@"; }

# the device of the caller's terminal ("caller" step), and of the entered command's stdin
caller_dev() { printf '%s\n' "$output" | sed -n 's/^caller: //p'; }
stdin_dev() { printf '%s\n' "$output" | grep -o 'stdin: [0-9]*:[0-9]*' | cut -d' ' -f2; }

@test "rkt enter on a terminal: the command leads its own session on a pty of the pod's; output and exit code pass through" {
	start_pod "$TTY_ACI" --exec /bin/sleep -- 600
	drive_enter caller 'expect:M42' scan 'send:\n' wait -- /bin/sh -c \
		'/app-helper tty-info; tty; echo M$((6*7)); read -r x; exit 7'
	has "exit: 7"
	no_sharing
	[ -n "$(stdin_dev)" ] || fail "stdin is no terminal:" "$output"
	[ "$(stdin_dev)" != "$(caller_dev)" ] || fail "stdin is the caller's terminal:" "$output"
	# (the shell that rkt enter started leads it)
	[[ "$output" == *'session: parent'* ]] || fail "not a session of its own:" "$output"
	[[ "$output" == *'ctty: stdin'* ]] || fail "stdin is not its controlling terminal:" "$output"
	[[ "$output" == *'/dev/pts/0\r\nM42'* ]] || fail "not the pod's /dev/pts/0:" "$output"
}

@test "rkt enter on a terminal: TIOCSTI by the command reaches its own pty, never the caller's terminal" {
	start_pod "$TTY_ACI" --exec /bin/sleep -- 600
	drive_enter 'expect:inject: ' wait leftover -- /app-helper inject $'echo PWNED\n'
	has "exit: 0"
	has "leftover: b''"
}

@test "rkt enter on a terminal: no process of the app can open the caller's terminal through /proc/<pid>/fd" {
	start_pod "$TTY_ACI" --exec /bin/sleep -- 600
	# while the entered shell waits for a line, another process of the app (a second rkt
	# enter, on no terminal) opens every fd 0-2 it can through /proc
	drive_enter caller 'expect:ready' \
		"sh:\"$RKT\" --dir=\"$D\" enter $UUID /app-helper open-ttys </dev/null 2>&1 | sed 's/^/got-/'" \
		'send:\n' wait -- /bin/sh -c 'echo rea""dy; read -r x'
	has "exit: 0"
	# it could open the entered shell's terminal (so the check below can fail) ...
	printf '%s\n' "$output" | grep -q '^got-open: ' || fail "nothing opened:" "$output"
	# ... which is never the caller's
	if printf '%s\n' "$output" | grep -q "^got-open: .* $(caller_dev)\$"; then
		fail "the caller's terminal was opened:" "$output"
	fi
}

@test "rkt enter on a terminal: the command's terminal has the caller's size and follows resizes" {
	start_pod "$TTY_ACI" --exec /bin/sleep -- 600
	drive_enter --rows 24 --cols 80 'expect:24 80' resize:33,77 'send:\n' 'expect:33 77' wait \
		-- /bin/sh -c 'tty; stty size; read -r x; stty size'
	has "exit: 0"
	[[ "$output" == *'/dev/pts/0\r\n24 80'* ]] || fail "not the pod's /dev/pts/0:" "$output"
}

@test "rkt enter on a terminal with stdin and stdout redirected: those stay the caller's, byte-exact; stderr is the pty" {
	start_pod "$TTY_ACI" --exec /bin/sleep -- 600
	head -c 300000 /dev/urandom >"$T/in"
	run python3 "$BATS_TEST_DIRNAME/helpers/pty-drive.py" wait -- /bin/sh -c \
		'"$0" --dir="$1" enter "$2" /bin/sh -c "cat; /app-helper tty-info >&2" <"$3" >"$4"' \
		"$RKT" "$D" "$UUID" "$T/in" "$T/got"
	[ "$status" -eq 0 ] || fail "pty-drive: $status" "$output"
	has "exit: 0"
	cmp "$T/in" "$T/got" || fail "the output differs from the input:" "$output"
	# stderr: through the pty, the command's controlling terminal, in a session of its own
	# (led by the shell, or by app-helper if the shell execs it); the caller's terminal is not
	# raw (its stdin is not a terminal), so it adds a CR of its own
	local l
	for l in 'stdin: no tty' 'session: (self|parent)' 'ctty: other'; do
		[[ "$output" =~ "output: b'".*$l'\r' ]] || fail "no '$l' on stderr:" "$output"
	done
}

@test "rkt enter without a terminal: pipes stay pipes (byte-exact, end of input passed), the command leads its own session" {
	start_pod "$TTY_ACI" --exec /bin/sleep -- 600
	head -c 300000 /dev/urandom >"$T/in"
	"$RKT" --dir="$D" enter "$UUID" /bin/cat <"$T/in" >"$T/got" 2>"$T/enter-err" ||
		fail "enter: $?" "$(cat "$T/enter-err")"
	cmp "$T/in" "$T/got" || fail "the output differs from the input"
	run "$RKT" --dir="$D" enter "$UUID" /bin/sh -c '/app-helper tty-info; exit 5' </dev/null
	[ "$status" -eq 5 ] || fail "status $status:" "$output"
	has "stdin: no tty"
	has "session: parent"
}
