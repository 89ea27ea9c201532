#!/bin/sh
# Prints "N passed, N failed" for the last `meson test` run in build directory $1, counting each
# TAP test case (unit and end-to-end) from meson's per-test logs. A test program that failed
# without reporting a failing case (a crash, a timeout, a bad plan) counts as one failure.
set -eu
build=${1:-build}
log="$build/meson-logs/testlog.json"
[ -f "$log" ] || { echo "0 passed, 0 failed"; exit 0; }
jq -r '"@@test " + .result, (.stdout // "")' "$log" | awk '
	function close_test() {
		if (name_seen && result != "OK" && result != "EXPECTEDFAIL" && !case_failed)
			fail++
	}
	/^@@test / { close_test(); name_seen = 1; result = $2; case_failed = 0; next }
	/^ok /     { if ($0 ~ /# (SKIP|skip)/) skip++; else pass++; next }
	/^not ok / { if ($0 ~ /# (TODO|todo)/) pass++; else { fail++; case_failed = 1 }; next }
	END { close_test(); printf "%d passed, %d failed\n", pass, fail }'
