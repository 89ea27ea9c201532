# Shared by the bench scripts (sourced): die MSG, need CMD HINT (fails unless CMD runs), and
# bench_workdir TEMPLATE.
die() {
	echo "bench: $*" >&2
	exit 1
}

need() {
	command -v "$1" >/dev/null || die "$1 is needed ($2)"
}

# bench_workdir TEMPLATE: makes the temporary directory $work (mktemp -d TEMPLATE) and, when the
# script exits, stops the server whose PID the script put in $server_pid (if any) and removes
# $work.
bench_workdir() {
	work=$(mktemp -d "$1")
	server_pid=
	trap bench_cleanup EXIT
}

bench_cleanup() {
	if [ -n "$server_pid" ]; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
