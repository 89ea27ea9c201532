# Shared by the pod suites (pod-*.bats): the real rkt, as root, against a temporary data dir,
# with a busybox ACI and a stage1 ACI built at test time with our actool.
#
#   RKT, ACTOOL, RKT_TESTDATA   set by meson (rkt-helpers.bash: rkt, rkt_ok, fail)
#   RKT_STAGE1_ACI              a stage1 ACI to use; if unset, one is built from
#   STAGE1_INIT, STAGE1_ENTER, STAGE1_GC, STAGE1_STOP   the stage1 entrypoint binaries
#
# Every test gets its own data dir; teardown force-stops what is still running, collects every
# pod and checks that nothing stays mounted below the test's directory.

load rkt-helpers

: "${ACTOOL:?ACTOOL must name our actool}"
BUSYBOX=${BUSYBOX:-/bin/busybox}

arch() {
	case "$(uname -m)" in
	x86_64) echo amd64 ;;
	aarch64) echo aarch64 ;;
	*) uname -m ;;
	esac
}

# build_busybox_aci OUT [NAME]: busybox-static and its applets as an ACI.
build_busybox_aci() {
	local out=$1 name=${2:-example.com/busybox} l a
	l=$(mktemp -d "$BATS_FILE_TMPDIR/layout.XXXXXX")
	mkdir -p "$l/rootfs/bin" "$l/rootfs/etc" "$l/rootfs/tmp" "$l/rootfs/root" "$l/rootfs/data"
	cp "$BUSYBOX" "$l/rootfs/bin/busybox"
	for a in sh echo cat ls sleep touch rm mkdir true false env id kill ps test wc grep \
		hostname stat; do
		ln -s busybox "$l/rootfs/bin/$a"
	done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$l/rootfs/etc/passwd"
	echo 'root:x:0:' >"$l/rootfs/etc/group"
	echo 'from the image' >"$l/rootfs/data/kept"
	echo 'to be deleted' >"$l/rootfs/data/deleted"
	cat >"$l/manifest" <<JSON
{"acKind":"ImageManifest","acVersion":"0.8.11","name":"$name",
 "labels":[{"name":"version","value":"1.0.0"},{"name":"os","value":"linux"},{"name":"arch","value":"$(arch)"}],
 "app":{"exec":["/bin/sh","-c","echo hello from busybox"],"user":"0","group":"0",
        "environment":[{"name":"FROM_IMAGE","value":"image"}]}}
JSON
	"$ACTOOL" build --owner-root "$l" "$out" >/dev/null
}

# build_probe_aci OUT: the busybox image plus the static probe (tests/e2e/tools/probe.c) at
# /probe, run by default: "probe" lists everything, "probe CHECK..." some checks.
build_probe_aci() {
	local out=$1 l
	: "${PROBE:?PROBE must name the probe binary}"
	l=$(mktemp -d "$BATS_FILE_TMPDIR/layout.XXXXXX")
	mkdir -p "$l/rootfs/bin" "$l/rootfs/etc" "$l/rootfs/tmp"
	cp "$BUSYBOX" "$l/rootfs/bin/busybox"
	for a in sh echo cat unshare mount; do
		ln -s busybox "$l/rootfs/bin/$a"
	done
	cp "$PROBE" "$l/rootfs/probe"
	echo 'root:x:0:0:root:/root:/bin/sh' >"$l/rootfs/etc/passwd"
	echo 'root:x:0:' >"$l/rootfs/etc/group"
	cat >"$l/manifest" <<JSON
{"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/probe",
 "labels":[{"name":"version","value":"1.0.0"},{"name":"os","value":"linux"},{"name":"arch","value":"$(arch)"}],
 "app":{"exec":["/probe"],"user":"0","group":"0"}}
JSON
	"$ACTOOL" build --owner-root "$l" "$out" >/dev/null
}

# build_stage1_aci OUT: the default stage1 from the entrypoint binaries.
build_stage1_aci() {
	local out=$1 l
	l=$(mktemp -d "$BATS_FILE_TMPDIR/stage1.XXXXXX")
	mkdir -p "$l/rootfs/etc"
	cp "$STAGE1_INIT" "$l/rootfs/init"
	cp "$STAGE1_ENTER" "$l/rootfs/enter"
	cp "$STAGE1_GC" "$l/rootfs/gc"
	cp "$STAGE1_STOP" "$l/rootfs/stop"
	ln -s default "$l/rootfs/flavor"
	printf '127.0.0.1 localhost\n::1 localhost\n' >"$l/rootfs/etc/hosts-fallback"
	cat >"$l/manifest" <<JSON
{"acKind":"ImageManifest","acVersion":"0.8.11","name":"coreos.com/rkt/stage1-default",
 "labels":[{"name":"version","value":"0.1.0"},{"name":"os","value":"linux"},{"name":"arch","value":"$(arch)"}],
 "annotations":[{"name":"coreos.com/rkt/stage1/run","value":"/init"},
  {"name":"coreos.com/rkt/stage1/enter","value":"/enter"},
  {"name":"coreos.com/rkt/stage1/gc","value":"/gc"},
  {"name":"coreos.com/rkt/stage1/stop","value":"/stop"},
  {"name":"coreos.com/rkt/stage1/interface-version","value":"6"}]}
JSON
	"$ACTOOL" build --owner-root "$l" "$out" >/dev/null
}

pod_setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "pods need root"
	BB_ACI=$BATS_FILE_TMPDIR/busybox.aci
	build_busybox_aci "$BB_ACI"
	if [ -n "${RKT_STAGE1_ACI:-}" ]; then
		S1_ACI=$RKT_STAGE1_ACI
	else
		: "${STAGE1_INIT:?STAGE1_INIT or RKT_STAGE1_ACI must be set}"
		S1_ACI=$BATS_FILE_TMPDIR/stage1.aci
		build_stage1_aci "$S1_ACI"
	fi
	export BB_ACI S1_ACI
}

# rkt-helpers' setup (a work directory and $STORE) plus our names for the data dir.
pod_setup() {
	T=$BATS_TEST_TMPDIR
	STORE=$T/data
	D=$STORE
	mkdir -p "$T/work"
	cd "$T/work"
}

setup() {
	pod_setup
}

# rkrun ARGS: rkt run with the busybox-friendly defaults; the image(s) are in ARGS.
RUNFLAGS=(--insecure-options=image)
rkrun() {
	rkt "${RUNFLAGS[@]}" run --stage1-path="$S1_ACI" "$@"
}

rkprepare() {
	rkt "${RUNFLAGS[@]}" prepare --quiet --stage1-path="$S1_ACI" "$@"
}

# start_pod ARGS: rkt run in the background; the UUID is saved to $T/uuid, output to
# $T/out and $T/err. Waits until the pod is ready.
start_pod() {
	rm -f "$T/uuid"
	"$RKT" --dir="$D" "${RUNFLAGS[@]}" run --stage1-path="$S1_ACI" \
		--uuid-file-save="$T/uuid" "$@" >"$T/out" 2>"$T/err" &
	RUN_PID=$!
	wait_for_uuid
	"$RKT" --dir="$D" status --wait-ready=20s "$(cat "$T/uuid")" >/dev/null
	UUID=$(cat "$T/uuid")
}

# The UUID file appears when the pod is prepared, before stage1 starts: poll (bounded) for
# it, failing early if rkt run died.
wait_for_uuid() {
	local i
	for i in $(seq 1 200); do
		[ -s "$T/uuid" ] && return 0
		kill -0 "$RUN_PID" 2>/dev/null || { cat "$T/err" >&2; fail "rkt run exited early"; }
		sleep 0.05
	done
	fail "no UUID file after 10 s"
}

# the mounts below the test directory
mounts_below() {
	awk -v t="$T" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo
}

# nothing below $D: no pods in any state dir, no mounts
expect_no_pods() {
	local left
	left=$(find "$D/pods" -mindepth 2 -maxdepth 2 2>/dev/null || true)
	[ -z "$left" ] || fail "pod directories left:" "$left"
	[ -z "$(mounts_below)" ] || fail "mounts left:" "$(mounts_below)"
}

# pod_net_traces UUID [NET...]: what pod UUID's networks put on the host, one item a line (none
# once they are gone): its namespace file and mount, its record in /run/rkt/net, its IPAM leases
# (/var/lib/cni/networks and $POD_IPAM_DIRS), every iptables and ip6tables rule of any table
# naming it, and the chains the standard plugins name after it for each NET (default:
# default): CNI-<hash> of ptp's and bridge's masquerade, CNI-DN-<hash> of portmap, listed even
# when empty and unreferenced.
pod_net_traces() {
	local u=$1 chains
	shift
	[ -e "/var/run/netns/rkt-$u" ] && echo "netns file /var/run/netns/rkt-$u"
	grep -F "rkt-$u" /proc/self/mountinfo | sed 's/^/netns mount: /'
	ls /run/rkt/net 2>/dev/null | grep -F -- "-$u.json" | sed 's/^/record: /'
	# shellcheck disable=SC2086
	grep -rlF -- "$u" /var/lib/cni/networks ${POD_IPAM_DIRS:-} 2>/dev/null | sed 's/^/lease: /'
	# libcni's FormatChainName: "CNI-" and the hex SHA-512 of name and ID, 28 characters
	chains=$(python3 -c '
import hashlib, sys
for n in sys.argv[2:] or ["default"]:
    h = hashlib.sha512((n + sys.argv[1]).encode()).hexdigest()
    print(("CNI-" + h)[:28]); print(("CNI-DN-" + h)[:28])' "$u" "$@")
	{
		iptables-save | sed 's/^/ipv4: /'
		ip6tables-save | sed 's/^/ipv6: /'
	} | grep -F -e "$u" $(printf -- '-e %s ' $chains)
	return 0
}

# expect_pod_net_gone UUID [NET...]: nothing of pod UUID's networks is left (pod_net_traces)
expect_pod_net_gone() {
	local left
	left=$(pod_net_traces "$@")
	[ -z "$left" ] || fail "left on the host by pod $1:" "$left"
}

pod_teardown() {
	local u
	if [ -d "$D/pods/run" ]; then
		for u in $(ls "$D/pods/run"); do
			"$RKT" --dir="$D" stop --force "$u" >/dev/null 2>&1 || true
		done
	fi
	[ -n "${RUN_PID:-}" ] && { wait "$RUN_PID" 2>/dev/null || true; }
	"$RKT" --dir="$D" gc --grace-period=0s --expire-prepared=0s >/dev/null 2>&1 || true
	# never leave a mount behind, even when a test failed
	mounts_below | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
}

teardown() {
	pod_teardown
}
