#!/bin/sh
# Builds a busybox ACI from Debian's static busybox with our actool, then validates it and
# prints its manifest. `make demo` runs it after building.
#   scripts/demo.sh [BUILD_DIR]     (default: build)
# The layout and the image are written under BUILD_DIR/demo/.
set -eu

build=${1:-build}
actool=$build/cli/actool/actool
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
ls -l "$aci" | awk '{ printf "  %s bytes\n", $5 }'

step "validate it (prints the image ID: sha512 of the uncompressed tar)" "actool validate $aci"
"$actool" validate "$aci"

if [ -x /usr/bin/actool ]; then
	step "cross-check with the reference tool (appc-spec 0.8.11)" "/usr/bin/actool validate $aci"
	/usr/bin/actool validate "$aci" && echo "  accepted"
fi

step "print its manifest" "actool cat-manifest --pretty-print $aci"
"$actool" cat-manifest --pretty-print "$aci"

printf '\nDone: %s\n' "$aci"
