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
	# the pods are collected from the host's namespace
	rkt_ok gc --grace-period=0s
	expect_no_pods
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
