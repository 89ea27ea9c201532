#!/bin/sh
# Fails when the tree cites something its reader cannot open: every appc requirement ID
# (ACI-13, ACE-10, ...) cited in code, tests, scripts or docs must be a row of
# docs/conformance.md, and the notes the project was started from (an inventory of upstream rkt,
# a checklist of appc) are not cited: upstream rkt is cited by its public documentation
# ("rkt/rkt Documentation/subcommands/fetch.md"), appc by docs/conformance.md.
#
# Usage: scripts/check-citations.sh [SOURCE_ROOT]
set -eu

cd "${1:-$(dirname "$0")/..}"
page=docs/conformance.md
[ -f "$page" ] || { echo "check-citations: $page is missing" >&2; exit 2; }

# Tracked files when this is a git checkout, else every file (a release tarball).
list_files() {
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files -- lib cli stage1 tests docs scripts bench README.md meson.build
	else
		find lib cli stage1 tests docs scripts bench README.md meson.build -type f
	fi
}

ids='(GEN|TYPE|ACI|MAN|POD|REN|DISC|ACE|ISO|MDS)-[0-9]+'
bad=0
for id in $(list_files | grep -v "^$page\$" | tr '\n' '\0' | xargs -0 grep -ohIE "\\b$ids\\b" |
	sort -u); do
	if ! grep -q "^| $id |" "$page"; then
		echo "check-citations: $id is cited but is not a row of $page:" >&2
		list_files | tr '\n' '\0' | xargs -0 grep -lwI -- "$id" | sed 's/^/  /' >&2
		bad=1
	fi
done
# (The brackets keep this script from matching itself.)
notes='rkt-[i]nventory|appc-[c]hecklist|dependencies\.md [0-9]|perf-[a]nchors'
if list_files | grep -v '^tests/data/' | tr '\n' '\0' | xargs -0 grep -nIE "$notes" >&2; then
	echo "check-citations: the lines above cite notes that are not in this repository" >&2
	bad=1
fi
exit $bad
