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
	# CAP_MKNOD (not in the default set), so that only the filter refuses mknod
	probe "io-uring unshare-user mknod" --seccomp=mode=remove,errno=EPERM,mknod,mknodat \
		--caps-retain=CAP_MKNOD
	has "mknod: denied (EPERM)"
	has "io-uring: denied (EPERM)"
	has "unshare-user: denied (EPERM)"
}

# no_ctl TEXT: TEXT has no C0 control but newline and tab (the tables' separators), no DEL and no
# C1 control (U+0080-U+009F).
no_ctl() {
	if printf '%s' "$1" | LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]'; then
		fail "control characters in: $(printf '%s' "$1" | od -c | head -20)"
	fi
}

@test "terminal: labels with ESC, BEL, newline and CSI are escaped in list, image list, errors" {
	local l=$T/evil
	mkdir -p "$l/rootfs"
	python3 -c 'import json, sys; print(json.dumps({"acKind": "ImageManifest",
		"acVersion": "0.8.11", "name": "example.com/evil",
		"labels": [{"name": "version", "value": "1\u001b]0;pwned\u0007\nforged\u009b2J\t"}],
		"app": {"exec": ["/bin/sh"], "user": "0", "group": "0"}}))' >"$l/manifest"
	"$ACTOOL" build --owner-root "$l" "$T/evil.aci"
	rkprepare "$T/evil.aci"
	[ "$status" -eq 0 ] || fail "prepare: $stderr"

	rkt image list --no-legend
	[ "$status" -eq 0 ]
	no_ctl "$output"
	# Two images (evil and stage1), one row each.
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 2 ]
	[ "$(printf '%s\n' "$output" | grep -c '^sha512-')" -eq 2 ]
	[[ "$output" == *'example.com/evil:1\x1b]0;pwned\x07\nforged\xc2\x9b2J\t'* ]]
	rkt list --no-legend
	[ "$status" -eq 0 ]
	no_ctl "$output"
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
	[[ "$output" == *'example.com/evil:1\x1b]0;pwned\x07\nforged\xc2\x9b2J\t'* ]]
	# JSON stays JSON: the value comes back intact.
	rkt image list --format=json
	[ "$(printf '%s' "$output" | jq -r '.[0].name')" = \
		"example.com/evil:1"$'\e]0;pwned\a\nforged\xc2\x9b2J\t' ]

	# An error message that quotes its input.
	rkt image rm $'x\e]0;pwned\a\nrkt: forged'
	[ "$status" -eq 254 ]
	no_ctl "$stderr"
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
}

@test "negative memory and CPU limits are refused before a pod exists (flags and image)" {
	local flag
	for flag in --memory=-1 --cpu=-100m --memory=-1Mi; do
		rkrun "$PROBE_ACI" "$flag"
		expect_error "must not be negative"
		expect_no_pods
	done
	# actool refuses to build it: the tar is written by hand.
	python3 - "$T/neg.aci" <<'PY'
import io, json, sys, tarfile
t = tarfile.open(sys.argv[1], "w")
m = json.dumps({"acKind": "ImageManifest", "acVersion": "0.8.11", "name": "example.com/neg",
                "app": {"exec": ["/bin/sh"], "user": "0", "group": "0", "isolators": [
                    {"name": "resource/memory", "value": {"limit": "-5M"}}]}}).encode()
ti = tarfile.TarInfo("manifest"); ti.size = len(m); t.addfile(ti, io.BytesIO(m))
ti = tarfile.TarInfo("rootfs"); ti.type = tarfile.DIRTYPE; ti.mode = 0o755; t.addfile(ti)
t.close()
PY
	rkrun "$T/neg.aci"
	expect_error "must not be negative"
	expect_no_pods
}

@test "--hosts-entry takes an IP and one name; DNS flags and --hostname take no line breaks" {
	local bad
	for bad in --hosts-entry=10.0.0.x=name --hosts-entry=999.1.1.1=name \
		--hosts-entry=fe80::zz=name $'--hosts-entry=10.0.0.1=name\n10.6.6.6 evil' \
		'--hosts-entry=10.0.0.1=a b' $'--dns-search=example.org\nnameserver 10.6.6.6' \
		$'--dns=10.0.0.53\nnameserver 10.6.6.6' $'--dns-opt=ndots:1\rx' '--dns-domain=a b' \
		$'--hostname=pod\nx' $'--hostname=pod\e'; do
		rkrun "$bad" "$PROBE_ACI"
		expect_error
		expect_no_pods
	done
	rkrun --hosts-entry=::1=six --hosts-entry=10.0.0.1=four "$PROBE_ACI" \
		--exec /bin/cat -- /etc/hosts
	[ "$status" -eq 0 ] || fail "$stderr"
	[[ "$output" == *"::1 six"* ]]
	[[ "$output" == *"10.0.0.1 four"* ]]
}

@test "devices: a default pod cannot make or open a device outside the allow list" {
	# With the filter off and CAP_MKNOD (not in the default set), so that only the devices
	# cgroup stands in the way.
	POD_FLAGS=(--insecure-options=image,seccomp)
	probe "mknod-open-kmsg mknod-open-null open-dev-null open-dev-zero open-dev-urandom" \
		--caps-retain=CAP_MKNOD
	has "mknod-open-kmsg: denied (EPERM)"
	# The cgroup lets it make /dev/null's node, but the app root is nodev.
	has "mknod-open-null: denied (EACCES)"
	has "open-dev-null: allowed"
	has "open-dev-zero: allowed"
	has "open-dev-urandom: allowed"
}

@test "devices: a node in the app root or in a volume is no device (nodev), stage1's are" {
	mkdir host
	mknod host/null c 1 3
	mknod host/kmsg c 1 11
	POD_FLAGS=(--insecure-options=image,seccomp --volume=h,kind=host,source="$PWD/host")
	probe "open-node" --mount volume=h,target=/h --set-env=PROBE_NODE=/h/null
	has "open-node: denied (EACCES)"
	probe "open-node" --mount volume=h,target=/h --set-env=PROBE_NODE=/h/kmsg
	has "open-node: denied (EACCES)"
	probe "open-node" --mount volume=h,target=/h --set-env=PROBE_NODE=/dev/null
	has "open-node: allowed"
}

@test "cgroup namespace: /proc/self/cgroup in a pod shows only the app's own root" {
	POD_FLAGS=(--insecure-options=image)
	rkrun "${POD_FLAGS[@]}" "$PROBE_ACI" --exec /bin/cat -- /proc/self/cgroup
	[ "$status" -eq 0 ] || fail "$stderr"
	# Every line ends in ":/", none names the host's hierarchy or the pod's cgroup.
	[ -n "$output" ]
	! printf '%s\n' "$output" | grep -v ':/$' || fail "not namespaced: $output"
}

@test "CVE-2022-0492: no cgroup v1 release_agent can be opened for writing from a pod" {
	probe "release-agent userns-release-agent"
	has "release-agent: denied (ENOENT)"
	has "userns-release-agent: denied (SIGSYS)"
	# Without the filter, and with CAP_SYS_ADMIN: the kernel and the pod's mounts still refuse.
	POD_FLAGS=(--insecure-options=image,seccomp)
	probe "release-agent userns-release-agent" --caps-retain=CAP_SYS_ADMIN,CAP_SETUID,CAP_SETGID
	printf '%s\n' "$output" | grep -qx 'release-agent: denied (.*)' || fail "$output"
	printf '%s\n' "$output" | grep -qx 'userns-release-agent: denied (.*)' || fail "$output"
}

# crun_setup: an OCI bundle in $T/bundle made with `crun spec` (its defaults: capabilities
# AUDIT_WRITE, KILL, NET_BIND_SERVICE; no seccomp filter; pid, net, ipc, uts and mount
# namespaces; a read-only root with /proc/sys, /sys read-only and masked paths), whose root is
# the probe alone, run by default, plus a tmpfs at /tmp for the probe's scratch nodes and
# mount points (the read-only root has none). On a host with cgroup v1 and a cgroup2 "unified"
# mount (hybrid), crun 1.8 refuses to start; it then runs through `nsenter --mount=$CRUN_NS/mnt`,
# a private mount namespace in which that mount is gone (the host's is untouched).
CRUN_NS=
crun_setup() {
	mkdir -p "$T/rootfs" "$T/bundle"
	cp "$PROBE" "$T/rootfs/probe"
	(cd "$T/bundle" && crun spec)
	jq --arg root "$T/rootfs" '.process.terminal = false | .process.args = ["/probe"]
		| .root.path = $root
		| .mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
			"options": ["mode=1777"]}]' "$T/bundle/config.json" >"$T/bundle/c.json"
	mv "$T/bundle/c.json" "$T/bundle/config.json"
	CRUN_WRAP=()
	if [ "$(stat -f -c %T /sys/fs/cgroup)" = tmpfs ] &&
		[ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
		CRUN_NS=$T/ns
		mkdir -p "$CRUN_NS"
		mount --bind "$CRUN_NS" "$CRUN_NS"
		mount --make-private "$CRUN_NS"
		touch "$CRUN_NS/mnt"
		unshare --mount="$CRUN_NS/mnt" --propagation private umount /sys/fs/cgroup/unified
		CRUN_WRAP=(nsenter --mount="$CRUN_NS/mnt")
	fi
}

teardown() {
	pod_teardown
	if [ -n "$CRUN_NS" ]; then
		umount "$CRUN_NS/mnt" 2>/dev/null || true
		umount "$CRUN_NS" 2>/dev/null || true
	fi
}

# on_pty FILE CMD...: runs CMD with a terminal of its own (script(1) makes a pty) as its stdin,
# stdout and stderr, into FILE.
on_pty() {
	local out=$1
	shift
	script -qec "$(printf '%q ' "$@")" /dev/null </dev/null >"$out" 2>&1
}

# probe_value NAME FILE: the probe's verdict for NAME in FILE
probe_value() {
	tr -d '\r' <"$2" | sed -n "s/^$1: //p" | head -n 1
}

@test "crun: a default pod allows nothing that crun run of a crun spec bundle denies" {
	crun_setup
	on_pty "$T/crun.out" "${CRUN_WRAP[@]}" crun --root="$T/crun-state" run \
		--bundle="$T/bundle" "rkt-probe-$$" || fail "crun run failed: $(cat "$T/crun.out")"
	on_pty "$T/rkt.out" "$RKT" --dir="$D" "${RUNFLAGS[@]}" run --stage1-path="$S1_ACI" \
		"$PROBE_ACI" || fail "rkt run failed: $(cat "$T/rkt.out")"
	local name c r n=0 looser=""
	for name in $("$PROBE" --list); do
		c=$(probe_value "$name" "$T/crun.out")
		r=$(probe_value "$name" "$T/rkt.out")
		[ -n "$c" ] || fail "crun: no '$name' line in: $(cat "$T/crun.out")"
		[ -n "$r" ] || fail "rkt: no '$name' line in: $(cat "$T/rkt.out")"
		n=$((n + 1))
		if [[ "$c" == denied* && "$r" != denied* ]]; then
			looser+="$name: crun $c, rkt $r"$'\n'
		fi
	done
	[ "$n" -ge 40 ] || fail "only $n checks"
	[ -z "$looser" ] || fail "a default pod allows what crun denies:" "$looser"
	# crun really ran the probe under its defaults: no filter, its three capabilities
	[ "$(probe_value seccomp "$T/crun.out")" = "mode 0, 0 filters" ]
	[[ "$(probe_value caps "$T/crun.out")" == "CapEff=0000000020000420 "* ]]
	# the side-by-side table of docs/security.md (RKT_PROBE_TABLE=docs/security.md updates it)
	"$BATS_TEST_DIRNAME/../../scripts/probe-table.sh" "$T/rkt.out" "$T/crun.out" >"$T/table.md"
	[ "$(grep -c '^| `' "$T/table.md")" -eq $((n + 3)) ] || fail "$(cat "$T/table.md")"
	grep -qF '| `raw-socket` | denied (EPERM) | denied (EPERM) | allowed (CAP_NET_RAW) |' \
		"$T/table.md" || fail "$(cat "$T/table.md")"
	if [ -n "${RKT_PROBE_TABLE:-}" ]; then
		"$BATS_TEST_DIRNAME/../../scripts/probe-table.sh" "$T/rkt.out" "$T/crun.out" \
			"$RKT_PROBE_TABLE"
	fi
}
