#!/bin/sh
# Builds a stage1 ACI (docs/stage1-abi.md section 1) with our actool, reproducibly.
# usage: build-aci.sh ACTOOL OUTPUT FLAVOR VERSION ARCH RUN ENTER GC STOP
set -eu
actool=$1 out=$2 flavor=$3 version=$4 arch=$5 run=$6 enter=$7 gc=$8 stop=$9

case $flavor in
default) run_name=init iface=6 ;;
fly) run_name=run iface=5 ;;
*) echo "build-aci.sh: unknown flavor '$flavor'" >&2; exit 1 ;;
esac

dir=$(mktemp -d "${out}.layout.XXXXXX")
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/rootfs/etc"
cp "$run" "$dir/rootfs/$run_name"
cp "$enter" "$dir/rootfs/enter"
cp "$gc" "$dir/rootfs/gc"
cp "$stop" "$dir/rootfs/stop"
# Debug information is not needed inside the image and is most of the binaries' size.
for f in "$run_name" enter gc stop; do
	strip --strip-all "$dir/rootfs/$f" 2>/dev/null || true
	chmod 0755 "$dir/rootfs/$f"
done
ln -s "$flavor" "$dir/rootfs/flavor"
printf '127.0.0.1 localhost localhost.localdomain\n::1 localhost localhost.localdomain\n' \
	>"$dir/rootfs/etc/hosts-fallback"
chmod 0644 "$dir/rootfs/etc/hosts-fallback"
cat >"$dir/manifest" <<JSON
{
  "acKind": "ImageManifest",
  "acVersion": "0.8.11",
  "name": "coreos.com/rkt/stage1-$flavor",
  "labels": [
    {"name": "version", "value": "$version"},
    {"name": "arch", "value": "$arch"},
    {"name": "os", "value": "linux"}
  ],
  "annotations": [
    {"name": "coreos.com/rkt/stage1/run", "value": "/$run_name"},
    {"name": "coreos.com/rkt/stage1/enter", "value": "/enter"},
    {"name": "coreos.com/rkt/stage1/gc", "value": "/gc"},
    {"name": "coreos.com/rkt/stage1/stop", "value": "/stop"},
    {"name": "coreos.com/rkt/stage1/interface-version", "value": "$iface"}
  ]
}
JSON
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1}
export SOURCE_DATE_EPOCH
"$actool" build --overwrite --owner-root "$dir" "$out"
