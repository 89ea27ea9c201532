#!/usr/bin/env bats
# What the stage1s do for rkt run beyond starting apps: running from a service's own mount
# namespace, the host's /etc files, empty volumes on fly, and isolators
# (docs/stage1-abi.md sections 3 and 4).

load pod-helpers

setup_file() {
	pod_setup_file
	FLY_ACI=$(dirname "$RKT")/../../stage1/stage1-fly.aci
	[ -f "$FLY_ACI" ] || fail "no stage1-fly.aci next to $RKT (ninja builds it)"
	export FLY_ACI
}

# own_ns_rkt PROPAGATION ARGS...: rkt as the only process of a fresh mount namespace (as under
# a systemd unit with PrivateTmp=: no fork between unshare and rkt), made with PROPAGATION.
# It runs inside a wrapper namespace whose / is rshared like a systemd host's, so that nothing
# reaches the real host whatever the propagation. Status and output as with `run`.
own_ns_rkt() {
	local prop=$1
	shift
	run --separate-stderr unshare -m sh -c \
		'mount --make-rshared / && unshare -m --propagation "$0" "$@"' \
		"$prop" "$RKT" --dir="$D" "${RUNFLAGS[@]}" "$@"
}

@test "rkt run from its own mount namespace, every propagation, default and fly stage1" {
	local prop s1
	for s1 in "$S1_ACI" "$FLY_ACI"; do
		for prop in private shared slave unchanged; do
			own_ns_rkt "$prop" run --stage1-path="$s1" "$BB_ACI" \
				--exec /bin/sh -- -c "echo $prop; exit 3"
			[ "$status" -eq 3 ] || fail "$s1, $prop: status $status" "$stderr"
			[ "$output" = "$prop" ] || fail "$s1, $prop: $output"
		done
	done
	# the pods are collected from the host's namespace, their networks too, although their
	# stage1 gc entrypoint is in an overlay this namespace does not see (docs/networking.md)
	local uuids u
	uuids=$(find "$D/pods" -mindepth 2 -maxdepth 2 -printf '%f\n')
	rkt_ok gc --grace-period=0s
	expect_no_pods
	for u in $uuids; do
		[ ! -e "/var/run/netns/rkt-$u" ] || fail "netns of $u left"
		! grep -rqx "$u" /var/lib/cni/networks 2>/dev/null || fail "lease of $u left"
		! iptables -w -t nat -S | grep -q "$u" || fail "rules of $u left"
	done
}

@test "a pod started from its own mount namespace can be entered and stopped from the host's" {
	(unshare -m sh -c 'mount --make-rshared / && unshare -m "$@"' \
		"$RKT" "$RKT" --dir="$D" "${RUNFLAGS[@]}" run --stage1-path="$S1_ACI" \
		--uuid-file-save="$T/uuid" "$BB_ACI" --exec /bin/sleep -- 1000 >"$T/out" 2>"$T/err") &
	RUN_PID=$!
	wait_for_uuid
	UUID=$(cat "$T/uuid")
	rkt_ok status --wait-ready=20s "$UUID"
	# the entrypoints and rkt/env are in the stage1 overlay, which the host does not see
	rkt enter "$UUID" /bin/sh -c 'echo "$FROM_IMAGE $AC_APP_NAME"'
	local enter_status=$status enter_output=$output enter_stderr=$stderr
	rkt stop "$UUID"
	# without a working stop, end the pod here rather than hang the suite
	[ "$status" -eq 0 ] || kill -KILL "$(cat "$D/pods/run/$UUID/pid")"
	local s=0
	wait "$RUN_PID" || s=$?
	RUN_PID=
	[ "$status" -eq 0 ] || fail "stop: $stderr"
	rkt_ok status "$UUID"
	[ "${lines[0]}" = state=exited ] || fail "$output" "rkt run: $s, $(cat "$T/err")"
	[ "$enter_status" -eq 0 ] || fail "enter: $enter_stderr"
	[ "$enter_output" = "image busybox" ]
}

# with_fake_etc CMD...: runs CMD in a private mount namespace where the host's /etc/hosts and
# /etc/resolv.conf are bind mounts of $T/etc-hosts and $T/etc-resolv.conf (old mtime, known
# bytes; pristine copies in $T/*.orig), so that a pod can try to write the host's files
# without ever reaching the real ones, even when stage1 is wrong.
with_fake_etc() {
	printf '127.0.0.1 localhost fake-host-hosts\n' >"$T/etc-hosts"
	printf 'nameserver 192.0.2.1 # fake-host-resolv\n' >"$T/etc-resolv.conf"
	touch -d @1000000000 "$T/etc-hosts" "$T/etc-resolv.conf"
	cp -p "$T/etc-hosts" "$T/etc-hosts.orig"
	cp -p "$T/etc-resolv.conf" "$T/etc-resolv.conf.orig"
	run --separate-stderr unshare -m sh -c \
		'mount --bind "$0/etc-hosts" /etc/hosts && mount --bind "$0/etc-resolv.conf" /etc/resolv.conf && exec "$@"' \
		"$T" "$@"
}

# The app (root, default capabilities) tries to change both files every way it can.
WRITE_ETC='for f in /etc/hosts /etc/resolv.conf; do cat $f; echo pwned >>$f && echo "$f appended"; true >$f && echo "$f truncated"; touch $f && echo "$f touched"; done; true'

expect_host_etc_unchanged() {
	local f
	for f in etc-hosts etc-resolv.conf; do
		cmp "$T/$f" "$T/$f.orig" || fail "$f was changed: $(cat "$T/$f")"
		[ "$(stat -c %Y "$T/$f")" -eq 1000000000 ] || fail "$f mtime changed"
	done
	[[ "$output" == *fake-host-hosts* ]] || fail "the app did not see the host's hosts" "$output"
	[[ "$output" != *appended* && "$output" != *truncated* && "$output" != *touched* ]] ||
		fail "$output"
}

@test "--net=host: the host's /etc/hosts and /etc/resolv.conf are read-only in the app" {
	with_fake_etc "$RKT" --dir="$D" "${RUNFLAGS[@]}" run --net=host --stage1-path="$S1_ACI" \
		"$BB_ACI" --user=0 --exec /bin/sh -- -c "$WRITE_ETC"
	[ "$status" -eq 0 ] || fail "status $status" "$stderr"
	[[ "$output" == *fake-host-resolv* ]] || fail "$output"
	expect_host_etc_unchanged
}

@test "--dns=host and --hosts-entry=host: the host's files are read-only in the app" {
	with_fake_etc "$RKT" --dir="$D" "${RUNFLAGS[@]}" run --net=none --dns=host \
		--hosts-entry=host --stage1-path="$S1_ACI" "$BB_ACI" --exec /bin/sh -- -c "$WRITE_ETC"
	[ "$status" -eq 0 ] || fail "status $status" "$stderr"
	[[ "$output" == *fake-host-resolv* ]] || fail "$output"
	expect_host_etc_unchanged
}

@test "fly: the host's /etc/hosts and /etc/resolv.conf are read-only in the app" {
	with_fake_etc "$RKT" --dir="$D" "${RUNFLAGS[@]}" run --stage1-path="$FLY_ACI" \
		"$BB_ACI" --exec /bin/sh -- -c "$WRITE_ETC"
	[ "$status" -eq 0 ] || fail "status $status" "$stderr"
	expect_host_etc_unchanged
}

@test "fly: an empty volume and the one an image mount point implies are created in the pod" {
	"$ACTOOL" patch-manifest --name=example.com/with-mp --mounts=cache,path=/cache \
		"$BB_ACI" "$T/mp.aci"
	rkrun --stage1-path="$FLY_ACI" --volume=e,kind=empty,mode=0700,uid=7,gid=8 \
		--uuid-file-save="$T/uuid" "$T/mp.aci" --mount volume=e,target=/e \
		--exec /bin/sh -- -c 'stat -c "%a %u %g" /e; echo in-e >/e/f; echo in-cache >/cache/f; cat /e/f /cache/f'
	[ "$status" -eq 0 ] || fail "status $status" "$stderr"
	[ "${lines[0]}" = "700 7 8" ]
	[ "${lines[1]}" = in-e ]
	[ "${lines[2]}" = in-cache ]
	# the backing directories are the pod's, as with the default stage1
	local p
	p=$D/pods/run/$(cat "$T/uuid")
	[ "$(cat "$p/sharedVolumes/e/f")" = in-e ]
	[ "$(cat "$p/sharedVolumes/with-mp-cache/f")" = in-cache ]
}

# pod_manifest APP_A_ISOLATORS POD_ISOLATORS [EXEC_JSON]: pod.json with apps "a" (EXEC_JSON,
# default sleep) and, unless ONE_APP is set, "b" (sleep), from the busybox image.
pod_manifest() {
	rkt_ok --insecure-options=image fetch --full "$BB_ACI"
	local id=$output exec=${3:-'["/bin/sleep","1000"]'} b=""
	[ -n "${ONE_APP:-}" ] ||
		b=",{\"name\":\"b\",\"image\":{\"id\":\"$id\"},\"app\":{\"exec\":[\"/bin/sleep\",\"1000\"],\"user\":\"0\",\"group\":\"0\"}}"
	cat >pod.json <<JSON
{"acKind":"PodManifest","acVersion":"0.8.11","apps":[
 {"name":"a","image":{"id":"$id"},"app":{"exec":$exec,"user":"0","group":"0","isolators":[$1]}}$b],
 "isolators":[$2]}
JSON
}

@test "pod-level isolators limit the pod's cgroup, above the apps' cgroups with their own" {
	# POD-11, ACE-33; requests (ISO-4, ISO-5) as soft limit and shares
	pod_manifest '{"name":"resource/memory","value":{"request":"16Mi","limit":"32Mi"}}' \
		'{"name":"resource/memory","value":{"limit":"64Mi"}},{"name":"resource/cpu","value":{"request":"500m","limit":"1"}}'
	start_pod --pod-manifest=pod.json
	local cg=$D/pods/run/$UUID/cgroups
	if [ -e /sys/fs/cgroup/cgroup.controllers ] && [ ! -s "$cg" ]; then
		# cgroup v2 without a delegated cgroup: said, not silently dropped
		grep -q 'resource isolators not applied' "$T/err" || fail "$(cat "$T/err")"
		rkt_ok stop "$UUID"
		return
	fi
	local a_mem b_mem a_cpu pod_mem pod_cpu
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		a_mem=$(grep '/a$' "$cg") b_mem=$(grep '/b$' "$cg") a_cpu=$a_mem
		pod_mem=$(dirname "$a_mem") pod_cpu=$pod_mem
		[ "$(cat "$pod_mem/memory.max")" -eq $((64 << 20)) ]
		[ "$(cat "$a_mem/memory.max")" -eq $((32 << 20)) ]
		[ "$(cat "$a_mem/memory.low")" -eq $((16 << 20)) ]
		[ "$(cat "$b_mem/memory.max")" = max ]
		[ "$(cat "$pod_cpu/cpu.max")" = "100000 100000" ]
		[ "$(cat "$pod_cpu/cpu.weight")" -eq 20 ]
	else
		a_mem=$(grep '/memory/.*/a$' "$cg") b_mem=$(grep '/memory/.*/b$' "$cg")
		a_cpu=$(grep '/cpu/.*/a$' "$cg")
		pod_mem=$(dirname "$a_mem") pod_cpu=$(dirname "$a_cpu")
		[ "$(cat "$pod_mem/memory.limit_in_bytes")" -eq $((64 << 20)) ]
		[ "$(cat "$a_mem/memory.limit_in_bytes")" -eq $((32 << 20)) ]
		[ "$(cat "$a_mem/memory.soft_limit_in_bytes")" -eq $((16 << 20)) ]
		# b has no limit of its own: the pod's bounds it together with a
		[ "$(cat "$b_mem/memory.limit_in_bytes")" -gt $((64 << 20)) ]
		[ "$(cat "$pod_cpu/cpu.cfs_quota_us")" -eq 100000 ]
		[ "$(cat "$pod_cpu/cpu.shares")" -eq 512 ]
	fi
	[ "$pod_mem" = "$(dirname "$b_mem")" ]
	[[ "$pod_mem" == */rkt-$UUID ]]
	[ -n "$(cat "$a_mem/cgroup.procs")" ]
	[ -n "$(cat "$b_mem/cgroup.procs")" ]
	[ -n "$(cat "$a_cpu/cgroup.procs")" ]
	rkt_ok stop "$UUID"
	wait "$RUN_PID" || true
	RUN_PID=
	[ ! -e "$pod_mem" ] || fail "pod cgroup $pod_mem left behind"
}

@test "os/unix/sysctl is applied in the pod's namespaces, never the host's" {
	# ISO-18
	local host_fwd host_shm
	host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
	host_shm=$(cat /proc/sys/kernel/shmmni)
	ONE_APP=1 pod_manifest "" \
		'{"name":"os/unix/sysctl","value":{"net.ipv4.ip_forward":"1","kernel.shmmni":"1234"}}' \
		'["/bin/sh","-c","cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni"]'
	rkrun --net=none --pod-manifest=pod.json
	[ "$status" -eq 0 ] || fail "status $status" "$stderr"
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = 1234 ]
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host_fwd" ]
	[ "$(cat /proc/sys/kernel/shmmni)" = "$host_shm" ]
}

@test "os/unix/sysctl keys the pod cannot own are refused before a pod exists" {
	ONE_APP=1 pod_manifest "" '{"name":"os/unix/sysctl","value":{"kernel.panic":"5"}}' '["/bin/true"]'
	rkrun --net=none --pod-manifest=pod.json
	expect_error '"kernel.panic" is not a namespaced sysctl'
	ONE_APP=1 pod_manifest "" '{"name":"os/unix/sysctl","value":{"net.ipv4.ip_forward":"1"}}' '["/bin/true"]'
	rkrun --net=host --pod-manifest=pod.json
	expect_error '"net.ipv4.ip_forward" needs the pod'"'"'s own network namespace'
	expect_no_pods
	# fly shares every namespace with the host: stage0 refuses any sysctl for it, in run and
	# in prepare, before a pod exists
	ONE_APP=1 pod_manifest "" '{"name":"os/unix/sysctl","value":{"kernel.shmmni":"1234"}}' '["/bin/true"]'
	rkrun --stage1-path="$FLY_ACI" --pod-manifest=pod.json
	expect_error "stage1 fly" '"kernel.shmmni" needs the pod'"'"'s own IPC namespace'
	rkprepare --stage1-path="$FLY_ACI" --pod-manifest=pod.json
	expect_error "stage1 fly" '"kernel.shmmni" needs the pod'"'"'s own IPC namespace'
	expect_no_pods
}

@test "run-prepared refuses a net.* sysctl with --net=host in stage0; the pod stays prepared" {
	ONE_APP=1 pod_manifest "" '{"name":"os/unix/sysctl","value":{"net.ipv4.ip_forward":"1"}}' \
		'["/bin/sh","-c","cat /proc/sys/net/ipv4/ip_forward"]'
	rkprepare --pod-manifest=pod.json
	[ "$status" -eq 0 ] || fail "$stderr"
	local uuid=$output
	rkt run-prepared --net=host "$uuid"
	expect_error "run-prepared: pod '$uuid'" '"net.ipv4.ip_forward" needs the pod'"'"'s own network namespace'
	rkt_ok status "$uuid"
	[ "${lines[0]}" = state=prepared ] || fail "$output"
	rkt run-prepared --net=none "$uuid"
	[ "$status" -eq 0 ] || fail "status $status: $stderr"
	[ "$output" = 1 ]
}

@test "isolators that are not applied are named once on stderr, default and fly" {
	# ACE-32, ISO-19 (capabilities in the pod's list), ISO-20
	ONE_APP=1 pod_manifest \
		'{"name":"resource/block-iops","value":{"default":true,"limit":"100"}},{"name":"resource/block-iops","value":{"default":true,"limit":"200"}},{"name":"os/linux/oom-score-adj","value":100}' \
		'{"name":"os/linux/selinux-context","value":{"user":"u","role":"r","type":"t","level":"s0"}},{"name":"os/linux/capabilities-retain-set","value":{"set":["CAP_KILL"]}},{"name":"resource/memory","value":{"limit":"1Gi"}}' \
		'["/bin/sh","-c","cat /proc/self/oom_score_adj"]'
	rkrun --pod-manifest=pod.json
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = 100 ]
	[ "$(grep -c 'isolators not applied' <<<"$stderr")" -eq 1 ] || fail "$stderr"
	grep -qF 'isolators not applied: os/linux/selinux-context (pod), os/linux/capabilities-retain-set (pod), resource/block-iops (app "a")' <<<"$stderr" ||
		fail "$stderr"
	rkrun --stage1-path="$FLY_ACI" --pod-manifest=pod.json
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = 100 ]
	grep -qF 'isolators not applied: os/linux/selinux-context (pod), os/linux/capabilities-retain-set (pod), resource/memory (pod), resource/block-iops (app "a")' <<<"$stderr" ||
		fail "$stderr"
}
