#!/usr/bin/env bats
# rkt enter runs its command exactly as one of the app's processes (docs/security.md, "rkt
# enter"): upstream's CVE-2019-10144 (capabilities), CVE-2019-10145 (seccomp), CVE-2019-10147
# (cgroups), runc's CVE-2019-5736 (overwriting the runtime through /proc/<pid>/exe) and
# CVE-2024-21626 (a leaked fd or a working directory outside the root), against a pod whose
# own /bin/sh is hostile.

load pod-helpers

# the hostile image: busybox, the probe, and a /bin/sh that tries to get out of the pod
build_hostile_aci() {
	local out=$1 l a
	: "${PROBE:?PROBE must name the probe binary}"
	l=$(mktemp -d "$BATS_FILE_TMPDIR/layout.XXXXXX")
	mkdir -p "$l/rootfs/bin" "$l/rootfs/etc" "$l/rootfs/tmp" "$l/rootfs/root"
	chmod 1777 "$l/rootfs/tmp"
	cp "$BUSYBOX" "$l/rootfs/bin/busybox"
	for a in cat echo sleep ls find; do
		ln -s busybox "$l/rootfs/bin/$a"
	done
	cp "$PROBE" "$l/rootfs/probe"
	printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/tmp:/bin/sh\n' \
		>"$l/rootfs/etc/passwd"
	printf 'root:x:0:\napp:x:1000:\nten:x:10:\ntwenty:x:20:\n' >"$l/rootfs/etc/group"
	# What `rkt enter` runs by default. $TARGET is a host file and $DATA rkt's data directory on
	# the host (with the stage1 binaries in the store's trees and the pod's), from the pod's
	# environment.
	cat >"$l/rootfs/bin/sh" <<'EOF'
#!/bin/busybox sh
for r in /proc/[0-9]*/root /proc/self/root; do
	echo pwned 2>/dev/null >>"$r$TARGET" && echo "wrote $r$TARGET"
	for f in $(find "$r$DATA" -type f -path '*rootfs/*' 2>/dev/null); do
		case ${f##*/} in init | enter | gc | stop)
			echo pwned 2>/dev/null >>"$f" && echo "wrote $f" ;;
		esac
	done
done
for e in /proc/[0-9]*/exe /proc/self/exe; do
	echo pwned 2>/dev/null >>"$e" && echo "wrote $e"
done
for fd in /proc/self/fd/*; do
	case ${fd##*/} in 0 | 1 | 2) ;; *) [ -f "$fd" ] && cat "$fd" 2>/dev/null && echo "read $fd" ;; esac
done
/probe --status
EOF
	chmod 755 "$l/rootfs/bin/sh"
	cat >"$l/manifest" <<JSON
{"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/hostile",
 "labels":[{"name":"version","value":"1.0.0"},{"name":"os","value":"linux"},{"name":"arch","value":"$(arch)"}],
 "app":{"exec":["/bin/sleep","1000"],"user":"0","group":"0"}}
JSON
	"$ACTOOL" build --owner-root "$l" "$out" >/dev/null
}

setup_file() {
	pod_setup_file
	HOSTILE_ACI=$BATS_FILE_TMPDIR/hostile.aci
	build_hostile_aci "$HOSTILE_ACI"
	export HOSTILE_ACI
}

setup() {
	pod_setup
	echo safe >"$T/host-file"
	echo "caller's secret" >"$T/secret"
}

# the stage1 binaries in the store and in the pods (or only below DIR...), with their hashes
stage1_hashes() {
	[ $# -gt 0 ] || set -- "$D/cas" "$D/pods"
	find "$@" -type f \( -name enter -o -name init -o -name gc -o -name stop \) \
		-path '*rootfs/*' -print0 | sort -z | xargs -0 sha256sum
}

# start_hostile FLAGS...: the hostile image's app (sleep) running in a pod; $APP_PID is its
# host PID once it runs sleep.
start_hostile() {
	start_pod --set-env=TARGET="$T/host-file" --set-env=DATA="$D" "$HOSTILE_ACI" "$@"
	STAGE1_BEFORE=$(stage1_hashes)
	local pid1
	pid1=$(cat "$D/pods/run/$UUID/pid")
	APP_PID=$(running_child "$pid1" sleep)
}

# running_child PID COMM: the child of PID that runs COMM (polled, bounded: it may still be
# between fork and execve).
running_child() {
	local c
	for _ in $(seq 1 200); do
		for c in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
			[ "$(cat "/proc/$c/comm" 2>/dev/null)" = "$2" ] && { echo "$c"; return 0; }
		done
		sleep 0.05
	done
	fail "no child of $1 runs $2"
}

# confinement PID: what the kernel says of how PID is confined, as the host sees it
confinement() {
	grep -E '^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp|Seccomp_filters):' \
		"/proc/$1/status"
	echo "cgroup:"
	cat "/proc/$1/cgroup"
	local ns
	for ns in pid net ipc uts user; do
		echo "$ns: $(readlink "/proc/$1/ns/$ns")"
	done
	echo "cwd: $(readlink "/proc/$1/cwd")"
	echo "fds: $(ls "/proc/$1/fd" | sort -n | tr '\n' ' ')"
}

# enter_as_app FLAGS...: runs `rkt enter` (sleep) with fd 7 open in the caller and checks
# that the entered process is confined exactly as the app started with FLAGS.
enter_as_app() {
	start_hostile "$@"
	"$RKT" --dir="$D" enter "$UUID" /bin/sleep 1000 7<"$T/secret" \
		</dev/null >"$T/enter-out" 2>"$T/enter-err" &
	local enter_pid=$! entered
	entered=$(running_child "$enter_pid" sleep)
	local app
	app=$(confinement "$APP_PID")
	got=$(confinement "$entered")
	kill "$entered"
	wait "$enter_pid" || true
	# (the app's fds are checked too: the same, 0-2)
	[ "$got" = "$app" ] || fail "entered:" "$got" "app:" "$app" "$(cat "$T/enter-err")"
	[[ "$got" == *"fds: 0 1 2 "* ]] || fail "fds beyond 0-2: $got"
	[[ "$got" == *"Seccomp:	2"* ]] || fail "no seccomp filter: $got"
	[[ "$got" == *"NoNewPrivs:	1"* ]] || fail "no no_new_privs: $got"
}

@test "CVE-2019-10144/10145/10147: the entered process has the app's capabilities, seccomp, cgroups, namespaces, fds" {
	enter_as_app --memory=64M --working-dir=/tmp
	[[ "$got" != *"CapBnd:	000001ffffffffff"* ]]
	[[ "$got" == *"cwd: /tmp"$'\n'* ]] || fail "working directory: $got"
}

@test "the entered process has the app's user, groups and working directory" {
	enter_as_app --user=1000 --group=1000 --supplementary-gids=10,20 --working-dir=/tmp
	[[ "$got" == *"Uid:	1000	1000	1000	1000"* ]] || fail "$got"
	[[ "$got" == *"Groups:	10 20"* ]] || fail "$got"
	[[ "$got" == *"CapEff:	0000000000000000"* ]] || fail "$got"
}

@test "a pod's own /bin/sh run by rkt enter cannot reach the host, the caller's fds or the stage1 binaries" {
	start_hostile
	run --separate-stderr "$RKT" --dir="$D" enter "$UUID" 7<"$T/secret" </dev/null
	[ "$status" -eq 0 ] || fail "enter: $status: $stderr"
	[ "$(cat "$T/host-file")" = safe ] || fail "the host file was written: $output"
	[[ "$output" != *wrote* ]] || fail "$output"
	[[ "$output" != *"caller's secret"* ]] || fail "a caller's fd leaked: $output"
	[[ "$output" == *"Seccomp:	2"* ]] || fail "$output"
	# CVE-2019-5736: no stage1 binary changed, in the store or in the pod
	[ "$(stage1_hashes)" = "$STAGE1_BEFORE" ] || fail "stage1 binaries changed: $output"
}

# every way a process of the pod can try to write the binary behind /proc/<pid>/exe: appending
# (ETXTBSY comes first while the binary runs), truncating (the mount is checked first), and
# reopening a read-only descriptor of it for writing
# shellcheck disable=SC2016
EXE_ATTACK='for e in /proc/[0-9]*/exe; do
	echo "$e -> $(readlink "$e")"
	echo pwned >>"$e" && echo "wrote $e"
	echo pwned >"$e" && echo "wrote $e"
	{ echo pwned >>/proc/self/fd/3 && echo "wrote $e through fd 3"; } 3<"$e"
done 2>&1; true'

# on_read_only_mount PID: whether /proc/PID/exe is a file on a read-only mount, as the host sees it
on_read_only_mount() {
	python3 -c 'import os, sys; sys.exit(0 if os.statvfs(sys.argv[1]).f_flag & os.ST_RDONLY else 1)' \
		"/proc/$1/exe"
}

@test "CVE-2019-5736: the pod's stage1 processes run from a read-only mount; an app with CAP_SYS_PTRACE cannot write their binary" {
	start_hostile --caps-retain=CAP_SYS_PTRACE,CAP_DAC_OVERRIDE
	local pid1 parent
	pid1=$(cat "$D/pods/run/$UUID/pid")
	parent=$(awk '/^PPid:/ { print $2 }' "/proc/$pid1/status")
	# PID 1 (and so each app process until its execve, a fork of it) and the stage1 parent
	on_read_only_mount "$pid1" || fail "PID 1's binary is on a writable mount"
	on_read_only_mount "$parent" || fail "the stage1 parent's binary is on a writable mount"
	# the entered process has the app's CAP_SYS_PTRACE
	run --separate-stderr "$RKT" --dir="$D" enter "$UUID" /bin/busybox sh -c "$EXE_ATTACK" </dev/null
	[ "$status" -eq 0 ] || fail "enter: $status: $stderr"
	[[ "$output" == *"/proc/1/exe -> "* ]] || fail "PID 1 not seen: $output"
	[[ "$output" != *wrote* ]] || fail "$output"
	# truncating opens the mount for writing before anything else: refused by the mount
	[[ "$output" == *"can't create /proc/1/exe: Read-only file system"* ]] || fail "$output"
	[ "$(stage1_hashes)" = "$STAGE1_BEFORE" ] || fail "stage1 binaries changed: $output"
}

@test "CVE-2019-5736: a default app cannot open the stage1 binary behind /proc/<pid>/exe at all" {
	# the store's tree of stage1 first
	rkrun "$HOSTILE_ACI" --exec /bin/true
	STAGE1_BEFORE=$(stage1_hashes "$D/cas")
	[ -n "$STAGE1_BEFORE" ]
	rkrun "$HOSTILE_ACI" --exec /bin/busybox -- sh -c "$EXE_ATTACK"
	[ "$status" -eq 0 ] || fail "$status: $stderr"
	[[ "$output" != *wrote* ]] || fail "$output"
	# PID 1 is not dumpable: no access to its exe link without CAP_SYS_PTRACE
	[[ "$output" == *"can't open /proc/1/exe: Permission denied"* ||
		"$output" == *"can't create /proc/1/exe: Permission denied"* ]] || fail "$output"
	[ "$(stage1_hashes "$D/cas")" = "$STAGE1_BEFORE" ] || fail "stage1 binaries changed"
}

@test "CVE-2024-21626: no working directory outside the app's root through /proc/self/fd/N" {
	local n
	for n in 3 4 5 6 7 8 9 10 11 12; do
		rkrun "$HOSTILE_ACI" --working-dir="/proc/self/fd/$n" --exec /bin/busybox -- \
			cat ../../../../../../../../../../../../../.."$T/host-file"
		[[ "$output" != *safe* ]] || fail "fd $n: the app read a host file: $output"
		[ "$status" -ne 0 ] || fail "fd $n: the app ran in /proc/self/fd/$n"
	done
}
