#!/bin/sh
# Fails on a bats assertion that cannot fail: "[ A ] && [ B ]" on a line of its own. bash's
# errexit ignores a failure anywhere in an && list but its last command, so such a line in the
# middle of a test passes whatever A is (only the test's last line would count). Write each check
# on its own line, or end the list with "|| fail ...".
#
# Usage: scripts/check-bats.sh [SOURCE_ROOT]
set -eu

cd "${1:-$(dirname "$0")/..}"
if grep -nE '^[[:space:]]*\[\[? .*\]\]? && \[' tests/e2e/*.bats tests/e2e/*.bash | grep -v '||'; then
	echo "check-bats: the lines above join assertions with && (split them, or add || fail)" >&2
	exit 1
fi
