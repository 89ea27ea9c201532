#!/bin/sh
# Builds a busybox ACI from Debian's static busybox with our actool, then validates it and
# prints its manifest; then, as root, runs it in a pod with our rkt and the default stage1
# against a temporary --dir, lists the pods and garbage-collects them. `make demo` runs it
# after building.
#   scripts/demo.sh [BUILD_DIR]     (default: build)
# The layout and the image are written under BUILD_DIR/demo/; the pod's directory is temporary
# and removed at the end.
set -eu

build=${1:-build}
actool=$build/cli/actool/actool
rkt=$build/cli/rkt/rkt
busybox=${BUSYBOX:-/bin/busybox}

die() {
	echo "demo: $*" >&2
	exit 1
}

[ -x "$actool" ] || die "no actool at '$actool' (run: make, or ninja -C $build)"
[ -x "$busybox" ] || die "no static busybox at '$busybox' (apt-get install busybox-static)"

case "$(uname -m)" in
x86_64) arch=amd64 ;;
i?86) arch=i386 ;;
*) arch=$(uname -m) ;;
esac
version=$("$busybox" 2>/dev/null | sed -n '1s/^BusyBox v\([0-9][0-9.]*\).*/\1/p')
version=${version:-1.0.0}

out=$build/demo
layout=$out/busybox-layout
aci=$out/busybox.aci
rm -rf "$layout" "$aci"
mkdir -p "$layout/rootfs/bin" "$layout/rootfs/etc" "$layout/rootfs/tmp"

cp "$busybox" "$layout/rootfs/bin/busybox"
for applet in sh echo true false ls cat env id ps; do
	ln -s busybox "$layout/rootfs/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$layout/rootfs/etc/passwd"
echo 'root:x:0:' >"$layout/rootfs/etc/group"
cat >"$layout/manifest" <<JSON
{
  "acKind": "ImageManifest",
  "acVersion": "0.8.11",
  "name": "example.com/busybox",
  "labels": [
    { "name": "version", "value": "$version" },
    { "name": "os", "value": "linux" },
    { "name": "arch", "value": "$arch" }
  ],
  "app": {
    "exec": ["/bin/sh", "-c", "echo hello from busybox"],
    "user": "0",
    "group": "0"
  }
}
JSON

step() {
	printf '\n== %s\n$ %s\n' "$1" "$2"
}

printf 'Image layout in %s:\n' "$layout"
(cd "$layout" && find . | sort | sed 's/^/  /')

step "build the ACI (reproducible: SOURCE_DATE_EPOCH fixes every mtime)" \
	"actool build --owner-root $layout $aci"
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0} "$actool" build --owner-root "$layout" "$aci"
printf '  %s bytes\n' "$(stat -c %s "$aci")"

step "validate it (prints the image ID: sha512 of the uncompressed tar)" "actool validate $aci"
"$actool" validate "$aci"

if [ -x /usr/bin/actool ]; then
	step "cross-check with the reference tool (appc-spec 0.8.11)" "/usr/bin/actool validate $aci"
	/usr/bin/actool validate "$aci" && echo "  accepted"
fi

step "print its manifest" "actool cat-manifest --pretty-print $aci"
"$actool" cat-manifest --pretty-print "$aci"

if [ "$(id -u)" -ne 0 ]; then
	printf '\nDone: %s (running it in a pod needs root: sudo %s %s)\n' "$aci" "$0" "$build"
	exit 0
fi
[ -x "$rkt" ] || die "no rkt at '$rkt' (run: make, or ninja -C $build)"

dir=$(mktemp -d "${TMPDIR:-/tmp}/rkt-demo.XXXXXX")
cleanup() {
	# gc unmounts and deletes every pod; then nothing of the demo is left
	"$rkt" --dir="$dir" gc --grace-period=0s >/dev/null 2>&1 || true
	grep -q " $dir/" /proc/self/mountinfo && echo "demo: mounts left under $dir" >&2
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "run it in a pod (default stage1, host network, temporary store and pods in $dir)" \
	"rkt --dir=\$tmp run --insecure-options=image $aci"
"$rkt" --dir="$dir" run --insecure-options=image "$aci"

step "list the pods" "rkt --dir=\$tmp list"
"$rkt" --dir="$dir" list

step "garbage-collect the exited pod" "rkt --dir=\$tmp gc --grace-period=0s"
"$rkt" --dir="$dir" gc --grace-period=0s

printf '\nDone: %s\n' "$aci"
