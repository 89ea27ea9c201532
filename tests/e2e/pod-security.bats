#!/usr/bin/env bats
# What a process in a default pod can do, checked with the probe (tests/e2e/tools/probe.c) in a
# test image, and the options that loosen it (docs/security.md).

load pod-helpers

setup_file() {
	pod_setup_file
	PROBE_ACI=$BATS_FILE_TMPDIR/probe.aci
	build_probe_aci "$PROBE_ACI"
	export PROBE_ACI
}

# probe "CHECK..." [APP_FLAGS...]: runs the probe image with those checks (all if ""), pod flags
# from the array POD_FLAGS.
POD_FLAGS=()
probe() {
	local checks=$1
	shift
	# shellcheck disable=SC2086 # CHECKS is a list
	rkrun "${POD_FLAGS[@]}" "$PROBE_ACI" "$@" --exec /probe -- $checks
	[ "$status" -eq 0 ] || fail "status $status: $stderr"
}

# has LINE: the probe's output has exactly that line.
has() {
	printf '%s\n' "$output" | grep -qxF "$1" || fail "no line '$1' in: $output"
}

@test "seccomp: a default pod runs under an allowlist filter (SIGSYS for the rest)" {
	probe "unshare-user unshare-mnt unshare-net clone-newuser setns io-uring fsmount-tmpfs
		open-tree mount-tmpfs mount-cgroup2 keyctl bpf ptrace-pid1 userns-mount-tmpfs
		userns-fsmount-tmpfs userns-mount-cgroup2 userns-fsmount-cgroup2"
	has "unshare-user: denied (SIGSYS)"
	has "unshare-mnt: denied (SIGSYS)"
	has "unshare-net: denied (SIGSYS)"
	has "setns: denied (SIGSYS)"
	has "io-uring: denied (SIGSYS)"
	has "fsmount-tmpfs: denied (SIGSYS)"
	has "open-tree: denied (SIGSYS)"
	has "mount-tmpfs: denied (SIGSYS)"
	has "mount-cgroup2: denied (SIGSYS)"
	has "keyctl: denied (SIGSYS)"
	has "bpf: denied (SIGSYS)"
	has "ptrace-pid1: denied (SIGSYS)"
	has "userns-mount-tmpfs: denied (SIGSYS)"
	has "userns-fsmount-tmpfs: denied (SIGSYS)"
	has "userns-mount-cgroup2: denied (SIGSYS)"
	has "userns-fsmount-cgroup2: denied (SIGSYS)"
	# clone is on the list, but not with namespace flags.
	has "clone-newuser: denied (SIGSYS)"
	probe ""
	[[ "$output" == *"seccomp: mode 2, 1 filters"* ]]
	[[ "$output" == *"no_new_privs: 1"* ]]
}

@test "seccomp: unshare -U in a default pod is killed, the pod reports it" {
	rkrun "$PROBE_ACI" --exec /bin/unshare -- -U /bin/echo escaped
	[ "$status" -ne 0 ]
	[[ "$output" != *escaped* ]]
}

@test "seccomp: ordinary programs still run under the default filter (threads, fork, exec)" {
	rkrun "$PROBE_ACI" --exec /bin/sh -- -c 'echo a | cat; (echo b) & wait; exec echo c'
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = "a
b
c" ]
}

@test "seccomp: --insecure-options=seccomp runs the app without a filter" {
	POD_FLAGS=(--insecure-options=image,seccomp)
	probe ""
	has "seccomp: mode 0, 0 filters"
	has "io-uring: allowed"
	has "unshare-user: allowed"
}

@test "seccomp: --seccomp mode=retain,errno=ENOSYS with @docker/default-whitelist and extra calls" {
	probe "io-uring unshare-user keyctl" \
		--seccomp=mode=retain,errno=ENOSYS,@docker/default-whitelist,unshare
	has "io-uring: denied (ENOSYS)"
	has "keyctl: denied (ENOSYS)"
	has "unshare-user: allowed"
}

@test "seccomp: an app that keeps CAP_SYS_ADMIN may clone namespaces, not unshare them" {
	probe "clone-newuser unshare-user" --caps-retain=CAP_SYS_ADMIN,CAP_SETUID,CAP_SETGID
	has "clone-newuser: allowed"
	has "unshare-user: denied (SIGSYS)"
}

@test "seccomp: a remove set blocks its calls and the default denylist, nothing else" {
	probe "io-uring unshare-user mknod" --seccomp=mode=remove,errno=EPERM,mknod,mknodat
	has "mknod: denied (EPERM)"
	has "io-uring: denied (EPERM)"
	has "unshare-user: denied (EPERM)"
}
