#!/bin/sh
# probe-table.sh RKT_OUT CRUN_OUT [DOC]: the side-by-side table of what the probe
# (tests/e2e/tools/probe.c) may do in a default rkt pod (RKT_OUT, its output) and under
# `crun run` of a `crun spec` bundle (CRUN_OUT), with upstream rkt 1.30's expected result for
# each check. Prints the Markdown table; with DOC, replaces the lines between
# "<!-- probe-table: begin -->" and "<!-- probe-table: end -->" of DOC with it.
# tests/e2e/pod-security.bats makes both outputs and calls this (RKT_PROBE_TABLE=DOC there
# updates docs/security.md).
set -eu

[ $# -ge 2 ] || {
	echo "usage: probe-table.sh RKT_OUT CRUN_OUT [DOC]" >&2
	exit 2
}
rkt_out=$1
crun_out=$2
doc=${3:-}

# What upstream rkt 1.30 does for each check with its defaults, from its documentation and code
# (ISO-11's 14 capabilities, the @rkt/default-whitelist seccomp filter that kills with SIGSYS,
# the closed device policy, /proc/sys and /sys read-only): expected, not measured.
upstream() {
	case $1 in
	caps) echo "ISO-11's 14 (with CAP_MKNOD, CAP_NET_RAW)" ;;
	seccomp) echo "mode 2" ;;
	no_new_privs) echo "0" ;;
	mknod) echo "allowed (CAP_MKNOD, 'm' on null)" ;;
	mknod-open-null) echo "allowed" ;;
	mknod-open-kmsg) echo "denied (EPERM, devices cgroup)" ;;
	open-dev-kmsg | open-dev-tty0 | open-node) echo "denied (ENOENT)" ;;
	open-dev-null | open-dev-zero | open-dev-urandom) echo "allowed" ;;
	release-agent) echo "denied (read-only /sys)" ;;
	raw-socket | packet-socket) echo "allowed (CAP_NET_RAW)" ;;
	clone-newuser) echo "allowed (clone not filtered by flags)" ;;
	write-proc-sys | write-sys) echo "denied (EROFS)" ;;
	write-proc-sysrq) echo "denied" ;;
	tiocsti) echo "denied (no terminal); the caller's with --interactive" ;;
	*) echo "denied (SIGSYS)" ;;
	esac
}

# value NAME FILE: what FILE says for NAME ("NAME: VALUE" lines, carriage returns dropped)
value() {
	tr -d '\r' <"$2" | sed -n "s/^$1: //p" | head -n 1
}

table() {
	echo "| probe item | crun (\`crun spec\` defaults) | rkt default pod | upstream rkt 1.30 (expected) |"
	echo "|---|---|---|---|"
	tr -d '\r' <"$rkt_out" | sed -n 's/^\([a-z_][a-z0-9_-]*\): .*/\1/p' | while read -r name; do
		echo "| \`$name\` | $(value "$name" "$crun_out") | $(value "$name" "$rkt_out") | $(upstream "$name") |"
	done
}

if [ -z "$doc" ]; then
	table
	exit 0
fi
grep -q '^<!-- probe-table: begin -->$' "$doc" && grep -q '^<!-- probe-table: end -->$' "$doc" || {
	echo "probe-table.sh: $doc has no probe-table markers" >&2
	exit 1
}
t=$(mktemp)
table >"$t"
awk -v t="$t" '
	/^<!-- probe-table: begin -->$/ { print; while ((getline l < t) > 0) print l; skip = 1; next }
	/^<!-- probe-table: end -->$/ { skip = 0 }
	!skip { print }' "$doc" >"$doc.tmp"
mv "$doc.tmp" "$doc"
rm -f "$t"
