#!/usr/bin/env bats
# The fly stage1: one app chrooted in the host's namespaces (docs/stage1-abi.md section 4.6).

load stage1-helpers

setup() {
	setup_stage1_test
}

teardown() {
	teardown_stage1_test
}

run_fly() {
	run bash -c 'cd "$0" && exec "$@"' "$P" "$STAGE1_FLY_RUN" "$@" "$UUID"
	echo "fly $*: status $status"
	echo "$output"
}

@test "fly runs the app in its root, in the host's PID namespace, with its exit status" {
	touch "$TMP/host-secret"
	add_app f "{\"user\":\"0\",\"group\":\"0\",\"exec\":$(exec_json /bin/sh -c "echo pid=\$\$; test -e $TMP/host-secret && echo host-visible; test -e /bin/busybox && echo own-root; test -d /proc/1 && test -c /dev/null && echo dev-proc; echo \$AC_APP_NAME; exit 3")}"
	write_pod
	run_fly --net=host
	[ "$status" -eq 3 ]
	[[ "$output" == *own-root* ]]
	[[ "$output" == *dev-proc* ]]
	[[ "$output" == *"
f"* ]]
	[[ "$output" != *host-visible* ]]
	# The app is the run process itself: its PID is the one in 'pid'.
	[[ "$output" == *"pid=$(cat "$P/pid")"* ]]
	grep -qx '[0-9][0-9]*' "$P/pgid"
	grep -qx AC_APP_NAME=f "$P/stage1/rootfs/rkt/env/f"
}

@test "fly: user by name, working directory, host volume" {
	mkdir -p "$TMP/vol"
	echo hello-volume >"$TMP/vol/file"
	add_app f '{"user":"user","group":"users","workingDirectory":"/home/user","exec":["/bin/sh","-c","id; pwd; cat /v/file"]}' null \
		'"mounts":[{"volume":"v","path":"/v"}]'
	write_pod "[{\"name\":\"v\",\"kind\":\"host\",\"source\":\"$TMP/vol\"}]"
	run_fly --net=host
	[ "$status" -eq 0 ]
	[[ "$output" == *"uid=1000(user) gid=1001(users)"* ]]
	[[ "$output" == *"/home/user"* ]]
	[[ "$output" == *hello-volume* ]]
}

@test "fly: CVE-2024-21626: no working directory outside the root through /proc/self/fd/N" {
	echo host-secret >"$TMP/host-secret"
	local n
	for n in 3 4 5 6 7 8; do
		APPS_JSON=
		add_app f "{\"user\":\"0\",\"group\":\"0\",\"workingDirectory\":\"/proc/self/fd/$n\",\"exec\":$(exec_json /bin/cat "../../../../../../../../../../..$TMP/host-secret")}"
		write_pod
		echo "working directory /proc/self/fd/$n:"
		run_fly --net=host
		[[ "$output" != *host-secret* ]]
		[ "$status" -eq 254 ]
	done
}

@test "fly: stop sends SIGTERM to the app's process group; enter reaches the app" {
	mkdir -p "$TMP/vol"
	mkfifo "$TMP/vol/ready"
	add_app f '{"user":"0","group":"0","exec":["/bin/sh","-c","echo ready > /v/ready; exec sleep 1000"]}' null \
		'"mounts":[{"volume":"v","path":"/v"}]'
	write_pod "[{\"name\":\"v\",\"kind\":\"host\",\"source\":\"$TMP/vol\"}]"
	# Its own process group, as under a shell's job control.
	(cd "$P" && exec setsid "$STAGE1_FLY_RUN" --net=host "$UUID" >"$TMP/out" 2>"$TMP/err") &
	POD_PID=$!
	[ "$(timeout 10 cat "$TMP/vol/ready")" = ready ]
	run bash -c 'cd "$0" && "$1" --pid="$(cat pid)" --appname=f /bin/sh -c "test -p /v/ready && echo in-root \$AC_APP_NAME"' \
		"$P" "$STAGE1_ENTER"
	[ "$status" -eq 0 ]
	[ "$output" = "in-root f" ]
	(cd "$P" && "$STAGE1_STOP" "$UUID")
	wait_pod
	[ "$POD_STATUS" -eq 143 ]
}

@test "fly refuses other networks and more than one app" {
	add_app a '{"user":"0","group":"0","exec":["/bin/true"]}'
	add_app b '{"user":"0","group":"0","exec":["/bin/true"]}'
	write_pod
	run_fly --net=none
	[ "$status" -eq 254 ]
	run_fly --net=host
	[ "$status" -eq 254 ]
	[[ "$output" == *"exactly one app"* ]]
}

@test "fly: the app holds the pod's lock fd and nothing else of the caller's" {
	add_app f '{"user":"0","group":"0","exec":["/bin/sh","-c","ls -l /proc/self/fd/"]}'
	write_pod
	run bash -c 'cd "$0" && exec 9>>"$0/lockfile" 8>>"$0/other" && RKT_LOCK_FD=9 exec "$1" --net=host "$2"' \
		"$P" "$STAGE1_FLY_RUN" "$UUID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"9 -> $P/lockfile"* ]]
	[[ "$output" != *other* ]]
}

@test "fly: dangling symlinks at /etc/resolv.conf, /proc and a volume target are created inside" {
	mkdir -p "$TMP/vol"
	echo hello-volume >"$TMP/vol/file"
	ln -s ../run/systemd/resolve/stub-resolv.conf "$ROOTFS/etc/resolv.conf"
	ln -s proc-real "$ROOTFS/proc"
	ln -s "/../../../../../../$TMP/escaped" "$ROOTFS/v"
	add_app f "{\"user\":\"0\",\"group\":\"0\",\"exec\":$(exec_json /bin/sh -c 'head -c0 /etc/resolv.conf && echo resolv-ok; test -e /proc/self/stat && echo proc-ok; cat /v/file')}" \
		null '"mounts":[{"volume":"v","path":"/v"}]'
	write_pod "[{\"name\":\"v\",\"kind\":\"host\",\"source\":\"$TMP/vol\"}]"
	run_fly --net=host
	[ "$status" -eq 0 ]
	[[ "$output" == *resolv-ok* ]]
	[[ "$output" == *proc-ok* ]]
	[[ "$output" == *hello-volume* ]]
	[ ! -e "$TMP/escaped" ]
}
