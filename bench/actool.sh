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

die() {
	echo "bench: $*" >&2
	exit 1
}

[ -x "$actool" ] || die "no actool at '$actool' (build first: ninja -C $build)"
[ -x "$ref" ] || die "no reference actool at '$ref' (apt-get install appc-spec)"
command -v perl >/dev/null || die "perl is needed to generate the tree"
command -v sha512sum >/dev/null || die "sha512sum is needed"

work=$(mktemp -d "${2:-${TMPDIR:-/tmp}}/actool-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

echo "bench: generating the tree in $work (seed $seed)" >&2
mkdir -p "$work/layout/rootfs"
cat >"$work/layout/manifest" <<'JSON'
{"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/bench","labels":[{"name":"version","value":"1.0.0"},{"name":"os","value":"linux"}],"app":{"exec":["/bin/sh"],"user":"0","group":"0"}}
JSON
perl - "$work/layout/rootfs" "$seed" <<'PERL'
use strict;
use warnings;
my ($root, $seed) = @ARGV;
srand($seed);

# A pool of pseudo-random bytes, and a corpus of source-like text, to slice files from.
my $pool = pack('L*', map { int(rand(4294967296)) } 1 .. (32 << 18));    # 32 MiB
my @words = qw(static int char const struct return if else for while void unsigned size_t
	err goto out free malloc buffer length offset entry manifest rootfs archive header
	the of and to in is that for it as with was on be by this are from or an but not);
push @words, map { join '', map { chr(97 + int(rand(26))) } 1 .. 3 + int(rand(8)) } 1 .. 400;
my $text = '';
while (length($text) < (4 << 20)) {
	my $line = "\t" x int(rand(3));
	$line .= $words[int(rand(@words))] . ' ' for 1 .. 3 + int(rand(10));
	$text .= "$line\n";
}

my ($files, $bytes) = (0, 0);
sub put {
	my ($path, $data) = @_;
	open(my $fh, '>', $path) or die "$path: $!";
	binmode $fh;
	print $fh $data;
	close $fh or die "$path: $!";
	$files++;
	$bytes += length($data);
}
sub slice {
	my ($src, $len) = @_;
	my $off = int(rand(length($src) - $len));
	return substr($src, $off, $len);
}

for my $d (0 .. 99) {
	my $dir = sprintf('%s/usr/share/pkg%02d', $root, $d);
	for my $sub ('', '/doc', '/lib', '/lib/deep/er') {
		system('mkdir', '-p', "$dir$sub") == 0 or die;
	}
	# 96 text files of 512 B..12 KiB
	for my $i (0 .. 95) {
		my $sub = ('', '/doc', '/lib/deep/er')[$i % 3];
		put(sprintf('%s%s/file%03d.c', $dir, $sub, $i), slice($text, 512 + int(rand(12 << 10))));
	}
	# 4 binaries of 64..320 KiB, 2 empty files, a symlink
	for my $i (0 .. 3) {
		put(sprintf('%s/lib/lib%d.so', $dir, $i), slice($pool, (64 << 10) + int(rand(256 << 10))));
	}
	put("$dir/empty$_", '') for 1 .. 2;
	symlink('lib/lib0.so', "$dir/link.so") or die;
}
# A few large files: random data, and log-like text.
system('mkdir', '-p', "$root/var/big") == 0 or die;
put("$root/var/big/blob$_.bin", slice($pool, 20 << 20)) for 1 .. 2;
put("$root/var/big/log$_.txt", join('', map { slice($text, 1 << 20) } 1 .. 12)) for 1 .. 2;
printf STDERR "bench: %d files, %.0f MB\n", $files, $bytes / 1e6;
PERL

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
		">= 2x", rv / ovi >= 2)
	printf "%-38s %10s %12s %9s   %s\n", "validate --quiet gzip, no ID", s(ov), s(rv),
		sprintf("%.1fx", rv / ov), "(for comparison)"
	row("hash tar (other: sha512sum)", s(oh), s(sh), sprintf("%.2fx", oh / sh), "<= 1.3x",
		oh / sh <= 1.3)
	printf "\nratio: other/ours for build and validate, ours/sha512sum for hash\n"
}'
