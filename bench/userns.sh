#!/bin/sh
# Start-up cost of --private-users: the start->exit of `/bin/true` in one busybox image, with
# the default stage1 and overlay, without and with --private-users (and with
# --private-users --no-overlay, upstream's chowned copy), in one run.
#
#   bench/userns.sh [BUILD_DIR]      (BUILD_DIR default: build; run as root)
#
# Method (docs/performance.md): a sample is a loop of N runs (default 10) timed as a whole and
# divided by N; a round times each row once, the order alternating between rounds; ROUNDS
# rounds (default 5). The pods of a sample are collected (untimed) before the next one, so that
# the range allocation, which reads every pod's range, sees no more pods than a sample's.
# Reported: each row's median ms per run and the median of its per-round ratio to the row
# without --private-users. Temporary files go to a directory under $TMPDIR or /tmp, removed on
# exit with every pod made here.
# $R is a command prefix, split on purpose:
# shellcheck disable=SC2086
set -eu

build=$(cd "${1:-build}" 2>/dev/null && pwd) || {
	echo "bench: no build directory '${1:-build}'" >&2
	exit 1
}
N=${N:-10}
ROUNDS=${ROUNDS:-5}
rkt=$build/cli/rkt/rkt
actool=$build/cli/actool/actool
busybox=${BUSYBOX:-/bin/busybox}

die() {
	echo "bench: $*" >&2
	exit 1
}
[ "$(id -u)" -eq 0 ] || die "must run as root (namespaces, mounts)"
[ -x "$rkt" ] && [ -x "$actool" ] || die "build first: ninja -C $build"
[ -f "$build/stage1/stage1-default.aci" ] || die "no stage1-default.aci in $build/stage1"

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-userns.XXXXXX")
D=$work/data
R="$rkt --dir=$D --insecure-options=image"
cleanup() {
	$R gc --grace-period=0s >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

l=$work/layout
mkdir -p "$l/rootfs/bin" "$l/rootfs/etc"
cp "$busybox" "$l/rootfs/bin/busybox"
ln -s busybox "$l/rootfs/bin/true"
echo 'root:x:0:0:root:/root:/bin/sh' >"$l/rootfs/etc/passwd"
arch=$(uname -m)
[ "$arch" = x86_64 ] && arch=amd64
cat >"$l/manifest" <<JSON
{"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/bench-userns",
 "labels":[{"name":"version","value":"1.0.0"},{"name":"os","value":"linux"},{"name":"arch","value":"$arch"}],
 "app":{"exec":["/bin/true"],"user":"0","group":"0"}}
JSON
"$actool" build --owner-root "$l" "$work/img.aci" >/dev/null
img=$($R fetch --full "$work/img.aci" 2>/dev/null)

row_plain() { $R run --net=host "$img"; }
row_userns() { $R run --net=host --private-users "$img"; }
row_userns_copy() { $R run --net=host --private-users --no-overlay "$img"; }
rows="plain userns userns_copy"
for r in $rows; do
	row_$r >/dev/null || die "row $r fails"
done

# sample ROW: ms per run over N runs
sample() {
	t0=$(date +%s%N)
	i=0
	while [ $i -lt "$N" ]; do
		row_$1 >/dev/null
		i=$((i + 1))
	done
	t1=$(date +%s%N)
	$R gc --grace-period=0s >/dev/null 2>&1
	echo "scale=2; ($t1 - $t0) / 1000000 / $N" | bc
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

res=$work/res
mkdir -p "$res"
round=1
while [ $round -le "$ROUNDS" ]; do
	order=$rows
	[ $((round % 2)) -eq 0 ] && order=$(echo "$rows" | tr ' ' '\n' | tac | tr '\n' ' ')
	for r in $order; do
		eval "t_$r=\$(sample $r)"
	done
	for r in $rows; do
		eval "t=\$t_$r"
		echo "$t" >>"$res/$r"
		echo "scale=3; $t / $t_plain" | bc >>"$res/$r.ratio"
	done
	echo "bench: round $round: plain $t_plain userns $t_userns userns_copy $t_userns_copy ms" >&2
	round=$((round + 1))
done

printf '%-34s %10s %18s\n' "rkt run (/bin/true), N=$N x $ROUNDS" "ms/run" "ratio to plain"
for r in $rows; do
	case $r in
	plain) name="overlay" ;;
	userns) name="overlay --private-users" ;;
	userns_copy) name="--no-overlay --private-users" ;;
	esac
	printf '%-34s %10s %18s\n' "$name" "$(median <"$res/$r")" "$(median <"$res/$r.ratio")"
done
