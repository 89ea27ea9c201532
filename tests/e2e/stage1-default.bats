#!/usr/bin/env bats
# The default stage1 run, enter, stop and gc entrypoints, run directly as root against pod
# directories prepared by hand (docs/stage1-abi.md). Requirement IDs: docs/conformance.md.

load stage1-helpers

setup() {
	setup_stage1_test
}

teardown() {
	teardown_stage1_test
}

app() {
	# app EXEC_JSON [MORE_MEMBERS]: a pod-level app object run as root.
	echo "{\"user\":\"0\",\"group\":\"0\",\"exec\":$1${2:+,$2}}"
}

@test "ACE-6: output is forwarded to the caller and kept in the app's log" {
	add_app hello "$(app "$(exec_json /bin/sh -c 'echo hi; echo oops >&2')")"
	write_pod
	run_pod --net=host
	[ "$status" -eq 0 ]
	[[ "$output" == *hi* ]]
	[[ "$output" == *oops* ]]
	grep -qx hi "$P/logs/hello.log"
	grep -qx oops "$P/logs/hello.log"
	[ "$(cat "$P/stage1/rootfs/rkt/status/hello")" = 0 ]
	[ -e "$P/stage1/rootfs/rkt/status/hello-started" ]
	grep -qx '[0-9][0-9]*' "$P/pid"
}

@test "exit status of a failing app is the pod's and is recorded" {
	add_app fail "$(app "$(exec_json /bin/sh -c 'exit 7')")"
	write_pod
	run_pod --net=host
	[ "$status" -eq 7 ]
	[ "$(cat "$P/stage1/rootfs/rkt/status/fail")" = 7 ]
}

@test "ACE-26: a failing app stops the others, which get SIGTERM" {
	add_app fail "$(app "$(exec_json /bin/sh -c 'read x < /v/go; exit 5')")" \
		null '"mounts":[{"volume":"v","path":"/v"}]'
	add_app sleeper "$(app "$(exec_json /bin/sh -c 'echo > /v/go; exec sleep 1000')")" \
		null '"mounts":[{"volume":"v","path":"/v"}]'
	mkdir -p "$P/sharedVolumes/v" && mkfifo "$P/sharedVolumes/v/go"
	write_pod '[{"name":"v","kind":"empty"}]'
	run_pod --net=host
	[ "$status" -eq 5 ]
	[ "$(cat "$P/stage1/rootfs/rkt/status/sleeper")" = 143 ]
}

@test "ACE-3: the pod has its own PID namespace with stage1 as PID 1" {
	add_app p "$(app "$(exec_json /bin/sh -c 'echo pid=$$; ls /proc | grep -c "^[0-9]"; tr "\0" " " < /proc/1/cmdline; echo; readlink /proc/1/root || echo root-hidden')")"
	write_pod
	run_pod --net=none
	[ "$status" -eq 0 ]
	[[ "$output" == *pid=2* ]]
	grep -qx '[1-4]' "$P/logs/p.log"
	# PID 1 is the stage1, whose (host) root the app may not reach.
	grep -q "stage1-init --net=none $UUID" "$P/logs/p.log"
	grep -qx root-hidden "$P/logs/p.log"
}

@test "ACE-3: hostname from --hostname, default rkt-<uuid>, and /etc/hostname" {
	add_app h "$(app "$(exec_json /bin/sh -c 'hostname; cat /etc/hostname')")"
	write_pod
	run_pod --net=none --hostname=podhost
	[ "$status" -eq 0 ]
	[ "$(grep -c '^podhost$' "$P/logs/h.log")" -eq 2 ]
	rm -f "$P/logs/h.log"
	run_pod --net=none
	grep -qx "rkt-$UUID" "$P/logs/h.log"
}

@test "ACE-4: host files are invisible and the app runs in its own root" {
	touch "$TMP/host-secret"
	add_app a "$(app "$(exec_json /bin/sh -c "test -e $TMP/host-secret && echo visible; test -e /bin/busybox && echo own-root; exit 0")")"
	write_pod
	run_pod --net=host
	[ "$status" -eq 0 ]
	[[ "$output" == *own-root* ]]
	[[ "$output" != *visible* ]]
}

@test "ACE-34: /proc, /sys and a minimal /dev; restricted paths are read-only or hidden" {
	add_app a "$(app "$(exec_json /bin/sh -c 'ls /dev | tr "\n" " "; echo; echo h > /proc/sysrq-trigger && echo sysrq-written; echo 1 > /proc/sys/kernel/core_uses_pid && echo sys-written; wc -c < /proc/keys; test -c /dev/null && test -c /dev/pts/ptmx && test -d /sys/kernel && echo dev-ok; echo > /sys/kernel/x 2>/dev/null || echo sys-ro')")"
	write_pod
	run_pod --net=host
	[[ "$output" == *"dev-ok"* ]]
	[[ "$output" == *"sys-ro"* ]]
	[[ "$output" != *"sysrq-written"* ]]
	[[ "$output" != *"sys-written"* ]]
	for d in console full null ptmx pts random shm tty urandom zero; do
		[[ "$output" == *" $d "* || "$output" == "$d "* ]]
	done
	grep -qx 0 "$P/logs/a.log" # /proc/keys is /dev/null
	# /proc/sysrq-trigger, where the kernel has it, is read-only
	[ ! -e /proc/sysrq-trigger ] || grep -q 'sysrq-trigger: Read-only' "$P/logs/a.log"
}

@test "ACE-4/REN-12: readOnlyRootFS makes the root read-only, volumes stay writable" {
	add_app ro "$(app "$(exec_json /bin/sh -c 'touch /rootfile && echo root-written; touch /data/f && echo volume-written')")" \
		null '"readOnlyRootFS":true,"mounts":[{"volume":"data","path":"/data"}]'
	write_pod '[{"name":"data","kind":"empty"}]'
	run_pod --net=host
	[[ "$output" == *volume-written* ]]
	[[ "$output" != *root-written* ]]
	[ -e "$P/sharedVolumes/data/f" ]
}

@test "ACE-7/ACE-15: an empty volume is shared by two apps; host volumes honour readOnly" {
	mkdir -p "$P/sharedVolumes/shared" "$TMP/hostdir"
	mkfifo "$P/sharedVolumes/shared/pipe"
	echo from-host >"$TMP/hostdir/file"
	add_app writer "$(app "$(exec_json /bin/sh -c 'echo shared-data > /shared/pipe; echo x > /host/new && echo host-written; exit 0')")" \
		null '"mounts":[{"volume":"shared","path":"/shared"},{"volume":"host","path":"/host"}]'
	add_app reader "$(app "$(exec_json /bin/sh -c 'cat /shared/pipe; cat /host/file')")" \
		null '"mounts":[{"volume":"shared","path":"/shared"},{"volume":"host","path":"/host"}]'
	write_pod "[{\"name\":\"shared\",\"kind\":\"empty\"},{\"name\":\"host\",\"kind\":\"host\",\"source\":\"$TMP/hostdir\",\"readOnly\":true}]"
	run_pod --net=host
	[ "$status" -eq 0 ]
	grep -qx shared-data "$P/logs/reader.log"
	grep -qx from-host "$P/logs/reader.log"
	! grep -q host-written "$P/logs/writer.log"
	[ ! -e "$TMP/hostdir/new" ]
}

@test "ACE-13: a host volume source with a symlink in its path is refused" {
	mkdir -p "$TMP/real"
	ln -s real "$TMP/link"
	add_app a "$(app "$(exec_json /bin/true)")" null '"mounts":[{"volume":"h","path":"/h"}]'
	write_pod "[{\"name\":\"h\",\"kind\":\"host\",\"source\":\"$TMP/link\"}]"
	run_pod --net=host
	[ "$status" -eq 254 ]
	[[ "$output" == *"$TMP/link"* ]]
}

@test "ACE-16..18: environment defaults, app values, and executor variables win" {
	add_app envapp "$(app "$(exec_json /bin/sh -c 'env')" '"environment":[{"name":"FOO","value":"bar"},{"name":"AC_APP_NAME","value":"evil"},{"name":"PATH","value":"/bin"}]')"
	write_pod
	run_pod --net=host --mds-token=tok123
	[ "$status" -eq 0 ]
	for kv in FOO=bar AC_APP_NAME=envapp PATH=/bin container=rkt HOME=/root USER=root \
		AC_METADATA_URL=http://127.0.0.1:18112/tok123; do
		grep -qx "$kv" "$P/logs/envapp.log"
		grep -qx "$kv" "$P/stage1/rootfs/rkt/env/envapp"
	done
}

@test "POD-4: without a pod-level app the image's app is used, with the default PATH" {
	add_app img null "$(app "$(exec_json sh -c 'echo $PATH')")"
	write_pod
	run_pod --net=host
	[ "$status" -eq 0 ]
	grep -qx /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$P/logs/img.log"
}

@test "ACE-22/23: user and group by name from the image's files, supplementary groups" {
	add_app u '{"user":"user","group":"users","supplementaryGIDs":[50,1001],"exec":["/bin/sh","-c","id; echo home=$HOME"]}'
	write_pod
	run_pod --net=host
	[ "$status" -eq 0 ]
	grep -q 'uid=1000(user) gid=1001(users)' "$P/logs/u.log"
	grep -q 'groups=.*50(staff)' "$P/logs/u.log"
	grep -qx home=/home/user "$P/logs/u.log"
}

@test "ACE-22: user by path takes the owner of the file in the image" {
	add_app u '{"user":"/home/user","group":"/home/user","exec":["/bin/id"]}'
	write_pod
	run_pod --net=host
	[ "$status" -eq 0 ]
	grep -q 'uid=1000(user) gid=1001(users)' "$P/logs/u.log"
}

@test "ACE-22: an unknown user is an error" {
	add_app u '{"user":"nobody-here","group":"0","exec":["/bin/id"]}'
	write_pod
	run_pod --net=host
	[ "$status" -eq 254 ]
	[[ "$output" == *nobody-here* ]]
}

@test "ACE-19: a missing working directory fails the app" {
	add_app w "$(app "$(exec_json /bin/pwd)" '"workingDirectory":"/nonexistent"')"
	write_pod
	run_pod --net=host
	[ "$status" -eq 254 ]
	grep -q 'working directory' "$P/logs/w.log"
}

@test "ACE-24: pre-start runs first in the same root; a failing pre-start fails the app" {
	add_app a "$(app "$(exec_json /bin/cat /tmp/pre)" '"eventHandlers":[{"name":"pre-start","exec":["/bin/sh","-c","echo pre-ran > /tmp/pre"]}]')"
	write_pod
	run_pod --net=host
	[ "$status" -eq 0 ]
	grep -qx pre-ran "$P/logs/a.log"
}

@test "ISO-11/ISO-9: default bounding set, and a retain set" {
	add_app d "$(app "$(exec_json /bin/sh -c 'grep CapBnd /proc/self/status')")"
	add_app r "$(app "$(exec_json /bin/sh -c 'grep CapBnd /proc/self/status')" '"isolators":[{"name":"os/linux/capabilities-retain-set","value":{"set":["CAP_NET_BIND_SERVICE"]}}]')"
	write_pod
	run_pod --net=host
	[ "$status" -eq 0 ]
	# ISO-11 without CAP_MKNOD and CAP_NET_RAW (docs/security.md)
	grep -q 'CapBnd:.*00000000a00405fb' "$P/logs/d.log"
	grep -q 'CapBnd:.*0000000000000400' "$P/logs/r.log"
}

@test "ISO-13/ISO-15: a seccomp remove set with errno blocks those calls only" {
	add_app s "$(app "$(exec_json /bin/sh -c 'mkdir /tmp/x || echo blocked; echo still-alive')" '"isolators":[{"name":"os/linux/seccomp-remove-set","value":{"set":["mkdir","mkdirat"],"errno":"ENOTSUP"}}]')"
	write_pod
	run_pod --net=host
	grep -q blocked "$P/logs/s.log"
	grep -q 'not supported' "$P/logs/s.log"
	grep -q still-alive "$P/logs/s.log"
}

@test "ACE-5: --net=none gives a new network namespace with loopback up" {
	add_app n "$(app "$(exec_json /bin/sh -c 'cat /proc/net/dev')")"
	write_pod
	run_pod --net=none
	[ "$status" -eq 0 ]
	[ "$(grep -c ':' "$P/logs/n.log")" -eq 1 ]
	grep -q 'lo:' "$P/logs/n.log"
}

@test "ACE-27/ACE-25: SIGTERM stops the pod gracefully and post-stop runs; enter works meanwhile" {
	mkdir -p "$P/sharedVolumes/v"
	mkfifo "$P/sharedVolumes/v/ready"
	add_app svc "$(app "$(exec_json /bin/sh -c 'echo ready > /v/ready; exec sleep 1000')" '"eventHandlers":[{"name":"post-stop","exec":["/bin/sh","-c","echo post > /v/post-stop-ran"]}]')" \
		null '"mounts":[{"volume":"v","path":"/v"}]'
	write_pod '[{"name":"v","kind":"empty"}]'
	start_pod --net=none --hostname=entered
	[ "$(timeout 10 cat "$P/sharedVolumes/v/ready")" = ready ]
	run bash -c 'cd "$0" && "$1" --pid="$(cat pid)" --appname=svc /bin/sh -c "echo \$AC_APP_NAME \$(hostname); test -e /v/ready && echo in-app-root"' \
		"$P" "$STAGE1_ENTER"
	[ "$status" -eq 0 ]
	[[ "$output" == *"svc entered"* ]]
	[[ "$output" == *in-app-root* ]]
	(cd "$P" && "$STAGE1_STOP" "$UUID")
	wait_pod
	[ "$POD_STATUS" -eq 0 ]
	[ "$(cat "$P/sharedVolumes/v/post-stop-ran")" = post ]
	[ "$(cat "$P/stage1/rootfs/rkt/status/svc")" = 143 ]
}

@test "stop --force kills the pod at once" {
	mkdir -p "$P/sharedVolumes/v"
	mkfifo "$P/sharedVolumes/v/ready"
	add_app svc "$(app "$(exec_json /bin/sh -c 'echo ready > /v/ready; exec sleep 1000')" '"isolators":[{"name":"resource/memory","value":{"limit":"64Mi"}}]')" \
		null '"mounts":[{"volume":"v","path":"/v"}]'
	write_pod '[{"name":"v","kind":"empty"}]'
	start_pod --net=host
	[ "$(timeout 10 cat "$P/sharedVolumes/v/ready")" = ready ]
	(cd "$P" && "$STAGE1_STOP" --force "$UUID")
	wait_pod
	[ "$POD_STATUS" -eq 137 ]
	# The killed pod could not remove its cgroup: gc does.
	cg=$(cat "$P/cgroups")
	wait_for rmdir_would_work "$cg"
	(cd "$P" && "$STAGE1_GC" "$UUID")
	[ ! -e "$cg" ]
}

@test "gc leaves no mount below the pod directory" {
	add_app a "$(app "$(exec_json /bin/true)")"
	write_pod
	run_pod --net=host
	[ "$status" -eq 0 ]
	# What stage0 may have mounted on the host (the stage1 rootfs) goes too.
	mount --bind "$P/stage1/rootfs" "$P/stage1/rootfs"
	mount -t tmpfs none "$P/stage1/rootfs/opt"
	grep -qF " $P/" /proc/self/mountinfo
	run bash -c 'cd "$0" && "$1" "$2"' "$P" "$STAGE1_GC" "$UUID"
	[ "$status" -eq 0 ]
	! grep -qF " $P/" /proc/self/mountinfo
}

@test "bad arguments and --mutable are refused with status 254" {
	add_app a "$(app "$(exec_json /bin/true)")"
	write_pod
	run_pod --net=host --mutable
	[ "$status" -eq 254 ]
	[[ "$output" == *mutable* ]]
	run_pod --net=mynet
	[ "$status" -eq 254 ]
}

@test "--interactive: the app reads the caller's stdin and writes straight to the caller" {
	add_app i "$(app "$(exec_json /bin/sh -c 'read line; echo got:$line')")"
	write_pod
	run bash -c 'cd "$0" && echo typed | "$1" --net=host --interactive "$2"' "$P" "$STAGE1_INIT" "$UUID"
	[ "$status" -eq 0 ]
	[ "$output" = got:typed ]
	[ ! -e "$P/logs/i.log" ]
}

@test "--interactive needs exactly one app" {
	add_app a "$(app "$(exec_json /bin/true)")"
	add_app b "$(app "$(exec_json /bin/true)")"
	write_pod
	run_pod --net=host --interactive
	[ "$status" -eq 254 ]
	[[ "$output" == *"exactly one app"* ]]
}

@test "without overlay-prepared the tree stage0 copied into the stage1 is used in place" {
	rm "$P/overlay-prepared"
	mkdir -p "$P/stage1/rootfs/opt/stage2/copy"
	cp -a "$ROOTFS" "$P/stage1/rootfs/opt/stage2/copy/rootfs"
	add_app copy "$(app "$(exec_json /bin/sh -c 'echo written > /marker')")"
	rm "$P/appsinfo/copy/lowerdir"
	write_pod
	run_pod --net=host
	[ "$status" -eq 0 ]
	[ "$(cat "$P/stage1/rootfs/opt/stage2/copy/rootfs/marker")" = written ]
	[ ! -e "$ROOTFS/marker" ]
}

@test "REN-11/ACE-39: two apps of the same image get separate writable roots" {
	add_app one "$(app "$(exec_json /bin/sh -c 'echo one > /who; cat /who')")"
	add_app two "$(app "$(exec_json /bin/sh -c 'echo two > /who; cat /who')")"
	write_pod
	run_pod --net=host
	[ "$status" -eq 0 ]
	grep -qx one "$P/logs/one.log"
	grep -qx two "$P/logs/two.log"
	[ ! -e "$ROOTFS/who" ]
	[ "$(cat "$P/overlay/deps-$IMAGE_ID/upper/one/who")" = one ]
}

@test "ACE-20: an executable missing from the image fails the app with a message in its log" {
	add_app nx "$(app "$(exec_json nosuchprogram)")"
	write_pod
	run_pod --net=host
	[ "$status" -eq 254 ]
	grep -qx 'stage1: app "nx": nosuchprogram: No such file or directory' "$P/logs/nx.log"
	[ "$(cat "$P/stage1/rootfs/rkt/status/nx")" = 254 ]
}

@test "the pod lock fd stays with stage1 and never reaches the apps" {
	add_app l "$(app "$(exec_json /bin/sh -c 'ls -l /proc/self/fd/')")"
	write_pod
	run bash -c 'cd "$0" && exec 9>>"$0/lockfile" 8>>"$0/other" && RKT_LOCK_FD=9 exec "$1" --net=host "$2"' \
		"$P" "$STAGE1_INIT" "$UUID"
	[ "$status" -eq 0 ]
	[[ "$output" == *" 2 -> "* ]]
	[[ "$output" != *lockfile* ]]
	[[ "$output" != *other* ]]
	run bash -c 'cd "$0" && RKT_LOCK_FD=77 exec "$1" --net=host "$2"' "$P" "$STAGE1_INIT" "$UUID"
	[ "$status" -eq 254 ]
	[[ "$output" == *RKT_LOCK_FD* ]]
}

@test "ISO-4/ISO-5: memory and cpu limits go to cgroups below the caller's, removed at exit" {
	mkdir -p "$P/sharedVolumes/v"
	mkfifo "$P/sharedVolumes/v/ready"
	add_app m "$(app "$(exec_json /bin/sh -c 'echo ready > /v/ready; exec sleep 1000')" '"isolators":[{"name":"resource/memory","value":{"limit":"64Mi"}},{"name":"resource/cpu","value":{"limit":"500m"}}]')" \
		null '"mounts":[{"volume":"v","path":"/v"}]'
	write_pod '[{"name":"v","kind":"empty"}]'
	start_pod --net=host
	[ "$(timeout 10 cat "$P/sharedVolumes/v/ready")" = ready ]
	own=$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup)
	mem=/sys/fs/cgroup/memory${own%/}/rkt-$UUID/m
	cpu=/sys/fs/cgroup/cpu$(sed -n 's/^[0-9]*:\(cpu\|cpu,cpuacct\|cpuacct,cpu\)://p' /proc/self/cgroup | sed 's|^/$||')/rkt-$UUID/m
	[ "$(cat "$mem/memory.limit_in_bytes")" = 67108864 ]
	[ "$(cat "$cpu/cpu.cfs_quota_us")" = 50000 ]
	[ -n "$(cat "$mem/cgroup.procs")" ]
	grep -qx "$mem" "$P/cgroups"
	(cd "$P" && "$STAGE1_STOP" "$UUID")
	wait_pod
	[ "$POD_STATUS" -eq 0 ]
	[ ! -e "$mem" ]
	[ ! -e "${mem%/m}" ]
	[ ! -e "$cpu" ]
}

@test "ACE-35/36: /etc/hosts is the app's own, the fallback, or stage0's file per --dns-conf-mode" {
	mkdir -p "$P/stage1/rootfs/etc"
	printf '127.0.0.1 fallback-host\n' >"$P/stage1/rootfs/etc/hosts-fallback"
	add_app h "$(app "$(exec_json /bin/cat /etc/hosts)")"
	write_pod
	run_pod --net=none
	[ "$status" -eq 0 ]
	[ "$output" = "127.0.0.1 fallback-host" ]
	# An image with its own /etc/hosts keeps it.
	echo '10.0.0.1 image-host' >"$ROOTFS/etc/hosts"
	rm -rf "$P/overlay"
	run_pod --net=none
	[[ "$output" == *image-host* ]]
	# stage0's file wins when it exists, and with --dns-conf-mode=hosts=stage0.
	echo '10.0.0.2 stage0-host' >"$P/stage1/rootfs/etc/rkt-hosts"
	run_pod --net=none --dns-conf-mode=resolv=none,hosts=stage0
	[[ "$output" == *stage0-host* ]]
}

@test "ACE-10: a file where a volume's directory must go is replaced, with a warning" {
	echo not-a-dir >"$ROOTFS/target"
	add_app t "$(app "$(exec_json /bin/sh -c 'test -d /target && echo is-dir')")" \
		null '"mounts":[{"volume":"v","path":"/target"}]'
	write_pod '[{"name":"v","kind":"empty"}]'
	run_pod --net=host
	[ "$status" -eq 0 ]
	[[ "$output" == *is-dir* ]]
	[[ "$output" == *"warning: replacing \"/target\""* ]]
	[ "$(cat "$ROOTFS/target")" = not-a-dir ]
}

@test "a bad option is one line naming it, without a misleading strerror" {
	run --separate-stderr "$STAGE1_INIT" --bogus 0123
	[ "$status" -eq 254 ]
	[ "$stderr" = "stage1: unknown or malformed option '--bogus'" ]
}

@test "dangling symlinks at /etc/resolv.conf, /etc/hosts, /proc, /dev and a mount target" {
	# As in Ubuntu images: the targets are created inside the app's root.
	ln -s ../run/systemd/resolve/stub-resolv.conf "$ROOTFS/etc/resolv.conf"
	ln -s /run/hosts "$ROOTFS/etc/hosts"
	ln -s proc-real "$ROOTFS/proc"
	ln -s /dev-real "$ROOTFS/dev"
	ln -s ../srv/data "$ROOTFS/var/v"
	mkdir -p "$P/stage1/rootfs/etc"
	echo 'nameserver 192.0.2.53' >"$P/stage1/rootfs/etc/rkt-resolv.conf"
	echo '192.0.2.1 stage0-host' >"$P/stage1/rootfs/etc/rkt-hosts"
	add_app a "$(app "$(exec_json /bin/sh -c 'cat /etc/resolv.conf /etc/hosts;
		test -e /proc/self/stat && echo proc-ok; test -c /dev/null && echo dev-ok;
		echo x >/var/v/f && cat /srv/data/f')")" \
		null '"mounts":[{"volume":"v","path":"/var/v"}]'
	write_pod '[{"name":"v","kind":"empty"}]'
	run_pod --net=none
	[ "$status" -eq 0 ]
	[[ "$output" == *"nameserver 192.0.2.53"* ]]
	[[ "$output" == *stage0-host* ]]
	[[ "$output" == *proc-ok* ]]
	[[ "$output" == *dev-ok* ]]
	[[ "$output" == *x* ]]
	# The image's links are kept; what they point to was created in the pod's upper layer.
	[ "$(readlink "$ROOTFS/etc/resolv.conf")" = ../run/systemd/resolve/stub-resolv.conf ]
	[ ! -e "$ROOTFS/run" ]
}

@test "a dangling symlink pointing out of the root creates nothing outside it" {
	local out=$TMP/outside
	ln -s "/../../../../../../$out/resolv.conf" "$ROOTFS/etc/resolv.conf"
	ln -s "../../../../../../../../$out/vol" "$ROOTFS/var/v"
	mkdir -p "$P/stage1/rootfs/etc"
	echo 'nameserver 192.0.2.53' >"$P/stage1/rootfs/etc/rkt-resolv.conf"
	echo '192.0.2.1 stage0-host' >"$P/stage1/rootfs/etc/rkt-hosts"
	add_app a "$(app "$(exec_json /bin/sh -c 'cat /etc/resolv.conf /etc/hosts;
		echo in-pod >/var/v/f')")" null '"mounts":[{"volume":"v","path":"/var/v"}]'
	write_pod '[{"name":"v","kind":"empty"}]'
	run_pod --net=none
	[ "$status" -eq 0 ]
	[[ "$output" == *"nameserver 192.0.2.53"* ]]
	[[ "$output" == *stage0-host* ]]
	[ ! -e "$out" ]
	[ ! -e "/proc/1/root$out" ]
	[ "$(cat "$P/sharedVolumes/v/f")" = in-pod ]
}

@test "a symlink through /proc/1/root at a mount target is refused, nothing is written outside" {
	local out=$TMP/outside
	mkdir -p "$P/stage1/rootfs/etc"
	echo '192.0.2.1 stage0-host' >"$P/stage1/rootfs/etc/rkt-hosts"
	ln -s "/proc/1/root$out/hosts" "$ROOTFS/etc/hosts"
	add_app a "$(app "$(exec_json /bin/cat /etc/hosts)")"
	write_pod
	run_pod --net=none
	[ "$status" -ne 0 ]
	[[ "$output" == *"/etc/hosts"* ]]
	[ ! -e "$out" ]
}
