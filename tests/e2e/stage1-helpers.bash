# Helpers for the stage1 suites: a busybox rootfs and pod directories prepared by hand, as
# stage0 would (docs/stage1-abi.md section 2). Every test runs in its own temporary directory;
# teardown runs the gc entrypoint so that nothing stays mounted even when a test fails.

IMAGE_ID="sha512-$(printf '%0128d' 0 | tr 0 a)"
BUSYBOX=${BUSYBOX:-/bin/busybox}

make_rootfs() {
	local dir=$1 a
	mkdir -p "$dir"/{bin,etc,tmp,root,home/user,var/data}
	cp "$BUSYBOX" "$dir/bin/busybox"
	for a in sh echo cat ls sleep hostname ps id env touch test mkdir kill readlink pwd \
		true false grep mkfifo stat mount head wc tr seq; do
		ln -s busybox "$dir/bin/$a"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1001:user:/home/user:/bin/sh\n' \
		>"$dir/etc/passwd"
	printf 'root:x:0:\nstaff:x:50:\nusers:x:1001:\n' >"$dir/etc/group"
	chown 1000:1001 "$dir/home/user"
	chmod 1777 "$dir/tmp"
}

setup_stage1_test() {
	TMP=$(mktemp -d "${BATS_TMPDIR:-/tmp}/stage1.XXXXXX")
	P=$TMP/pod
	ROOTFS=$TMP/rootfs
	mkdir -p "$P/stage1/rootfs" "$P/appsinfo"
	make_rootfs "$ROOTFS"
	echo "{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\",\"name\":\"coreos.com/rkt/stage1-default\"}" \
		>"$P/stage1/manifest"
	touch "$P/overlay-prepared"
	# A UUID of its own: the pod's cgroups are named after it, and another run of these
	# suites (another checkout) on the same machine must not share them.
	UUID=$(cat /proc/sys/kernel/random/uuid)
}

teardown_stage1_test() {
	if [ -n "${POD_PID:-}" ]; then
		kill -KILL "$POD_PID" 2>/dev/null || true
		wait "$POD_PID" 2>/dev/null || true
	fi
	if [ -n "${P:-}" ] && [ -d "$P" ]; then
		(cd "$P" && "$STAGE1_GC" "$UUID") || true
		# Belt and braces: never leave a mount behind, even if gc is broken.
		grep -F " $TMP" /proc/self/mountinfo | awk '{print $5}' | sort -r |
			while read -r m; do umount -l "$m" 2>/dev/null || true; done
	fi
	rm -rf "$TMP"
}

# add_app NAME APP_JSON [IMAGE_APP_JSON [RUNTIME_EXTRA_JSON]]: registers an app of the pod.
# APP_JSON is the pod's "app" member ("null" to use the image's), IMAGE_APP_JSON the image's.
APPS_JSON=""
add_app() {
	local name=$1 app=$2 image_app=${3:-null} extra=${4:-}
	mkdir -p "$P/appsinfo/$name"
	echo "{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\",\"name\":\"example.com/$name\",\"labels\":[{\"name\":\"os\",\"value\":\"linux\"},{\"name\":\"arch\",\"value\":\"amd64\"}],\"app\":$image_app}" \
		>"$P/appsinfo/$name/manifest"
	echo "deps-$IMAGE_ID" >"$P/appsinfo/$name/treeStoreID"
	echo "$ROOTFS" >"$P/appsinfo/$name/lowerdir"
	local entry="{\"name\":\"$name\",\"image\":{\"name\":\"example.com/$name\",\"id\":\"$IMAGE_ID\"}"
	[ "$app" != null ] && entry="$entry,\"app\":$app"
	[ -n "$extra" ] && entry="$entry,$extra"
	entry="$entry}"
	APPS_JSON="${APPS_JSON:+$APPS_JSON,}$entry"
}

# write_pod [VOLUMES_JSON]
write_pod() {
	echo "{\"acKind\":\"PodManifest\",\"acVersion\":\"0.8.11\",\"apps\":[$APPS_JSON],\"volumes\":${1:-null}}" \
		>"$P/pod"
}

# run_pod ARGS...: runs the run entrypoint in the foreground.
run_pod() {
	run bash -c 'cd "$0" && exec "$@"' "$P" "$STAGE1_INIT" "$@" "$UUID"
	# Shown by bats when the test fails.
	echo "run $*: status $status"
	echo "$output"
}

# start_pod ARGS...: runs it in the background; output in $TMP/out, $TMP/err.
start_pod() {
	(cd "$P" && exec "$STAGE1_INIT" "$@" "$UUID" >"$TMP/out" 2>"$TMP/err") &
	POD_PID=$!
}

# wait_for COMMAND...: retries a condition for up to 10 s (bounded, no fixed sleeps).
wait_for() {
	local i
	for i in $(seq 1 200); do
		if "$@"; then return 0; fi
		sleep 0.05
	done
	echo "timed out waiting for: $*" >&2
	return 1
}

exec_json() {
	# exec_json ARG...: a JSON array of the strings ARG (quotes and backslashes escaped).
	local out="" a
	for a in "$@"; do
		a=${a//\\/\\\\}
		a=${a//\"/\\\"}
		out="${out:+$out,}\"$a\""
	done
	echo "[$out]"
}

# wait_pod: waits for the pod started by start_pod; its exit status in $POD_STATUS.
wait_pod() {
	POD_STATUS=0
	wait "$POD_PID" || POD_STATUS=$?
	POD_PID=
	echo "pod exited with $POD_STATUS"
	cat "$TMP/out" "$TMP/err"
}

# rmdir_would_work CGROUP: the cgroup has no process left (the kernel reaps killed ones
# asynchronously).
rmdir_would_work() {
	[ ! -e "$1/cgroup.procs" ] || [ -z "$(cat "$1/cgroup.procs")" ]
}
