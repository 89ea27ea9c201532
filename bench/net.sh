#!/bin/sh
# Times a pod's start on the default CNI network against --net=host and against running the
# same plugins by hand as the CNI protocol says (what the CNI project's cnitool would do: a
# network namespace, ptp ADD with host-local IPAM and masquerade, DEL, namespace removed), in
# one run. Each figure is the median of RUNS (default 5) runs of: pod start to exit of /bin/true
# (rkt run ... --exec /bin/true, then gc of that pod) for rkt; ADD + DEL for the plugins.
#
#   bench/net.sh [BUILD_DIR [WORK_DIR]]      (root; RUNS=1 for a smoke check)
#
# Only namespaces this script creates see traffic (none is sent); everything it creates is
# removed on exit.
set -eu

build=${1:-build}
rkt=$build/cli/rkt/rkt
actool=$build/cli/actool/actool
runs=${RUNS:-5}
plugins=${CNI_PLUGINS:-/usr/lib/cni}

. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || die "needs root"
[ -x "$rkt" ] || die "no rkt at '$rkt' (build first: ninja -C $build)"
[ -x "$plugins/ptp" ] || die "no CNI plugins in $plugins (apt-get install containernetworking-plugins)"
need ip "iproute2"
need busybox "busybox-static"

work=$(mktemp -d "${2:-${TMPDIR:-/tmp}}/net-bench.XXXXXX")
ns=rkt-bench-$$
cleanup() {
	ip netns del "$ns" 2>/dev/null || true
	"$rkt" --dir="$work/data" gc --grace-period=0s >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$work/l/rootfs/bin" "$work/ipam"
cp "$(command -v busybox)" "$work/l/rootfs/bin/busybox"
ln -s busybox "$work/l/rootfs/bin/true"
cat >"$work/l/manifest" <<'JSON'
{"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/bench-net","labels":[{"name":"os","value":"linux"}],"app":{"exec":["/bin/true"],"user":"0","group":"0"}}
JSON
"$actool" build --owner-root "$work/l" "$work/true.aci" >/dev/null

now() { date +%s%N; }
# median of the numbers on stdin, in ms with one decimal
median() { sort -n | awk '{ v[NR] = $1 } END { m = v[int((NR + 1) / 2)]; printf "%.1f", m / 1e6 }'; }

pod() {
	t0=$(now)
	"$rkt" --dir="$work/data" --insecure-options=image run "$@" "$work/true.aci" >/dev/null
	"$rkt" --dir="$work/data" gc --grace-period=0s >/dev/null
	echo $(($(now) - t0))
}

conf='{"cniVersion":"1.0.0","name":"bench","type":"ptp","ipMasq":true,"ipam":{"type":"host-local","dataDir":"'$work/ipam'","subnet":"172.16.29.0/24","routes":[{"dst":"0.0.0.0/0"}]}}'
by_hand() {
	t0=$(now)
	ip netns add "$ns"
	echo "$conf" | CNI_COMMAND=ADD CNI_CONTAINERID=bench-$$ CNI_NETNS=/var/run/netns/$ns \
		CNI_IFNAME=eth0 CNI_PATH=$plugins "$plugins/ptp" >/dev/null
	echo "$conf" | CNI_COMMAND=DEL CNI_CONTAINERID=bench-$$ CNI_NETNS=/var/run/netns/$ns \
		CNI_IFNAME=eth0 CNI_PATH=$plugins "$plugins/ptp" >/dev/null
	ip netns del "$ns"
	echo $(($(now) - t0))
}

pod --net=host >/dev/null # the image into the store
for what in host default plugins; do
	i=0
	while [ $i -lt "$runs" ]; do
		case $what in
		host) pod --net=host ;;
		default) pod --net=default ;;
		plugins) by_hand ;;
		esac
		i=$((i + 1))
	done >"$work/$what.ms"
done
h=$(median <"$work/host.ms")
d=$(median <"$work/default.ms")
p=$(median <"$work/plugins.ms")
printf 'pod run+gc --net=host      %8s ms\n' "$h"
printf 'pod run+gc --net=default   %8s ms\n' "$d"
printf 'ptp ADD+DEL by hand        %8s ms\n' "$p"
awk -v h="$h" -v d="$d" -v p="$p" 'BEGIN { printf "network cost of rkt (default - host) / plugins by hand: %.2fx\n", (d - h) / p }'
