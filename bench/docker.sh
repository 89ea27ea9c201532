#!/bin/bash
# rkt fetch docker:// against skopeo and podman, from Debian's docker-registry on 127.0.0.1
# (issue 9): bench/docker.sh BUILD_DIR
#   cold       `rkt fetch docker://.../img:v1` into an empty store: every layer downloaded,
#              verified, stored once and the tree rendered
#   warm       then `rkt fetch docker://.../img:v2`, which shares all but its top layer
#   skopeo     `skopeo copy docker://.../img:v1 oci:DIR` (download alone)
#   podman     `podman pull` of img:v1 into an empty storage root (download and unpack)
# The image: three layers of the tree of bench/gen-tree.pl (about 300 MB of tar, text and
# incompressible binaries), written by GNU tar and added with umoci, pushed with skopeo; v2 adds
# a fourth, small layer. The registry is plain http on 127.0.0.1 (TLS would cost the three
# clients alike), started here and killed by its PID; RUNS (default 1) rounds alternate the
# four rows and report the median. Everything lives in a temporary directory removed on exit.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

build=${1:?usage: bench/docker.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
rkt=$(realpath "$build/cli/rkt/rkt")
runs=${RUNS:-1}
[ -x "$rkt" ] || die "$rkt: build first (make)"
for c in docker-registry skopeo umoci podman tar perl bc; do
	need "$c" "apt-get install docker-registry skopeo umoci podman bc"
done
dirs=${LAYER_DIRS:-40}  # smaller for a quick check of the script
blobs=${LAYER_BLOBS:-1}

bench_workdir /tmp/rkt-bench-docker.XXXXXX

echo "bench: building the image (3 layers of about 100 MB)" >&2
L=$work/oci
umoci init --layout "$L"
umoci new --image "$L:v1"
for seed in 1 2 3; do
	perl "$here/gen-tree.pl" "$work/tree$seed/layer$seed" "$seed" "$dirs" "$blobs"
	tar -C "$work/tree$seed" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
		-cf "$work/layer$seed.tar" .
	rm -rf "$work/tree$seed"
	umoci raw add-layer --image "$L:v1" "$work/layer$seed.tar"
	rm -f "$work/layer$seed.tar"
done
echo top >"$work/top"
tar -C "$work" --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$work/layer4.tar" top
umoci raw add-layer --image "$L:v1" --tag v2 "$work/layer4.tar"

# the e2e suites' registry_start (plain http, log in $work/registry/log)
. "$here/../tests/e2e/helpers/oci-images.bash"
registry_start REG "$work/registry" --plain || die "docker-registry did not start"
server_pid=$REG_PID
port=$REG_PORT
ref=127.0.0.1:$port/bench/img
for t in v1 v2; do
	skopeo copy -q --dest-tls-verify=false oci:"$L:$t" docker://"$ref:$t"
done
size=$(du -sb "$work/registry/data" | cut -f1)

now() { date +%s.%N; }
# timed NAME CMD...: appends the seconds CMD took to $work/NAME.times
timed() {
	local name=$1 t0 t1
	shift
	t0=$(now)
	"$@" >/dev/null 2>"$work/last.err" || { cat "$work/last.err" >&2; die "$name failed"; }
	t1=$(now)
	echo "$t1 - $t0" | bc >>"$work/$name.times"
}

for r in $(seq 1 "$runs"); do
	rm -rf "$work/store" "$work/skopeo" "$work/podman"
	timed cold "$rkt" --dir="$work/store" --insecure-options=image,http fetch docker://"$ref:v1"
	timed warm "$rkt" --dir="$work/store" --insecure-options=image,http fetch docker://"$ref:v2"
	timed skopeo skopeo copy -q --src-tls-verify=false docker://"$ref:v1" oci:"$work/skopeo:v1"
	timed podman podman --root "$work/podman/root" --runroot "$work/podman/run" \
		--storage-driver overlay pull -q --tls-verify=false "$ref:v1"
	podman --root "$work/podman/root" --runroot "$work/podman/run" --storage-driver overlay \
		rmi -a -f >/dev/null 2>&1 || true
	umount "$work/podman/root/overlay" 2>/dev/null || true
	echo "bench: round $r/$runs done" >&2
done
# containers/storage bind-mounts its overlay directory onto itself
umount "$work/podman/root/overlay" 2>/dev/null || true

median() { sort -n "$work/$1.times" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
cold=$(median cold)
warm=$(median warm)
sk=$(median skopeo)
pm=$(median podman)
printf 'image: 3 layers + 1, %d MB in the registry (gzip), median of %d\n' $((size / 1000000)) "$runs"
printf '%-44s %8.2f s\n' "rkt fetch docker:// cold" "$cold"
printf '%-44s %8.2f s  %.1f%% of cold (target < 10%%)\n' "rkt fetch docker:// of v2 (shares 3 layers)" \
	"$warm" "$(echo "100 * $warm / $cold" | bc -l)"
printf '%-44s %8.2f s\n' "skopeo copy docker:// oci: (download)" "$sk"
printf '%-44s %8.2f s\n' "podman pull (download and unpack)" "$pm"
printf 'ratio  rkt cold / podman pull  %.2fx (target <= 1.0x)\n' "$(echo "$cold / $pm" | bc -l)"
printf 'ratio  rkt cold / skopeo copy  %.2fx\n' "$(echo "$cold / $sk" | bc -l)"
