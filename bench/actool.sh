#!/bin/sh
# Times our actool against the reference actool (appc-spec 0.8.11) and sha512sum, in one run:
#   build     ours vs /usr/bin/actool build (gzip) of a ~200 MB, 10,000+ file tree
#   validate  ours vs /usr/bin/actool validate of the same gzip ACI. The target row is our plain
#             `validate`, which hashes the whole image for its ID (the reference tool does not
#             hash at all); `validate --quiet` (check everything, no ID) is shown for comparison
#   hash      ours validating an uncompressed ACI vs sha512sum of that same file
# Each figure is the median of RUNS (default 3) runs, on a warm page cache for both sides.
#
#   bench/actool.sh [BUILD_DIR [WORK_DIR]]      (make bench: BUILD_DIR=build)
#
# The tree is generated deterministically (perl's srand with a fixed SEED): text files of
# source-like words (compressible), binaries of pseudo-random bytes (not compressible by
# deflate: repeats are more than 32 KiB apart), a few large files, empty files, symlinks and
# nested directories. Everything is written to a temporary directory under WORK_DIR (default
# $TMPDIR or /tmp), removed on exit.
set -eu

build=${1:-build}
actool=$build/cli/actool/actool
ref=${REF_ACTOOL:-/usr/bin/actool}
runs=${RUNS:-3}
seed=${SEED:-20240501}

. "$(dirname "$0")/lib.sh"

[ -x "$actool" ] || die "no actool at '$actool' (build first: ninja -C $build)"
[ -x "$ref" ] || die "no reference actool at '$ref' (apt-get install appc-spec)"
need perl "to generate the tree"
need sha512sum "coreutils"

work=$(mktemp -d "${2:-${TMPDIR:-/tmp}}/actool-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

echo "bench: generating the tree in $work (seed $seed)" >&2
mkdir -p "$work/layout/rootfs"
cat >"$work/layout/manifest" <<'JSON'
{"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/bench","labels":[{"name":"version","value":"1.0.0"},{"name":"os","value":"linux"}],"app":{"exec":["/bin/sh"],"user":"0","group":"0"}}
JSON
perl "$(dirname "$0")/gen-tree.pl" "$work/layout/rootfs" "$seed"

now() {
	date +%s%N
}

# median_ns CMD...: runs CMD $runs times (output discarded) and prints the median in ns.
median_ns() {
	i=0
	times=""
	while [ "$i" -lt "$runs" ]; do
		t0=$(now)
		"$@" >/dev/null 2>&1 || die "failed: $*"
		t1=$(now)
		times="$times $((t1 - t0))"
		i=$((i + 1))
	done
	echo $times | tr ' ' '\n' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

layout=$work/layout
echo "bench: build (gzip)" >&2
ours_build=$(median_ns "$actool" build --overwrite "$layout" "$work/ours.aci")
ref_build=$(median_ns "$ref" build --overwrite "$layout" "$work/ref.aci")

# Both tools must accept what ours built, with the ID sha512sum computes.
"$ref" validate "$work/ours.aci" || die "the reference actool refuses our ACI"
id=$("$actool" validate "$work/ours.aci" | awk '{ print $4 }')
[ "$id" = "sha512-$(zcat "$work/ours.aci" | sha512sum | cut -d' ' -f1)" ] ||
	die "our image ID is not the sha512 of the tar"

echo "bench: validate (gzip)" >&2
ours_validate=$(median_ns "$actool" validate --quiet "$work/ours.aci")
ours_validate_id=$(median_ns "$actool" validate "$work/ours.aci")
ref_validate=$(median_ns "$ref" validate "$work/ours.aci")

echo "bench: hash (uncompressed)" >&2
"$actool" build --compression=none "$layout" "$work/plain.aci"
ours_hash=$(median_ns "$actool" validate "$work/plain.aci")
sha_hash=$(median_ns sha512sum "$work/plain.aci")

tar_mb=$(stat -c %s "$work/plain.aci")
gz_mb=$(stat -c %s "$work/ours.aci")
files=$(find "$layout/rootfs" | wc -l)

awk -v ob="$ours_build" -v rb="$ref_build" -v ov="$ours_validate" -v ovi="$ours_validate_id" -v rv="$ref_validate" \
	-v oh="$ours_hash" -v sh="$sha_hash" -v tar="$tar_mb" -v gz="$gz_mb" -v n="$files" \
	-v runs="$runs" 'function s(ns) { return sprintf("%.3f s", ns / 1e9) }
function row(what, a, b, ratio, target, ok) {
	printf "%-38s %10s %12s %9s   %-8s %s\n", what, a, b, ratio, target, ok ? "met" : "MISSED"
}
BEGIN {
	printf "tree: %d entries, tar %.1f MB, gzip ACI %.1f MB; median of %d runs\n\n",
		n, tar / 1e6, gz / 1e6, runs
	printf "%-38s %10s %12s %9s   %-8s %s\n", "operation", "ours", "other", "ratio", "target", ""
	row("build gzip (other: actool 0.8.11)", s(ob), s(rb), sprintf("%.1fx", rb / ob), ">= 3x",
		rb / ob >= 3)
	row("validate gzip, hashing (other: actool)", s(ovi), s(rv), sprintf("%.1fx", rv / ovi),
		">= 3x", rv / ovi >= 3)
	printf "%-38s %10s %12s %9s   %s\n", "validate --quiet gzip, no ID", s(ov), s(rv),
		sprintf("%.1fx", rv / ov), "(for comparison)"
	row("hash tar (other: sha512sum)", s(oh), s(sh), sprintf("%.2fx", oh / sh), "<= 1.3x",
		oh / sh <= 1.3)
	printf "\nratio: other/ours for build and validate, ours/sha512sum for hash\n"
}'
