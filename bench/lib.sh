# Shared by the bench scripts (sourced): die MSG, and need CMD HINT (fails unless CMD runs).
die() {
	echo "bench: $*" >&2
	exit 1
}

need() {
	command -v "$1" >/dev/null || die "$1 is needed ($2)"
}
