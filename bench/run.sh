#!/bin/sh
# Times the start->exit of `/bin/true` in one busybox rootfs, in one run, for:
#   rkt run with the default stage1 (found next to rkt, as a user gets it), the same with
#   --stage1-name (stage1 looked up in the store instead of imported), fly (--stage1-name),
#   run-prepared of default and fly pods (the pods are prepared before the timed loop), and,
#   on the same rootfs, `runc run` and `crun run` of an OCI bundle, a bare
#   `unshare -m -u -i -p -f chroot ROOTFS /bin/true`, a plain fork+exec of /bin/true and
#   `rkt version` (stage0's process start: loading its shared libraries).
# Then the resident memory (VmRSS) of the default stage1's processes while an app sleeps.
#
#   bench/run.sh [BUILD_DIR]      (BUILD_DIR default: build; run as root)
#
# Method (as in docs/performance.md): a sample is a loop of N starts (default 20),
# timed as a whole and divided by N; one round times every row once, alternating the order
# (forward, then backward); ROUNDS rounds (default 10). Reported: the median per-start time of
# each row, and the medians of its per-round ratios to crun and to runc (same round, so the
# host's drift cancels). Every container row, ours included, runs through the same
# `nsenter --mount=<file>` wrapper: a private mount namespace in which the cgroup2 "unified"
# mount of a hybrid host is unmounted, because crun refuses hybrid cgroups (the host is not
# changed). The network stays the host's everywhere (--net=host; bundles without a network
# namespace). crun and runc keep their defaults otherwise (cgroupfs, masked paths, ...).
# `rkt version` and the bare fork+exec of /bin/true need no namespace and run without it.
#
# Installs runc, crun and jq with apt-get if they are missing (as root); temporary files go to
# a directory under $TMPDIR or /tmp, removed on exit with every pod and mount made here.
# $wrap and $R are command prefixes, split on purpose:
# shellcheck disable=SC2086
set -eu

# absolute: `nsenter --mount` enters the namespace at its root, so a relative path would not resolve
build=$(cd "${1:-build}" 2>/dev/null && pwd) || {
	echo "bench: no build directory '${1:-build}'" >&2
	exit 1
}
N=${N:-20}
ROUNDS=${ROUNDS:-10}
rkt=$build/cli/rkt/rkt
actool=$build/cli/actool/actool
s1default=$build/stage1/stage1-default.aci
s1fly=$build/stage1/stage1-fly.aci
busybox=${BUSYBOX:-/bin/busybox}

die() {
	echo "bench: $*" >&2
	exit 1
}
log() {
	echo "bench: $*" >&2
}

[ "$(id -u)" -eq 0 ] || die "must run as root (namespaces, mounts, cgroups)"
for f in "$rkt" "$actool"; do
	[ -x "$f" ] || die "no '$f' (build first: ninja -C $build)"
done
for f in "$s1default" "$s1fly"; do
	[ -f "$f" ] || die "no '$f' (build first: ninja -C $build)"
done

missing=""
command -v runc >/dev/null || missing="$missing runc"
command -v crun >/dev/null || missing="$missing crun"
command -v jq >/dev/null || missing="$missing jq"
[ -x "$busybox" ] || missing="$missing busybox-static"
command -v nsenter >/dev/null && command -v unshare >/dev/null || missing="$missing util-linux"
if [ -n "$missing" ]; then
	log "installing$missing"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing \
		>/dev/null || die "could not install$missing (apt-get install$missing)"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/rkt-run-bench.XXXXXX")
wrap=""
sleeper=""
cleanup() {
	set +e
	if [ -n "$sleeper" ] && kill -0 "$sleeper" 2>/dev/null; then
		kill -KILL "$sleeper"
		wait "$sleeper" 2>/dev/null
	fi
	if [ -d "$work/rkt" ]; then
		$wrap "$rkt" --dir="$work/rkt" gc --grace-period=0s >/dev/null 2>&1
	fi
	# the namespace file keeps the wrapper's mount namespace (and anything left in it) alive
	grep -q " $work/ns/mnt " /proc/self/mountinfo && umount "$work/ns/mnt"
	grep -q " $work/ns " /proc/self/mountinfo && umount "$work/ns"
	grep -q " $work/" /proc/self/mountinfo && echo "bench: mounts left under $work" >&2
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the rootfs, the ACI and the OCI bundle
rootfs=$work/rootfs
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev" "$rootfs/tmp"
cp "$busybox" "$rootfs/bin/busybox"
for a in true false sh sleep echo cat ls; do
	ln -s busybox "$rootfs/bin/$a"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
echo 'root:x:0:' >"$rootfs/etc/group"

mkdir -p "$work/layout"
cp -a "$rootfs" "$work/layout/rootfs"
cat >"$work/layout/manifest" <<'JSON'
{"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/bench-true","labels":[{"name":"version","value":"1.0.0"},{"name":"os","value":"linux"},{"name":"arch","value":"amd64"}],"app":{"exec":["/bin/true"],"user":"0","group":"0"}}
JSON
"$actool" build --owner-root "$work/layout" "$work/true.aci"

bundle=$work/bundle
mkdir -p "$bundle" "$work/state"
(cd "$bundle" && crun spec)
jq --arg root "$rootfs" '.process.terminal = false | .process.args = ["/bin/true"] |
	.root.path = $root | .linux.namespaces |= map(select(.type != "network"))' \
	"$bundle/config.json" >"$bundle/config.json.tmp"
mv "$bundle/config.json.tmp" "$bundle/config.json"

# ---- the wrapper: a private mount namespace without cgroup2 "unified" (hybrid hosts)
mkdir -p "$work/ns"
mount --bind "$work/ns" "$work/ns"
mount --make-private "$work/ns"
touch "$work/ns/mnt"
# shellcheck disable=SC2016
unshare --mount="$work/ns/mnt" --propagation private sh -c \
	'if [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
		umount /sys/fs/cgroup/unified; fi'
wrap="nsenter --mount=$work/ns/mnt"

# ---- the store: the image and both stage1s fetched first
D=$work/rkt
R="$rkt --dir=$D --insecure-options=image"
img=$($wrap $R fetch "$work/true.aci")
$wrap $R fetch "$s1default" "$s1fly" >/dev/null
s1name() {
	"$actool" cat-manifest "$1" |
		jq -r '.name + ":" + (.labels[] | select(.name == "version") | .value)'
}
s1default_name=$(s1name "$s1default")
s1fly_name=$(s1name "$s1fly")
# every rkt row must work before anything is timed
$wrap $R run --net=host "$img" || die "rkt run fails"
$wrap $R run --net=host --stage1-name="$s1fly_name" "$img" || die "rkt run (fly) fails"
$wrap crun --root "$work/state/crun" run -b "$bundle" bench-crun || die "crun run fails"
$wrap runc --root "$work/state/runc" run -b "$bundle" bench-runc || die "runc run fails"

# ---- rows: row_NAME I runs the I-th start of a sample
rows="true wrapper unshare crun runc rkt_version rkt_default rkt_default_s1name rkt_fly
rp_default rp_fly"
row_true() { /bin/true; }
row_wrapper() { $wrap /bin/true; }
row_unshare() { $wrap unshare -m -u -i -p -f chroot "$rootfs" /bin/true; }
row_crun() { $wrap crun --root "$work/state/crun" run -b "$bundle" bench-crun; }
row_runc() { $wrap runc --root "$work/state/runc" run -b "$bundle" bench-runc; }
row_rkt_version() { $R version; } # no namespace needed: compared with the bare fork+exec
row_rkt_default() { $wrap $R run --net=host "$img"; }
row_rkt_default_s1name() { $wrap $R run --net=host --stage1-name="$s1default_name" "$img"; }
row_rkt_fly() { $wrap $R run --net=host --stage1-name="$s1fly_name" "$img"; }
row_rp_default() { eval "$wrap \$R run-prepared --net=host \$uuid_$1"; }
row_rp_fly() { eval "$wrap \$R run-prepared --net=host \$uuid_$1"; }

# prep_NAME: untimed work before a sample (run-prepared rows: prepare N pods)
prepare_pods() {
	i=0
	while [ "$i" -lt "$N" ]; do
		eval "uuid_$i=\$($wrap \$R prepare \"\$@\" \"\$img\")" || die "rkt prepare $* fails"
		i=$((i + 1))
	done
}
prep_rp_default() { prepare_pods; }
prep_rp_fly() { prepare_pods --stage1-name="$s1fly_name"; }

now() {
	date +%s%N
}
mkdir -p "$work/t"
sample() { # sample ROW ROUND: one timed loop of N starts, per-start ns appended to t/ROW
	if command -v "prep_$1" >/dev/null; then
		"prep_$1"
	fi
	i=0
	t0=$(now)
	while [ "$i" -lt "$N" ]; do
		"row_$1" "$i" >/dev/null 2>&1 </dev/null || die "row $1 failed (start $i)"
		i=$((i + 1))
	done
	t1=$(now)
	echo "$2 $(((t1 - t0) / N))" >>"$work/t/$1"
}

reversed=$(echo $rows | tr ' ' '\n' | tac | tr '\n' ' ')
date_run=$(date -u '+%Y-%m-%d %H:%M UTC')
log "$ROUNDS rounds of $N starts per row ($(echo $rows | wc -w) rows)"
round=1
while [ "$round" -le "$ROUNDS" ]; do
	if [ $((round % 2)) -eq 1 ]; then order=$rows; else order=$reversed; fi
	for r in $order; do
		sample "$r" "$round"
	done
	$wrap $R gc --grace-period=0s >/dev/null 2>&1 || die "rkt gc fails"
	log "round $round/$ROUNDS done"
	round=$((round + 1))
done

# ---- memory: the default stage1 while an app sleeps
log "memory: default stage1 with a sleeping app"
rm -f "$work/uuid"
$wrap $R run --net=host --uuid-file-save="$work/uuid" "$img" --exec=/bin/sleep -- 600 \
	>/dev/null 2>&1 </dev/null &
sleeper=$!
# wait (bounded) until the pod's stage1 has written its pid: mounts done, app started next
i=0
pid1=""
while [ "$i" -lt 1000 ]; do
	if [ -s "$work/uuid" ]; then
		p=$D/pods/run/$(cat "$work/uuid")/pid
		[ -s "$p" ] && pid1=$(cat "$p") && break
	fi
	kill -0 "$sleeper" 2>/dev/null || die "the sleeping pod exited early"
	sleep 0.01
	i=$((i + 1))
done
[ -n "$pid1" ] || die "the sleeping pod did not write its pid within 10 s"
# wait (bounded) until PID 1 has started the app (it has a child)
i=0
while [ "$i" -lt 1000 ] && [ -z "$(cat "/proc/$pid1/task/$pid1/children" 2>/dev/null)" ]; do
	sleep 0.01
	i=$((i + 1))
done
[ -n "$(cat "/proc/$pid1/task/$pid1/children")" ] || die "the pod did not start its app within 10 s"
rss() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}
# what the process holds alone: VmRSS also counts the pages of the stage1 binary it maps, which
# are the page cache of one file shared by every pod (docs/performance.md)
private() {
	awk '/^(RssAnon|RssShmem):/ { k += $2 } END { print k }' "/proc/$1/status"
}
rss_pid1=$(rss "$pid1")
rss_parent=$(rss "$sleeper")
priv_pid1=$(private "$pid1")
priv_parent=$(private "$sleeper")
$wrap "$rkt" --dir="$D" stop "$(cat "$work/uuid")" >/dev/null
wait "$sleeper" || true
sleeper=""
$wrap $R gc --grace-period=0s >/dev/null 2>&1 || die "rkt gc fails"

# ---- report
for r in $rows; do
	sort -n "$work/t/$r" >"$work/t/$r.sorted"
done
awk -v n="$N" -v rounds="$ROUNDS" -v date="$date_run" -v rss1="$rss_pid1" -v rssp="$rss_parent" \
	-v priv1="$priv_pid1" -v privp="$priv_parent" -v rows="$rows" -v dir="$work/t" '
function median(a, k,    i, j, t) {
	for (i = 2; i <= k; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
}
BEGIN {
	nr = split(rows, names, /[ \n]+/)
	for (x = 1; x <= nr; x++) {
		f = dir "/" names[x]
		while ((getline line < f) > 0) { split(line, p, " "); t[names[x], p[1]] = p[2] }
		close(f)
	}
	label["true"] = "fork+exec /bin/true (no wrapper)"
	label["wrapper"] = "nsenter wrapper + /bin/true"
	label["unshare"] = "unshare -m -u -i -p -f chroot ROOTFS /bin/true"
	label["crun"] = "crun run (bundle, no netns)"
	label["runc"] = "runc run (bundle, no netns)"
	label["rkt_version"] = "rkt version, no wrapper (stage0 process start)"
	label["rkt_default"] = "rkt run, default stage1 (implicit)"
	label["rkt_default_s1name"] = "rkt run, default, --stage1-name"
	label["rkt_fly"] = "rkt run, fly (--stage1-name)"
	label["rp_default"] = "rkt run-prepared, default stage1"
	label["rp_fly"] = "rkt run-prepared, fly"
	printf "%s; %d rounds x %d starts per row; per-start medians\n\n", date, rounds, n
	printf "%-48s %9s %14s %14s\n", "row (\"no wrapper\": without nsenter)", "ms/start",
		"ratio to crun", "ratio to runc"
	for (x = 1; x <= nr; x++) {
		r = names[x]; k = 0; kc = 0; kr = 0
		for (i = 1; i <= rounds; i++) {
			v[++k] = t[r, i] / 1e6
			c[++kc] = t[r, i] / t["crun", i]
			u[++kr] = t[r, i] / t["runc", i]
		}
		med[r] = median(v, k); rc[r] = median(c, kc); ru[r] = median(u, kr)
		if (r == "rkt_version") {
			for (i = 1; i <= rounds; i++)
				w[i] = t[r, i] / t["true", i]
			rv = median(w, rounds)
		}
		printf "%-48s %9.2f %14.2f %14.2f\n", label[r], med[r], rc[r], ru[r]
	}
	printf "\nVmRSS while an app sleeps (default stage1): pod PID 1 %d KiB, stage1 parent %d KiB\n",
		rss1, rssp
	printf "of it private (RssAnon + RssShmem): pod PID 1 %d KiB, stage1 parent %d KiB\n",
		priv1, privp
	printf "\n%-58s %-10s %s\n", "target", "measured", ""
	printf "%-58s %-10s %s\n", "default stage1 no slower than crun (rkt run / crun <= 1.0)",
		sprintf("%.3f", rc["rkt_default"]), rc["rkt_default"] <= 1.0 ? "met" : "MISSED"
	printf "%-58s %-10s %s\n", "fly within 0.8x of crun (rkt run fly / crun <= 0.8)",
		sprintf("%.3f", rc["rkt_fly"]), rc["rkt_fly"] <= 0.8 ? "met" : "MISSED"
	printf "%-58s %-10s %s\n", "rkt version within 2.5x of fork+exec (median of rounds)",
		sprintf("%.3f", rv), rv <= 2.5 ? "met" : "MISSED"
	printf "%-58s %-10s %s\n", "default stage1 faster than runc (rkt run / runc < 1)",
		sprintf("%.3f", ru["rkt_default"]), ru["rkt_default"] < 1 ? "met" : "MISSED"
	printf "%-58s %-10s %s\n", "stage1 init (pod PID 1) VmRSS < 1 MiB",
		sprintf("%d KiB", rss1), rss1 < 1024 ? "met" : "MISSED"
}'
