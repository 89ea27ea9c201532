#!/bin/bash
# Start-up cost: loops of 50 invocations of `rkt version` and `rkt --dir=STORE image list`,
# two rkt binaries alternating, 3 rounds; prints ms per invocation.
#   bench/startup.sh BEFORE_RKT AFTER_RKT STORE
# STORE: a store with the 1,000 tiny images of bench/fetch.sh.
set -e
B=$1 A=$2 D=$3
[ -x "$B" ] && [ -x "$A" ] && [ -d "$D" ] || { echo "usage: $0 BEFORE_RKT AFTER_RKT STORE" >&2; exit 2; }
loop() {
	local t0 t1
	t0=$(date +%s%N)
	for _ in $(seq 50); do "$@" >/dev/null; done
	t1=$(date +%s%N)
	echo "scale=1; ($t1-$t0)/50000000" | bc
}
for r in 1 2 3; do
	echo "round $r: true $(loop /bin/true)" \
		" version before $(loop "$B" version) after $(loop "$A" version)" \
		" image-list before $(loop "$B" --dir="$D" image list) after $(loop "$A" --dir="$D" image list)"
done
