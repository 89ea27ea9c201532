#!/usr/bin/env bats
# --private-users (docs/security.md "User namespaces", docs/pods.md): the apps' root is an
# unprivileged range of host ids, the shared image trees are shown through idmapped mounts and
# stay untouched, files the apps write belong to the range, each pod has its own range.

load pod-helpers

setup_file() {
	pod_setup_file
	# busybox with a home owned by 1000:1000 (kept by building without --owner-root)
	local l
	l=$(mktemp -d "$BATS_FILE_TMPDIR/layout.XXXXXX")
	mkdir -p "$l/rootfs/bin" "$l/rootfs/etc" "$l/rootfs/data" "$l/rootfs/home/u"
	cp "$BUSYBOX" "$l/rootfs/bin/busybox"
	for a in sh cat ls id stat touch mkdir sleep echo test; do
		ln -s busybox "$l/rootfs/bin/$a"
	done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$l/rootfs/etc/passwd"
	echo 'u:x:1000:1000::/home/u:/bin/sh' >>"$l/rootfs/etc/passwd"
	echo 'root:x:0:' >"$l/rootfs/etc/group"
	echo 'owned by u' >"$l/rootfs/home/u/f"
	chown -R 1000:1000 "$l/rootfs/home/u"
	chown 0:0 "$l/rootfs" "$l/rootfs/bin" "$l/rootfs/etc" "$l/rootfs/data"
	cat >"$l/manifest" <<JSON
{"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/userns",
 "labels":[{"name":"version","value":"1.0.0"},{"name":"os","value":"linux"},{"name":"arch","value":"$(arch)"}],
 "app":{"exec":["/bin/sleep","600"],"user":"0","group":"0"}}
JSON
	US_ACI=$BATS_FILE_TMPDIR/userns.aci
	"$ACTOOL" build "$l" "$US_ACI" >/dev/null
	export US_ACI
}

# range_of UUID: "BASE COUNT" of the pod's range, from its directory.
range_of() {
	local f
	f=$(ls "$D"/pods/*/"$1"/private-users-prepared)
	tr ':' ' ' <"$f"
}

# app_pid UUID: the app process of a running one-app pod (the only child of its PID 1).
app_pid() {
	local pid1
	pid1=$(cat "$D/pods/run/$1/pid")
	cat "/proc/$pid1/task/$pid1/children" | tr -d ' '
}

# ids_line PID KEY: the four ids of the Uid: or Gid: line of /proc/PID/status.
ids_line() {
	awk -v k="$2:" '$1 == k { print $2, $3, $4, $5 }' "/proc/$1/status"
}

# owners DIR: every entry's owner, group and mode, and a checksum of the contents.
owners() {
	(cd "$1" && find . -printf '%U:%G %m %p\n' | sort && find . -type f -exec sha256sum {} + |
		sort)
}

tree_of() {
	local id
	id=$("$RKT" --dir="$D" image list --no-legend --full --fields=id | head -1)
	echo "$D/cas/tree/$id/rootfs"
}

@test "private users: uid 0 inside is the range's base on the host, an unprivileged uid" {
	start_pod --private-users "$US_ACI"
	read -r base count < <(range_of "$UUID")
	[ "$count" -eq 65536 ]
	[ "$base" -ge 65536 ]
	[ $((base % 65536)) -eq 0 ]
	pid=$(app_pid "$UUID")
	[ -n "$pid" ]
	[ "$(ids_line "$pid" Uid)" = "$base $base $base $base" ] ||
		fail "Uid line: $(ids_line "$pid" Uid), range $base"
	[ "$(ids_line "$pid" Gid)" = "$base $base $base $base" ]
	[ "$(awk '{ print $1, $2, $3 }' "/proc/$pid/uid_map")" = "0 $base 65536" ]
	# the host's root (stage1) and the app are in different user namespaces
	[ "$(readlink "/proc/$pid/ns/user")" != "$(readlink /proc/self/ns/user)" ]
	# without the flag: the host's root
	rkrun --private-users=false "$US_ACI" --exec /bin/sh -- -c 'cat /proc/self/uid_map'
	[ "$status" -eq 0 ]
	[[ "$output" == *" 0 "*" 0 "*"4294967295"* ]] || fail "uid_map: $output"
}

@test "private users: image files keep their owners inside, the shared tree is untouched" {
	fetch_ok "$US_ACI"
	tree=$(tree_of)
	before=$(owners "$tree")
	[[ "$before" == *"1000:1000 644 ./home/u/f"* ]]
	rkrun --private-users "$US_ACI" --exec /bin/sh -- -c \
		'stat -c "%u:%g %n" /home/u/f /bin/busybox /; echo x >>/home/u/f; touch /data/new;
		 mkdir /made; cat /home/u/f'
	[ "$status" -eq 0 ] || fail "status $status: $stderr"
	[[ "$output" == *"1000:1000 /home/u/f"* ]] || fail "$output"
	[[ "$output" == *"0:0 /bin/busybox"* ]]
	[[ "$output" == *"0:0 /"$'\n'* ]]
	[[ "$output" == *"owned by u"$'\n'"x"* ]]
	# the rendered tree: same owners, modes and contents, on disk the host's ids
	[ "$(owners "$tree")" = "$before" ] || fail "the shared tree changed"
	# what the app wrote is in the pod's upper dir, owned by the range
	uuid=$(ls "$D/pods/run")
	read -r base count < <(range_of "$uuid")
	upper=$(ls -d "$D/pods/run/$uuid"/overlay/*/upper/userns)
	[ "$(stat -c %u:%g "$upper")" = "$base:$base" ]
	[ "$(stat -c %u:%g "$upper/data/new")" = "$base:$base" ]
	[ "$(stat -c %u:%g "$upper/made")" = "$base:$base" ]
	# copied up with the image owner shifted: 1000 inside is base+1000 outside
	[ "$(stat -c %u:%g "$upper/home/u/f")" = "$((base + 1000)):$((base + 1000))" ]
}

@test "private users: an app running as 1000 writes files owned by base+1000" {
	rkrun --private-users "$US_ACI" --user=1000 --group=1000 --exec /bin/sh -- -c \
		'id -u; touch /home/u/g; touch /data/denied 2>/dev/null || echo denied'
	[ "$status" -eq 0 ] || fail "status $status: $stderr"
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = denied ]
	uuid=$(ls "$D/pods/run")
	read -r base count < <(range_of "$uuid")
	upper=$(ls -d "$D/pods/run/$uuid"/overlay/*/upper/userns)
	[ "$(stat -c %u:%g "$upper/home/u/g")" = "$((base + 1000)):$((base + 1000))" ]
}

@test "private users: /proc, /sys and /dev work inside; the host's root is nobody" {
	rkrun --private-users "$US_ACI" --exec /bin/sh -- -c \
		'cat /proc/1/status >/dev/null && echo proc; test -d /sys/kernel && echo sys;
		 echo x >/dev/null && echo dev; cat /proc/self/status | grep -c ^Uid;
		 stat -c %u /proc/1; cat /proc/sys/kernel/ostype'
	[ "$status" -eq 0 ] || fail "status $status: $stderr"
	[ "$output" = $'proc\nsys\ndev\n1\n65534\nLinux' ] || fail "$output"
}

@test "private users: two pods running at the same time get disjoint ranges" {
	local p1 p2 u1 u2 b1 b2 c
	"$RKT" --dir="$D" "${RUNFLAGS[@]}" run --stage1-path="$S1_ACI" --uuid-file-save="$T/u1" \
		--private-users "$US_ACI" >"$T/o1" 2>&1 &
	p1=$!
	"$RKT" --dir="$D" "${RUNFLAGS[@]}" run --stage1-path="$S1_ACI" --uuid-file-save="$T/u2" \
		--private-users "$US_ACI" >"$T/o2" 2>&1 &
	p2=$!
	for f in u1 u2; do
		for _ in $(seq 1 200); do
			[ -s "$T/$f" ] && break
			sleep 0.05
		done
		"$RKT" --dir="$D" status --wait-ready=20s "$(cat "$T/$f")" >/dev/null
	done
	u1=$(cat "$T/u1")
	u2=$(cat "$T/u2")
	read -r b1 c < <(range_of "$u1")
	read -r b2 c < <(range_of "$u2")
	[ "$b1" -ne "$b2" ]
	[ $((b1 + 65536)) -le "$b2" ] || [ $((b2 + 65536)) -le "$b1" ]
	[ "$(ids_line "$(app_pid "$u1")" Uid)" = "$b1 $b1 $b1 $b1" ]
	[ "$(ids_line "$(app_pid "$u2")" Uid)" = "$b2 $b2 $b2 $b2" ]
	"$RKT" --dir="$D" stop "$u1" "$u2" >/dev/null
	wait "$p1" || true
	wait "$p2" || true
}

@test "private users: enter joins the pod's user namespace; gc removes the range's files" {
	start_pod --private-users "$US_ACI"
	read -r base count < <(range_of "$UUID")
	rkt_ok enter "$UUID" /bin/sh -c 'id -u; cat /proc/self/uid_map; touch /data/entered'
	[ "${lines[0]}" = 0 ]
	[ "$(echo "${lines[1]}" | awk '{ print $1, $2, $3 }')" = "0 $base 65536" ] ||
		fail "uid_map: ${lines[1]}"
	upper=$(ls -d "$D/pods/run/$UUID"/overlay/*/upper/userns)
	[ "$(stat -c %u "$upper/data/entered")" = "$base" ]
	rkt_ok stop "$UUID"
	wait "$RUN_PID" || true
	RUN_PID=
	rkt_ok gc --grace-period=0s
	# the pod directory (its range record and the upper dir owned by the range) is gone
	[ -z "$(find "$D/pods" -name private-users-prepared)" ]
	[ -z "$(find "$D" -uid "$base")" ]
	expect_no_pods
}

@test "private users: prepare records the range, run-prepared uses it" {
	rkprepare --private-users "$US_ACI" --exec /bin/sh -- -c 'cat /proc/self/uid_map'
	[ "$status" -eq 0 ] || fail "$stderr"
	uuid=$output
	read -r base count < <(range_of "$uuid")
	rkt run-prepared "$uuid"
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$(echo "$output" | awk '{ print $1, $2, $3 }')" = "0 $base 65536" ] || fail "$output"
}

@test "private users: --no-overlay shifts the pod's copy of the tree, as upstream" {
	rkrun --private-users --no-overlay "$US_ACI" --exec /bin/sh -- -c \
		'stat -c "%u:%g" /home/u/f /; touch /data/new'
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = $'1000:1000\n0:0' ] || fail "$output"
	uuid=$(ls "$D/pods/run")
	read -r base count < <(range_of "$uuid")
	root=$D/pods/run/$uuid/stage1/rootfs/opt/stage2/userns/rootfs
	[ "$(stat -c %u:%g "$root/home/u/f")" = "$((base + 1000)):$((base + 1000))" ]
	[ "$(stat -c %u:%g "$root/data/new")" = "$base:$base" ]
}

@test "private users: host volumes show the host's owners through the mapping; empty volumes are the range's" {
	mkdir -p "$T/host"
	echo a >"$T/host/root-owned"
	rkrun --private-users --volume=h,kind=host,source="$T/host" \
		--volume=e,kind=empty,uid=1000,gid=1000,mode=0700 "$US_ACI" \
		--mount=volume=h,target=/h --mount=volume=e,target=/e --exec /bin/sh -- -c \
		'stat -c "%u:%g %n" /h/root-owned /e; echo x >/h/root-owned 2>/dev/null || echo ro'
	[ "$status" -eq 0 ] || fail "$stderr"
	[[ "$output" == *"65534:65534 /h/root-owned"* ]] || fail "$output"
	[[ "$output" == *"1000:1000 /e"* ]] || fail "$output"
	[[ "$output" == *ro* ]]
	[ "$(cat "$T/host/root-owned")" = a ]
	uuid=$(ls -t "$D/pods/run" | head -1)
	read -r base2 count < <(range_of "$uuid")
	[ "$(stat -c %u:%g "$D/pods/run/$uuid/sharedVolumes/e")" = \
		"$((base2 + 1000)):$((base2 + 1000))" ]
}

@test "private users: a host file of the range shows its id inside" {
	mkdir -p "$T/host"
	echo b >"$T/host/mapped"
	rkt_ok "${RUNFLAGS[@]}" prepare --quiet --stage1-path="$S1_ACI" --private-users "$US_ACI" \
		--volume=h,kind=host,source="$T/host" --mount=volume=h,target=/h \
		--exec /bin/stat -- -c %u:%g /h/mapped
	uuid=$output
	read -r base count < <(range_of "$uuid")
	chown $((base + 5)):$((base + 7)) "$T/host/mapped"
	rkt_ok run-prepared "$uuid"
	[ "$output" = 5:7 ]
}

@test "private users: refused with the fly stage1, before a pod directory exists" {
	rkt "${RUNFLAGS[@]}" run --stage1-from-dir=stage1-fly.aci --private-users "$US_ACI"
	[ "$status" -eq 254 ]
	[[ "$stderr" == *"--private-users: not supported by the fly stage1"* ]] || fail "$stderr"
	[ "${#stderr_lines[@]}" -eq 1 ]
	expect_no_pods
}

@test "private users: refused where the trees' filesystem has no idmapped mounts" {
	# ramfs has no idmapped mounts: the store and the pods live there
	mkdir -p "$T/ramfs"
	mount -t ramfs ramfs "$T/ramfs"
	D=$T/ramfs/data STORE=$T/ramfs/data
	rkrun --private-users "$US_ACI"
	[ "$status" -eq 254 ]
	[[ "$stderr" == *"--private-users: the filesystem of the tree of image 'sha512-"*"cannot be idmapped"*"--no-overlay"* ]] ||
		fail "$stderr"
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ -z "$(find "$D/pods" -mindepth 2 -maxdepth 2 2>/dev/null)" ] || fail "a pod directory"
	[ -z "$(awk -v d="$D" 'index($5, d) == 1' /proc/self/mountinfo)" ] || fail "mounts left"
	# --no-overlay chowns the pod's copies instead: works there
	rkrun --private-users --no-overlay "$US_ACI" --exec /bin/stat -- -c %u:%g /home/u/f
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = 1000:1000 ]
	pod_teardown
	D=$T/data STORE=$T/data
}

@test "private users: export gives the owners the app saw, with and without overlay" {
	for o in --no-overlay=false --no-overlay; do
		rkt_ok "${RUNFLAGS[@]}" prepare --quiet --stage1-path="$S1_ACI" --private-users "$o" \
			"$US_ACI" --exec /bin/sh -- -c \
			'touch /data/new && touch /home/u/g && chown 1000:1000 /home/u/g && rm /home/u/f'
		uuid=$output
		rkt_ok run-prepared "$uuid"
		rkt_ok export "$uuid" "$T/out$o.aci"
		tar -tvzf "$T/out$o.aci" --numeric-owner >"$T/list"
		grep -q ' 0/0 .* rootfs/data/new$' "$T/list" || fail "$o: $(cat "$T/list")"
		grep -q ' 1000/1000 .* rootfs/home/u/g$' "$T/list" || fail "$o: $(cat "$T/list")"
		grep -q ' 1000/1000 .* rootfs/home/u/$' "$T/list" || fail "$o: $(cat "$T/list")"
		grep -q ' 0/0 .* rootfs/bin/busybox$' "$T/list" || fail "$o: $(cat "$T/list")"
		! grep -q 'rootfs/home/u/f$' "$T/list" || fail "$o: the deleted file is exported"
	done
	[ -z "$(mounts_below | grep export || true)" ]
}
