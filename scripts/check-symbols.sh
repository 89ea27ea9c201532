#!/bin/sh
# Fails if two objects define the same global symbol: two functions of one name link only as long
# as no program needs both (and the linker may pick either). Lists the global defined symbols of
# every object in the static libraries given as arguments (librkt and the stage1 library, which
# compiles some of librkt's sources again: those count once) and prints each duplicate.
#
# Usage: scripts/check-symbols.sh LIB.a...
set -eu

if [ $# -eq 0 ]; then
	echo "usage: $0 LIB.a..." >&2
	exit 2
fi
NM=${NM:-nm}

for lib in "$@"; do
	[ -f "$lib" ] || { echo "check-symbols: '$lib': no such file" >&2; exit 2; }
	# "archive:object:value type name" ("archive:object: type name" for no value).
	"$NM" -A -g --defined-only "$lib" | awk -v lib="${lib##*/}" '
		{
			n = split($1, part, ":")
			obj = part[n - 1]
			sub(/.*\//, "", obj)
			type = $(NF - 1)
			if (type ~ /^[wWvVuU]$/)
				next  # weak or unique symbols may be defined more than once
			# meson names an object built from ../lib/X/Y.c in another directory
			# ".._lib_X_Y.c.o": the same source as "X_Y.c.o" in librkt.a.
			if (obj ~ /^\.\._lib_/)
				key = "librkt.a:" substr(obj, 8)
			else if (lib == "librkt.a")
				key = "librkt.a:" obj
			else
				key = lib ":" obj
			print $NF, key
		}'
done | sort -u | awk '
	$1 == prev { dup[$1] = dup[$1] " " $2; n[$1]++; next }
	{ prev = $1; dup[$1] = $2; n[$1] = 1 }
	END {
		bad = 0
		for (s in n)
			if (n[s] > 1) {
				printf "check-symbols: %s is defined in:%s\n", s, " " dup[s]
				bad = 1
			}
		exit bad
	}'
