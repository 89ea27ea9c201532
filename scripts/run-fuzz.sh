#!/bin/sh
# Runs each libFuzzer target of build directory $1 for $2 seconds, seeded from tests/data,
# and prints one TAP line per target (used by `make fuzz` and .ci/run).
set -u
build=${1:-build-fuzz}
seconds=${2:-20}
top=$(cd "$(dirname "$0")/.." && pwd)
data="$top/tests/data/appc"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"

seed() {
	mkdir -p "$work/$1"
	case "$1" in
	fuzz-ac-name)
		grep -v '^#' "$data"/names/*.tsv | cut -f2 | while read -r s; do
			printf '%s' "$s" >"$work/$1/$(printf '%s' "$s" | sha1sum | cut -c1-12)"
		done
		for q in 100m 1.5Gi 12Qi 0.0001 1e3 -5 9223372036854775807 0.8.11 1.0.0-rc1+b \
			6ba7b810-9dad-11d1-80b4-00c04fd430c8; do
			printf '%s' "$q" >"$work/$1/q-$(printf '%s' "$q" | sha1sum | cut -c1-12)"
		done
		;;
	fuzz-image-manifest | fuzz-pod-manifest)
		find "$data/manifests" "$data/spec-examples" -name '*.json' -exec cp {} "$work/$1/" \;
		;;
	fuzz-aci-reader)
		cp "$data"/aci/*.aci "$work/$1/"
		;;
	fuzz-discovery)
		cp "$data"/discovery/*.html "$work/$1/"
		;;
	esac
}

n=0
failed=0
for t in fuzz-ac-name fuzz-image-manifest fuzz-pod-manifest fuzz-aci-reader fuzz-discovery; do
	n=$((n + 1))
	exe="$build/tests/fuzz/$t"
	if [ ! -x "$exe" ]; then
		echo "not ok $n - $t (not built)"
		failed=$((failed + 1))
		continue
	fi
	seed "$t"
	if UBSAN_OPTIONS=halt_on_error=1 "$exe" -max_total_time="$seconds" -rss_limit_mb=2048 \
		-artifact_prefix="$artifacts/$t-" -print_final_stats=0 "$work/$t" >"$work/$t.log" 2>&1; then
		runs=$(grep -o '#[0-9]*[[:space:]]*DONE' "$work/$t.log" | grep -o '[0-9][0-9]*')
		echo "ok $n - $t (${runs:-?} runs in ${seconds}s)"
	else
		echo "not ok $n - $t"
		tail -n 40 "$work/$t.log" | sed 's/^/# /'
		for f in "$artifacts/$t"-*; do
			[ -f "$f" ] && echo "# $f (base64): $(base64 -w0 "$f" | head -c 4000)"
		done
		failed=$((failed + 1))
	fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
